"""``python -m nnviz`` is the same front door as the ``nnviz`` console script."""

from nnviz.cli import main

raise SystemExit(main())
