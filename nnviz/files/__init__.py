"""Files written whole or not at all, and .npz members read without trusting their headers:
the bottom layer, shared by the engine (checkpoints) and the datasets (caches, downloads)."""
