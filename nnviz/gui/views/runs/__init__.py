"""Runs and the model library; curves of several runs compared."""
