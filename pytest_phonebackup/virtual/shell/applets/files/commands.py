"""xargs and sh: applets that run other commands (in a child shell of the one calling them).
Not for the shell language itself (`..interp`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...api import Context, applet
from ...interp import Interp
from ...streams import EmptyInput
from ..options import parse
from .base import CHUNK, XARGS_MAX_BYTES, strerror, to_bytes, usage_guard


# -- xargs -----------------------------------------------------------------------------------
def xargs_items(ctx: Context, nul: bool, lines: bool) -> Iterator[str]:
    """Arguments from stdin as they arrive (whitespace-separated, NUL-separated, or lines)."""
    pending = b""
    sep = b"\0" if nul else b"\n"
    while True:
        chunk = ctx.stdin.read(CHUNK)
        if chunk:
            pending += chunk
        if nul or lines:
            while True:
                cut = pending.find(sep)
                if cut < 0:
                    break
                item, pending = pending[:cut], pending[cut + 1:]
                if lines:
                    item = item.lstrip(b" \t")
                if item or nul:
                    yield item.decode("utf-8", "surrogateescape")
        else:
            parts = pending.split()
            if chunk and pending and not pending[-1:].isspace():
                pending = parts.pop() if parts else b""
            else:
                pending = b""
            for part in parts:
                yield part.decode("utf-8", "surrogateescape")
        if not chunk:
            if pending and (nul or lines):
                tail = pending.lstrip(b" \t") if lines else pending
                if tail:
                    yield tail.decode("utf-8", "surrogateescape")
            elif pending:
                yield pending.decode("utf-8", "surrogateescape")
            return


@applet("xargs")
@usage_guard
def xargs(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "0rtp", "nIsEL", stop_at_operand=True)
    command = opts.operands or ["echo"]
    per_command = int(opts.get("n", "0") or 0)
    replace = opts.get("I")
    status = 0
    ran = False

    def run(args: list[str]) -> bool:
        nonlocal status, ran
        ran = True
        if replace is not None:
            full = [word.replace(replace, args[0]) for word in command]
        else:
            full = command + args
        if "t" in opts:
            ctx.stderr.write(to_bytes("".join(word + " " for word in full) + "\n"))  # toybox's spacing
        if ctx.shell.lookup_applet(full[0]) is None and full[0] not in ctx.shell.functions:
            ctx.err(f"exec {full[0]}: No such file or directory")
            status = 127
            return False
        rc = ctx.shell.run_argv(full, EmptyInput(), ctx.stdout, ctx.stderr)
        if rc == 255:
            status = 124
            return False
        if rc:
            status = 123
        return True

    batch: list[str] = []
    size = 0
    eof = opts.get("E")
    for item in xargs_items(ctx, "0" in opts, replace is not None):
        if ctx.cancelled.is_set() or (eof is not None and item == eof):
            break
        if replace is not None:
            if not run([item]):
                return status
            continue
        batch.append(item)
        size += len(item) + 1
        if (per_command and len(batch) >= per_command) or size >= XARGS_MAX_BYTES:
            if not run(batch):
                return status
            batch, size = [], 0
    if batch or (not ran and replace is None and "r" not in opts):
        run(batch)
    return status


# -- sh --------------------------------------------------------------------------------------
@applet("sh", "mksh")
def sh(ctx: Context, argv: list[str]) -> int:
    """`sh -c 'CMD' [NAME ARGS...]`, `sh FILE [ARGS...]`, or a script on stdin."""
    args = argv[1:]
    command = None
    while args and args[0].startswith("-") and args[0] != "-":
        flag = args.pop(0)
        if flag == "--":
            break
        if "c" in flag[1:]:
            if not args:
                ctx.stderr.write(b"/system/bin/sh: -c: option requires an argument\n")
                return 1
            command = args.pop(0)
            break  # what follows is $0 and the arguments, even a "--"
    name = "/system/bin/sh"
    if command is None and args:
        script = args.pop(0)
        try:
            with ctx.storage.open_read(script, ctx.cwd) as handle:
                command = handle.read().decode("utf-8", "surrogateescape")
        except OSError as exc:
            ctx.stderr.write(to_bytes(f"/system/bin/sh: {script}: {strerror(exc)}\n"))
            return 127
        name = script
    elif command is not None and args:
        name = args.pop(0)
    if command is None:
        command = ctx.stdin.read().decode("utf-8", "surrogateescape")
    child = Interp(ctx.phone, dict(ctx.env), ctx.cwd, name, args, ctx.cancelled, ctx.applets.copy())
    child.run_as = getattr(ctx.shell, "run_as", None)  # a child shell runs as its parent's user
    return child.run(command, ctx.stdin, ctx.stdout, ctx.stderr)
