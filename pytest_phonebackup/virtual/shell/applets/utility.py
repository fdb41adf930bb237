"""Toybox's small utilities that need neither files nor processes: uuidgen. Formats and
messages follow toybox 0.8.9. Not for commands about the session (`running`) or text (`text`).
"""

from __future__ import annotations

import uuid

from ..api import Context, applet
from .options import UsageError, parse


@applet("uuidgen")
def uuidgen(ctx: Context, argv: list[str]) -> int:
    """An RFC 4122 version 4 (random) UUID, as toys/other/uuidgen.c makes."""
    try:
        opts = parse(argv)
        if opts.operands:
            raise UsageError('Max 0 arguments (see "uuidgen --help")')
    except UsageError as exc:
        return ctx.fail(str(exc))
    ctx.out(f"{uuid.uuid4()}\n")
    return 0
