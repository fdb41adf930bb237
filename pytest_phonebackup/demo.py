"""`phonebackup demo`: the main job. Runs the built-in round-trip suite on the embedded virtual
phone with the reference tool (adb-mirror) over the smoke and edge galleries, then the on-device
Cloud Photos app with Wi-Fi dropping mid-backup, the reference tool's encrypted backups (no
plaintext in them, a wrong password refused), writes Allure results, renders the HTML report
and prints where everything is. With `--faults` it also runs
deliberately broken variants of the tool, so the report shows what a real loss looks like.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from .files import write_text
from .startup import Named, one_error, problems

DEMO_FAULTS = ("drop", "truncate", "strip-gps", "recompress")
ENCRYPTION_TESTS = "test_encrypted_backup_holds_no_plaintext or test_wrong_password_restores_nothing"


def faulty_scenarios(folder: Path, faults: tuple[str, ...] = DEMO_FAULTS) -> list[Path]:
    """Scenario files for broken variants of adb-mirror (one defect each)."""
    from .apps import find_scenario

    reference = find_scenario("adb-mirror").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fault in faults:
        text = reference.replace("name: adb-mirror", f"name: adb-mirror-{fault}")
        text = text.replace("--src {backup_dir}\"", f"--src {{backup_dir}} --fault {fault}\"")
        path = folder / f"adb-mirror-{fault}.yaml"
        write_text(path, text)
        paths.append(path)
    return paths


def plugin_installed() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value.startswith("pytest_phonebackup") for ep in entry_points(group="pytest11"))


def run_suite(app: str | Path, profiles: str, results: Path, workers: int, extra: list[str],
              suite: str = "pytest_phonebackup.suite") -> int:
    command = [sys.executable, "-m", "pytest", "--pyargs", suite]
    if not plugin_installed():
        command += ["-p", "pytest_phonebackup.plugin"]  # running from a source tree without `pip install`
    command += ["--phone-emulator", "--phone-backup-app", str(app), "--phone-media-profile", profiles,
               "--alluredir", str(results), "-q", "-rA", "-p", "no:cacheprovider"]
    if workers > 1:
        command += ["-n", str(workers)]
    print(f"\n$ {' '.join(command[2:])}", flush=True)
    return subprocess.run(command + extra, stdin=subprocess.DEVNULL).returncode


def run_demo(args: argparse.Namespace) -> int:
    from .nodetools import install_node_tools
    from .reporting.cli import render

    named = [Named("profile", name.strip(), "--profiles") for name in args.profiles.split(",") if name.strip()]
    found = problems(named)
    if found:
        for line in one_error(found).splitlines():
            print(f"phonebackup demo: {line}", file=sys.stderr)
        return 2
    started = time.monotonic()
    folder = Path(args.folder).resolve()
    results = folder / "allure-results"
    report_dir = folder / "allure-report"
    folder.mkdir(parents=True, exist_ok=True)
    for old in results.glob("*") if results.exists() else []:
        if old.is_file():
            old.unlink()
    os.environ.setdefault("PHONEBACKUP_OUTPUT", str(folder / "phone-artifacts"))
    print(f"pytest-phonebackup demo: round trips on the embedded virtual phone, results in {folder}", flush=True)
    status = run_suite("adb-mirror", args.profiles, results, args.workers, ["-k", f"not ({ENCRYPTION_TESTS})"])
    print("\nThe same tool with encrypted backups: no plaintext in the backup, a wrong password refused:", flush=True)
    status = status or run_suite("adb-mirror-encrypted", "smoke", results, 1, ["-k", ENCRYPTION_TESTS])
    print("\nCloud Photos on the phone, with Wi-Fi dropping in the middle of a backup:", flush=True)
    status = status or run_suite("cloudphotos", "smoke", results, 1, [], suite="pytest_phonebackup.demo_suite")
    broken_status = 0
    if args.faults:
        print("\nNow the same round trips with deliberately broken variants of the tool (these must FAIL):", flush=True)
        for scenario in faulty_scenarios(folder / "scenarios"):
            code = run_suite(scenario, "smoke", results, 1, ["-k", "same_phone"])
            if code == 0:
                print(f"  {scenario.stem}: NOT caught — the harness missed a defect", flush=True)
                broken_status = 1
    print("\nrendering the Allure report ...", flush=True)
    try:
        install_node_tools(quiet=False)  # nothing to do when the pinned Allure CLI is already there
        render(results, report_dir)
        html = report_dir / "index.html"
        print(f"Allure report (one file, opens from disk): {html.as_uri()}" + ("" if html.exists() else " (missing!)"))
    except Exception as exc:  # noqa: BLE001 - the results are still there; say how to render them
        print(f"could not render the HTML report: {exc}\n(results are in {results}; try `phonebackup tools install` "
              f"then `phonebackup report {results} -o {report_dir}`)", file=sys.stderr)
        status = status or 2
    print(f"Allure results: {results}")
    print(f"demo {'passed' if status == 0 and broken_status == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return status or broken_status


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="run the demo round-trip suite on the virtual phone, with an Allure report")
    parser.add_argument("--folder", default="phonebackup-demo", help="where results and the report go (default: ./phonebackup-demo)")
    parser.add_argument("--profiles", default="smoke,edge", help="media profiles to round-trip (default: smoke,edge)")
    parser.add_argument("--faults", action="store_true", help="also run broken variants of the tool, to see failures in the report")
    parser.add_argument("--workers", type=int, default=1, help="pytest-xdist workers (default: 1)")
    parser.set_defaults(func=run_demo)
