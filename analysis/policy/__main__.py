"""``python -m analysis.policy``: see :mod:`.cli`."""

from .cli import main

raise SystemExit(main())
