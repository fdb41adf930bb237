"""toybox's kernel and SELinux commands on the phone, as Android 14 answers the shell user (uid 2000):
SELinux is enforcing, the kernel log is closed (dmesg_restrict=1), modules, swap, loop devices and
chroot need root, and /proc/sys reads through `sysctl`. Texts follow toybox 0.8.9 (toys/lsb,
toys/other, toys/android); not for mounts (`mounts`) or processes (`processes`, `monitoring`).
"""

from __future__ import annotations

import posixpath
import stat

from .diagnostics import INPUT_DEVICES
from .procfs import kernel_identity
from .shell.api import Context, applet

CHROOT_FAILED = 125  # toybox chroot exits 125 when it cannot enter the folder (as env/timeout do)


def check_operands(ctx: Context, count: int, args: list[str], most: int | None = None) -> int | None:
    """toybox's lib/args.c check of a command's operand count; the exit status, or None when fine."""
    if len(args) < count:
        # lib/args.c: "Needs 1 argument", but "Need 2 arguments"
        wording = "Needs 1 argument" if count == 1 else f"Need {count} arguments"
        return ctx.fail(f'{wording} (see "{ctx.argv0} --help")')
    if most is not None and len(args) > most:
        return ctx.fail(f'Max {most} argument{"s" if most != 1 else ""} (see "{ctx.argv0} --help")')
    return None


def _not_root(ctx: Context) -> int | None:
    """TOYFLAG_NEEDROOT: toybox refuses before the command runs."""
    if ctx.phone.root:
        return None
    return ctx.fail(f'Not root (see "{ctx.argv0} --help")')


# -- SELinux ------------------------------------------------------------------------------------
@applet("getenforce")
def getenforce(ctx: Context, argv: list[str]) -> int:
    ctx.out("Enforcing\n" if ctx.phone.kernel.selinux_enforcing else "Permissive\n")
    return 0


@applet("setenforce")
def setenforce(ctx: Context, argv: list[str]) -> int:
    """toys/android/setenforce.c: /sys/fs/selinux/enforce is root's; userdebug root may switch it
    until the next boot."""
    args = argv[1:]
    refused = check_operands(ctx, 1, args, 1)
    if refused is not None:
        return refused
    mode = args[0]
    if mode == "1" or mode.lower() == "enforcing":
        enforcing = True
    elif mode == "0" or mode.lower() == "permissive":
        enforcing = False
    else:
        return ctx.fail(f"Invalid mode '{mode}'")
    if not ctx.phone.root:
        return ctx.fail(f"Couldn't set enforcing status to '{mode}': Permission denied")
    ctx.phone.kernel.selinux_enforcing = enforcing
    return 0


def _exists(ctx: Context, path: str) -> bool:
    try:
        ctx.storage.lstat(path, ctx.cwd)
    except OSError:
        return False
    return True


@applet("chcon")
def chcon(ctx: Context, argv: list[str]) -> int:
    """toys/android/chcon.c: the shell domain may not relabel files (relabelfrom is denied)."""
    args = [a for a in argv[1:] if not (a.startswith("-") and set(a[1:]) <= set("hvR"))]
    refused = check_operands(ctx, 2, args)
    if refused is not None:
        return refused
    context, status = args[0], 0
    for path in args[1:]:
        if not _exists(ctx, path):
            ctx.err(f"{path}: No such file or directory")
        elif not ctx.phone.root:
            ctx.err(f"'{path}' to {context}: Permission denied")
        else:
            ctx.err(f"'{path}' to {context}: Invalid argument")  # not a context in the loaded policy
        status = 1
    return status


@applet("restorecon")
def restorecon(ctx: Context, argv: list[str]) -> int:
    """toys/android/restorecon.c: every file already has its file_contexts label, so a restore is
    a no-op; a missing file fails as selinux_android_restorecon fails."""
    args = [a for a in argv[1:] if not (a.startswith("-") and set(a[1:]) <= set("DFnRrv"))]
    status = 0
    for path in args:
        if not _exists(ctx, path):
            ctx.err(f"restorecon failed: {path}: No such file or directory")
            status = 1
    return status


