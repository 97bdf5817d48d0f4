"""The stepper: the forward and backward pass one step at a time, with equations."""
