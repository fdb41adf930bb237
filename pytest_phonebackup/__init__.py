"""pytest-phonebackup: prove that phone backup apps bring every photo back.

Provisions Android phones (the embedded virtual phone, SDK emulators, attached phones), seeds
generated media, drives the backup app under test, restores and verifies the round trip. The names
below are the library's public API; it works without pytest. Each is imported on first use, so
`python -m pytest_phonebackup.virtual` (the standalone virtual phone) loads none of the harness.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Phone": "pytest_phonebackup.phone",
    "PhoneLike": "pytest_phonebackup.phonelike",
    "ShellResult": "pytest_phonebackup.phonelike",
    "RemoteFile": "pytest_phonebackup.phonelike",
    "VirtualProvisioner": "pytest_phonebackup.provision.virtual",
    "AvdProvisioner": "pytest_phonebackup.provision.avd",
    "AttachedProvisioner": "pytest_phonebackup.provision.attached",
    "Gallery": "pytest_phonebackup.media.gallery",
    "Manifest": "pytest_phonebackup.manifest",
    "MediaItem": "pytest_phonebackup.manifest",
    "Policy": "pytest_phonebackup.policy",
    "load_app": "pytest_phonebackup.apps",
    "BackupApp": "pytest_phonebackup.apps.base",
    "RoundTrip": "pytest_phonebackup.roundtrip",
    "IncrementalRoundTrip": "pytest_phonebackup.incremental",
    "verify": "pytest_phonebackup.verification",
    "Report": "pytest_phonebackup.verification",
    "Verdict": "pytest_phonebackup.verification",
    "ItemVerdict": "pytest_phonebackup.verification",
    "RoundTripObserver": "pytest_phonebackup.observer",
    "observing": "pytest_phonebackup.observer",
    "PhoneBackupError": "pytest_phonebackup.errors",
    "InfrastructureError": "pytest_phonebackup.errors",
    "PhoneError": "pytest_phonebackup.errors",
    "NotReadyError": "pytest_phonebackup.errors",
    "ShellCommandError": "pytest_phonebackup.errors",
    "ScenarioError": "pytest_phonebackup.errors",
    "SafetyError": "pytest_phonebackup.errors",
    "BackupToolError": "pytest_phonebackup.errors",
    "BackupIncomplete": "pytest_phonebackup.errors",
    "BackupPaused": "pytest_phonebackup.errors",
    "BackupStopped": "pytest_phonebackup.errors",
    "RestoreFailed": "pytest_phonebackup.errors",
    "ScenarioStepFailed": "pytest_phonebackup.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_phonebackup' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .apps import load_app
    from .apps.base import BackupApp
    from .errors import (
        BackupIncomplete,
        BackupPaused,
        BackupStopped,
        BackupToolError,
        InfrastructureError,
        NotReadyError,
        PhoneBackupError,
        PhoneError,
        RestoreFailed,
        SafetyError,
        ScenarioError,
        ScenarioStepFailed,
        ShellCommandError,
    )
    from .incremental import IncrementalRoundTrip
    from .manifest import Manifest, MediaItem
    from .media.gallery import Gallery
    from .observer import RoundTripObserver, observing
    from .phone import Phone
    from .phonelike import PhoneLike, RemoteFile, ShellResult
    from .policy import Policy
    from .provision.attached import AttachedProvisioner
    from .provision.avd import AvdProvisioner
    from .provision.virtual import VirtualProvisioner
    from .roundtrip import RoundTrip
    from .verification import ItemVerdict, Report, Verdict, verify
