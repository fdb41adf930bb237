"""Wiring of `phonebackup verify` (verification/cli.py) to where its phone and policy come from: a phone
attached over ADB (provision/) and a backup app's scenario (apps/). It sits at the command-line layer
because verification itself never imports provision/ or apps/.
"""

from __future__ import annotations

import argparse
from typing import Any

from .phonelike import PhoneLike
from .policy import Policy
from .verification import cli


def attach(serial: str, wait: float) -> PhoneLike:
    from .provision.attached import AttachedProvisioner

    return AttachedProvisioner([serial], boot_timeout=wait).attach(serial)


def app_policy(name_or_path: str) -> Policy:
    from .apps import load_app

    return load_app(name_or_path).policy


def add_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    cli.add_commands(subparsers, attach=attach, app_policy=app_policy)
