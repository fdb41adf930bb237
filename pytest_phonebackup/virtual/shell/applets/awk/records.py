"""Records and fields as one-true-awk cuts them: reading records by RS (a character, paragraph
mode for RS="", a regular expression when longer), splitting them by FS, and the current record
whose fields rebuild $0 with OFS when assigned. Not for what a program does with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import StrNum, Value, to_str

CHUNK = 65536
Compile = Callable[[bytes], Any]  # a regular expression (awk syntax) to a compiled pattern


def split_text(text: bytes, fs: bytes, compile_re: Compile, newline_separates: bool) -> list[bytes]:
    """`text` cut by FS: " " is runs of blanks and newlines, one other character is itself
    (and a newline too when `newline_separates`), "" is every byte, anything longer a regex."""
    if fs == b" ":
        return text.replace(b"\t", b" ").replace(b"\n", b" ").split()
    if not text:
        return []
    if fs == b"":
        return [text[i:i + 1] for i in range(len(text))]
    if len(fs) == 1 and fs != b"\\":
        if newline_separates and fs != b"\n":
            text = text.replace(b"\n", fs)
        return text.split(fs)
    pattern = compile_re(fs)
    pieces: list[bytes] = []
    pos = 0
    for found in pattern.finditer(text):
        if found.end() > found.start() and found.start() >= pos:
            pieces.append(text[pos:found.start()])
            pos = found.end()
    pieces.append(text[pos:])
    return pieces


class RecordReader:
    """Records from one input stream, read in chunks as they are needed."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.buffer = b""
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.stream.read(CHUNK)
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def read(self, rs: bytes, compile_re: Compile) -> bytes | None:
        if rs == b"":
            return self._paragraph()
        if len(rs) == 1:
            start = 0
            while True:
                cut = self.buffer.find(rs, start)
                if cut >= 0:
                    record, self.buffer = self.buffer[:cut], self.buffer[cut + 1:]
                    return record
                start = len(self.buffer)
                if not self._fill():
                    return self._rest()
        while self._fill():
            pass
        found = next((m for m in compile_re(rs).finditer(self.buffer) if m.end() > m.start()), None)
        if found is None:
            return self._rest()
        record, self.buffer = self.buffer[:found.start()], self.buffer[found.end():]
        return record

    def _rest(self) -> bytes | None:
        record, self.buffer = self.buffer, b""
        return record if record else None

    def _paragraph(self) -> bytes | None:
        while True:
            stripped = self.buffer.lstrip(b"\n")
            if stripped or not self._fill():
                self.buffer = stripped
                break
        while True:
            cut = self.buffer.find(b"\n\n")
            if cut >= 0:
                record, rest = self.buffer[:cut], self.buffer[cut:]
                while rest.strip(b"\n") == b"" and self._fill():
                    rest = self.buffer[cut:]
                self.buffer = rest.lstrip(b"\n")
                return record
            if not self._fill():
                record = self.buffer.rstrip(b"\n")
                self.buffer = b""
                return record if record else None


class Record:
    """$0 and its fields: split on first use with the FS of the time the record was read,
    and $0 rebuilt with the OFS of the moment a field (or NF) changes."""

    def __init__(self, compile_re: Compile):
        self.compile_re = compile_re
        self.text: Value = StrNum(b"")
        self.fields: list[Value] | None = []
        self.fs = b" "
        self.paragraph = False

    def set(self, text: bytes, fs: bytes, paragraph: bool) -> None:
        self.text = StrNum(text)
        self.fields = None
        self.fs, self.paragraph = fs, paragraph

    def split(self) -> list[Value]:
        if self.fields is None:
            text = self.text if isinstance(self.text, bytes) else b""
            self.fields = [StrNum(f) for f in split_text(text, self.fs, self.compile_re, self.paragraph)]
        return self.fields

    def get(self, index: int, convfmt: bytes) -> Value:
        if index == 0:
            return self.text
        fields = self.split()
        return fields[index - 1] if index <= len(fields) else StrNum(b"")

    def rebuild(self, ofs: bytes, convfmt: bytes) -> None:
        self.text = ofs.join(to_str(f, convfmt) for f in self.split())

    def put(self, index: int, value: Value, ofs: bytes, convfmt: bytes) -> None:
        if index == 0:
            text = to_str(value, convfmt)
            self.set(text, self.fs, self.paragraph)
            return
        fields = self.split()
        while len(fields) < index:
            fields.append(StrNum(b""))
        fields[index - 1] = value
        self.rebuild(ofs, convfmt)

    def nf(self) -> int:
        return len(self.split())

    def set_nf(self, count: int, ofs: bytes, convfmt: bytes) -> None:
        fields = self.split()
        del fields[count:]
        while len(fields) < count:
            fields.append(StrNum(b""))
        self.rebuild(ofs, convfmt)
