"""Writing files on this computer so a reader never finds half of one: every manifest, report and
JSON or CSV file the package writes goes through `write_atomic` here. Not for files on a phone (phone/).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def write_atomic(path: str | Path, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text file that replaces `path` only once the block finishes: it is written under a temporary
    name in the same folder, flushed and fsynced, then renamed over `path` (os.replace). When the
    block raises, the temporary file goes and the old `path` keeps its bytes."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes 0600: keep the mode of the file replaced, else the usual rw-r--r--
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Replace `path` with `text` (UTF-8) atomically."""
    with write_atomic(path) as out:
        out.write(text)
    return Path(path)


def write_json(path: str | Path, data: Any, *, default: Callable[[Any], Any] | None = None,
               indent: int | None = 1, sort_keys: bool = False) -> Path:
    """Replace `path` with `data` as JSON atomically; serialised as it is written, so an object that
    cannot be serialised part-way through leaves the old file as it was."""
    with write_atomic(path) as out:
        json.dump(data, out, indent=indent, ensure_ascii=False, sort_keys=sort_keys, default=default)
        out.write("\n")
    return Path(path)


