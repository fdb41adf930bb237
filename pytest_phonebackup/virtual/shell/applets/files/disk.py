"""du, df, dd and mountpoint: sizes of trees, the phone's free space, block copies counted against
it, and its mount points.
Not for listings (`listing.py`).
"""

from __future__ import annotations

import os
import stat as st
import time

from ....procfs import MOUNTS
from ....storage import CountedWriter
from ...api import Context, applet
from ...interp import FileOutput
from ..options import UsageError, parse
from .base import CHUNK, FindError, atolx, device_of, entries, human, lookup, strerror, to_bytes, usage_guard
from .listing import FS_BLOCK, phone_statfs


# -- du / df ---------------------------------------------------------------------------------
@applet("du")
@usage_guard
def du(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "aLlHhkKmsxbc", "d")
    scale = 1024
    if "m" in opts:
        scale = 1024 * 1024
    if "b" in opts:
        scale = 1
    max_depth = int(opts.get("d")) if "d" in opts else (0 if "s" in opts else None)
    seen: set[tuple[int, int]] = set()
    status = 0
    grand = 0

    def size_of(info: os.stat_result) -> int:
        return info.st_size if "b" in opts else info.st_blocks * 512

    def show(total: int, path: str) -> None:
        if "h" in opts:
            text = human(total)
        elif "b" in opts:
            text = str(total)
        else:
            text = str((total + scale - 1) // scale)
        ctx.out(f"{text}\t{path}\n")

    def walk(path: str, host: str, info: os.stat_result, depth: int) -> int:
        key = (info.st_dev, info.st_ino)
        if info.st_nlink > 1 and not st.S_ISDIR(info.st_mode):
            if key in seen:
                return 0
            seen.add(key)
        total = size_of(info)
        if st.S_ISDIR(info.st_mode):
            try:
                children = entries(host, "L" in opts, ctx, device_of(ctx, host))
            except OSError as exc:
                ctx.err(f"{path}: {strerror(exc)}")
                return total
            for name, child_host, child in children:
                total += walk(f"{path.rstrip('/')}/{name}" if path != "/" else "/" + name, child_host,
                              child, depth + 1)
            if max_depth is None or depth <= max_depth:
                show(total, path)
        elif ("a" in opts and (max_depth is None or depth <= max_depth)) or depth == 0:
            show(total, path)
        return total

    for path in opts.operands or ["."]:
        try:
            host, info = lookup(ctx, path, "L" in opts or "H" in opts)
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
            continue
        grand += walk(path, host, info, 0)
    if "c" in opts:
        show(grand, "total")
    return status


@applet("df")
@usage_guard
def df(ctx: Context, argv: list[str]) -> int:
    """The phone's partitions; /data (and the shared storage on it) shows the phone's capacity."""
    opts = parse(argv, "HPkhia", "t")
    total_blocks, free_blocks, _avail = phone_statfs(ctx)
    data_total = total_blocks * FS_BLOCK
    data_free = free_blocks * FS_BLOCK
    sizes = {"/dev": (2 * 1024**3, 2 * 1024**3), "/": (2 * 1024**3, 0), "/system": (1 * 1024**3, 0),
             "/data": (data_total, data_free), "/storage/emulated": (data_total, data_free)}
    sources = {m.target: m.source for m in MOUNTS if m.in_df}  # the same mounts /proc/mounts lists
    mounts = [(sources[target], target, size, free) for target, (size, free) in sizes.items()]
    if opts.operands:
        chosen = []
        status = 0
        for path in opts.operands:
            try:
                device = ctx.storage.resolve(path, ctx.cwd).device
                ctx.storage.stat(device)
            except OSError as exc:
                status = ctx.fail(f"{path}: {strerror(exc)}")
                continue
            best = max((m for m in mounts if device == m[1] or device.startswith(m[1].rstrip("/") + "/")),
                       key=lambda m: len(m[1]))
            chosen.append(best)
        if not chosen:
            return status
    else:
        status = 0
        chosen = mounts
    rows = []
    for source, target, size, free in chosen:
        used = size - free
        if "h" in opts:
            cells = [human(size), human(used), human(free)]
        else:
            cells = [str(size // 1024), str(used // 1024), str(free // 1024)]
        # toybox: used / (used + available), rounded up
        percent = (used * 100 + used + free - 1) // (used + free) if used + free else 0
        rows.append([source] + cells + [f"{percent}%", target])
    header = (["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted on"] if "h" in opts
              else ["Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    widths[0] = max(widths[0], 14) if "h" not in opts else max(widths[0], 15)
    for row in [header] + rows:
        ctx.out(f"{row[0]:<{widths[0]}} " + " ".join(f"{row[i]:>{widths[i]}}" for i in range(1, 5))
                + f" {row[5]}\n")
    return status


# -- dd --------------------------------------------------------------------------------------
def dd_number(text: str) -> int:
    try:
        return atolx(text)
    except FindError as exc:
        raise UsageError(str(exc)) from None


@applet("dd")
def dd(ctx: Context, argv: list[str]) -> int:
    """toybox dd: if= of= bs= ibs= obs= count= skip= seek= conv=notrunc,sync,noerror status=none."""
    settings: dict[str, str] = {}
    for arg in argv[1:]:
        key, eq, value = arg.partition("=")
        if not eq or key not in ("if", "of", "bs", "ibs", "obs", "count", "skip", "seek", "conv",
                                 "status", "iflag", "oflag"):
            return ctx.fail(f"bad arg {arg}")
        settings[key] = value
    try:
        ibs = dd_number(settings.get("ibs", settings.get("bs", "512")))
        obs = dd_number(settings.get("obs", settings.get("bs", "512")))
        count = dd_number(settings["count"]) if "count" in settings else None
        skip = dd_number(settings.get("skip", "0"))
        seek = dd_number(settings.get("seek", "0"))
    except UsageError as exc:
        return ctx.fail(str(exc))
    conv = set(filter(None, settings.get("conv", "").split(",")))
    storage = ctx.storage
    started = time.monotonic()
    source = None
    close_source = None
    if "if" in settings:
        path = settings["if"]
        try:
            close_source = source = storage.open_read(path, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{path}: {strerror(exc)}")
    else:
        source = ctx.stdin
    sink = ctx.stdout
    writer = None
    if "of" in settings:
        path = settings["of"]
        try:
            writer = open_for_dd(storage, path, ctx.cwd, "notrunc" in conv)
        except OSError as exc:
            if close_source:
                close_source.close()
            return ctx.fail(f"{path}: {strerror(exc)}")
        if seek and isinstance(writer, CountedWriter):  # character devices ignore lseek
            os.lseek(writer.fileno(), seek * obs, os.SEEK_SET)
        sink = FileOutput(writer)
    full_in = part_in = full_out = part_out = 0
    total = 0
    status = 0
    pending = b""
    try:
        if skip:
            if close_source is not None:
                close_source.seek(skip * ibs)
            else:
                left = skip * ibs
                while left > 0:
                    chunk = source.read(min(left, CHUNK))
                    if not chunk:
                        break
                    left -= len(chunk)
        while count is None or full_in + part_in < count:
            if ctx.cancelled.is_set():
                break
            block = read_full(source, ibs)
            if not block:
                break
            if len(block) == ibs:
                full_in += 1
            else:
                part_in += 1
                if "sync" in conv:
                    block += bytes(ibs - len(block))
            pending += block
            while len(pending) >= obs:
                sink.write(pending[:obs])
                total += obs
                full_out += 1
                pending = pending[obs:]
        if pending:
            sink.write(pending)
            total += len(pending)
            part_out += 1
    except OSError as exc:
        status = ctx.fail(f"{settings.get('of', 'standard output')}: {strerror(exc)}")
    finally:
        if writer is not None:
            writer.close()
            if isinstance(writer, InPlaceWriter):
                settle_overwrite(storage, writer)
        if close_source is not None:
            close_source.close()
    if settings.get("status") != "none":
        elapsed = max(time.monotonic() - started, 1e-9)
        ctx.stderr.write(to_bytes(
            f"{full_in}+{part_in} records in\n{full_out}+{part_out} records out\n"
            f"{total} bytes ({human_si(total)}) copied, {elapsed:f} s, {human_si(total / elapsed)}/s\n"
            if settings.get("status") != "noxfer" else
            f"{full_in}+{part_in} records in\n{full_out}+{part_out} records out\n"))
    return status


class InPlaceWriter(CountedWriter):
    """dd conv=notrunc: writes over existing bytes; remembers the size it started from."""

    def __init__(self, storage, fd: int, device_path: str):
        super().__init__(storage, fd, device_path)
        self.size_before = os.fstat(fd).st_size


def open_for_dd(storage, path: str, cwd: str, keep: bool) -> CountedWriter:
    """dd's output: truncated, or (conv=notrunc) opened in place so seek= can overwrite the middle."""
    res = storage.resolve(path, cwd)
    if not keep or storage.kernel is not None and storage.kernel.owns(res.device):
        return storage.open_write(path, cwd)
    fd = os.open(res.host, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    return InPlaceWriter(storage, fd, res.device)


def settle_overwrite(storage, writer: InPlaceWriter) -> None:
    """Bytes written over existing data took no new space: give back what was reserved for them."""
    try:
        grown = os.lstat(storage.host(writer.device_path)).st_size - writer.size_before
    except OSError:
        return
    storage.release(max(0, writer.written - max(0, grown)))


def human_si(value: float) -> str:
    """dd's transfer figures: `5.0 K`-style decimal units as toybox prints them."""
    units = ["B", "kB", "MB", "GB", "TB"]
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    return f"{value:.1f} {units[unit]}"


def read_full(source, size: int) -> bytes:
    parts = []
    want = size
    while want > 0:
        chunk = source.read(want)
        if not chunk:
            break
        parts.append(chunk)
        want -= len(chunk)
    return b"".join(parts)


# -- mountpoint (toys/other/mountpoint.c) ---------------------------------------------------------
# The phone's mounts' device numbers: dm-0 and dm-1 (device-mapper), the emulator's virtio disk
# vdc, and the anonymous 0:N of each virtual file system, in the order the kernel mounted them.
_ANONYMOUS = {"/dev": 0x11, "/dev/pts": 0x12, "/proc": 0x15, "/sys": 0x16, "/sys/fs/selinux": 0x17,
              "/mnt": 0x19, "/apex": 0x1A, "/storage": 0x1F, "/storage/emulated": 0x2C,
              "/mnt/user/0/emulated": 0x2C}
_BLOCK = {"/": (253, 0), "/system": (253, 1), "/data": (254, 32)}


def _mount_of(device: str) -> str:
    """The mount a phone path lies on: the longest mount target above it."""
    targets = [m.target for m in MOUNTS if device == m.target or device.startswith(m.target.rstrip("/") + "/")]
    return max(targets, key=len)


def mount_device(device: str) -> tuple[int, int]:
    """(major, minor) of the mount a phone path lies on: its files' st_dev on a phone."""
    mount = _mount_of(device)
    return _BLOCK.get(mount, (0, _ANONYMOUS.get(mount, 0)))


@applet("mountpoint")
@usage_guard
def mountpoint(ctx: Context, argv: list[str]) -> int:
    """Whether a folder is a mount point of the phone's mount table (what /proc/mounts lists)."""
    opts = parse(argv, "qdx")
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "mountpoint --help")')
    if "d" in opts and "x" in opts:  # "[-dx]": the later one wins
        last = [arg for arg in argv[1:] if arg.startswith("-") and ("d" in arg or "x" in arg)][-1]
        opts.values.pop("x" if last.rfind("d") > last.rfind("x") else "d")
    path = opts.operands[0]
    quiet = "q" in opts

    def not_a(kind: str) -> int:
        if not quiet:
            ctx.out(f"{path}: not a {kind}\n")
        return 1

    try:
        info = ctx.storage.lstat(path, ctx.cwd)
    except OSError as exc:
        return 1 if quiet else ctx.fail(f"{path}: {strerror(exc)}")
    if "x" in opts:
        # the shell user cannot reach /dev/block's nodes, and the phone's storage models none
        return not_a("block device")
    if not st.S_ISDIR(info.st_mode):
        return not_a("directory")
    device = ctx.storage.resolve(path, ctx.cwd, follow=False).device
    status = 0 if device == _mount_of(device) else 1
    if "d" in opts:
        major, minor = mount_device(device)
        ctx.out(f"{major}:{minor}\n")
    elif not quiet:
        ctx.out(f"{path} is {'not ' if status else ''}a mountpoint\n")
    return status
