"""The emulator console of the virtual phone: the telnet-like text protocol real Android emulators
serve on their even console port (auth token, `avd name`, `kill`, `network`, `power`, snapshots),
so `adb emu ...`, Android Studio and scripts drive it as they drive the SDK emulator.
Not for the ADB transport (see `adbd`) or anything inside the phone (see `system`).
"""

from __future__ import annotations

import base64
import errno
import hmac
import logging
import os
import re
import shutil
import socket
import stat as statmod
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOKEN_FILE_NAME = ".emulator_console_auth_token"  # emulator console_auth.cpp and adb client/console.cpp
MAX_LINE = 4095  # console.cpp keeps a 4096-byte line buffer and starts over when it overflows

# Network presets of the emulator (android/network/constants.h): name -> (display name, upload kbit/s,
# download kbit/s, min latency ms, max latency ms). 0 means unlimited / no latency.
NETWORK_PRESETS: dict[str, tuple[str, float, float, int, int]] = {
    "gsm": ("GSM/CD", 14.4, 14.4, 150, 550),
    "hscsd": ("HSCSD", 14.4, 57.6, 80, 400),
    "gprs": ("GPRS", 28.8, 57.6, 35, 200),
    "umts": ("UMTS/3G", 384.0, 384.0, 35, 200),
    "edge": ("EDGE/EGPRS", 473.6, 473.6, 80, 400),
    "hsdpa": ("HSDPA", 5760.0, 13980.0, 0, 0),
    "lte": ("LTE", 58000.0, 173000.0, 0, 0),
    "evdo": ("EVDO", 75000.0, 280000.0, 0, 0),
    "5g": ("no limit", 0, 0, 0, 0),
}
BATTERY_STATUSES = {"unknown": "Unknown", "charging": "Charging", "discharging": "Discharging",
                    "not-charging": "Not charging", "full": "Full"}
BATTERY_HEALTHS = {"unknown": "Unknown", "good": "Good", "overheat": "Overheat", "dead": "Dead",
                   "overvoltage": "Overvoltage", "failure": "Unspecified failure"}
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_NUMBER_PAIR = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)(?::([0-9]+(?:\.[0-9]*)?))?")
_HTTP_REQUEST = re.compile(rb"^(GET|POST|PUT|HEAD|DELETE|OPTIONS|CONNECT|TRACE|PATCH) \S+ HTTP/\d")


# -- the auth token file -------------------------------------------------------------------------
def token_path() -> Path:
    """Where the emulator and `adb emu` look for the token: $HOME/.emulator_console_auth_token.

    Both read $HOME (adb's adb_get_homedir_path, the emulator's System::getHomeDirectory), so
    pointing HOME at another folder for a phone and for `adb` isolates the token."""
    return Path(os.path.expanduser("~")) / TOKEN_FILE_NAME


def load_or_create_token(path: Path | None = None) -> str | None:
    """The console token ('' = auth disabled), creating the file as the emulator does if missing:
    96 random bits in base64, mode 0600, written only with O_EXCL so an existing file (even an
    empty one the user made to disable auth) is never overwritten. None if it cannot be read."""
    path = path or token_path()
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            return path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
    except OSError:
        return None
    token = base64.b64encode(os.urandom(12)).decode("ascii")
    with os.fdopen(fd, "w") as out:
        out.write(token)
    return token


def read_token(home: str | Path | None = None) -> str:
    """The token a console client (like `adb emu`) sends: the trimmed file content, '' if none."""
    path = Path(home) / TOKEN_FILE_NAME if home else token_path()
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def console_command(port: int, command: str, home: str | Path | None = None, timeout: float = 10.0,
                    host: str = "127.0.0.1") -> str:
    """Send one command the way `adb emu` does (auth, command, quit) and return the answer after
    the greeting and auth replies. Like `adb emu`, a `KO: ...` answer is returned, not raised."""
    token = read_token(home)
    script = (f"auth {token}\n" if token else "") + command + "\nquit\n"
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(script.encode())
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data:
                break
            chunks.append(data)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    # Same rule as adb's client/console.cpp: skip up to the second "OK\r\n" (greeting, auth).
    found = 0
    for _ in range(2 if token else 1):
        at = text.find("OK\r\n", found)
        if at < 0:
            break
        found = at + 4
    return text[found:]


