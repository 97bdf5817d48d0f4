"""Curves: loss, accuracy, learning rate and gradient strength over training."""
