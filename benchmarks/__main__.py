"""`python -m benchmarks [name ...]`: run every benchmark module in this folder, or the named ones.

A benchmark is a module here with `main(argv: list[str]) -> int` that prints its figures (MB/s
and the ratio against the raw tool measured in the same run). Not for assertions: tests do that.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not info.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = [arg for arg in argv if not arg.startswith("-")]
    options = [arg for arg in argv if arg.startswith("-")]
    known = available()
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"no benchmark named {', '.join(unknown)}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    status = 0
    for name in names or known:
        print(f"== benchmark {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        status |= module.main(options)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
