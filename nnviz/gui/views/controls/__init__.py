"""Controls: the hyperparameters, the architecture editor and their texts."""
