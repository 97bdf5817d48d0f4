"""Weights: receptive fields and weight matrices (weights, gradients, updates)."""
