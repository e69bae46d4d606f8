"""``python -m calibration``: the same as ``tcsd calibrate`` (the command tree of :mod:`cli`).

Kept so that existing scripts keep working; the command line itself lives in the
front-end package ``cli`` (this entry point is the only place that imports it).
"""

import sys

from cli import main

if __name__ == "__main__":
    sys.exit(main(["calibrate", *sys.argv[1:]]))
