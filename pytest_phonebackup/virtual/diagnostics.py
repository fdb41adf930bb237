"""Diagnostics tools of /system/bin: bugreport, bugreportz, screenrecord, getevent, reboot,
run-as and app_process, with the texts the AOSP binaries print. Not for dumpsys (`dumpsys`),
logcat (`logcat`) or the screen itself (`screen`).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from datetime import datetime

from .androidtool import phone_of
from .permissions import app_user
from .shell.api import Context, applet
from .shell.streams import BytesOutput, EmptyInput

BUGREPORT_DIR = "/data/user_de/0/com.android.shell/files/bugreports"
MAX_RECORD_SECONDS = 180  # screenrecord.cpp: kMaxTimeLimitSec
FRAME_RATE = 10  # frames a second of the virtual screen in a recording

# frameworks/native/cmds/bugreport/bugreport.cpp: what the flat bugreport says since Android 11.
BUGREPORT_DEPRECATED = (
    "=============================================================================\n"
    "WARNING: Flat (text file, non-zipped) bugreports are deprecated.\n"
    "WARNING: Please generate zipped bugreports instead.\n"
    "WARNING: On the host use: adb bugreport filename.zip\n"
    "WARNING: On the device use: bugreportz\n"
    "WARNING: bugreportz will output the filename to use with adb pull.\n"
    "=============================================================================\n\n\n")


# -- reboot -----------------------------------------------------------------------------------
@applet("reboot")
def reboot(ctx: Context, argv: list[str]) -> int:
    """system/core/reboot: sets sys.powerctl and waits to be killed; here the phone reboots through
    the path `adb reboot` takes, and the command waits until the session drops."""
    args = [a for a in argv[1:] if a not in ("-n", "-f")]
    if any(a.startswith("-") and a != "-p" for a in args):
        ctx.stderr.write(b"usage: reboot [-n] [-p] [-f] [rebootcommand]\n")
        return 1
    target = "shutdown" if "-p" in args else next((a for a in args if a != "-p"), "")
    phone_of(ctx).reboot(target)
    ctx.cancelled.wait(phone_of(ctx).config.shutdown_time + 30)
    return 0


# -- run-as -----------------------------------------------------------------------------------
@applet("run-as")
def run_as(ctx: Context, argv: list[str]) -> int:
    """system/core/run-as: enter a debuggable package's data folder and run a command there."""
    args = argv[1:]
    if not args:
        ctx.stderr.write(b"usage: run-as <package-name> [--user <uid>] <command> [<args>]\n")
        return 1
    name, command = args[0], args[1:]
    if command[:1] == ["--user"]:
        command = command[2:]
    pkg = phone_of(ctx).system.packages.get(name)
    if pkg is None:
        ctx.stderr.write(f"run-as: unknown package: {name}\n".encode())
        return 1
    if not pkg.debuggable:
        ctx.stderr.write(f"run-as: package not debuggable: {name}\n".encode())
        return 1
    if ctx.shell is None:
        return 1
    return int(ctx.shell.run_argv(command or ["sh"], ctx.stdin, ctx.stdout, ctx.stderr, cwd=pkg.data_dir,
                                  user=app_user(pkg.uid)))


