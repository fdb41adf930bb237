"""`phonebackup verify`: judge a phone against a manifest after a restore, outside pytest, with
stable exit codes for scripts and CI: 0 verified, 1 differences found, 2 could not run. Where the
phone and the app's policy come from is passed in (see verify_cli.py), so this never speaks ADB.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import PhoneBackupError
from ..manifest import Manifest
from ..names import display
from ..phonelike import PhoneLike
from ..policy import Policy
from .judging import verify

VERIFIED, DIFFERENCES, COULD_NOT_RUN = 0, 1, 2

AttachPhone = Callable[[str, float], PhoneLike]  # (serial, seconds to wait for it) -> a ready phone
AppPolicy = Callable[[str], Policy]  # scenario name or YAML path -> the policy of that backup app


def add_commands(subparsers: argparse._SubParsersAction[Any], *, attach: AttachPhone, app_policy: AppPolicy) -> None:
    parser = subparsers.add_parser(
        "verify", help="verify a phone against a manifest after a restore (exit 0 verified, 1 differences, 2 could not run)")
    parser.add_argument("--serial", required=True, help="the phone (a serial from `adb devices`, or host:port)")
    parser.add_argument("--manifest", required=True, type=Path, help="manifest.json written by `phonebackup media seed`")
    parser.add_argument("--app", help="take the policy of this backup app (scenario name or YAML path); "
                                      "default: every item must come back byte for byte, in place, with its time")
    parser.add_argument("--originals", type=Path, help="folder with the generated files (to say how a file differs)")
    parser.add_argument("--out", type=Path, default=Path("phonebackup-verify"), help="where report.json goes")
    parser.add_argument("--wait", type=float, default=15, help="seconds to wait for the phone to be listed (default 15)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not a line per item")
    parser.set_defaults(func=functools.partial(run_verify, attach=attach, app_policy=app_policy))


def run_verify(args: argparse.Namespace, *, attach: AttachPhone, app_policy: AppPolicy) -> int:
    """Exit 0 or 1 only with a written report.json; anything that stops a verification (a bad
    manifest, no phone, a failed write) is one line on stderr and exit 2, never a traceback."""
    try:
        policy = app_policy(args.app) if args.app else Policy()  # a bad scenario is named before anything else
        manifest = Manifest.load(args.manifest)
        phone = attach(args.serial, args.wait)
        args.out.mkdir(parents=True, exist_ok=True)
        report = verify(manifest, phone, policy, workdir=args.out, originals=args.originals)
    except (PhoneBackupError, ValueError, OSError) as exc:
        return _could_not_run(str(exc))
    except Exception as exc:  # noqa: BLE001 - exit 1 would read as "differences found"
        return _could_not_run(f"{type(exc).__name__} while verifying: {exc}; rerun it, and report it if it stays")
    try:
        path = report.save(args.out / "report.json")
    except (OSError, ValueError, TypeError) as exc:
        return _could_not_run(f"cannot write {args.out / 'report.json'}: {exc}; check that --out is a writable "
                              "folder with free space")
    if not args.quiet:
        for line in report.rclone_lines():
            print(line)
    print(report.summary())
    print(f"report: {path}")
    return VERIFIED if report.ok else DIFFERENCES


def _could_not_run(why: str) -> int:
    print(f"phonebackup verify: could not run: {display(why)}", file=sys.stderr)
    return COULD_NOT_RUN
