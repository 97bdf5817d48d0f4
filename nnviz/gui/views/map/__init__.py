"""The map of the representation (PCA / t-SNE of any layer)."""
