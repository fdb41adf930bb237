"""What the harness may change on a phone: it remembers what it wrote and installed, refuses to
overwrite or delete anything else, removes what a test left (checkpoint, cleanup), and guards
destructive actions on real hardware. Not for moving bytes (`transport`, `sync`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..android import SHARED_STORAGE
from ..errors import SafetyError
from ..phonelike import Checkpoint, RemoteFile
from .transport import SyncSession, Transport

KINDS = ("virtual", "emulator", "hardware")


class Ownership(Transport):
    """The safety rules of one phone. `kind` decides how far cleanup goes: on emulators and the
    virtual phone every new file in shared storage is the test's; on hardware only what the harness
    wrote itself."""

    kind: str
    allow_wipe: bool
    created: set[str]  # device paths (files and folders) this harness created
    _folders: set[str]  # the folders among them
    installed: set[str]  # packages this harness installed

    if TYPE_CHECKING:  # provided by FileSync and Packages, which Phone combines with this class
        def list_tree(self, remote_dir: str) -> list[RemoteFile]: ...
        def uninstall(self, package: str) -> None: ...

    @property
    def is_emulator(self) -> bool:
        return self.kind in ("virtual", "emulator")

    def harness_created(self, path: str) -> bool:
        """True when `path` (or a folder above it) was created by this harness."""
        path = path.rstrip("/")
        while path and path != "/":
            if path in self.created:
                return True
            path = posixpath.dirname(path)
        return False

    def require_wipe_allowed(self, action: str) -> None:
        """Raise SafetyError for a destructive `action` on real hardware without allow_wipe."""
        if self.kind == "hardware" and not self.allow_wipe:
            raise SafetyError(f"{self.serial} is real hardware: refusing to {action}; it may hold someone's "
                              "own photos. Pass --phone-allow-wipe if this phone is a test device.")

    def _check_may_write(self, remote: str, existing: RemoteFile | None) -> None:
        if existing is not None and not self.harness_created(remote):
            raise SafetyError(f"{self.serial}: refusing to overwrite {remote}: it was on the phone before "
                              "and this harness did not create it; choose another path")

    def _note_new_folders(self, sync: SyncSession, folder: str) -> None:
        """Remember the missing folders above a file about to be written: the sync service creates
        them, so they are the harness's to remove."""
        while folder not in ("", "/") and sync.stat(folder) is None:
            self.created.add(folder)
            self._folders.add(folder)
            folder = posixpath.dirname(folder)

    def remove(self, paths: Iterable[str]) -> None:
        """Delete files or folders this harness created. Anything else raises SafetyError."""
        doomed = list(dict.fromkeys(paths))
        for path in doomed:
            if not self.harness_created(path):
                raise SafetyError(f"{self.serial}: refusing to delete {path}: this harness did not create "
                                  "it, and it may be someone's data")
        if not doomed:
            return
        if self.kind != "hardware":
            self._run_with_paths(doomed, "rm -rf --")
        else:
            # On someone's phone a folder goes only once empty: their own new photos may have
            # landed in a folder the harness made (DCIM/Camera), and those must stay.
            def under(path: str) -> bool:
                return any(path == root or path.startswith(root.rstrip("/") + "/") for root in doomed)

            files = sorted(path for path in self.created if under(path) and path not in self._folders)
            folders = sorted((path for path in self._folders if under(path)), key=lambda p: p.count("/"),
                             reverse=True)
            if files:
                self._run_with_paths(files, "rm -f --")
            if folders:
                self._run_with_paths(folders, "rmdir --", check=False)
        roots = {root.rstrip("/") for root in doomed}  # "/" becomes "": everything is under it
        gone = {path for path in self.created if _under(path, roots)}
        self.created -= gone
        self._folders -= gone

    def checkpoint(self) -> Checkpoint:
        """What the harness has created so far; `cleanup(checkpoint)` undoes what came after.

        On emulators and the virtual phone it also lists shared storage, so files a test made by
        other means (a shell `cp`, an app restoring) are removed too. Never on hardware: there only
        what the harness wrote itself is ever deleted."""
        listing = None
        if self.is_emulator:
            listing = frozenset(item.path for item in self.list_tree(SHARED_STORAGE))
        return Checkpoint(frozenset(self.created), frozenset(self.installed), listing)

    def cleanup(self, since: Checkpoint) -> None:
        """Delete the files and uninstall the packages created after `since`."""
        for package in sorted(self.installed - since.installed):
            self.uninstall(package)
        new = set(self.created - since.created)
        if since.shared_files is not None and self.is_emulator:
            appeared = {item.path for item in self.list_tree(SHARED_STORAGE)} - since.shared_files
            self.created |= appeared  # made during the test on an emulator: the harness's own
            new |= appeared
        # a folder created after `since` takes its contents with it
        roots = sorted(path for path in new if not any(path.startswith(other + "/") for other in new))
        if roots:
            self.remove(roots)
        self.created -= new
        self._folders -= new


def _under(path: str, roots: set[str]) -> bool:
    """`path` is one of `roots` (no trailing slash) or inside one: a walk up its parents, not a scan
    of every root (wiping 10,000 files checked 10,000 x 10,000 prefixes)."""
    while path:
        if path in roots:
            return True
        path = path.rpartition("/")[0]
    return "" in roots
