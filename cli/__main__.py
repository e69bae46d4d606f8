"""``python -m cli``: the command tree of :mod:`cli` (installed as ``tcsd``)."""

import sys

from cli import main

if __name__ == "__main__":
    sys.exit(main())
