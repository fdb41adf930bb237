"""Writing files on this computer so a reader never finds half of one: every manifest, report and
JSON or CSV file the package writes goes through `write_atomic` here. Not for files on a phone (phone/).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson


@contextmanager
def write_atomic(path: str | Path, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text file that replaces `path` only once the block finishes: it is written under a temporary
    name in the same folder, flushed and fsynced, then renamed over `path` (os.replace). When the
    block raises, the temporary file goes and the old `path` keeps its bytes."""
    with _replacing(path, "w", encoding, newline) as out:
        yield out


@contextmanager
def write_atomic_bytes(path: str | Path) -> Iterator[IO[bytes]]:
    """`write_atomic` for bytes."""
    with _replacing(path, "wb") as out:
        yield out


@contextmanager
def _replacing(path: str | Path, mode: str, encoding: str | None = None, newline: str | None = None) -> Iterator[Any]:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as out:
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


def json_bytes(data: Any, *, default: Callable[[Any], Any] | None = None, indented: bool = True,
               sort_keys: bool = False) -> bytes:
    """`data` as UTF-8 JSON ending in a newline, indented by two spaces unless not `indented`
    (orjson: a 10,000-item manifest in milliseconds, where the json module's indenting takes a second)."""
    options = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
    options |= (orjson.OPT_INDENT_2 if indented else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    return orjson.dumps(data, default=default, option=options)


def write_json(path: str | Path, data: Any, *, default: Callable[[Any], Any] | None = None,
               indented: bool = True, sort_keys: bool = False) -> Path:
    """Replace `path` with `data` as JSON (`json_bytes`) atomically; an object that cannot be
    serialised leaves the old file as it was."""
    payload = json_bytes(data, default=default, indented=indented, sort_keys=sort_keys)
    with write_atomic_bytes(path) as out:
        out.write(payload)
    return Path(path)


