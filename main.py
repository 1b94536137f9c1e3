"""Start the application (same as the ``xjwc`` command)."""

import sys

from xjwc_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
