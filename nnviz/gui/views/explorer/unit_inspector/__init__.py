"""The unit inspector: one unit's numbers, weights and edits."""
