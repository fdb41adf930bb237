"""Awk program text to tokens, one at a time, as one-true-awk's lex.c reads it: keywords, builtin
function names, string and number constants, and regular expressions (read on the parser's
request, since only it knows whether `/` divides). Not for the grammar (`parser`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = {"BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break", "continue",
            "next", "nextfile", "exit", "return", "delete", "in", "getline", "print", "printf"}
BUILTINS = {"length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos", "atan2",
            "exp", "log", "sqrt", "int", "rand", "srand", "tolower", "toupper", "system", "close", "fflush"}
OPERATORS = ("**=", "+=", "-=", "*=", "/=", "%=", "^=", "==", "<=", ">=", "!=", "++", "--", "&&", "||", ">>",
             "!~", "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<",
             "|", "?", ":", "~", "$", "=")
ESCAPES = {ord("n"): 10, ord("t"): 9, ord("f"): 12, ord("r"): 13, ord("b"): 8, ord("v"): 11, ord("a"): 7,
           ord("\\"): 92, ord('"'): 34, ord("/"): 47}

_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(rb"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_OCTAL = re.compile(rb"[0-7]{1,3}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,2}")


class AwkSyntaxError(Exception):
    """A program that does not parse; `pos` is where the lexer stood, `line` the source line."""

    def __init__(self, message: str, pos: int, line: int):
        super().__init__(message)
        self.pos = pos
        self.line = line


@dataclass
class Token:
    kind: str  # NUMBER STRING ERE NAME FUNC_NAME BUILTIN NEWLINE EOF, a keyword or an operator
    value: bytes
    start: int
    end: int
    line: int


def unescape(text: bytes, keep_unknown: bool = True) -> bytes:
    """Backslash escapes of a string constant or a -v value; an unknown `\\c` stays as both bytes
    (a string constant keeps only the c)."""
    if b"\\" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        i += 1
        if c != 92 or i >= len(text):
            out.append(c)
            continue
        d = text[i]
        if d in ESCAPES:
            out.append(ESCAPES[d])
            i += 1
        elif (octal := _OCTAL.match(text, i)) is not None:
            out.append(int(octal.group(0), 8) & 0xFF)
            i = octal.end()
        elif d == ord("x") and (hexa := _HEX.match(text, i + 1)) is not None:
            out.append(int(hexa.group(0), 16))
            i = hexa.end()
        else:
            out += bytes([92, d]) if keep_unknown else bytes([d])
            i += 1
    return bytes(out)


class Lexer:
    def __init__(self, source: bytes):
        self.source = source
        self.pos = 0
        self.line = 1

    def error(self, message: str = "syntax error") -> AwkSyntaxError:
        return AwkSyntaxError(message, self.pos, self.line)

    def next(self) -> Token:
        src = self.source
        while True:
            while self.pos < len(src) and src[self.pos] in b" \t\r":
                self.pos += 1
            if src.startswith(b"\\\n", self.pos):
                self.pos += 2
                self.line += 1
                continue
            if src.startswith(b"#", self.pos):
                end = src.find(b"\n", self.pos)
                self.pos = len(src) if end < 0 else end
                continue
            break
        start = self.pos
        if start >= len(src):
            return Token("EOF", b"", start, start, self.line)
        c = src[start]
        if c == 10:
            self.pos += 1
            self.line += 1
            return Token("NEWLINE", b"\n", start, self.pos, self.line - 1)
        if c == 34:
            return self._string(start)
        found = _NUMBER.match(src, start)
        if found:
            self.pos = found.end()
            return Token("NUMBER", found.group(0), start, self.pos, self.line)
        found = _NAME.match(src, start)
        if found:
            word = found.group(0)
            self.pos = found.end()
            name = word.decode()
            if name in KEYWORDS:
                kind = "function" if name == "func" else name
            elif name in BUILTINS:
                kind = "BUILTIN"
            elif src.startswith(b"(", self.pos):
                kind = "FUNC_NAME"
            else:
                kind = "NAME"
            return Token(kind, word, start, self.pos, self.line)
        for op in OPERATORS:
            if src.startswith(op.encode(), start):
                self.pos = start + len(op)
                return Token(op, op.encode(), start, self.pos, self.line)
        self.pos += 1
        raise self.error()

    def _string(self, start: int) -> Token:
        src = self.source
        i = start + 1
        while True:
            if i >= len(src) or src[i] == 10:
                self.pos = i
                raise self.error("non-terminated string " + src[start + 1:i].decode("latin-1") + "...")
            if src[i] == 92 and i + 1 < len(src):
                i += 2
                continue
            if src[i] == 34:
                break
            i += 1
        self.pos = i + 1
        return Token("STRING", unescape(src[start + 1:i], keep_unknown=False), start, self.pos, self.line)

    def regex(self, token: Token) -> Token:
        """Re-read `token` (a `/` or `/=`) as the start of a regular expression constant."""
        src = self.source
        i = token.start + 1
        out = bytearray()
        while True:
            if i >= len(src) or src[i] == 10:
                self.pos = i
                raise self.error("non-terminated regular expression " + out.decode("latin-1") + "...")
            if src[i] == 92 and i + 1 < len(src):
                if src[i + 1] == 47:
                    out.append(47)
                else:
                    out += src[i:i + 2]
                i += 2
                continue
            if src[i] == 47:
                break
            out.append(src[i])
            i += 1
        self.pos = i + 1
        return Token("ERE", bytes(out), token.start, self.pos, token.line)