# -- network and power values ----------------------------------------------------------------------
def parse_network_speed(text: str) -> tuple[float, float] | None:
    """'edge', 'full' or '<kbps>' or '<up>:<down>' -> (upload, download) bits/s (0 = unlimited)."""
    if text == "full":
        return (0.0, 0.0)
    if text in NETWORK_PRESETS:
        _, up, down, _, _ = NETWORK_PRESETS[text]
        return (up * 1000, down * 1000)
    match = _NUMBER_PAIR.match(text)
    if not match:
        return None
    up = float(match.group(1)) * 1000
    return (up, float(match.group(2)) * 1000 if match.group(2) else up)


def parse_network_delay(text: str) -> tuple[float, float] | None:
    """'gprs', 'none' or '<ms>' or '<min>:<max>' -> (min, max) latency in ms."""
    if text == "none":
        return (0.0, 0.0)
    if text in NETWORK_PRESETS:
        _, _, _, low_ms, high_ms = NETWORK_PRESETS[text]
        return (float(low_ms), float(high_ms))
    match = _NUMBER_PAIR.match(text)
    if not match:
        return None
    low = float(match.group(1))
    return (low, float(match.group(2)) if match.group(2) else low)


# -- the command table -------------------------------------------------------------------------------
Handler = Callable[["ConsoleSession", "str | None"], bool]


@dataclass(frozen=True)
class Command:
    """One console command as in the emulator's table: `names` may list aliases ('quit|exit')."""

    names: str
    abstract: str
    description: str = ""
    handler: Handler | None = None
    subcommands: tuple[Command, ...] = field(default=())

    def matches(self, word: str) -> bool:
        return word in self.names.split("|")


def _split(line: str) -> tuple[str, str | None]:
    """'network  speed edge' -> ('network', 'speed edge'); no argument -> None (as console.cpp)."""
    word, _, rest = line.partition(" ")
    rest = rest.lstrip(" ")
    return word, (rest or None)


class ConsoleSession:
    """One client connection: greeting, auth state, line reading and command dispatch."""

    def __init__(self, console: EmulatorConsole, sock: socket.socket):
        self.console = console
        self.phone = console.phone
        self.sock = sock
        self.commands: tuple[Command, ...] = PREAUTH_COMMANDS
        self.finished = False

    # output: every "\n" goes out as "\r\n", as the emulator's control_control_write does
    def write(self, text: str) -> None:
        data = re.sub(r"(?<!\r)\n", "\r\n", text).encode("utf-8", errors="replace")
        try:
            self.sock.sendall(data)
        except OSError:
            self.finished = True

    def ko(self, message: str) -> bool:
        self.write(f"KO: {message}\n")
        return False

    def greet(self) -> bool:
        token = load_or_create_token(self.console.token_file())
        if token is None:
            log.warning("console %s: cannot read %s; connection refused", self.phone.serial,
                        self.console.token_file())
            return False  # the emulator drops the client when the token file cannot be read
        if token == "":
            self.commands = MAIN_COMMANDS
            self.write("Android Console: type 'help' for a list of commands\nOK\n")
        else:
            self.write("Android Console: Authentication required\n"
                       "Android Console: type 'auth <auth_token>' to authenticate\n"
                       "Android Console: you can find your <auth_token> in \n"
                       f"'{self.console.token_file()}'\nOK\n")
        return True

    def serve(self) -> None:
        if not self.greet():
            return
        buffer = bytearray()
        while not self.finished and not self.console.stopping.is_set():
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            for byte in data:
                if byte == 0x0D:  # '\r' is filtered out of input
                    continue
                if byte == 0x0A:
                    self.run_line(bytes(buffer))
                    buffer.clear()
                    if self.finished:
                        return
                    continue
                if len(buffer) >= MAX_LINE:
                    buffer.clear()
                buffer.append(byte)

    def run_line(self, raw: bytes) -> None:
        if _HTTP_REQUEST.match(raw):
            self.write("KO: Forbidden HTTP request. Aborting\n")
            self.finished = True
            return
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.write("KO: Forbidden binary request. Aborting\n")
            self.finished = True
            return
        word, args = _split(line)
        command = next((c for c in self.commands if c.matches(word)), None)
        if command is None:
            self.write("KO: unknown command, try 'help'\n")
            return
        while command.handler is None:
            if args is None:
                self.write(describe(command, ""))
                self.write("KO: missing sub-command\n")
                return
            word, rest = _split(args)
            sub = next((c for c in command.subcommands if c.matches(word)), None)
            if sub is None:
                self.write(describe(command, ""))
                self.write("KO:  bad sub-command\n")  # two spaces, as the emulator prints it
                return
            command, args = sub, rest
        try:
            ok = command.handler(self, args)
        except Exception as exc:  # noqa: BLE001 - a console bug must not kill the session thread
            log.exception("console command %r failed", line)
            ok = self.ko(f"internal error: {exc}")
        if ok:
            self.write("OK\n")


