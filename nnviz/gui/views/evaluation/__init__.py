"""Evaluation: accuracy, confusion, mistakes, confidence threshold and robustness."""
