"""toybox's network commands on the phone: ifconfig shows the emulator's interfaces as the
connectivity state has them (wlan0 while Wi-Fi is connected, eth0 while mobile data is), netstat
shows no sockets of the shell's own, nc connects a TCP stream (the phone's network is the host's
loopback), and changing an interface is refused without CAP_NET_ADMIN. Also inotifyd. Texts
follow toybox 0.8.9 (toys/net/ifconfig.c, netstat.c, netcat.c, toys/other/inotifyd.c).
"""

from __future__ import annotations

import socket
import threading

from .androidtool import phone_of
from .kerneltools import check_operands
from .network import MOBILE_IP, WIFI_IP
from .shell.api import Context, applet

SIOCSIFFLAGS, SIOCSIFADDR = 0x8914, 0x8916  # linux/sockios.h: the ioctls ifconfig's changes use


def _interfaces(ctx: Context) -> list[tuple[str, str, str, str]]:
    """(name, hardware line, IPv4 address, IPv6 line) of each interface that is up."""
    network = phone_of(ctx).system.network
    found = [("lo", "Local Loopback", "127.0.0.1", "::1/128 Scope: Host")]
    if network.wifi_connected:
        found.append(("wlan0", "Ethernet  HWaddr 02:15:b2:00:00:00", WIFI_IP, "fe80::15:b2ff:fe00:0/64 Scope: Link"))
    if network.mobile_connected:
        found.append(("eth0", "Ethernet  HWaddr 02:15:b2:00:00:01", MOBILE_IP, "fe80::15:b2ff:fe00:1/64 Scope: Link"))
    return found


def _ifconfig_block(name: str, hardware: str, address: str, inet6: str) -> str:
    loopback = name == "lo"
    mask = "255.0.0.0" if loopback else "255.255.255.0"
    broadcast = "" if loopback else f"  Bcast:{address.rsplit('.', 1)[0]}.255"
    flags = "UP LOOPBACK RUNNING  MTU:65536" if loopback else "UP BROADCAST RUNNING MULTICAST  MTU:1500"
    return (f"{name:<10}Link encap:{hardware}  \n"
            f"          inet addr:{address}{broadcast}  Mask:{mask} \n"
            f"          inet6 addr: {inet6}\n"
            f"          {flags}  Metric:1\n"
            "          RX packets:0 errors:0 dropped:0 overruns:0 frame:0 \n"
            "          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0 \n"
            f"          collisions:0 txqueuelen:{1000} \n"
            "          RX bytes:0 TX bytes:0 \n\n")


@applet("ifconfig")
def ifconfig(ctx: Context, argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "-a"]
    interfaces = {i[0]: i for i in _interfaces(ctx)}
    if not args:
        ctx.out("".join(_ifconfig_block(*i) for i in interfaces.values()))
        return 0
    name = args[0]
    if name not in interfaces:
        return ctx.fail(f"{name}: No such device")
    if len(args) == 1:
        ctx.out(_ifconfig_block(*interfaces[name]))
        return 0
    if ctx.phone.root:
        return 0  # root may; the phone's connectivity does not follow it
    request = SIOCSIFFLAGS if args[1] in ("up", "down", "promisc", "-promisc", "arp", "-arp") else SIOCSIFADDR
    return ctx.fail(f"ioctl {request:x}: Operation not permitted")


@applet("netstat")
def netstat(ctx: Context, argv: list[str]) -> int:
    """The sockets of the shell user's processes (none listen); toybox prints its headers."""
    flags = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    inet = not any(c in flags for c in "xw") or any(c in flags for c in "tu")
    servers = "l" in flags
    which = "(only servers)" if servers else "(w/o servers)"
    if "a" in flags:
        which = "(servers and established)"
    if inet or "a" in flags:
        ctx.out(f"Active Internet connections {which}\n"
                f"{'Proto':<6}{'Recv-Q':<7}{'Send-Q':<7}{'Local Address':<24}{'Foreign Address':<24}{'State':<11}\n")
    if "x" in flags or (not any(c in flags for c in "tuw") and not flags.replace("n", "").replace("l", "")):
        ctx.out(f"Active UNIX domain sockets {which}\n"
                "Proto RefCnt Flags       Type       State         I-Node   Path\n")
    return 0


@applet("nc", "netcat")
def nc(ctx: Context, argv: list[str]) -> int:
    """`nc HOST PORT`: a TCP stream between stdin/stdout and the server (toys/net/netcat.c)."""
    args = argv[1:]
    timeout: float | None = None
    operands = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in ("-w", "-W", "-q") and i < len(args):
            timeout = float(args[i]) if args[i].isdigit() else None
            i += 1
        elif arg.startswith("-") and len(arg) > 1 and arg[1] in "46UtuLlp":
            if arg[1] in "lLp":
                return ctx.fail("bind: Permission denied")  # ports below 1024 and netd's firewall
        elif arg.startswith("-") and len(arg) > 1:
            return ctx.fail(f"Unknown option '{arg[1]}' (see \"nc --help\")")
        else:
            operands.append(arg)
    if len(operands) != 2:
        return ctx.fail('bad argument count (see "nc --help")')
    host, port = operands
    if not port.isdigit():
        return ctx.fail(f"bad port '{port}'")
    try:
        conn = socket.create_connection(("127.0.0.1" if host == "localhost" else host, int(port)), timeout=timeout or 10)
    except socket.gaierror:
        return ctx.fail(f"bad address '{host}'")
    except OSError as exc:
        return ctx.fail(f"connect: {exc.strerror or exc}")
    conn.settimeout(None)

    def send() -> None:
        try:
            while chunk := ctx.stdin.read(65536):
                conn.sendall(chunk)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=send, daemon=True).start()
    with conn:
        while not ctx.cancelled.is_set():
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            ctx.out(data)
    return 0


@applet("inotifyd")
def inotifyd(ctx: Context, argv: list[str]) -> int:
    """toys/other/inotifyd.c: runs PROG for each event on the watched paths until interrupted."""
    args = argv[1:]
    refused = check_operands(ctx, 2, args)
    if refused is not None:
        return refused
    for spec in args[1:]:
        path = spec.rsplit(":", 1)[0] if ":" in spec else spec
        if not ctx.storage.exists(path, ctx.cwd):
            return ctx.fail(f"{path}: Invalid argument")  # inotify_add_watch
    ctx.cancelled.wait()
    return 0
