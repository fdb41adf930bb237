"""`python -m benchmarks [name ...] [--option ...]`: run every benchmark here, or the named ones.
Each is a module with `main(argv) -> int` that prints its figures against the raw tool; options go
to every benchmark run (each ignores what it does not know). Not for assertions: tests do that."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not info.name.startswith("_"))


def main(argv: list[str]) -> int:
    # names first, then options for the benchmarks: `transfer --size 256M --repeat 5`
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
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
