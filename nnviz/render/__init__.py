"""Offscreen PNGs of the charts, without a window: ``nnviz evaluate --png-dir``."""
