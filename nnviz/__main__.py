"""``python -m nnviz``: see :mod:`nnviz.cli`."""

from nnviz.cli import main

raise SystemExit(main())
