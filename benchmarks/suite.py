"""The built-in suite as QA teams run it on every build: `pytest --phone-emulator --phone-backup-app
adb-mirror --pyargs pytest_phonebackup.suite` with the default profiles, on two xdist workers and on
one (the scaling figure), and with `--scale` a round trip of a 100,000-photo profile against the
10,000-photo stress one (time and peak memory should grow linearly). Not a test: it reports.

    python -m benchmarks suite [--scale] [--suite-profiles smoke,edge,formats,stress]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import _figures as figures

HERE = Path(__file__).resolve().parent
SCALE_PROFILE = HERE / "scale-100k.yaml"
SUITE_TARGET = 45.0  # seconds, on 2 cores, default profiles
SCALING_TARGET = 1.6  # -n 2 against -n 1
LINEAR_TARGET = 1.2  # 100,000 items against 10 x the 10,000-item figures
# Runs pytest in a child and reports its wall time and the peak RSS of everything it started.
MEASURED = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
with open(sys.argv[1], "wb") as log:
    code = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT).returncode
print(json.dumps({"seconds": time.perf_counter() - started, "code": code,
                  "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def run_suite(work: Path, workers: int, profiles: str, name: str) -> dict:
    """One run of the built-in suite (or of its round trips for `profiles`): seconds, exit code, peak RSS."""
    command = [sys.executable, "-m", "pytest", "--phone-emulator", "--phone-backup-app", "adb-mirror",
               "--phone-media-profile", profiles, "-q", "-p", "no:cacheprovider", "-n", str(workers),
               "--basetemp", str(work / name), "--pyargs", "pytest_phonebackup.suite"]
    log = work / f"{name}.log"
    done = subprocess.run([sys.executable, "-c", MEASURED, str(log), *command], capture_output=True, text=True,
                          cwd=work)
    figures_ = json.loads(done.stdout.strip().splitlines()[-1])
    if figures_["code"] != 0:
        tail = "\n".join("    " + line for line in log.read_text(errors="replace").splitlines()[-15:])
        print(f"{name}: pytest exited {figures_['code']} (a failing suite's time is not a figure); its last lines:\n{tail}")
    return figures_


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks suite")
    parser.add_argument("--suite-profiles", default="smoke,edge,formats,stress",
                        help="profiles the suite seeds (default: the suite's own default profiles)")
    parser.add_argument("--scale", action="store_true",
                        help=f"also a round trip of {SCALE_PROFILE.name} (100,000 photos) against stress")
    args, _ = parser.parse_known_args(argv)
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-suite-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        two = run_suite(work, 2, args.suite_profiles, "n2")
        one = run_suite(work, 1, args.suite_profiles, "n1")
        met &= figures.time_limit(f"built-in suite, adb-mirror, {args.suite_profiles}, -n 2", two["seconds"],
                                  SUITE_TARGET)
        met &= figures.ratio("suite -n 2", two["seconds"], "-n 1", one["seconds"], at_least=SCALING_TARGET,
                             speed=True)
        if args.scale:
            small = run_suite(work, 1, "stress", "stress")
            large = run_suite(work, 1, str(SCALE_PROFILE), "scale")
            met &= figures.ratio(f"{SCALE_PROFILE.name} round trips", large["seconds"], "10 x stress",
                                 10 * small["seconds"], at_most=LINEAR_TARGET)
            print(f"peak RSS: stress {small['rss'] / 1e6:.0f} MB, {SCALE_PROFILE.name} {large['rss'] / 1e6:.0f} MB "
                  f"({large['rss'] / small['rss']:.1f}x for 10x the items)")
    return 0 if met else 1
