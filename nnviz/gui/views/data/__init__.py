"""Data: sample images and statistics of the dataset."""