def describe(command: Command, prefix: str) -> str:
    """`help <command>`: its description (or abstract) and its sub-commands, as dump_help prints."""
    text = command.description or command.abstract + "\n"
    if command.subcommands:
        text += "\navailable sub-commands:\n"
        for sub in command.subcommands:
            text += f"   {prefix} {sub.names:<15}  {sub.abstract}\n"
        text += "\n"
    return text


# -- handlers ------------------------------------------------------------------------------------------
def do_help(session: ConsoleSession, args: str | None) -> bool:
    if args is None:
        names = "".join(f"    {c.names}\n" for c in session.commands)
        session.write("Android console commands:\n" + names + "\nTry 'help-verbose' for more description"
                      "\nTry 'help <command>' for command-specific help\n")
        return True
    table, rest = session.commands, args
    while True:
        word, more = _split(rest)
        found = next((c for c in table if c.matches(word)), None)
        if found is None:
            do_help(session, None)
            session.write("\nKO: unknown command\n")
            return False
        if more is None or not found.subcommands:
            session.write(describe(found, args))
            return True
        table, rest = found.subcommands, more


def do_help_verbose(session: ConsoleSession, args: str | None) -> bool:
    lines = "".join(f"    {c.names:<15}  {c.abstract}\n" for c in session.commands)
    session.write("Android console command help:\n\n" + lines + "\ntry 'help <command>' for command-specific help\n")
    return True


def do_ping(session: ConsoleSession, args: str | None) -> bool:
    session.write("I am alive!\n")
    return True


def do_quit(session: ConsoleSession, args: str | None) -> bool:
    session.finished = True
    return False  # the emulator closes the connection without an OK


def do_auth(session: ConsoleSession, args: str | None) -> bool:
    if args is None:
        return session.ko("missing authentication token")
    token = load_or_create_token(session.console.token_file())
    if token is None:
        return session.ko("unable to read ~/.emulator_console_auth_token")
    if not hmac.compare_digest(token.encode(), args.encode()):  # constant time, as the emulator
        return session.ko("authentication token does not match ~/.emulator_console_auth_token")
    session.write("Android Console: type 'help' for a list of commands\n")
    session.commands = MAIN_COMMANDS
    return True


def do_kill(session: ConsoleSession, args: str | None) -> bool:
    session.write("OK: killing emulator, bye bye\nOK\n")
    session.finished = True
    log.info("%s killed by console kill command", session.phone.serial)
    session.phone.kill()
    return False  # "OK" already sent, before the phone goes away


def do_avd_name(session: ConsoleSession, args: str | None) -> bool:
    session.write(f"{session.phone.config.avd_name}\n")
    return True


def do_avd_status(session: ConsoleSession, args: str | None) -> bool:
    running = not session.phone.emulator_state.paused
    session.write(f"virtual device is {'running' if running else 'stopped'}\n")
    return True


def do_avd_pause(session: ConsoleSession, args: str | None) -> bool:
    session.phone.emulator_state.paused = True
    return True


def do_avd_resume(session: ConsoleSession, args: str | None) -> bool:
    session.phone.emulator_state.paused = False
    return True


def do_network_status(session: ConsoleSession, args: str | None) -> bool:
    state = session.phone.emulator_state
    up, down = parse_network_speed(state.network_speed) or (0.0, 0.0)
    low, high = parse_network_delay(state.network_delay) or (0.0, 0.0)
    session.write("Current network status:\n"
                  f"  download speed:   {int(down):8d} bits/s ({down / 8192:.1f} KB/s)\n"
                  f"  upload speed:     {int(up):8d} bits/s ({up / 8192:.1f} KB/s)\n"
                  f"  minimum latency:  {int(low)} ms\n"
                  f"  maximum latency:  {int(high)} ms\n")
    return True


def do_network_speed(session: ConsoleSession, args: str | None) -> bool:
    if args is None:
        return session.ko("missing <speed> argument, see 'help network speed'")
    if parse_network_speed(args) is None:
        return session.ko("invalid <speed> argument, see 'help network speed' for valid values")
    session.phone.emulator_state.network_speed = args
    return True


