"""``python -m nnviz`` is the same front door as the ``nnviz`` console script."""

from nnviz.cli.main import main

# Guarded: the training process is started with "spawn", which imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
