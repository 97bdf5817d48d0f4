"""The runs of a session and the model library on disk."""