def do_network_delay(session: ConsoleSession, args: str | None) -> bool:
    if args is None:
        return session.ko("missing <delay> argument, see 'help network delay'")
    if parse_network_delay(args) is None:
        return session.ko("invalid <delay> argument, see 'help network delay' for valid values")
    session.phone.emulator_state.network_delay = args
    return True


def do_power_display(session: ConsoleSession, args: str | None) -> bool:
    state = session.phone.emulator_state
    session.write(f"AC: {'online' if state.ac_online else 'offline'}\n"
                  f"status: {BATTERY_STATUSES.get(state.battery_status, 'Unknown')}\n"
                  f"health: {BATTERY_HEALTHS.get(state.battery_health, 'Unknown')}\n"
                  f"present: {'true' if state.battery_present else 'false'}\n"
                  f"capacity: {state.battery_capacity}\n")
    return True


def do_power_ac(session: ConsoleSession, args: str | None) -> bool:
    value = (args or "").lower()
    if value not in ("on", "off"):
        return session.ko('Usage: "ac on" or "ac off"')
    session.phone.emulator_state.ac_online = value == "on"
    return True


def do_power_status(session: ConsoleSession, args: str | None) -> bool:
    value = (args or "").lower()
    if value not in BATTERY_STATUSES:
        return session.ko('Usage: "status unknown|charging|discharging|not-charging|full"')
    session.phone.emulator_state.battery_status = value
    return True


def do_power_present(session: ConsoleSession, args: str | None) -> bool:
    value = (args or "").lower()
    if value not in ("true", "false"):
        return session.ko('Usage: "present true" or "present false"')
    # The emulator's handler sets "present" for both values (a bug); a QA engineer asking for a
    # missing battery wants one, so the phone stores what was asked.
    session.phone.emulator_state.battery_present = value == "true"
    return True


def do_power_health(session: ConsoleSession, args: str | None) -> bool:
    value = (args or "").lower()
    if value not in BATTERY_HEALTHS:
        return session.ko('Usage: "health unknown|good|overheat|dead|overvoltage|failure"')
    session.phone.emulator_state.battery_health = value
    return True


def do_power_capacity(session: ConsoleSession, args: str | None) -> bool:
    match = re.match(r"^\s*([+-]?\d+)", args or "")
    if not match or not 0 <= int(match.group(1)) <= 100:
        return session.ko('Usage: "capacity <percentage>"')
    session.phone.emulator_state.battery_capacity = int(match.group(1))
    return True


# Snapshots: named copies of the phone's file tree under <data_dir>/snapshots/<name>, outside the
# tree the phone sees. They hold files only (no RAM state), which is what backup tests reset.
def do_snapshot_list(session: ConsoleSession, args: str | None) -> bool:
    snapshots = session.console.snapshots()
    if not snapshots:
        session.write("There is no snapshot available.\n")
        return True
    rows = "".join(f"--        {name:<20}{size:>10}  {when}\n" for name, size, when in snapshots)
    session.write("List of snapshots present on all disks:\n"
                  "ID        TAG                       SIZE  DATE\n" + rows)
    return True


def _snapshot_name(session: ConsoleSession, args: str | None, verb: str) -> str | None:
    if args is None:
        session.ko(f"Argument missing, try 'avd snapshot {verb} <name>'")
        return None
    if not SNAPSHOT_NAME.match(args):
        session.ko(f"invalid snapshot name '{args}': use letters, digits, '.', '_' and '-'")
        return None
    return args


def do_snapshot_save(session: ConsoleSession, args: str | None) -> bool:
    name = _snapshot_name(session, args, "save")
    if name is None:
        return False
    try:
        session.console.save_snapshot(name)
    except OSError as exc:
        return session.ko(f"could not save snapshot '{name}': {exc.strerror or exc}")
    return True


def do_snapshot_load(session: ConsoleSession, args: str | None) -> bool:
    name = _snapshot_name(session, args, "load")
    if name is None:
        return False
    if not session.console.snapshot_dir(name).is_dir():
        return session.ko(f"snapshot '{name}' does not exist; 'avd snapshot list' shows the saved ones")
    try:
        session.console.load_snapshot(name)
    except OSError as exc:
        return session.ko(f"could not load snapshot '{name}': {exc.strerror or exc}")
    return True


