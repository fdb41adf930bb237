"""MediaStore scan of many photos on the virtual phone (`content call ... scan_volume` through the
real adb server), first scan and unchanged rescan, against reading the same files with `cat` in
the same run. Prints seconds, files per second and the ratios. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image

from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

SCAN = "content call --uri content://media/none --method scan_volume --arg external_primary"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def photo(index: int) -> bytes:
    """A small JPEG with an EXIF capture time: what a camera folder holds, minus the pixels."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = f"2023:01:01 00:{index // 60 % 60:02d}:{index % 60:02d}"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (index % 255, 80, 160)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def timed(command: list[str] | str, shell: bool = False) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, shell=shell)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks mediascan")
    parser.add_argument("--files", type=int, default=10_000, help="photos to index (default 10000)")
    args, _ = parser.parse_known_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-mediascan-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        port = free_port()
        os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # the phone registers with this server
        adb = [adb_path(), "-P", str(port)]
        subprocess.run(adb + ["start-server"], check=True, capture_output=True)
        try:
            with VirtualPhone(PhoneConfig(data_dir=work / "phone")) as phone:
                deadline = time.monotonic() + 30
                while f"{phone.serial}\tdevice" not in subprocess.run(
                        adb + ["devices"], capture_output=True, text=True).stdout:
                    if time.monotonic() > deadline:
                        print(f"{phone.serial} never showed up in adb devices")
                        return 1
                    time.sleep(0.1)
                print(f"writing {args.files} photos into the phone's DCIM ...", flush=True)
                for i in range(args.files):
                    folder = f"/sdcard/DCIM/Bench/{i // 500:03d}"
                    if i % 500 == 0:
                        phone.storage.makedirs(folder)
                    phone.storage.write_bytes(f"{folder}/IMG_{i:06d}.jpg", photo(i))
                host_dir = phone.storage.host("/sdcard/DCIM/Bench")
                raw = timed(f"find '{host_dir}' -type f -print0 | xargs -0 cat > /dev/null", shell=True)
                shell = adb + ["-s", phone.serial, "shell"]
                first = timed(shell + [SCAN])
                again = timed(shell + [SCAN])
                rows = subprocess.run(shell + ["content query --uri content://media/external/images/media "
                                               "--projection _id | wc -l"], capture_output=True, text=True)
                print(f"indexed rows: {rows.stdout.strip()}")
                for label, seconds in (("cat of every file", raw), ("first scan", first), ("rescan", again)):
                    print(f"{label:>18}: {seconds:7.2f} s  {args.files / seconds:9.0f} files/s  "
                          f"ratio to cat {raw / seconds:5.2f}")
        finally:
            subprocess.run(adb + ["kill-server"], capture_output=True)
    return 0
