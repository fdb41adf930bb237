"""One round trip with the reference tool (adb-mirror) on a virtual phone, each phase against its raw
adb equivalent on the same phone and tree in the same run: `adb push` of the originals (seed),
`adb pull -a` (backup), `rm` of the files plus the MediaStore deletes (wipe), `adb push` plus one
media scan (restore), on-phone `find -exec sha256sum {} +` (verify). Prints a table of ratios and
targets. Not a test: nothing here asserts; it reports.

    python -m benchmarks roundtrip [--profile stress|smoke|edge|FILE.yaml] [--profile-out FILE] [--rounds 2]
                                    [--raw-rounds 2] [--in-process]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.roundtrip import RoundTrip

from . import _figures as figures
from ._phone import private_phone

ROOT = "/sdcard"
SCAN = "content call --uri content://media/external/file --method scan_volume --arg external_primary"
COLLECTIONS = ("content://media/external/images/media", "content://media/external/video/media")
# phase of the round trip (its name starts so) -> its target as a multiple of the raw equivalent
TARGETS = {"seed": 1.3, "back up": 1.2, "wipe": 1.5, "restore": 1.3, "verify": 1.5, "round trip": 1.5}
HOST_HASH_TARGET = 1.5  # the virtual phone's sha256sum against the host's, same files


def folders_of(paths: list[str]) -> list[str]:
    """The top folders a tree lives in (Android/media/... by its second level: Android/data is private)."""
    tops = set()
    for path in paths:
        parts = path.split("/")
        tops.add("/".join(parts[:2]) if parts[0] == "Android" and len(parts) > 2 else parts[0])
    return sorted(tops)


class Raw:
    """The raw adb commands on one phone, timed."""

    def __init__(self, serial: str):
        self.adb = [adb_path(), "-s", serial]

    def run(self, *args: str, stdin: bytes | None = None) -> float:
        started = time.perf_counter()
        subprocess.run(self.adb + list(args), input=stdin, check=True, capture_output=True)
        return time.perf_counter() - started

    def shell(self, command: str) -> float:
        return self.run("shell", command)

    def wipe(self, paths: list[str], folders: list[str]) -> float:
        """`rm` of exactly these files (their list pushed as NUL-separated names), then MediaStore's
        rows of them deleted by folder."""
        with tempfile.NamedTemporaryFile() as listing:
            listing.write(b"".join(os.fsencode(f"{ROOT}/{path}") + b"\0" for path in paths))
            listing.flush()
            seconds = self.run("push", listing.name, "/data/local/tmp/raw-wipe")
        seconds += self.shell("xargs -0 rm -f -- < /data/local/tmp/raw-wipe; rm -f /data/local/tmp/raw-wipe")
        where = " OR ".join(f"relative_path LIKE '{folder}/%'" for folder in folders)
        for uri in COLLECTIONS:
            seconds += self.shell(f"content delete --uri {uri} --where {shlex.quote(where)}")
        return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks roundtrip")
    parser.add_argument("--profile", default="stress", help="gallery profile (default stress, 10,000 photos)")
    parser.add_argument("--profile-out", help="write a cProfile of the harness's round trip to this file")
    parser.add_argument("--raw-rounds", type=int, default=2,
                        help="rounds of the raw adb equivalents; the best of each counts (default 2)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="round trips by the harness; the best of each phase counts (default 2)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the virtual phone in this process (default: its own, as the plugin does)")
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-roundtrip-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        with private_phone(work, in_process=args.in_process) as (virtual, phone):
            raw = Raw(phone.serial)
            # The harness's round trips, best of `--rounds` for each phase, as the raw commands below
            # are: a machine busy with other work flatters neither side.
            harness: dict[str, float] = {}
            verified = True
            for round_ in range(max(1, args.rounds)):
                trip = RoundTrip(phone, load_app("adb-mirror"), profile=args.profile, seed=1,
                                 workdir=work / f"rt-{round_}")
                profiler = cProfile.Profile() if args.profile_out and round_ == 0 else None
                if profiler:
                    profiler.enable()
                result = trip.run()
                verified &= result.ok
                if profiler:
                    profiler.disable()
                    pstats.Stats(profiler).dump_stats(args.profile_out)
                phases: dict[str, float] = {"round trip": sum(t.seconds for t in result.timings)}
                for timing in result.timings:
                    phase = next((key for key in TARGETS if timing.name.startswith(key)), "other")
                    phases[phase] = phases.get(phase, 0.0) + timing.seconds
                for phase, seconds in phases.items():
                    harness[phase] = min(seconds, harness.get(phase, seconds))
                paths = [item.path for item in result.manifest.items]
                folders = folders_of(paths)
                if round_ + 1 < args.rounds:
                    raw.wipe(paths, folders)  # the restored tree goes: the next round seeds anew
            originals = work / "rt-0" / "originals"
            # The last round trip left the restored tree on the phone: take it away the raw way, put the
            # originals back, pull them, hash them, then take them away and restore them again. Best
            # of a few rounds, as for the harness.
            best: dict[str, float] = {}
            for round_ in range(max(1, args.raw_rounds)):
                pulled = work / f"pulled-{round_}"
                pulled.mkdir()
                measured = {"wipe": raw.wipe(paths, folders),
                            "push": raw.run("push", f"{originals}/.", f"{ROOT}/"),
                            "pull": raw.run("pull", "-a", *[f"{ROOT}/{folder}" for folder in folders], str(pulled))}
                on_phone = " ".join(shlex.quote(f"{ROOT}/{folder}") for folder in folders)
                measured["hash"] = raw.shell(f"find {on_phone} -type f -exec sha256sum {{}} + > /dev/null")
                raw.wipe(paths, folders)
                measured["restore"] = raw.run("push", f"{originals}/.", f"{ROOT}/") + raw.shell(SCAN)
                shutil.rmtree(pulled)
                for name, seconds in measured.items():
                    best[name] = min(seconds, best.get(name, seconds))
            wipe, push, pull, hash_, restore = (best[name] for name in ("wipe", "push", "pull", "hash", "restore"))
            started = time.perf_counter()
            subprocess.run(["xargs", "-0", "sha256sum", "--"], cwd=originals, input=b"\0".join(
                os.fsencode(path) for path in paths), capture_output=True, check=True)
            host_hash = time.perf_counter() - started
            del virtual
    baseline = {"seed": (push, "adb push of the originals"), "back up": (pull, "adb pull -a"),
                "wipe": (wipe, "rm of the files + MediaStore deletes"),
                "restore": (restore, "adb push + one media scan"),
                "verify": (hash_, "on the phone, find -exec sha256sum {} +"),
                "round trip": (push + pull + push + hash_, "push + pull -a + push + hash")}
    items, size = len(result.manifest.items), result.manifest.total_bytes
    print(f"round trip of {args.profile} ({items:,} items, {size / 1e6:.0f} MB) with adb-mirror on a virtual phone "
          f"({'in this process' if args.in_process else 'its own process'}), verified {result.report.counts}")
    met = True
    for phase, (raw_seconds, label) in baseline.items():
        met &= figures.ratio(phase, harness.get(phase, 0.0), label, raw_seconds, at_most=TARGETS[phase])
    if harness.get("other"):
        print(f"(prepare {harness['other']:.2f} s, in the round trip's total)")
    met &= figures.ratio("virtual phone sha256sum", hash_, "host sha256sum of the same files", host_hash,
                         at_most=HOST_HASH_TARGET)
    return 0 if verified and met else 1