def do_snapshot_del(session: ConsoleSession, args: str | None) -> bool:
    name = _snapshot_name(session, args, "del")
    if name is None:
        return False
    folder = session.console.snapshot_dir(name)
    if not folder.is_dir():
        return session.ko(f"snapshot '{name}' does not exist")
    shutil.rmtree(folder)
    return True


SNAPSHOT_COMMANDS = (
    Command("list", "list available state snapshots",
            "'avd snapshot list' will show a list of all state snapshots that can be loaded\n",
            do_snapshot_list),
    Command("save", "save state snapshot",
            "'avd snapshot save <name>' will save the current (run-time) state to a snapshot with the given name\n",
            do_snapshot_save),
    Command("load", "load state snapshot",
            "'avd snapshot load <name>' will load the state snapshot of the given name\n", do_snapshot_load),
    Command("del", "delete state snapshot",
            "'avd snapshot del <name>' will delete the state snapshot with the given name\n", do_snapshot_del),
    Command("delete", "delete state snapshot",
            "'avd snapshot delete <name>' will delete the state snapshot with the given name\n", do_snapshot_del),
)
AVD_ABSTRACT = ("control virtual device execution",
                "allows you to control (e.g. start/stop) the execution of the virtual device\n")
AVD_NAME = Command("name", "query virtual device name", "'avd name' will return the name of this virtual device\n",
                   do_avd_name)
AVD_COMMANDS = (
    Command("status", "query virtual device status",
            "'avd status' will indicate whether the virtual device is running or not\n", do_avd_status),
    AVD_NAME,
    Command("snapshot", "state snapshot commands",
            "allows you to save and restore the virtual device state in snapshots\n",
            subcommands=SNAPSHOT_COMMANDS),
    Command("pause", "pause the virtual device",
            "'avd pause' pauses the virtual device. This is useful for saving system resources\n"
            "when the virtual device is not immediately needed.", do_avd_pause),
    Command("resume", "resume the virtual device", "'avd resume' resumes a previously-paused virtual device.\n",
            do_avd_resume),
)
NETWORK_COMMANDS = (
    Command("status", "dump network status", "", do_network_status),
    Command("speed", "change network speed",
            "'network speed <speed>' allows you to dynamically change the speed of the emulated\n"
            "network on the device, where <speed> is one of the following:\n\n"
            + "".join(f"  {name:<8} {preset[0]}\n" for name, preset in NETWORK_PRESETS.items())
            + "  full     no limit\n  <num>    selects both upload and download speed\n"
              "  <up>:<down> select individual upload/download speeds\n", do_network_speed),
    Command("delay", "change network latency",
            "'network delay <latency>' allows you to dynamically change the latency of the emulated\n"
            "network on the device, where <latency> is one of the following:\n\n"
            + "".join(f"  {name:<8} {preset[0]}\n" for name, preset in NETWORK_PRESETS.items())
            + "  none     no latency\n  <num>    select exact latency\n"
              "  <min>:<max> select min and max latencies\n", do_network_delay),
)
POWER_COMMANDS = (
    Command("display", "display battery and charger state", "display battery and charger state\n",
            do_power_display),
    Command("ac", "set AC charging state", "'ac on|off' allows you to set the AC charging state to on or off\n",
            do_power_ac),
    Command("status", "set battery status",
            "'status unknown|charging|discharging|not-charging|full' allows you to set battery status\n",
            do_power_status),
    Command("present", "set battery present state",
            "'present true|false' allows you to set battery present state to true or false\n", do_power_present),
    Command("health", "set battery health state",
            "'health unknown|good|overheat|dead|overvoltage|failure' allows you to set battery health state\n",
            do_power_health),
    Command("capacity", "set battery capacity state",
            "'capacity <percentage>' allows you to set battery capacity to a value 0 - 100\n", do_power_capacity),
)
HELP = Command("help|h|?", "print a list of commands", "", do_help)
HELP_VERBOSE = Command("help-verbose", "print a list of commands with descriptions", "", do_help_verbose)
PING = Command("ping", "check if the emulator is alive", "", do_ping)
QUIT = Command("quit|exit", "quit control session", "", do_quit)

