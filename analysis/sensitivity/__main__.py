"""``python -m analysis.sensitivity``: see :mod:`.cli`."""

from .cli import main

raise SystemExit(main())
