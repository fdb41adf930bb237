"""What an OPENed ADB stream does, by service name: shell (raw and shell protocol v2), exec, sync,
abb/abb_exec, backup/restore (bu), forwards to sockets the phone serves, framebuffer, reboot, root/unroot (AOSP SERVICES.TXT,
daemon/services.cpp, shell_protocol.h). Commands run in the phone's `Shell`; not the transport.
"""

from __future__ import annotations

import logging
import shlex
import socket
import struct
import threading
from typing import TYPE_CHECKING

from .shell.streams import BrokenPipe, Pipe

if TYPE_CHECKING:
    from .streams_adb import AdbStream

log = logging.getLogger(__name__)

# shell_protocol.h: packet = u8 id + u32 length + data
SHELL_PACKET = struct.Struct("<BI")
ID_STDIN, ID_STDOUT, ID_STDERR, ID_EXIT, ID_CLOSE_STDIN, ID_WINDOW_SIZE = 0, 1, 2, 3, 4, 5
SHELL_PACKET_MAX = 64 * 1024  # output goes out in packets of at most this; flushed at this size too
STDIN_PACKET_MAX = 1024 * 1024  # a longer stdin packet is not from an adb host: the stream is dropped
STDIN_PIPE = 1024 * 1024  # host data waiting for a command to read it
BROKEN_PIPE_STATUS = 141  # 128 + SIGPIPE, as mksh reports it
IDLE_FLUSH = 0.05  # seconds buffered output may wait for more before it goes out anyway
FORWARD_PREFIXES = ("tcp:", "localabstract:", "localreserved:", "localfilesystem:", "local:")


class OutputChannel:
    """Where a command's stdout and stderr go: framed as shell-protocol packets (v2) or raw bytes,
    buffered, in the order written. Writes raise BrokenPipe once the stream is closed."""

    def __init__(self, stream: AdbStream, v2: bool, crlf: bool = False):
        self.stream = stream
        self.v2 = v2
        self.crlf = crlf  # a pty turns \n into \r\n (ONLCR)
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._flusher: threading.Thread | None = None

    def write(self, packet_id: int, data: bytes | bytearray | memoryview) -> int:
        if self.stream.closed:
            raise BrokenPipe(32, "Broken pipe")
        size = len(data)
        if not size:
            return 0
        if self.crlf:
            data = bytes(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        with self._lock:
            if self.v2:
                view = memoryview(data).cast("B")
                for start in range(0, len(view), SHELL_PACKET_MAX):
                    chunk = view[start:start + SHELL_PACKET_MAX]
                    self._buf += SHELL_PACKET.pack(packet_id, len(chunk))
                    self._buf += chunk
            else:
                self._buf += data
            if len(self._buf) >= SHELL_PACKET_MAX:
                self._flush_locked()
            elif self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_when_idle, daemon=True,
                                                 name=f"adb-flush-{self.stream.local_id}")
                self._flusher.start()
        return size

    def _flush_when_idle(self) -> None:
        """Output of a command that never flushes (a pipe on a phone) still reaches the host soon."""
        while not self._done.wait(IDLE_FLUSH):
            if self._buf:
                try:
                    self.flush()
                except BrokenPipe:
                    return

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._buf:
            data, self._buf = self._buf, bytearray()
            self.stream.write(data)

    def exit(self, status: int) -> None:
        """Flush, then (v2) the exit packet: one byte, the status."""
        try:
            with self._lock:
                if self.v2:
                    self._buf += SHELL_PACKET.pack(ID_EXIT, 1) + bytes([status & 0xFF])
                self._flush_locked()
        finally:
            self._done.set()


class ChannelOutput:
    """One of a command's outputs (stdout or stderr) on an OutputChannel."""

    def __init__(self, channel: OutputChannel, packet_id: int):
        self.channel = channel
        self.packet_id = packet_id

    def write(self, data: bytes) -> int:
        return self.channel.write(self.packet_id, data)

    def flush(self) -> None:
        self.channel.flush()


def _pump_stdin(stream: AdbStream, pipe: Pipe, v2: bool, pty: bool) -> None:
    """Host data -> the command's stdin. v2: stdin packets, close-stdin ends it; raw: the bytes."""
    try:
        while True:
            if v2:
                packet_id, length = SHELL_PACKET.unpack(stream.read_exact(SHELL_PACKET.size))
                if length > STDIN_PACKET_MAX:
                    log.info("shell stream %d: stdin packet of %d bytes; closing", stream.local_id, length)
                    stream.close()
                    return
                data = stream.read_exact(length) if length else b""
                if packet_id == ID_CLOSE_STDIN:
                    pipe.close_write()
                    continue
                if packet_id != ID_STDIN:
                    continue  # window-size changes mean nothing without a real terminal
            else:
                data = stream.read()
                if not data:
                    return
            if pty:
                data = data.replace(b"\r", b"\n")  # ICRNL: the Enter key of a raw-mode terminal
            try:
                pipe.write(data)
            except (BrokenPipe, ValueError):
                pass  # the command stopped reading; keep draining so OKAYs keep flowing
    except EOFError:
        pass
    finally:
        pipe.close_write()


