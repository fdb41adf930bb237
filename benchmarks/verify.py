"""Verification of a 10,000-item gallery on the virtual phone: wall time and phone round trips,
against hashing the same files on the host with `sha256sum` in the same run; then one smoke round
trip with the reference tool, its time split by step. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.roundtrip import RoundTrip
from pytest_phonebackup.verification import verify

from . import _figures as figures
from ._phone import private_phone

VERIFY_TARGET = 1.5  # verification against raw on-phone hashing of the same tree
HOST_HASH_TARGET = 1.5  # the virtual phone's sha256sum against the host's, same files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks verify")
    parser.add_argument("--profile", default="stress", help="gallery to verify (default: stress, 10,000 items)")
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        work = Path(tmp)
        with private_phone(work) as (_virtual, phone):
            started = time.perf_counter()
            manifest = Gallery(phone, workdir=work, progress=False).seed(args.profile, seed=1,
                                                                          keep_originals=work / "originals")
            seeded = time.perf_counter() - started
            print(f"seeded {len(manifest.items):,} items ({manifest.total_bytes / 1e6:.0f} MB) in {seeded:.1f} s")

            started = time.perf_counter()
            report = verify(manifest, phone, Policy(), workdir=work / "verify")
            took = time.perf_counter() - started
            files = [str(work / "originals" / item.path) for item in manifest.items]
            started = time.perf_counter()
            subprocess.run(["xargs", "-0", "sha256sum", "--"], input="\0".join(files).encode(),
                           capture_output=True, check=True)
            host = time.perf_counter() - started
            print(f"verify: {len(report.verdicts):,} verdicts ({report.counts}) in {took:.2f} s, "
                  f"{report.phone_calls} phone round trips, {report.pulled} files pulled")
            print(f"host sha256sum of the same files: {host:.2f} s -> verify takes {took / host:.1f}x "
                  f"the raw hashing time ({len(manifest.items) / took:,.0f} items/s)")
            started = time.perf_counter()
            phone.shell(f"find {manifest.root}/{manifest.items[0].path.split('/')[0]} -type f "
                        "-exec sha256sum {} + > /dev/null", timeout=600)
            on_phone = time.perf_counter() - started
            met = figures.ratio("verify", took, "on the phone, find -exec sha256sum {} +", on_phone,
                                at_most=VERIFY_TARGET)
            met &= figures.ratio("virtual phone sha256sum", on_phone, "host sha256sum", host,
                                 at_most=HOST_HASH_TARGET)

        with private_phone(work / "rt") as (_virtual, phone):
            result = RoundTrip(phone, load_app("adb-mirror"), profile="smoke", seed=1, workdir=work / "rt-work").run()
            total = sum(t.seconds for t in result.timings)
            print(f"smoke round trip with adb-mirror: {total:.1f} s, {result.report.counts}")
            for timing in result.timings:
                print(f"  {timing.name:<40} {timing.seconds:6.2f} s  {timing.seconds / total:5.0%}")
    return 0 if met else 1
