"""The first applets: ls (names only), rm, mkdir. Replaced by `files`."""

from __future__ import annotations

from ..api import Context, applet


@applet("ls")
def ls(ctx: Context, argv: list[str]) -> int:
    status = 0
    for path in argv[1:] or ["."]:
        try:
            for entry in ctx.storage.listdir(path, ctx.cwd):
                if not entry.name.startswith("."):
                    ctx.out(entry.name + "\n")
        except OSError as exc:
            status = ctx.fail(f"{path}: {exc.strerror}")
    return status


@applet("rm")
def rm(ctx: Context, argv: list[str]) -> int:
    flags = {a for a in argv[1:] if a.startswith("-")}
    recursive = any("r" in f or "R" in f for f in flags)
    force = any("f" in f for f in flags)
    status = 0
    for path in (a for a in argv[1:] if not a.startswith("-")):
        try:
            if recursive:
                ctx.storage.remove_tree(path, ctx.cwd)
            else:
                ctx.storage.unlink(path, ctx.cwd)
        except OSError as exc:
            if not (force and exc.errno == 2):
                status = ctx.fail(f"{path}: {exc.strerror}")
    return status


@applet("mkdir")
def mkdir(ctx: Context, argv: list[str]) -> int:
    parents = "-p" in argv[1:]
    status = 0
    for path in (a for a in argv[1:] if not a.startswith("-")):
        try:
            if parents:
                ctx.storage.makedirs(path, ctx.cwd)
            else:
                ctx.storage.mkdir(path, ctx.cwd)
        except OSError as exc:
            status = ctx.fail(f"{path}: {exc.strerror}")
    return status