def run_command(phone, stream: AdbStream, command: str, *, v2: bool, pty: bool = False,
                env: dict[str, str] | None = None, merge_stderr: bool = False) -> int:
    """Run a command line (or, when empty, an interactive shell) with the stream as its terminal."""
    from .shell import Shell

    stream.accept()
    channel = OutputChannel(stream, v2, crlf=pty)
    stdout = ChannelOutput(channel, ID_STDOUT)
    stderr = stdout if (merge_stderr or pty or not v2) else ChannelOutput(channel, ID_STDERR)
    stdin = Pipe(STDIN_PIPE)
    pump = threading.Thread(target=_pump_stdin, args=(stream, stdin, v2, pty), daemon=True,
                            name=f"adb-stdin-{stream.local_id}")
    pump.start()
    shell = Shell(phone, env=env)
    status = 0
    try:
        if command.strip():
            status = shell.run(command, stdin, stdout, stderr, stream.cancelled)
        else:
            status = _interactive(phone, shell, stream, stdin, stdout, stderr, terminal=pty)
    except BrokenPipe:
        status = BROKEN_PIPE_STATUS
    except Exception as exc:  # noqa: BLE001 - report the failure to the host, keep the phone up
        log.exception("%s: command %r failed", phone.serial, command)
        try:
            stderr.write(f"/system/bin/sh: internal error: {exc}\n".encode())
        except BrokenPipe:
            pass
        status = 1
    try:
        channel.exit(status)
    except BrokenPipe:
        pass
    stdin.close_read()
    stream.close()
    return status


def _prompt(phone, shell) -> bytes:
    device = phone.props.get("ro.product.device", "localhost")
    return f"{device}:{getattr(shell, 'cwd', '/')} {'#' if phone.root else '$'} ".encode()