# -- app_process ------------------------------------------------------------------------------
@applet("app_process", "app_process64")
def app_process(ctx: Context, argv: list[str]) -> int:
    """frameworks/base/cmds/app_process: the virtual phone has no ART to start, so it ends as the
    real binary ends when it cannot load the class: the error, then an abort (SIGABRT)."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    if len(args) < 2:
        ctx.stderr.write(b"Error: no class name or --zygote supplied.\n"
                         b"Usage: app_process [java-options] cmd-dir start-class-name [options]\n")
        phone_of(ctx).system.log("appproc", "app_process: no class name or --zygote supplied.", "F")
        return 128 + 6
    class_name = args[1]
    phone_of(ctx).system.log("AndroidRuntime", f"ERROR: could not find class '{class_name}'", "E")
    ctx.stderr.write(f"ERROR: could not find class '{class_name}'\n".encode())
    return 128 + 6


# -- bugreport, bugreportz --------------------------------------------------------------------
@applet("bugreport")
def bugreport(ctx: Context, argv: list[str]) -> int:
    ctx.stderr.write(BUGREPORT_DEPRECATED.encode())
    return 0


def _capture(ctx: Context, argv: list[str]) -> bytes:
    out = BytesOutput()
    if ctx.shell is not None:
        ctx.shell.run_argv(argv, EmptyInput(), out, out)
    return out.getvalue()


def _report_text(ctx: Context, now: datetime) -> bytes:
    """The sections of dumpstate's main entry this phone can fill."""
    props = phone_of(ctx).props
    parts = [f"========================================================\n== dumpstate: {now:%Y-%m-%d %H:%M:%S}\n"
             "========================================================\n\n"
             f"Build: {props.get('ro.build.display.id')}\nBuild fingerprint: '{props.get('ro.build.fingerprint')}'\n"
             f"Bootloader: {props.get('ro.bootloader')}\nKernel: {_capture(ctx, ['uname', '-a']).decode().strip()}\n\n"
             .encode()]
    for title, command in (("SYSTEM PROPERTIES", ["getprop"]), ("PROCESSES AND THREADS", ["ps", "-A"]),
                           ("SYSTEM LOG", ["logcat", "-d", "-v", "threadtime"]),
                           ("DISK FREE", ["df", "-h"]), ("DUMPSYS", ["dumpsys", "diskstats"])):
        parts.append(f"------ {title} ({' '.join(command)}) ------\n".encode())
        parts.append(_capture(ctx, command) + b"\n")
    return b"".join(parts)


