"""What the views and the CLI compute from a network, in NumPy: traces of one example, the
stepper's steps and their equations, cell-by-cell arithmetic, unit edits, "Learn this",
evaluation and robustness, maps of the representation, drawing preprocessing, notation."""
