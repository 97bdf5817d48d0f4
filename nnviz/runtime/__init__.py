"""Processes that work for the window: the training server, the map server, and the one
place that spawns them (with one BLAS thread). Never imports Qt."""