@applet("bugreportz")
def bugreportz(ctx: Context, argv: list[str]) -> int:
    """frameworks/native/cmds/bugreportz: a zipped bugreport; prints `OK:PATH` (with -p, progress
    lines before it), the path `adb pull` fetches."""
    args = argv[1:]
    if "-h" in args or any(a not in ("-p", "-s", "-v") for a in args):
        ctx.stderr.write(b"usage: bugreportz [-hpsv]\n  -h: to display this help message\n"
                         b"  -p: display progress\n  -s: stream content to standard output\n"
                         b"  -v: to display the version\n  or no arguments to generate a zipped bugreport\n")
        return 0 if "-h" in args else 1
    if "-v" in args:
        ctx.out("1.2\n")
        return 0
    props = phone_of(ctx).props
    now = datetime.now()
    base = f"bugreport-{props.get('ro.product.device')}-{props.get('ro.build.id')}-{now:%Y-%m-%d-%H-%M-%S}"
    path = f"{BUGREPORT_DIR}/{base}.zip"
    progress = "-p" in args
    if progress:
        ctx.out(f"BEGIN:{path}\n")
    text = _report_text(ctx, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{base}.txt", text)
        zf.writestr("main_entry.txt", f"{base}.txt")
        zf.writestr("version.txt", "2.0")
    if progress:
        for percent in (25, 50, 75, 100):
            ctx.out(f"PROGRESS:{percent}/100\n")
    if "-s" in args:
        ctx.out(buffer.getvalue())
        return 0
    try:
        storage = phone_of(ctx).storage  # dumpstate writes as root, into the shell's own folder
        storage.makedirs(BUGREPORT_DIR)
        storage.write_bytes(path, buffer.getvalue())
    except OSError as exc:
        ctx.out(f"FAIL:Could not write {path}: {exc.strerror}\n")
        return 1
    ctx.out(f"OK:{path}\n")
    return 0


# -- screenrecord -----------------------------------------------------------------------------
SCREENRECORD_HELP = (
    "Usage: screenrecord [options] <filename>\n\n"
    "Android screenrecord v1.4.  Records the device's display to a .mp4 file.\n\n"
    "Options:\n"
    "--size WIDTHxHEIGHT\n    Set the video size, e.g. \"1280x720\".  Default is the device's main\n"
    "    display resolution (if supported), 1280x720 if not.  For best results,\n"
    "    use a size supported by the AVC encoder.\n"
    "--bit-rate RATE\n    Set the video bit rate, in bits per second.  Value may be specified as\n"
    "    bits or megabits, e.g. '4000000' is equivalent to '4M'.  Default 20Mbps.\n"
    "--time-limit TIME\n    Set the maximum recording time, in seconds.  Default is 180. Set to 0\n"
    "    to remove the time limit.\n"
    "--verbose\n    Display interesting information on stdout.\n"
    "--help\n    Show this message.\n\n"
    "Recording continues until Ctrl-C is hit or the time limit is reached.\n\n")


def _record_mp4(ctx: Context, path: str, size: tuple[int, int], seconds: float, bit_rate: int) -> None:
    import av  # PyAV: a dependency of the package (media writers); loaded only when recording

    screen = phone_of(ctx).system.screen
    with tempfile.TemporaryDirectory(prefix="screenrecord-") as folder:
        local = os.path.join(folder, "out.mp4")
        with av.open(local, "w") as container:
            stream = container.add_stream("h264", rate=FRAME_RATE)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.bit_rate = bit_rate
            start = time.monotonic()
            frames = 0
            while frames == 0 or time.monotonic() - start < seconds:
                image = screen.render().resize(size)
                for packet in stream.encode(av.VideoFrame.from_image(image)):
                    container.mux(packet)
                frames += 1
                due = start + frames / FRAME_RATE
                if ctx.cancelled.wait(max(0.0, due - time.monotonic())):
                    break
            for packet in stream.encode():
                container.mux(packet)
        with open(local, "rb") as handle:
            ctx.storage.write_bytes(path, handle.read(), ctx.cwd)


@applet("screenrecord")
def screenrecord(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    width, height = phone_of(ctx).system.screen.size
    limit, bit_rate, verbose, files = float(MAX_RECORD_SECONDS), 20_000_000, False, []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        value = args[i] if i < len(args) else ""
        if arg == "--help":
            ctx.stderr.write(SCREENRECORD_HELP.encode())
            return 0
        if arg == "--verbose":
            verbose = True
        elif arg in ("--time-limit", "--size", "--bit-rate"):
            i += 1
            try:
                if arg == "--time-limit":
                    limit = float(int(value))
                    if not 0 <= limit <= MAX_RECORD_SECONDS:
                        raise ValueError
                elif arg == "--size":
                    width, height = (int(v) for v in value.lower().split("x"))
                else:
                    bit_rate = int(float(value[:-1]) * 1_000_000) if value.upper().endswith("M") else int(value)
            except ValueError:
                what = {"--time-limit": f"Invalid time limit {value}", "--size": f"Invalid size '{value}', "
                        "must be width x height", "--bit-rate": f"Invalid bit rate '{value}'"}[arg]
                ctx.stderr.write(f"{what}\n".encode())
                return 2
        elif arg.startswith("--"):
            ctx.stderr.write(f"Unknown option '{arg}'\n".encode())
            return 2
        else:
            files.append(arg)
    if len(files) != 1:
        ctx.stderr.write(b"Must specify output file (see --help).\n")
        return 2
    if verbose:
        ctx.out(f"Main display is {width}x{height} @60.00fps (orientation=ROTATION_0)\n"
                f"Configuring recorder for {width}x{height} video/avc at {bit_rate / 1e6:.2f}Mbps\n")
    seconds = limit if limit > 0 else float("inf")
    try:
        _record_mp4(ctx, files[0], (width // 2 * 2, height // 2 * 2), seconds, bit_rate)
    except OSError as exc:
        ctx.stderr.write(f"Unable to open '{files[0]}': {exc.strerror}\n".encode())
        return 1
    if verbose:
        ctx.out("Stopping encoder and muxer\n")
    return 0


# -- getevent ---------------------------------------------------------------------------------
# The input devices of the emulator's ranchu board, as toolbox's getevent names them.
INPUT_DEVICES = (
    ("/dev/input/event0", "qwerty2", "KEY (0001): 0001  0002  0003  0004  0066  0072  0073  0074  008b  009e  00d4  00e5  0100"),
    ("/dev/input/event1", "virtio_input_multi_touch_1",
     "ABS (0003): 002f  : value 0, min 0, max 9, fuzz 0, flat 0, resolution 0\n"
     "                0030  : value 0, min 0, max 2147483647, fuzz 0, flat 0, resolution 0\n"
     "                0035  : value 0, min 0, max 1079, fuzz 0, flat 0, resolution 0\n"
     "                0036  : value 0, min 0, max 2399, fuzz 0, flat 0, resolution 0\n"
     "                0039  : value 0, min 0, max 4294967295, fuzz 0, flat 0, resolution 0"),
)
EV_SYN, EV_KEY, EV_ABS = 0, 1, 3
BTN_TOUCH, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = 0x14A, 0x35, 0x36, 0x39


def _raw_events(kind: str, args: tuple) -> list[tuple[str, int, int, int]]:
    """The kernel events one `input` command makes, as (device, type, code, value)."""
    key, touch = INPUT_DEVICES[0][0], INPUT_DEVICES[1][0]
    if kind == "keyevent":
        code = int(args[0])
        return [(key, EV_KEY, code, 1), (key, EV_SYN, 0, 0), (key, EV_KEY, code, 0), (key, EV_SYN, 0, 0)]
    if kind in ("tap", "swipe"):
        points = [args[:2]] if kind == "tap" else [args[:2], args[2:4]]
        events = [(touch, EV_ABS, ABS_MT_TRACKING_ID, 0), (touch, EV_KEY, BTN_TOUCH, 1)]
        for x, y in points:
            events += [(touch, EV_ABS, ABS_MT_POSITION_X, int(x)), (touch, EV_ABS, ABS_MT_POSITION_Y, int(y)),
                       (touch, EV_SYN, 0, 0)]
        return events + [(touch, EV_ABS, ABS_MT_TRACKING_ID, 0xFFFFFFFF), (touch, EV_KEY, BTN_TOUCH, 0),
                         (touch, EV_SYN, 0, 0)]
    return []


@applet("getevent")
def getevent(ctx: Context, argv: list[str]) -> int:
    """toolbox getevent: lists the input devices (`-p`: with what they report), then prints the
    events the phone's input makes (`input tap`, `input keyevent`) until cancelled or `-c N`."""
    args = argv[1:]
    count, show_possible, quiet, label = 0, False, False, False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-c" and i < len(args):
            count, i = int(args[i]), i + 1
        elif arg.startswith("-c") and arg[2:].isdigit():
            count = int(arg[2:])
        elif arg.startswith("-") and all(c in "pqltrSvdnix" for c in arg[1:]):
            show_possible |= "p" in arg
            quiet |= "q" in arg
            label |= "l" in arg
        elif arg.startswith("-"):
            ctx.stderr.write(f"getevent: invalid option -- {arg[1:2]}\n".encode())
            return 1
    screen = phone_of(ctx).system.screen
    started = time.time()
    if not quiet:
        for number, (device, name, events) in reversed(list(enumerate(INPUT_DEVICES, 1))):
            ctx.out(f"add device {number}: {device}\n  name:     \"{name}\"\n")
            if show_possible:
                ctx.out(f"  events:\n    {events}\n  input props:\n"
                        f"    {'INPUT_PROP_DIRECT' if 'touch' in name else '<none>'}\n")
    if show_possible:
        return 0
    printed, seen = 0, 0
    while not ctx.cancelled.is_set():
        recent = [e for e in list(screen.events) if e.time >= started]
        for event in recent[seen:]:
            for device, kind, code, value in _raw_events(event.kind, event.args):
                ctx.out(f"{device}: {kind:04x} {code:04x} {value:08x}\n")
                printed += 1
                if count and printed >= count:
                    return 0
        seen = len(recent)
        ctx.cancelled.wait(0.05)
    return 0
