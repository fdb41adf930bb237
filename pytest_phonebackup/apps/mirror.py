"""The old command name of the reference tool, kept so scenario files written for it still run:
`python -m pytest_phonebackup.apps.mirror ...` is `python -m pytest_phonebackup.reference.mirror ...`.
"""

from __future__ import annotations

import runpy

if __name__ == "__main__":
    runpy.run_module("pytest_phonebackup.reference.mirror", run_name="__main__", alter_sys=True)
