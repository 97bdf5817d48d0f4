"""The drawing pad."""
