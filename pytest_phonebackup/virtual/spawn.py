"""Virtual phones in their own process: `spawn_phone()` runs `python -m pytest_phonebackup.virtual`
in a new process group, waits for its ready line and hands back serial, ports, pid and files;
`stop()` ends it the way a careful emulator runner does. Not for in-process phones (`VirtualPhone`).
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .cli import READY_PREFIX
from .console import console_command

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # so the child imports this very package


class PhoneProcessError(RuntimeError):
    """The virtual phone's process did not come up; the message carries its output. Read that
    output for the cause (a port in use, a bad option), fix it and spawn the phone again."""


class SpawnedPhone:
    """A virtual phone served by a child process. Use as a context manager, or call `stop()`."""

    def __init__(self, process: subprocess.Popen, info: dict, output: collections.deque, home: str | None,
                 reader: threading.Thread):
        self.process = process
        self.serial: str = info["serial"]
        self.console_port: int = int(info["console_port"])
        self.adb_port: int = int(info["adb_port"])
        self.data_dir = Path(info["data_dir"])
        self.avd_name: str = info.get("avd_name", "")
        self._output = output
        self._home = home  # the child's HOME: where its console token lives
        self._reader = reader

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """The last lines the phone printed (stdout and stderr), for error messages and reports."""
        return "".join(self._output)

    def stop(self, timeout: float = 15.0) -> int:
        """Console `kill`, wait up to `timeout` for the process to exit, then SIGTERM and finally
        SIGKILL — always to this phone's own pid, never to anything else. Returns the exit status."""
        if self.alive():
            try:
                console_command(self.console_port, "kill", home=self._home, timeout=min(timeout, 5.0))
            except OSError:
                pass  # console gone or refusing: the signals below still end the process
            for sig, grace in ((None, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                if sig is not None and self.alive():
                    try:
                        os.kill(self.pid, sig)
                    except ProcessLookupError:
                        break
                try:
                    self.process.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        status = self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return status

    def __enter__(self) -> SpawnedPhone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SpawnedPhone({self.serial}, pid={self.pid}, console={self.console_port}, adb={self.adb_port})"


def spawn_phone(port: int | None = None, api: int = 34, storage: str | int = "8G", data_dir: str | Path | None = None,
                boot_delay: float = 0.0, avd_name: str = "virtual_phone", env: dict[str, str] | None = None,
                ready_timeout: float = 30.0, verbose: bool = False) -> SpawnedPhone:
    """Start a virtual phone in a child process (its own process group) and wait until it serves.
    The phone stops by itself if this process dies, so a crashed test run leaves no phone behind.

    `env` replaces the child's environment (HOME decides its console token file;
    ANDROID_ADB_SERVER_PORT the adb server it registers with). Raises PhoneProcessError with the
    child's output when it exits or stays silent past `ready_timeout`."""
    command = [sys.executable, "-m", "pytest_phonebackup.virtual", "--api", str(api), "--storage", str(storage),
               "--boot-delay", str(boot_delay), "--avd-name", avd_name, "--exit-with-parent"]
    if port is not None:
        command += ["--port", str(port)]
    if data_dir is not None:
        command += ["--data", str(data_dir)]
    if verbose:
        command.append("--verbose")
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_PARENT, child_env.get("PYTHONPATH")) if p)
    child_env["PYTHONUNBUFFERED"] = "1"

    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=child_env, start_new_session=True)
    output: collections.deque[str] = collections.deque(maxlen=200)
    ready = threading.Event()
    info: dict = {}

    def read_output() -> None:
        # Keeps draining for the phone's whole life, so a chatty phone never blocks on a full pipe.
        # Ctrl-C is for the main thread: the kernel hands a process's SIGINT to any thread that does
        # not block it, and one caught here would leave the main thread asleep in the user's test.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace")
            output.append(line)
            if not ready.is_set() and line.startswith(READY_PREFIX):
                info.update(json.loads(line[len(READY_PREFIX):]))
                ready.set()
        ready.set()  # end of output: wake the waiter, which then sees the process is gone

    reader = threading.Thread(target=read_output, name=f"spawned-phone-{process.pid}", daemon=True)
    reader.start()
    ready.wait(ready_timeout)
    if not info:
        status = process.poll()
        if status is None and ready.is_set():
            try:  # its output ended: it is exiting, so its status is a moment away
                status = process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        problem = f"exited with status {status}" if status is not None else \
            f"printed no ready line within {ready_timeout:.0f} s"
        if status is None:
            os.kill(process.pid, signal.SIGKILL)  # our own child only
        process.wait()
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        tail = "".join(output).strip() or "(no output)"
        raise PhoneProcessError(f"the virtual phone process {problem}: `{' '.join(command)}`\n{tail}\n"
                                "Fix what its output names (a port in use, a bad option) and start it again.")
    return SpawnedPhone(process, info, output, child_env.get("HOME"), reader)
