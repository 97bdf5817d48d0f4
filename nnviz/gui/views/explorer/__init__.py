"""Draw and step: the pad, the answer, the diagram, the stepper, cells, the unit
inspector and "Learn this", kept on one probe."""
