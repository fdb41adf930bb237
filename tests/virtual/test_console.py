"""The emulator console of the virtual phone, spoken to over a raw socket as telnet would, and
through the real `adb emu`. HOME points at a temporary folder so the user's token is never touched."""

from __future__ import annotations

import base64
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from rawadb import free_console_port

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.console import TOKEN_FILE_NAME, EmulatorConsole

TOKEN = "Zm9yLXRlc3RzLW9ubHk"
AUTH_GREETING = (b"Android Console: Authentication required\r\n"
                 b"Android Console: type 'auth <auth_token>' to authenticate\r\n"
                 b"Android Console: you can find your <auth_token> in \r\n"
                 b"'%s'\r\nOK\r\n")
OPEN_GREETING = b"Android Console: type 'help' for a list of commands\r\nOK\r\n"


class Telnet:
    """A raw console client: reads whole answers (up to the final OK or KO line)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.pending = b""

    def read_until(self, done) -> bytes:
        while not done(self.pending):
            data = self.sock.recv(65536)
            if not data:
                break
            self.pending += data
        out, self.pending = self.pending, b""
        return out

    def greeting(self) -> bytes:
        return self.read_until(lambda buf: buf.endswith(b"OK\r\n"))

    def ask(self, line: bytes | str) -> bytes:
        """Send a line; the answer ends with an 'OK' line or a 'KO: ...' line."""
        self.sock.sendall(line.encode() if isinstance(line, str) else line)

        def finished(buf: bytes) -> bool:
            lines = buf.split(b"\r\n")
            return len(lines) > 1 and (lines[-2] == b"OK" or lines[-2].startswith(b"KO:"))

        return self.read_until(finished)

    def closed_by_peer(self) -> bool:
        self.sock.settimeout(5)
        try:
            return self.sock.recv(1) == b""  # EOF with nothing before it (no "OK")
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))  # the phone and every adb client we start read it
    return folder


@pytest.fixture
def token_file(home: Path) -> Path:
    path = home / TOKEN_FILE_NAME
    path.write_text(TOKEN)
    return path


@pytest.fixture
def phone(tmp_path: Path, home: Path):
    """A phone whose console alone is started (no adb daemon): the console speaks for itself."""
    phone = VirtualPhone(PhoneConfig(data_dir=tmp_path / "phone", console_port=free_console_port(),
                                     storage_bytes=64 * 1024**2, avd_name="Pixel_7_API_34"))
    phone.console = EmulatorConsole(phone).start()
    yield phone
    phone.close()


def connect(phone: VirtualPhone, authenticate: bool = True) -> Telnet:
    client = Telnet(phone.console_port)
    client.greeting()
    if authenticate:
        assert client.ask(f"auth {TOKEN}\n").endswith(b"OK\r\n")
    return client


# -- greeting and the token file ---------------------------------------------------------------------
def test_greeting_asks_for_auth_and_names_the_token_file(phone, token_file):
    client = Telnet(phone.console_port)
    assert client.greeting() == AUTH_GREETING % str(token_file).encode()


def test_empty_token_file_disables_auth(phone, home):
    (home / TOKEN_FILE_NAME).write_text("")
    client = Telnet(phone.console_port)
    assert client.greeting() == OPEN_GREETING
    assert client.ask("network speed gsm\n") == b"OK\r\n"
    assert phone.emulator_state.network_speed == "gsm"
    assert (home / TOKEN_FILE_NAME).read_text() == ""  # never filled in behind the user's back


def test_missing_token_file_is_created_with_96_random_bits_and_mode_0600(phone, home):
    path = home / TOKEN_FILE_NAME
    assert path.exists(), "the console creates the token file when it starts, as the emulator does"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text(), validate=True)) == 12
    client = Telnet(phone.console_port)
    assert client.greeting() == AUTH_GREETING % str(path).encode()
    assert client.ask(f"auth {path.read_text()}\n").endswith(b"OK\r\n")


def test_existing_token_file_is_never_rewritten(phone, home):
    path = home / TOKEN_FILE_NAME
    path.write_bytes(b"  my-own-token \n")
    for _ in range(2):
        client = Telnet(phone.console_port)
        client.greeting()
        assert client.ask("auth my-own-token\n") == (b"Android Console: type 'help' for a list of commands\r\n"
                                                     b"OK\r\n")
        client.close()
    assert path.read_bytes() == b"  my-own-token \n"


def test_token_file_is_read_again_for_each_connection(phone, token_file):
    first = connect(phone)
    token_file.write_text("rotated-token")
    second = Telnet(phone.console_port)
    second.greeting()
    assert second.ask(f"auth {TOKEN}\n").startswith(b"KO: authentication token does not match")
    assert second.ask("auth rotated-token\n").endswith(b"OK\r\n")
    assert first.ask("ping\n") == b"I am alive!\r\nOK\r\n"  # an open session stays authenticated


# -- auth ---------------------------------------------------------------------------------------------------
def test_wrong_token_is_refused_and_the_session_stays_locked(phone, token_file):
    client = connect(phone, authenticate=False)
    assert client.ask("auth not-the-token\n") == (b"KO: authentication token does not match "
                                                  b"~/.emulator_console_auth_token\r\n")
    assert client.ask("auth\n") == b"KO: missing authentication token\r\n"
    assert client.ask("kill\n") == b"KO: unknown command, try 'help'\r\n"
    assert not phone.killed.is_set()


def test_before_auth_only_help_ping_avd_name_auth_and_quit_work(phone, token_file):
    client = connect(phone, authenticate=False)
    assert client.ask("help\n") == (b"Android console commands:\r\n    help|h|?\r\n    help-verbose\r\n"
                                    b"    ping\r\n    avd\r\n    auth\r\n    quit|exit\r\n\r\n"
                                    b"Try 'help-verbose' for more description\r\n"
                                    b"Try 'help <command>' for command-specific help\r\nOK\r\n")
    assert client.ask("ping\n") == b"I am alive!\r\nOK\r\n"
    assert client.ask("avd name\n") == b"Pixel_7_API_34\r\nOK\r\n"
    for command in ("kill", "network speed gsm", "power capacity 5", "redir list"):
        assert client.ask(command + "\n") == b"KO: unknown command, try 'help'\r\n", command
    assert client.ask("avd status\n").endswith(b"KO:  bad sub-command\r\n")
    assert phone.emulator_state.network_speed == "full"
    assert phone.emulator_state.battery_capacity == 100


def test_after_auth_the_full_command_list_is_offered(phone, token_file):
    client = connect(phone)
    listing = client.ask("help\n").decode()
    names = [line.strip() for line in listing.split("\r\n")[1:] if line.startswith("    ")]
    assert {"kill", "network", "power", "avd", "ping", "quit|exit"} <= set(names)
    assert "auth" not in names
    assert client.ask("auth x\n") == b"KO: unknown command, try 'help'\r\n"
    assert client.ask("teleport home\n") == b"KO: unknown command, try 'help'\r\n"
    assert client.ask("network\n").endswith(b"KO: missing sub-command\r\n")
    assert b"available sub-commands:\r\n" in client.ask("help power\n")


def test_answers_end_lines_with_crlf_and_input_cr_is_ignored(phone, token_file):
    client = connect(phone)
    answer = client.ask(b"help avd\r\n")
    assert answer.endswith(b"OK\r\n") and b"avd snapshot" in answer
    assert answer.count(b"\n") == answer.count(b"\r\n"), "every line ends with \\r\\n"
    assert client.ask(b"ping\r\r\n") == b"I am alive!\r\nOK\r\n"
    assert client.ask(b"avd    name\n") == b"Pixel_7_API_34\r\nOK\r\n"


@pytest.mark.parametrize("command", [b"quit\n", b"exit\n"])
def test_quit_and_exit_close_the_connection_without_ok(phone, token_file, command):
    client = connect(phone)
    client.sock.sendall(command)
    assert client.closed_by_peer()
    assert not phone.killed.is_set()


def test_http_requests_and_binary_lines_are_refused_and_dropped(phone, token_file):
    web = Telnet(phone.console_port)
    web.greeting()
    assert web.ask(b"GET / HTTP/1.1\r\n") == b"KO: Forbidden HTTP request. Aborting\r\n"
    assert web.closed_by_peer()
    binary = connect(phone)
    assert binary.ask(b"\xff\xfe\x00garbage\n") == b"KO: Forbidden binary request. Aborting\r\n"
    assert binary.closed_by_peer()
    assert connect(phone).ask("ping\n") == b"I am alive!\r\nOK\r\n"


def test_an_overlong_line_is_dropped_and_the_session_goes_on(phone, token_file):
    client = connect(phone)
    assert client.ask(b"x" * 10000 + b"\n") == b"KO: unknown command, try 'help'\r\n"
    assert client.ask("ping\n") == b"I am alive!\r\nOK\r\n"


def test_several_clients_at_once(phone, token_file):
    answers: list[bytes] = []

    def session() -> None:
        client = connect(phone)
        for _ in range(20):
            answers.append(client.ask("avd name\n"))
        client.close()

    threads = [threading.Thread(target=session) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert answers == [b"Pixel_7_API_34\r\nOK\r\n"] * 120


# -- state the console controls -------------------------------------------------------------------------------
def test_network_speed_and_delay_are_stored_on_the_phone(phone, token_file):
    client = connect(phone)
    assert client.ask("network speed edge\n") == b"OK\r\n"
    assert client.ask("network delay gprs\n") == b"OK\r\n"
    assert (phone.emulator_state.network_speed, phone.emulator_state.network_delay) == ("edge", "gprs")
    status = client.ask("network status\n").decode()
    assert "download speed:     473600 bits/s (57.8 KB/s)" in status
    assert "minimum latency:  35 ms" in status and "maximum latency:  200 ms" in status
    assert client.ask("network speed 100:2000\n") == b"OK\r\n"
    status = client.ask("network status\n").decode()
    assert "upload speed:       100000 bits/s" in status and "download speed:    2000000 bits/s" in status
    assert client.ask("network speed warp\n") == (b"KO: invalid <speed> argument, see 'help network speed' "
                                                  b"for valid values\r\n")
    assert client.ask("network delay\n") == b"KO: missing <delay> argument, see 'help network delay'\r\n"
    assert (phone.emulator_state.network_speed, phone.emulator_state.network_delay) == ("100:2000", "gprs")


def test_power_commands_are_stored_on_the_phone(phone, token_file):
    client = connect(phone)
    for command in ("power ac off", "power status discharging", "power health overheat",
                    "power present false", "power capacity 15"):
        assert client.ask(command + "\n") == b"OK\r\n", command
    state = phone.emulator_state
    assert (state.ac_online, state.battery_status, state.battery_health, state.battery_present,
            state.battery_capacity) == (False, "discharging", "overheat", False, 15)
    assert client.ask("power display\n") == (b"AC: offline\r\nstatus: Discharging\r\nhealth: Overheat\r\n"
                                             b"present: false\r\ncapacity: 15\r\nOK\r\n")
    assert client.ask("power capacity 101\n") == b'KO: Usage: "capacity <percentage>"\r\n'
    assert client.ask("power ac sideways\n") == b'KO: Usage: "ac on" or "ac off"\r\n'
    assert client.ask("power ac ON\n") == b"OK\r\n"  # values are case-insensitive, as in the emulator
    assert (state.battery_capacity, state.ac_online) == (15, True)


def test_avd_pause_and_resume_show_in_avd_status(phone, token_file):
    client = connect(phone)
    assert client.ask("avd status\n") == b"virtual device is running\r\nOK\r\n"
    assert client.ask("avd pause\n") == b"OK\r\n"
    assert phone.emulator_state.paused
    assert client.ask("avd status\n") == b"virtual device is stopped\r\nOK\r\n"
    assert client.ask("avd resume\n") == b"OK\r\n"
    assert client.ask("avd status\n") == b"virtual device is running\r\nOK\r\n"


def test_avd_snapshot_load_brings_back_the_phone_files(phone, token_file):
    storage = phone.storage
    storage.write_bytes("/sdcard/DCIM/Camera/a.jpg", b"first", make_parents=True)
    used_when_saved = storage.recount()
    client = connect(phone)
    assert client.ask("avd snapshot list\n") == b"There is no snapshot available.\r\nOK\r\n"
    assert client.ask("avd snapshot save clean\n") == b"OK\r\n"
    storage.write_bytes("/sdcard/DCIM/Camera/a.jpg", b"changed by the app")
    storage.write_bytes("/sdcard/DCIM/Camera/b.jpg", b"extra")
    assert client.ask("avd snapshot load clean\n") == b"OK\r\n"
    assert storage.open_read("/sdcard/DCIM/Camera/a.jpg").read() == b"first"
    assert not storage.exists("/sdcard/DCIM/Camera/b.jpg")
    assert storage.readlink("/sdcard") == "/storage/self/primary", "the phone's symlinks survive as symlinks"
    assert storage.used == used_when_saved, "the phone's capacity count follows the loaded files"
    assert b"clean" in client.ask("avd snapshot list\n")
    assert client.ask("avd snapshot save ../escape\n").startswith(b"KO: invalid snapshot name")
    assert client.ask("avd snapshot del clean\n") == b"OK\r\n"
    assert client.ask("avd snapshot load clean\n").startswith(b"KO: snapshot 'clean' does not exist")


def test_kill_says_bye_bye_and_the_phone_goes_away(phone, token_file):
    client = connect(phone)
    client.sock.sendall(b"kill\nquit\n")
    assert client.read_until(lambda buf: buf.endswith(b"OK\r\n")) == b"OK: killing emulator, bye bye\r\nOK\r\n"
    assert phone.killed.wait(5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", phone.console_port), timeout=1).close()
        except ConnectionRefusedError:
            break
        except ConnectionResetError:
            pass  # met the listener as it closed: the next try must be refused
        time.sleep(0.05)
    else:
        pytest.fail("the console port still accepts connections after kill")


# -- through the real adb ---------------------------------------------------------------------------------------
@pytest.fixture
def phone_config(tmp_path: Path, token_file: Path) -> PhoneConfig:
    """`virtual_phone` (conftest) built after HOME points at the test's token file."""
    return PhoneConfig(data_dir=tmp_path / "adb-phone", console_port=free_console_port(),
                       storage_bytes=64 * 1024**2, avd_name="Pixel_7_API_34")


