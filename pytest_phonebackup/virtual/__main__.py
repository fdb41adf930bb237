"""`python -m pytest_phonebackup.virtual [--port P] [--api N] ...`: start a virtual phone and serve it
until Ctrl-C, SIGTERM or `adb emu kill` — the same as `phonebackup phone up`. Nothing else lives here.
"""

import sys

from .cli import main_up

if __name__ == "__main__":
    sys.exit(main_up())