@applet("runcon")
def runcon(ctx: Context, argv: list[str]) -> int:
    """toys/android/runcon.c: setexeccon needs `process setexec`, which the shell domain lacks."""
    refused = check_operands(ctx, 2, argv[1:])
    if refused is not None:
        return refused
    reason = "Permission denied" if not ctx.phone.root else "Invalid argument"
    return ctx.fail(f"Could not set context to {argv[1]}: {reason}")


# -- the kernel log -------------------------------------------------------------------------------
@applet("dmesg")
def dmesg(ctx: Context, argv: list[str]) -> int:
    """toys/lsb/dmesg.c: /dev/kmsg is closed to the shell user, so toybox falls back to klogctl,
    which kernel.dmesg_restrict=1 refuses without CAP_SYSLOG."""
    if not ctx.phone.root:
        return ctx.fail("klogctl: Operation not permitted")
    if any(a.startswith("-") and ("C" in a or "n" in a) for a in argv[1:]):
        return 0
    ident = kernel_identity(ctx.phone.props)
    raw = "-r" in argv[1:]
    plain = "-t" in argv[1:]
    lines = [(0.0, 5, f"Linux version {ident['r']} (build-user@build-host) {ident['v']}"),
             (0.0, 6, "Command line: androidboot.hardware=ranchu androidboot.serialconsole=0"),
             (0.012, 6, "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'"),
             (0.21, 6, "virtio_blk virtio2: [vda] 4194304 512-byte logical blocks"),
             (1.4, 6, "init: init first stage started!"),
             (2.9, 5, "init: Loading SELinux policy"),
             (3.1, 5, "SELinux:  policy capability network_peer_controls=1"),
             (4.7, 6, "init: starting service 'adbd'...")]
    for when, level, text in lines:
        prefix = f"<{level}>" if raw else ""
        stamp = "" if plain else f"[{int(when):5d}.{round(when % 1 * 1e6):06d}] "
        ctx.out(f"{prefix}{stamp}{text}\n")
    return 0


# -- modules, swap, loop devices, chroot ------------------------------------------------------------
@applet("insmod")
def insmod(ctx: Context, argv: list[str]) -> int:
    refused = _not_root(ctx) or check_operands(ctx, 1, argv[1:])
    if refused is not None:
        return refused
    if not _exists(ctx, argv[1]):
        return ctx.fail(f"{argv[1]}: No such file or directory")
    return ctx.fail(f"failed to load {argv[1]}: Exec format error")  # not a module for this kernel


@applet("lsmod")
def lsmod(ctx: Context, argv: list[str]) -> int:
    """toys/lsb/lsmod.c: /proc/modules as a table."""
    with ctx.storage.open_read("/proc/modules") as fh:
        text = fh.read().decode()
    ctx.out(f"{'Module':<23} Size  Used by\n")
    for line in text.splitlines():
        name, size, refs, users = line.split()[:4]
        if users.endswith((",", "-")):
            users = users[:-1]
        ctx.out(f"{name:<19} {size:>8}  {refs} {users}\n")
    return 0


@applet("swapon", "swapoff")
def swap(ctx: Context, argv: list[str]) -> int:
    refused = _not_root(ctx) or check_operands(ctx, 1, [a for a in argv[1:] if not a.startswith("-")])
    if refused is not None:
        return refused
    return ctx.fail(f"{argv[-1]}: Invalid argument")  # no swap signature there


@applet("losetup")
def losetup(ctx: Context, argv: list[str]) -> int:
    """toys/other/losetup.c: the loop devices are root's (brw------- in /dev/block)."""
    args = argv[1:]
    operands = [a for a in args if not a.startswith("-")]
    if not operands and not any(a in ("-a", "-f", "-af") for a in args):
        return ctx.fail('needs 1 arg (see "losetup --help")')
    if ctx.phone.root:
        return 0 if not operands else ctx.fail(f"{operands[0]}: No such device or address")
    name = operands[0] if operands else "/dev/loop-control"
    return ctx.fail(f"{name}: Permission denied")


