"""``python -m xjwc_desktop`` behaves like ``xjwc``."""

import sys

from xjwc_desktop.cli import main

sys.exit(main())