def test_adb_emu_avd_name_answers_the_phone_name(adb_server, virtual_phone):
    result = adb_server.run("emu", "avd", "name", serial=virtual_phone.serial)
    assert result.stdout == b"Pixel_7_API_34\r\nOK\r\n"
    result = adb_server.run("emu", "network", "speed", "lte", serial=virtual_phone.serial)
    assert result.stdout == b"OK\r\n"
    assert virtual_phone.emulator_state.network_speed == "lte"
    result = adb_server.run("emu", "teleport", serial=virtual_phone.serial)
    assert result.returncode == 0 and result.stdout == b"KO: unknown command, try 'help'\r\n"


def test_adb_emu_kill_stops_the_phone_and_closes_its_adb_port(adb_server, virtual_phone):
    result = adb_server.run("emu", "kill", serial=virtual_phone.serial)
    assert result.stdout.startswith(b"OK: killing emulator, bye bye\r\n")
    assert virtual_phone.killed.wait(5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", virtual_phone.adb_port), timeout=1).close()
        except ConnectionRefusedError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"adb port {virtual_phone.adb_port} still open after `adb emu kill`")
    deadline = time.monotonic() + 10
    while virtual_phone.serial in adb_server.devices() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert adb_server.devices().get(virtual_phone.serial) in (None, "offline")