@applet("chroot")
def chroot(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if not args:
        ctx.err('Needs 1 argument (see "chroot --help")')
        return CHROOT_FAILED
    try:
        info = ctx.storage.stat(args[0], ctx.cwd)
    except OSError as exc:
        ctx.err(f"{args[0]}: {exc.strerror}")
        return CHROOT_FAILED
    if not stat.S_ISDIR(info.st_mode):
        ctx.err(f"{args[0]}: Not a directory")
        return CHROOT_FAILED
    if not ctx.phone.root or ctx.shell is None:
        ctx.err(f"{args[0]}: Operation not permitted")
        return CHROOT_FAILED
    # adb root on the emulator: only a chroot into / keeps the phone's commands reachable
    if posixpath.normpath(args[0]) != "/":
        ctx.err(f"{args[0]}: Operation not permitted")
        return CHROOT_FAILED
    return int(ctx.shell.run_argv(args[1:] or ["/system/bin/sh"], ctx.stdin, ctx.stdout, ctx.stderr, cwd="/"))


# -- /proc/sys -----------------------------------------------------------------------------------
def _sysctl_paths(ctx: Context, folder: str) -> list[str]:
    found = []
    for entry in ctx.storage.listdir(folder):
        path = f"{folder}/{entry.name}"
        if stat.S_ISDIR(ctx.storage.stat(path).st_mode):
            found += _sysctl_paths(ctx, path)
        else:
            found.append(path)
    return sorted(found)


@applet("sysctl")
def sysctl(ctx: Context, argv: list[str]) -> int:
    """toys/other/sysctl.c: KEY reads /proc/sys/KEY (dots for slashes), KEY=VALUE (or -w) writes."""
    flags = set()
    operands = []
    for arg in argv[1:]:
        if arg.startswith("-") and len(arg) > 1:
            flags |= set(arg[1:])
        else:
            operands.append(arg)
    if "a" in flags or "A" in flags:
        operands = ["."]
    if not operands:
        return ctx.fail('Needs 1 arg (see "sysctl --help")')
    status = 0
    for operand in operands:
        key, equals, value = operand.partition("=")
        if "w" in flags and not equals:
            ctx.err(f"'{key}' not key=value")
            status = 1
            continue
        path = "/proc/sys" if key == "." else "/proc/sys/" + key.replace(".", "/")
        if not _exists(ctx, path):
            if "e" not in flags:
                ctx.err(f"unknown key '{key}'")
                status = 1
            continue
        if equals:
            if not ctx.phone.root:
                ctx.err(f"key '{key}': Permission denied")
                status = 1
                continue
            ctx.err(f"key '{key}': Invalid argument")
            status = 1
            continue
        paths = _sysctl_paths(ctx, path) if stat.S_ISDIR(ctx.storage.stat(path).st_mode) else [path]
        for file_path in paths:
            with ctx.storage.open_read(file_path) as fh:
                text = fh.read().decode().rstrip("\n")
            name = file_path[len("/proc/sys/"):].replace("/", ".")
            ctx.out(text + "\n" if "n" in flags else f"{name} = {text}\n")
    return status


# -- input -----------------------------------------------------------------------------------------
@applet("sendevent")
def sendevent(ctx: Context, argv: list[str]) -> int:
    """toys/android/sendevent.c: writes one input_event to a /dev/input device (the shell user is in
    the input group); the phone has the emulator's devices that `getevent` lists."""
    args = argv[1:]
    refused = check_operands(ctx, 4, args, 4)
    if refused is not None:
        return refused
    if args[0] not in {device for device, _name, _events in INPUT_DEVICES}:
        return ctx.fail(f"{args[0]}: No such file or directory")
    return 0
