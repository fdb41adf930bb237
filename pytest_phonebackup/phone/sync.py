"""Files between this computer and a phone: single files and whole trees over the sync protocol,
keeping modification times, hashing on the phone, and guarding every path a phone sends back so
nothing lands outside the destination. Not for what may be deleted (`ownership`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import PhoneError, SafetyError
from ..phonelike import Progress, RemoteFile
from .ownership import Ownership
from .transport import LIST_WINDOW

DIGEST = re.compile(r"[0-9a-f]{64}")
PATH_LIST_BATCH = 2000  # files per batched shell call (hashing, removing)


class FileSync(Ownership):
    """stat, push, pull, trees and hashes; writes refuse to overwrite what the harness did not create."""

    def stat(self, remote: str) -> RemoteFile | None:
        """The file at `remote` (following symlinks), or None when there is none."""
        with self._sync() as sync:
            return sync.stat(remote)

    def exists(self, remote: str) -> bool:
        return self.stat(remote) is not None

    def push(self, local: str | Path, remote: str, progress: Progress | None = None) -> None:
        """Copy a host file to the phone, keeping its modification time.

        Refuses (SafetyError) to overwrite a file on the phone that this harness did not create.
        """
        local = Path(local)
        size = local.stat().st_size
        with self._sync() as sync:
            existing = sync.stat(remote)
            if existing is not None and existing.is_dir:
                remote = posixpath.join(remote, local.name)
                existing = sync.stat(remote)
            self._check_may_write(remote, existing)
            if existing is None:
                self._note_new_folders(sync, posixpath.dirname(remote))
            sync.send(local, remote, progress, 0, size)
        self.created.add(remote)

    def push_tree(self, local_dir: str | Path, remote_dir: str, progress: Progress | None = None) -> list[str]:
        """Copy a host folder's files into `remote_dir` (created if missing); returns the device paths.

        Keeps modification times; empty folders are created too; host symlinks are skipped.
        Refuses to overwrite files the harness did not create.
        """
        local_dir = Path(local_dir)
        if not local_dir.is_dir():
            raise PhoneError(f"cannot push {local_dir}: not a folder on this computer")
        files: list[tuple[Path, str]] = []
        folders: list[str] = []  # empty ones, which no file creates
        every_folder: list[str] = []
        for root, dirnames, filenames in os.walk(local_dir):
            rel = Path(root).relative_to(local_dir).as_posix()
            base = remote_dir if rel == "." else posixpath.join(remote_dir, rel)
            every_folder.append(base)
            if not dirnames and not filenames:
                folders.append(base)
            for name in sorted(filenames):
                if (Path(root) / name).is_symlink():
                    continue  # only regular files travel; a host symlink could point anywhere
                files.append((Path(root) / name, posixpath.join(base, name)))
        total = sum(path.stat().st_size for path, _ in files)
        existing = {item.path: item for item in self.list_tree(remote_dir)} if self.exists(remote_dir) else None
        for _, remote in files:
            self._check_may_write(remote, existing.get(remote) if existing else None)
        done = 0
        with self._sync() as sync:
            if existing is None:
                self._note_new_folders(sync, remote_dir)
            # The target folder itself is never listed by list_tree: it is new only if it was missing.
            new_folders = [path for path in every_folder
                           if existing is None or (path != remote_dir and path not in existing)]
            self.created.update(new_folders)
            self._folders.update(new_folders)
            sync.send_many(files, progress, done, total, written=self.created.add)
        if folders:
            self._run_with_paths(folders, "mkdir -p --")
        return [remote for _, remote in files]

    def pull(self, remote: str, local: str | Path, progress: Progress | None = None) -> Path:
        """Copy a phone file to `local` (a file path, or an existing folder), keeping its mtime."""
        local = Path(local)
        with self._sync() as sync:
            info = sync.stat(remote)
            if info is None:
                raise PhoneError(f"{self.serial}: cannot pull {remote}: no such file on the phone")
            if info.is_dir:
                raise PhoneError(f"{self.serial}: {remote} is a folder; use pull_tree()")
            if local.is_dir():
                local = local / _safe_name(posixpath.basename(remote.rstrip("/")), remote)
            sync.recv(remote, local, info, progress, 0, info.size)
        return local

    def pull_tree(self, remote_dir: str, local_dir: str | Path, progress: Progress | None = None) -> list[Path]:
        """Copy a phone folder into `local_dir`; returns the host paths written.

        Every name from the phone is checked: nothing is written outside `local_dir`, whatever
        the phone calls its files ('..', absolute names, names with '/', symlinks on the host).
        """
        dest = Path(local_dir)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        entries = self.list_tree(remote_dir)
        total = sum(item.size for item in entries if not item.is_dir and not item.is_symlink)
        written: list[Path] = []
        done = 0
        with self._sync() as sync:
            for item in entries:
                rel = posixpath.relpath(item.path, remote_dir)
                target = _inside(root, rel, item.path)
                if item.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if item.is_symlink:
                    continue  # never recreate phone symlinks on the host; their targets are listed apart
                target.parent.mkdir(parents=True, exist_ok=True)
                done = sync.recv(item.path, target, item, progress, done, total)
                written.append(target)
        return written

    def list_tree(self, remote_dir: str) -> list[RemoteFile]:
        """Every file and folder under `remote_dir` (not itself), sorted by path (see `walk_tree`)."""
        found = [item for entries in self.walk_tree(remote_dir) for item in entries]
        found.sort(key=lambda item: item.path)
        return found

    def walk_tree(self, remote_dir: str) -> Iterator[list[RemoteFile]]:
        """The entries under `remote_dir`, one folder's at a time as they arrive, through sync
        listings (LIS2, or LIST on old phones). Up to LIST_WINDOW folders are asked for before their
        answers are read, so a tree of many folders costs a few round trips, not one a folder."""
        with self._sync() as sync:
            waiting = deque([remote_dir.rstrip("/") or "/"])  # folders not yet asked for
            asked: deque[str] = deque()  # asked for, answers not yet read
            while waiting or asked:
                while waiting and len(asked) < LIST_WINDOW:
                    asked.append(waiting.popleft())
                    sync.ask_listing(asked[-1])
                entries = sync.listing(asked.popleft())
                waiting.extend(item.path for item in entries if item.is_dir)
                yield entries

    def hash_files(self, paths: Iterable[str]) -> dict[str, str]:
        """SHA-256 of phone files, computed on the phone in batches; missing files are left out."""
        wanted = list(dict.fromkeys(paths))
        hashes: dict[str, str] = {}
        for start in range(0, len(wanted), PATH_LIST_BATCH):
            batch = wanted[start:start + PATH_LIST_BATCH]
            result = self._run_with_paths(batch, "sha256sum --", check=False)
            hashes.update(_parse_sums(result.stdout, batch))
        return hashes


def _safe_name(name: str, remote: str) -> str:
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise SafetyError(f"refusing to pull {remote!r}: its name would escape the destination folder")
    return name


def _inside(root: Path, rel: str, remote: str) -> Path:
    """`root/rel`, provided every part is a plain name and no host symlink is on the way."""
    parts = rel.split("/")
    for part in parts:
        _safe_name(part, remote)
    target = root.joinpath(*parts)
    current = root
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise SafetyError(f"refusing to pull {remote!r}: {current} is a symlink on this computer")
    if os.path.commonpath([root, target]) != str(root):
        raise SafetyError(f"refusing to pull {remote!r}: it would land outside {root}")
    return target


def _parse_sums(output: str, expected: list[str]) -> dict[str, str]:
    """Read `sha256sum` lines in the order of `expected`; a name may hold newlines or spaces, so
    each line is matched against the next expected names instead of split on whitespace."""
    hashes: dict[str, str] = {}
    pos, index = 0, 0
    while pos < len(output) and index < len(expected):
        digest = output[pos:pos + 64]
        if not DIGEST.fullmatch(digest):
            break
        rest = pos + 66  # digest, then two spaces (text mode) or " *" (binary mode)
        for candidate in range(index, len(expected)):
            name = expected[candidate]
            if output.startswith(name + "\n", rest):
                hashes[name] = digest
                index = candidate + 1
                pos += 66 + len(name) + 1
                break
        else:
            break
    return hashes


