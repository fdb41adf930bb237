"""toybox `mount` and `umount` on the phone: listing what /proc/mounts shows, and failing to change
it the way toybox 0.8.9 fails on Android 14, where there is no /etc/fstab to allow user mounts.
The phone's mount table is fixed (procfs.MOUNTS); not for `df` or `mountpoint` (files/disk.py).
"""

from __future__ import annotations

import re

from .shell.api import Context, applet

NO_FSTAB = "bad /etc/fstab: No such file or directory"  # toybox xgetmountlist("/etc/fstab") on Android


def mounted(ctx: Context) -> list[tuple[str, str, str, str]]:
    """(source, target, type, options) of each line of /proc/mounts as the asking command reads it."""
    with ctx.storage.open_read("/proc/mounts") as fh:
        text = fh.read().decode()
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            source, target, kind, options = (re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), f)
                                             for f in fields[:4])
            rows.append((source, target, kind, options))
    return rows


@applet("mount")
def mount(ctx: Context, argv: list[str]) -> int:
    """toys/lsb/mount.c: no operands lists the mounts (`-t TYPE` filters); anything else needs root,
    or an fstab line with `user`, which Android never has."""
    kind, options, operands = None, [], []
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in ("-t", "-o", "-O") and i < len(args):
            if arg == "-t":
                kind = args[i]
            elif arg == "-o":
                options += args[i].split(",")
            i += 1
        elif arg.startswith("-t") and len(arg) > 2:
            kind = arg[2:]
        elif arg.startswith("-o") and len(arg) > 2:
            options += arg[2:].split(",")
        elif not arg.startswith("-") or arg == "-":
            operands.append(arg)
    if len(operands) > 2:
        ctx.stderr.write(b"mount: Max 2 arguments\n\n")
        return 1
    if not operands and "-a" not in args:
        for source, target, fstype, opts in mounted(ctx):
            if kind is None or fstype == kind:
                ctx.out(f"{source} on {target} type {fstype} ({opts})\n")
        return 0
    if "remount" in options:
        target = operands[-1] if operands else "/"
        entry = next((m for m in reversed(mounted(ctx)) if m[1] == target.rstrip("/") or m[1] == target), None)
        if entry is None:
            return ctx.fail(f"'{target}' not in /proc/mounts")
        if not ctx.phone.root:
            return ctx.fail(f"'{entry[0]}' not user mountable in fstab")
        return ctx.fail(f"'{entry[0]}'->'{entry[1]}': Operation not permitted")
    if not ctx.phone.root or len(operands) < 2:
        return ctx.fail(NO_FSTAB)
    return ctx.fail(f"'{operands[0]}'->'{operands[1]}': Operation not permitted")


@applet("umount")
def umount(ctx: Context, argv: list[str]) -> int:
    """toys/lsb/umount.c: as the shell user it reads /etc/fstab for `user` mounts and finds none;
    root is refused by the kernel (the phone's filesystems are busy, other paths are no mounts)."""
    operands = [a for a in argv[1:] if not a.startswith("-")]
    if not operands and "-a" not in argv[1:]:
        return ctx.fail("Need 1 arg or -a")
    if not ctx.phone.root:
        return ctx.fail(NO_FSTAB)
    status = 0
    targets = {m[1] for m in mounted(ctx)}
    for path in operands:
        reason = "Device or resource busy" if path.rstrip("/") in targets or path == "/" else "Invalid argument"
        ctx.err(f"{path}: {reason}")
        status = 1
    return status
