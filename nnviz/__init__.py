"""nnviz: watch a from-scratch NumPy neural network learn handwritten digits."""

__version__ = "0.1.0"
