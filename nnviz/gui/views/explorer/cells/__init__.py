"""Cell by cell: one layer's matrix arithmetic, every cell hoverable."""
