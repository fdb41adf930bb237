"""Push and pull of one big file through the real adb server to the virtual phone, against `cp`
of the same file on the same disk in the same run. Prints MB/s and the ratios (target >= 0.7, best against best).
Not a test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import random
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone, parse_size
from pytest_phonebackup.virtual.device import find_free_console_port

from . import _figures as figures

TARGET_RATIO = 0.7  # push and pull against cp, best against best


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    """Incompressible content, written once (the same file feeds cp, push and pull)."""
    block = os.urandom(16 * 1024 * 1024)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
            block = block[1:] + block[:1]  # no two blocks alike


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks transfer")
    parser.add_argument("--size", default="1G", help="file size (default 1G)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; best and median shown")
    args, _ = parser.parse_known_args(argv)
    size = parse_size(args.size)

    with tempfile.TemporaryDirectory(prefix="bench-transfer-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        print(f"writing a {size / 2**20:.0f} MiB file in {work} ...", flush=True)
        make_file(source, size)

        port = free_port()
        env = dict(os.environ, ANDROID_ADB_SERVER_PORT=str(port))
        os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # the phone registers with this server
        adb = [adb_path(), "-P", str(port)]
        subprocess.run(adb + ["start-server"], check=True, capture_output=True, env=env)
        # a port away from 5554..5585, where test runs start their phones; it registers itself
        console_port = find_free_console_port(random.randrange(20000, 50000, 2), 60000)
        config = PhoneConfig(console_port=console_port, data_dir=work / "phone", storage_bytes=size * 2 + 2**30)
        try:
            with VirtualPhone(config) as phone:
                deadline = time.monotonic() + 30
                while f"{phone.serial}\tdevice" not in subprocess.run(
                        adb + ["devices"], capture_output=True, text=True).stdout:
                    if time.monotonic() > deadline:
                        print(f"{phone.serial} never showed up in adb devices")
                        return 1
                    time.sleep(0.1)
                on_device = "/sdcard/Download/bench.bin"
                pulled = work / "pulled.bin"
                copy = work / "copy.bin"
                serial = ["-s", phone.serial]
                times: dict[str, list[float]] = {"cp": [], "adb push": [], "adb pull": []}
                # Interleaved rounds: a machine busy with other work slows all three alike.
                for round_ in range(args.repeat):
                    times["cp"].append(timed(["cp", str(source), str(copy)]))
                    copy.unlink()
                    times["adb push"].append(timed(adb + serial + ["push", str(source), on_device]))
                    times["adb pull"].append(timed(adb + serial + ["pull", on_device, str(pulled)]))
                    print(f"round {round_ + 1}: " + ", ".join(f"{name} {mbps(size, values[-1]):.0f} MB/s"
                                                            for name, values in times.items()), flush=True)
                intact = filecmp.cmp(source, pulled, shallow=False) and filecmp.cmp(
                    source, phone.storage.host(on_device), shallow=False)
        finally:
            subprocess.run(adb + ["kill-server"], capture_output=True, env=env)

    best = {name: mbps(size, min(values)) for name, values in times.items()}
    median = {name: mbps(size, statistics.median(values)) for name, values in times.items()}
    print(f"{'transfer':<10}{'best MB/s':>11}{'vs cp':>8}{'median MB/s':>13}{'vs cp':>8}")
    for name in times:
        print(f"{name:<10}{best[name]:>11.0f}{best[name] / best['cp']:>8.2f}"
              f"{median[name]:>13.0f}{median[name] / median['cp']:>8.2f}")
    print(f"content identical after push and pull: {intact}")
    met = True
    for name in ("adb push", "adb pull"):  # best against best
        met &= figures.ratio(f"{name} best", min(times[name]), "cp best", min(times["cp"]),
                             at_least=TARGET_RATIO, speed=True)
    return 0 if intact and met else 1
