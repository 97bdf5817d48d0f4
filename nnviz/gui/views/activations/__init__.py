"""Activations: one test image through every layer."""
