"""The command line: ``nnviz train | evaluate | download | presets | gui``."""
