"""The engine: a from-scratch NumPy multilayer perceptron and its training. Never imports Qt.

Layers, activations, losses, initialisers, optimisers, schedules, augmentation, metrics, the
:class:`~nnviz.engine.training.Trainer`, presets, checkpoints, and the frozen snapshots of a
run that every other layer reads."""
