"""system/core/toolbox on the phone: `start` and `stop` (init's services through ctl.start and
ctl.stop, root only) and the `toolbox` multiplexer itself. getprop, setprop and getevent, its other
tools, live with the state they read (`system`, `diagnostics`).
"""

from __future__ import annotations

from .androidtool import phone_of
from .shell.api import Context, applet

# toolbox/tools.h after `toolbox` itself: what plain `toolbox` lists. Android 14 also builds
# modprobe in; the emulator image links no /system/bin/modprobe to it, nor does this phone.
TOOLBOX_TOOLS = ("getevent", "getprop", "setprop", "start", "stop")
# toolbox/start.cpp ControlDefaultServices: what a bare `start` / `stop` acts on (zygote64 only
# on a 64-bit image, so no zygote_secondary).
DEFAULT_SERVICES = ("netd", "surfaceflinger", "audioserver", "zygote")


@applet("start", "stop")
def start_stop(ctx: Context, argv: list[str]) -> int:
    """toolbox/start.cpp: `Must be root` for anyone else; init refuses services it does not know."""
    starting = ctx.argv0 == "start" or argv[0].endswith("start")
    if not ctx.phone.root:
        ctx.stderr.write(b"Must be root\n")
        return 1
    if argv[1:] == ["--help"]:
        verb = "start" if starting else "stop"
        ctx.out(f"usage: {verb} [SERVICE...]\n\n{'Starts' if starting else 'Stops'} the given system service, "
                "or netd/surfaceflinger/zygotes.\n")
        return 0
    props = phone_of(ctx).props
    services = argv[1:] or list(DEFAULT_SERVICES if starting else reversed((*DEFAULT_SERVICES, "zygote_compat")))
    for service in services:
        known = props.get(f"init.svc.{service}") != "" or service in DEFAULT_SERVICES or service == "zygote_compat"
        if not known:
            ctx.stderr.write(f"Unable to {'start' if starting else 'stop'} service '{service}'\n"
                             "See dmesg for error reason.\n".encode())
            return 1
        props.set(f"init.svc.{service}", "running" if starting else "stopped")
    return 0


@applet("toolbox")
def toolbox(ctx: Context, argv: list[str]) -> int:
    """toolbox/toolbox.c: `toolbox NAME ARGS` runs one of its tools; alone it lists them."""
    if len(argv) == 1:
        ctx.out(" ".join(TOOLBOX_TOOLS) + "\n")
        return 0
    name = argv[1].rsplit("/", 1)[-1]
    func = ctx.applets.get(name) if name in (*TOOLBOX_TOOLS, "toolbox") else None
    if func is None:
        ctx.out(f"{argv[1]}: no such tool\n")
        return 127
    ctx.argv0 = name
    return func(ctx, argv[1:]) or 0
