"""Toybox's install: cp of single files that then get mode 0755 (or -m MODE), folders made with -d,
leading folders with -D; as toybox 0.8.9's install_main() in toys/posix/cp.c. Not for copying
trees (`copying`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st

from ...api import Context, applet
from ..options import Options, UsageError, parse
from .base import ANDROID_IDS, strerror, usage_guard
from .copying import copy_one, make_parents
from .perms import new_mode

_IDS = {name: number for number, name in ANDROID_IDS.items()}
FOLDER_MODE = 0o777 & ~0o022  # mkpathat(0777) under adb shell's umask


@applet("install")
@usage_guard
def install(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "cdDpsv", "tmog", {"preserve-timestamps": "p"})
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "install --help")')
    for letter, kind in (("o", "user"), ("g", "group")):
        # xgetuid()/xgetgid(): Android's names or numbers. Ownership is then given with cp -p's
        # fchown(), whose failure only root hears of: the shell user's copies stay its own.
        if letter in opts and str(opts.get(letter)) not in _IDS and not str(opts.get(letter)).isdigit():
            return ctx.fail(f"bad {kind} '{opts.get(letter)}'")
    if "d" in opts:
        status = 0
        for path in opts.operands:
            if "v" in opts:
                ctx.out(path + "\n")
            try:
                make_parents(ctx, path, FOLDER_MODE)
            except OSError as exc:
                status = ctx.fail(f"{path}: {strerror(exc)}")
        return status
    target = str(opts.get("t")) if "t" in opts else opts.operands[-1]
    if "D" in opts:
        folder = target if "t" in opts else posixpath.dirname(target)
        try:
            if folder:
                make_parents(ctx, folder, FOLDER_MODE)
        except OSError as exc:
            return ctx.fail(f"-D '{target}': {strerror(exc)}")
        if len(opts.operands) == (0 if "t" in opts else 1):
            return 0
    sources = opts.operands if "t" in opts else opts.operands[:-1]
    if not sources:
        raise UsageError("Needs 2 arguments")
    try:
        into_folder = st.S_ISDIR(ctx.storage.stat(target, ctx.cwd).st_mode)
    except OSError:
        into_folder = False
    if len(sources) > 1 and not into_folder:
        return ctx.fail(f"'{target}' not directory")
    copy_flags = Options({"F": [True]} | ({"v": [True]} if "v" in opts else {})
                         | ({"p": [True]} if opts.values.keys() & {"p", "o", "g"} else {}))
    status = 0
    for src in sources:
        dest = posixpath.join(target, posixpath.basename(src.rstrip("/"))) if into_folder else target
        try:
            mode = ctx.storage.stat(src, ctx.cwd).st_mode
        except OSError:
            mode = 0
        empty_file = st.S_ISDIR(mode) and "m" not in opts  # -m keeps the type bits: cp skips it
        if "m" in opts:
            try:
                mode = new_mode(str(opts.get("m")), mode)
            except ValueError:
                return ctx.fail(f"bad mode '{opts.get('m')}'")
        else:
            mode = 0o755
        if empty_file:
            # install_node() gives every source mode 0755, a folder included: cp then copies
            # it as a file, and reading a folder yields nothing, so an empty file appears
            if "v" in opts:
                ctx.out(f"install '{src}'\n")
            try:
                ctx.storage.open_write(dest, ctx.cwd, mode=0o755).close()
            except OSError as exc:
                status = ctx.fail(f"{dest}: {strerror(exc)}")
                continue
        elif copy_one(ctx, copy_flags, src, dest, recursive=False):
            status = 1
            continue
        try:
            ctx.storage.chmod(dest, mode & 0o7777, ctx.cwd)
        except OSError:
            pass
        if "s" in opts:
            # xrun("strip", "-p", DEST): Android's /system/bin has no strip, so its exec fails
            ctx.err(f"exec strip: {os.strerror(errno.ENOENT)}")
            status = 1
    return status