MAIN_COMMANDS: tuple[Command, ...] = (
    HELP, HELP_VERBOSE, PING,
    Command("kill", "kill the emulator instance", "", do_kill),
    Command("network", "manage network settings",
            "allows you to manage the settings related to the network data connection of the\n"
            "emulated device.\n", subcommands=NETWORK_COMMANDS),
    Command("power", "power related commands", "allows to change battery and AC power status\n",
            subcommands=POWER_COMMANDS),
    QUIT,
    Command("avd", *AVD_ABSTRACT, subcommands=AVD_COMMANDS),
)
# Before `auth` only these work; `avd name` is allowed for older Android Studio versions.
PREAUTH_COMMANDS: tuple[Command, ...] = (
    HELP, HELP_VERBOSE, PING,
    Command("avd", *AVD_ABSTRACT, subcommands=(AVD_NAME,)),
    Command("auth", "user authentication for the emulator console",
            "use 'auth <auth_token>' to get extended console functionality\n", do_auth),
    QUIT,
)


# -- the server ------------------------------------------------------------------------------------------
def close_gracefully(sock: socket.socket, linger: float = 1.0) -> None:
    """Send FIN, read what the peer still sends (up to `linger` seconds), then close: closing with
    unread input would reset the connection and the peer could lose our last lines."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(linger)
        while sock.recv(4096):
            pass
    except OSError:
        pass
    sock.close()


class EmulatorConsole:
    """The console server of one phone on 127.0.0.1:phone.console_port, one thread per client."""

    def __init__(self, phone: Any, token_file: Path | None = None):
        self.phone = phone
        self._token_file = token_file  # None = $HOME/.emulator_console_auth_token, looked up per connection
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()

    def token_file(self) -> Path:
        return self._token_file or token_path()

    @property
    def port(self) -> int:
        return int(self.phone.console_port)

    def start(self) -> EmulatorConsole:
        if load_or_create_token(self.token_file()) is None:
            log.error("Unable to access '%s': emulator console will not work; fix the file's permissions",
                      self.token_file())
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError as exc:
            listener.close()
            if exc.errno == errno.EADDRINUSE:
                raise OSError(errno.EADDRINUSE, f"console port {self.port} is already in use; pick another "
                                                "even port (phonebackup phone up --port P)") from None
            raise
        listener.listen(16)
        self._listener = listener
        self.stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name=f"console-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below on Linux
            except OSError:
                pass
            listener.close()
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            # Half-close: the client reads what was said (`bye bye`), then closes; its session thread
            # reads what the client still sent, so the final close sends no RST that would eat it.
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self.stopping.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._clients.add(sock)
            threading.Thread(target=self._serve, args=(sock,), name=f"console-client-{self.port}",
                             daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            ConsoleSession(self, sock).serve()
        finally:
            with self._lock:
                self._clients.discard(sock)
            close_gracefully(sock)

    # -- snapshots of the phone's files ----------------------------------------------------------------
    def snapshot_dir(self, name: str) -> Path:
        return Path(self.phone.data_dir) / "snapshots" / name

    def snapshots(self) -> list[tuple[str, str, str]]:
        """(name, size, date) of each saved snapshot, oldest first."""
        base = Path(self.phone.data_dir) / "snapshots"
        rows = []
        if base.is_dir():
            for entry in sorted(base.iterdir(), key=lambda p: p.stat().st_mtime):
                size = _tree_size(entry)
                shown = f"{size / 1024**2:.0f}M" if size >= 1024**2 else f"{size // 1024}K"
                rows.append((entry.name, shown, time.strftime("%Y-%m-%d %H:%M:%S",
                                                              time.localtime(entry.stat().st_mtime))))
        return rows

    def save_snapshot(self, name: str) -> None:
        target = self.snapshot_dir(name)
        partial = target.with_name(name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        _copy_tree(Path(self.phone.storage.root), partial)
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)

    def load_snapshot(self, name: str) -> None:
        root = Path(self.phone.storage.root)
        for entry in os.scandir(root):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)  # rmtree unlinks symlinks, it never follows them
            else:
                os.unlink(entry.path)
        _copy_tree(self.snapshot_dir(name), root)
        self.phone.storage.recount()


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a phone tree without ever following its symlinks (they are device paths, not host ones)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(source):
        dest = target / entry.name
        st = entry.stat(follow_symlinks=False)
        if statmod.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(entry.path), dest)
        elif statmod.S_ISDIR(st.st_mode):
            _copy_tree(Path(entry.path), dest)
            shutil.copystat(entry.path, dest, follow_symlinks=False)
        elif statmod.S_ISREG(st.st_mode):
            shutil.copy2(entry.path, dest, follow_symlinks=False)


def _tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if statmod.S_ISREG(st.st_mode):
                total += st.st_size
    return total
