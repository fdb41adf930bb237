"""Toybox's text applets on the virtual phone: cat, head, tail, wc, grep, sort, uniq, cut, tr,
echo, printf, seq, yes, tee, tac, rev, nl, paste, comm, strings, cksum, diff, dos2unix,
unix2dos, expand, uuencode,
uudecode, fmt, iconv. Output formats, exit statuses and error texts follow toybox 0.8.9
(and mksh for its builtin `echo`). All but sort stream; sed lives in `..sed`, hashes in `..hashing`.
"""

from __future__ import annotations

from . import base, compare, convert, encodings, fields, grep, lines, paragraphs, printing, reading, sorting

#: The modules declaring text applets (for `Applets.collect`).
MODULES = (base, reading, grep, sorting, fields, printing, lines, compare, convert, paragraphs,
           encodings)
