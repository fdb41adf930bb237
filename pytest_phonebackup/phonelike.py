"""What the rest of the harness needs of a phone, as a Protocol: seeding (media/), apps (apps/) and
verification (verify/) are written against `PhoneLike`, never against the ADB transport, so they can be
read, tested and type-checked without it. `Phone` (phone/) is the one implementation that speaks ADB.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, current path)


@dataclass(frozen=True)
class ShellResult:
    """What a shell command did on the phone: its exit `status`, `stdout` and `stderr` (text).
    `str(result)` is its stdout, so `print(phone.shell("ls /sdcard"))` prints the listing."""

    status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.status == 0

    def __str__(self) -> str:
        return self.stdout


@dataclass(frozen=True)
class RemoteFile:
    """A file or folder on the phone, as the sync service reports it."""

    path: str
    size: int
    mtime: float
    mode: int
    is_dir: bool

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)


@dataclass(frozen=True)
class StorageUsage:
    """Shared storage of the phone (`df` of $EXTERNAL_STORAGE), in bytes."""

    total: int
    used: int
    free: int


@dataclass(frozen=True)
class Checkpoint:
    """What the harness had created on a phone at one moment (see Phone.checkpoint)."""

    created: frozenset[str]
    installed: frozenset[str]
    shared_files: frozenset[str] | None = None  # everything in shared storage (emulators only)


@runtime_checkable
class PhoneLike(Protocol):
    """One Android device as the harness uses it: shell, files, ownership, media, apps, network,
    lifecycle and observation. Faults, the gallery, apps and the verifier need nothing else."""

    serial: str
    kind: str  # "virtual", "emulator" or "hardware"
    allow_wipe: bool
    created: set[str]

    @property
    def is_emulator(self) -> bool: ...

    def shell(self, cmd: str, check: bool = True, timeout: float | None = 120) -> ShellResult: ...
    def exists(self, remote: str) -> bool: ...
    def stat(self, remote: str) -> RemoteFile | None: ...
    def push(self, local: str | Path, remote: str, progress: Progress | None = None) -> None: ...
    def push_tree(self, local_dir: str | Path, remote_dir: str, progress: Progress | None = None) -> list[str]: ...
    def pull(self, remote: str, local: str | Path, progress: Progress | None = None) -> Path: ...
    def list_tree(self, remote_dir: str) -> list[RemoteFile]: ...
    def hash_files(self, paths: Iterable[str]) -> dict[str, str]: ...
    def remove(self, paths: Iterable[str]) -> None: ...
    def harness_created(self, path: str) -> bool: ...
    def require_wipe_allowed(self, action: str) -> None: ...
    def checkpoint(self) -> Checkpoint: ...
    def cleanup(self, since: Checkpoint) -> None: ...
    def media_scan(self, paths: Iterable[str] | None = None) -> None: ...
    def query_media(self, uri: str = ..., projection: Iterable[str] | None = None,
                    where: str | None = None) -> list[dict[str, str]]: ...
    def install(self, apk: str | Path, *flags: str) -> str: ...
    def start_app(self, component: str) -> None: ...
    def stop_app(self, package: str) -> None: ...
    def clear_app_data(self, package: str) -> None: ...
    def uninstall(self, package: str) -> None: ...
    def getprop(self, key: str) -> str: ...
    def set_wifi(self, on: bool) -> None: ...
    def set_data(self, on: bool) -> None: ...
    def set_airplane(self, on: bool) -> None: ...
    def reboot(self, wait: bool = True, timeout: float = 180) -> None: ...
    def storage_usage(self, path: str = "$EXTERNAL_STORAGE") -> StorageUsage: ...
    def emu(self, *args: str) -> str: ...
    def wait_ready(self, timeout: float = 180, watch: Callable[[], None] | None = None,
                   poll: float = 0.25) -> None: ...
    def screenshot(self) -> bytes: ...
    def logcat(self, since: str | None = None) -> str: ...
    def clock(self) -> str: ...
    def info(self) -> dict[str, str]: ...
    def save_artifacts(self, folder: Path, since: str | None = None) -> list[Path]: ...
