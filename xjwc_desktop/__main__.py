"""``python -m xjwc_desktop`` behaves like ``xjwc``."""

import sys

from xjwc_desktop.cli import main

# Guarded: a child process the import preview spawns (core/exchange/isolated.py) must not
# start the program again.
if __name__ == "__main__":
    sys.exit(main())