def _interactive(phone, shell, stream: AdbStream, stdin: Pipe, stdout: ChannelOutput,
                 stderr: ChannelOutput, terminal: bool) -> int:
    """`adb shell` with no command: read a command (more lines while it is incomplete, as for an
    open `if`), run it, until `exit` or the host leaves. On a terminal (pty) with prompts and echo,
    as mksh; without one (`... | adb shell`) silently."""
    status = 0
    text = ""
    while not stream.cancelled.is_set():
        if terminal:
            stdout.write(_prompt(phone, shell) if not text else b"> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if terminal:
            stdout.write(line)
        text += line.decode("utf-8", "surrogateescape")
        if not shell.is_complete(text):
            continue
        command, text = text.strip(), ""
        words = command.split()
        if words and words[0] == "exit" and len(words) <= 2:
            try:
                return int(words[1]) if len(words) > 1 else status
            except ValueError:
                return 2
        if command:
            status = shell.run(command, stdin, stdout, stderr, stream.cancelled)
        stdout.flush()
    return status


def _shell_service(phone, stream: AdbStream, name: str) -> None:
    """`shell[,v2][,raw|pty][,TERM=x]:command`; without raw/pty: pty when interactive, else raw."""
    head, _, command = name.partition(":")
    options = head.split(",")[1:]
    env = phone.default_env()
    for option in options:
        if option.startswith("TERM="):
            env["TERM"] = option[5:]
    pty = "pty" in options or ("raw" not in options and not command)
    run_command(phone, stream, command, v2="v2" in options, pty=pty, env=env)


def _abb_service(phone, stream: AdbStream, args: str, v2: bool) -> None:
    """`abb_exec:` (raw) / `abb:` (shell protocol): binder calls, here the `cmd` applet."""
    argv = ["cmd", *args.split("\0")] if args else ["cmd"]
    run_command(phone, stream, shlex.join(argv), v2=v2, merge_stderr=not v2)


def _forward_service(phone, stream: AdbStream, name: str) -> None:
    """`tcp:PORT`, `tcp:HOST:PORT`, `localabstract:NAME`...: connect to what the phone serves."""
    address = phone.lookup_port(name)
    if address is None and name.startswith("tcp:"):
        host, _, port = name[4:].rpartition(":")
        if host in ("localhost", "127.0.0.1", "::1"):
            address = phone.lookup_port(f"tcp:{port}")
    if address is None:
        stream.refuse()
        return
    try:
        sock = socket.create_connection(address, timeout=5)
    except OSError:
        stream.refuse()
        return
    sock.settimeout(None)
    stream.accept()

    def device_to_host() -> None:
        try:
            while True:
                data = sock.recv(256 * 1024)
                if not data:
                    break
                stream.write(data)
        except (OSError, BrokenPipe):
            pass
        finally:
            stream.close()

    reader = threading.Thread(target=device_to_host, daemon=True, name=f"adb-forward-{name}")
    reader.start()
    try:
        while True:
            data = stream.read()
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        stream.close()


def _say_and_close(stream: AdbStream, text: str) -> None:
    stream.accept()
    try:
        stream.write(text.encode())
        stream.wait_sent(timeout=5)  # the host reads the answer before adbd goes away
    except BrokenPipe:
        pass
    stream.close()


def _root_service(phone, stream: AdbStream, want_root: bool) -> None:
    """daemon/restart_service.cpp: the texts adb prints; 'restarting' makes it wait for a reconnect."""
    if want_root:
        if phone.props.get("ro.debuggable") != "1":
            _say_and_close(stream, "adbd cannot run as root in production builds\n")
            return
        if phone.root:
            _say_and_close(stream, "adbd is already running as root\n")
            return
        _say_and_close(stream, "restarting adbd as root\n")
    else:
        if not phone.root:
            _say_and_close(stream, "adbd not running as root\n")
            return
        _say_and_close(stream, "restarting adbd as non root\n")
    phone.root = want_root
    phone.props.set("service.adb.root", "1" if want_root else "0")
    phone.restart_adbd()


def _framebuffer_service(phone, stream: AdbStream) -> None:
    """`framebuffer:`: one DDMS raw image of the screen, then the stream closes (screencap fallback
    of old adb hosts, ddmlib, adbkit's framebuffer())."""
    stream.accept()
    try:
        stream.write(phone.system.screen.framebuffer())
        stream.wait_sent(timeout=30)  # the host reads every pixel before the stream closes
    except BrokenPipe:
        pass


def _reboot_service(phone, stream: AdbStream, target: str) -> None:
    """Like adbd, never answer and never close: the stream ends when the reboot takes the transport
    down, so `adb reboot && adb wait-for-device` waits for the phone that comes back, not the old one."""
    stream.accept()
    phone.reboot(target)
    stream.cancelled.wait(phone.config.shutdown_time + 30)  # set when the transport drops


def serve(phone, stream: AdbStream) -> None:
    """Run the service a host OPENed; unknown services are refused with CLSE."""
    name = stream.service
    try:
        if name.startswith("shell") and name[5:6] in (":", ","):
            _shell_service(phone, stream, name)
        elif name.startswith("exec:"):
            run_command(phone, stream, name[5:], v2=False, env=phone.default_env(), merge_stderr=True)
        elif name.startswith("backup:") or name == "restore:":
            # adbd services.cpp: `adb backup ARGS` opens "backup: ARGS" (shell-escaped by the client)
            # and runs bu as a raw subprocess, as `adb restore` runs `bu restore`
            command = "/system/bin/bu restore" if name == "restore:" else "/system/bin/bu backup" + name[len("backup:"):]
            run_command(phone, stream, command, v2=False, env=phone.default_env(), merge_stderr=True)
        elif name == "sync:" or name.startswith("sync:"):
            from .sync import serve_sync

            stream.accept()
            serve_sync(phone, stream)
        elif name.startswith("abb_exec:"):
            _abb_service(phone, stream, name[9:], v2=False)
        elif name.startswith("abb:"):
            _abb_service(phone, stream, name[4:], v2=True)
        elif name.startswith(FORWARD_PREFIXES):
            _forward_service(phone, stream, name)
        elif name in ("framebuffer:", "framebuffer"):
            _framebuffer_service(phone, stream)
        elif name.startswith("reboot:") or name == "reboot":
            _reboot_service(phone, stream, name.partition(":")[2])
        elif name in ("root:", "root"):
            _root_service(phone, stream, want_root=True)
        elif name in ("unroot:", "unroot"):
            _root_service(phone, stream, want_root=False)
        else:
            log.info("%s: no service %r", phone.serial, name)
            stream.refuse()
    except Exception:  # noqa: BLE001 - one failing service must not take the phone down
        log.exception("%s: service %r failed", phone.serial, name)
    finally:
        stream.close()
