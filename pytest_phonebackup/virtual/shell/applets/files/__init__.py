"""Toybox's file applets on the phone's storage: ls, stat, find, xargs, cp, mv, rm, mkdir, rmdir,
touch, ln, readlink, realpath, basename, dirname, du, df, dd, mountpoint, tar, cpio, split, install,
mkfifo, mknod, fallocate, fsync, flock, chattr, patch and `sh`
itself. Output
formats and messages follow toybox 0.8.9 (what Android 14 ships). Not for text filters
(`..text`) or Android tools; every path goes through `Storage` (never the host's own lookup).
"""

from __future__ import annotations

from . import (
    archives,
    base,
    commands,
    compress,
    copying,
    cpio,
    disk,
    filetype,
    find,
    install,
    listing,
    nodes,
    patch,
    paths,
    perms,
    settle,
    split,
)

#: The modules declaring file applets (for `Applets.collect`).
MODULES = (base, listing, find, copying, paths, disk, archives, compress, filetype, commands, perms, split, nodes,
           install, cpio, settle, patch)
