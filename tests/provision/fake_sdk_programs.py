"""The programs of the fake Android SDK the provisioning tests build: `emulator` (boots a virtual
phone on the requested ports, with a console, behaving as the AVD's config.ini `fake.*` keys say)
and `avdmanager` (creates and lists AVDs). They answer like the real ones where the provisioner
reads their output. Run as `fake_sdk_programs.py emulator|avdmanager ARGS...`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

VALUE_FLAGS = {"-avd", "-port", "-gpu", "-snapshot", "-accel", "-prop", "-partition-size", "-memory"}
SWITCHES = {"-no-window", "-noaudio", "-no-boot-anim", "-skip-adb-auth", "-read-only", "-no-snapshot-save",
            "-no-snapshot", "-no-snapshot-load", "-delay-adb", "-wipe-data", "-verbose", "-list-avds"}


def avd_home() -> Path:
    env = os.environ
    if env.get("ANDROID_AVD_HOME"):
        return Path(env["ANDROID_AVD_HOME"])
    if env.get("ANDROID_EMULATOR_HOME"):
        return Path(env["ANDROID_EMULATOR_HOME"]) / "avd"
    return Path.home() / ".android" / "avd"


def read_config(folder: Path) -> dict[str, str]:
    config = {}
    for line in (folder / "config.ini").read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            config[key.strip()] = value.strip()
    return config


def say(text: str) -> None:
    print(text, flush=True)


def register_with_adb(adb_port: int) -> None:
    """What a starting emulator does: `host:emulator:<adb port>` to the adb server."""
    server = int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))
    message = f"host:emulator:{adb_port}".encode()
    with socket.create_connection(("127.0.0.1", server), timeout=5) as sock:
        sock.sendall(b"%04x" % len(message) + message)


def hold_ports(ports: list[int]) -> list[socket.socket]:
    """Listen on `ports` and accept connections without ever answering (a wedged emulator)."""
    servers = []
    for port in ports:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(16)
        held: list[socket.socket] = []

        def accept(server: socket.socket = server, held: list[socket.socket] = held) -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                held.append(conn)

        threading.Thread(target=accept, daemon=True).start()
        servers.append(server)
    return servers


def emulator(argv: list[str]) -> int:
    flags: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in VALUE_FLAGS and i + 1 < len(argv):
            flags[arg] = argv[i + 1]
            i += 2
        elif arg in SWITCHES:
            flags[arg] = ""
            i += 1
        else:
            say(f"emulator: ERROR: invalid command-line parameter: {arg}.")
            say("Hint: use '@foo' to launch a virtual device named 'foo'.")
            return 1
    home = avd_home()
    if "-list-avds" in flags:
        for ini in sorted(home.glob("*.ini")):
            say(ini.stem)
        return 0
    name = flags.get("-avd", "")
    folder = home / f"{name}.avd"
    if not name or not folder.is_dir():
        say(f"PANIC: Unknown AVD name [{name}], use -list-avds to see valid list.")
        return 1
    config = read_config(folder)
    port = int(flags.get("-port", "5554"))
    say(f"INFO    | Android emulator version 35.1.4.0 (fake), AVD {name}")
    say("INFO    | argv: " + " ".join(argv))
    if config.get("fake.helper"):
        # like crashpad_handler: a helper in our process group that ignores the console's kill
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        say(f"INFO    | crashpad_handler pid {helper.pid}")
    if config.get("fake.die_after"):
        def die() -> None:
            time.sleep(float(config["fake.die_after"]))
            say("qemu-system-x86_64: Segmentation fault (core dumped)")
            os._exit(139)

        threading.Thread(target=die, daemon=True).start()
    if config.get("fake.offline"):
        # adbd accepts connections and never answers (adb lists the emulator as `offline`);
        # the console accepts and hangs up at once, so `adb emu kill` gets no answer
        servers = hold_ports([port + 1])
        console = socket.socket()
        console.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        console.bind(("127.0.0.1", port))
        console.listen(16)

        def hang_up() -> None:
            while True:
                try:
                    console.accept()[0].close()
                except OSError:
                    return

        threading.Thread(target=hang_up, daemon=True).start()
        register_with_adb(port + 1)
        say("INFO    | boot stuck: adbd never answers")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        stopped.wait()
        for server in servers + [console]:
            server.close()
        return 0

    from pytest_phonebackup.virtual.device import PhoneConfig, VirtualPhone

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    phone = VirtualPhone(PhoneConfig(console_port=port, api=int(re.search(r"android-(\d+)", config.get(
        "image.sysdir.1", "android-34")).group(1)), boot_delay=float(config.get("fake.boot_delay", "0")),
        avd_name=name, storage_bytes=1024**3))
    phone.start()
    say(f"INFO    | Started GRPC server at 127.0.0.1:{port + 3000}, security: Local")
    say(f"INFO    | emulator: Serial number of this emulator (for ADB): emulator-{port}")
    while not stop.is_set() and not phone.killed.wait(0.1):
        if phone.booted.is_set() and not getattr(phone, "_said_booted", False):
            say("INFO    | Boot completed in {:.0f} ms".format(float(config.get("fake.boot_delay", "0")) * 1000))
            phone._said_booted = True  # type: ignore[attr-defined]
    say("INFO    | Saving with gfxstream=0" if "-no-snapshot-save" not in flags else "INFO    | Not saving state")
    phone.close()
    return 0


def avdmanager(argv: list[str]) -> int:
    if argv[:2] == ["list", "avd"]:
        home = avd_home()
        print("Available Android Virtual Devices:")
        for ini in sorted(home.glob("*.ini")):
            print(f"    Name: {ini.stem}\n    Path: {home / (ini.stem + '.avd')}\n---------")
        return 0
    if argv[:2] != ["create", "avd"]:
        print(f"Error: Invalid or unsupported command \"{' '.join(argv[:2])}\"", file=sys.stderr)
        return 1
    rest = [arg for arg in argv[2:] if arg != "--force"]
    args = dict(zip(rest[0::2], rest[1::2], strict=False))
    name, package = args.get("-n") or args.get("--name"), args.get("--package") or args.get("-k")
    sdk = Path(os.environ["FAKE_SDK_ROOT"])
    image = sdk / Path(*package.split(";")) if package else None
    if not name or image is None or not image.is_dir():
        print(f"Error: Package path is not valid. Valid system image paths are:\n{package}", file=sys.stderr)
        return 1
    sys.stdout.write("Do you wish to create a custom hardware profile? [no] ")
    sys.stdout.flush()
    sys.stdin.readline()
    home = avd_home()
    folder = home / f"{name}.avd"
    folder.mkdir(parents=True, exist_ok=True)
    (home / f"{name}.ini").write_text(f"avd.ini.encoding=UTF-8\npath={folder}\ntarget={package.split(';')[1]}\n")
    (folder / "config.ini").write_text(f"AvdId={name}\nimage.sysdir.1={'/'.join(package.split(';'))}/\n"
                                       "hw.ramSize=2048\n")
    return 0


if __name__ == "__main__":
    program, args = sys.argv[1], sys.argv[2:]
    sys.exit(emulator(args) if program == "emulator" else avdmanager(args))
