"""adb-mirror: the reference desktop backup tool, of the kind people run over USB/ADB.

`backup` mirrors the phone's shared storage into a folder (incremental by content: unchanged files
are not pulled again), `restore` pushes it back keeping file times and asks MediaStore to rescan.
It is a product under test, not part of the harness: it speaks ADB itself (the adb binary from
$PHONEBACKUP_ADB, $ADB, the adbutils wheel or PATH; the adb server on $ANDROID_ADB_SERVER_PORT) and
imports nothing else from pytest_phonebackup. `--fault NAME` makes a
deliberately broken variant (see `defects.py`) to prove the harness catches each kind of loss.

    python -m pytest_phonebackup.reference.mirror backup --serial emulator-5554 --dest ./backup
    python -m pytest_phonebackup.reference.mirror restore --serial emulator-5554 --src ./backup
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import shlex
import shutil
import socket
import stat as statmod
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import adbutils
from adbutils import AdbDevice

from .encryption import ENCRYPTION_FAULTS
from .incremental import BACKUP_FAULTS, RemoteFile
from .selecting import SELECTION_FAULTS

INDEX = "index.json"
FILES = "files"
SKIPPED_FOLDERS = ("Android/data", "Android/obb")  # apps' private files; Android/media is shared media
HASH_BATCH = 200
SCAN_BATCH = 100
PULL_BATCH = 100  # paths per `adb pull` call
HASH_THREADS = 4  # pulled files hashed at once
LIST_AHEAD = 32  # folder listings asked for before their entries are read: a few round trips, not one a folder
SMALL_FILE = 1 << 20  # bytes of a file hashed from its first read
LIST_BUFFER = 256 * 1024  # bytes of listing read at once, not two system calls an entry
#: faults that change what the tool does (selection, encryption) rather than the staged files
BEHAVIOUR_FAULTS = (*SELECTION_FAULTS, *ENCRYPTION_FAULTS)
# The external primary volume under its usual names: files restored there are indexed by one scan.
PRIMARY_VOLUME = ("/sdcard", "/storage/emulated/0", "/storage/self/primary")
VOLUME_SCAN = "content call --uri content://media/external/file --method scan_volume --arg external_primary"


class MirrorError(Exception):
    pass


Index = dict[str, dict[str, Any]]  # relative path -> {"size", "mtime", "sha256"}


def _adb() -> str:
    """The adb binary: $PHONEBACKUP_ADB or $ADB, else the one in the adbutils wheel, else PATH."""
    for variable in ("PHONEBACKUP_ADB", "ADB"):
        if os.environ.get(variable):
            return os.environ[variable]
    try:
        bundled = adbutils.adb_path()
        if bundled and Path(bundled).exists():
            return str(bundled)
    except Exception:  # noqa: BLE001 - fall back to PATH below
        pass
    found = shutil.which("adb")
    if found:
        return found
    raise MirrorError("no adb found: set $ADB, install adbutils (pip install adbutils) or put adb on PATH")


def _device(serial: str) -> AdbDevice:
    client = adbutils.AdbClient(host="127.0.0.1", port=int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")))
    return client.device(serial)


def _safe_local(base: Path, rel: str) -> Path:
    """A local path for a name that came from the phone; refuses anything that would leave `base`."""
    return _Inside(base).path(rel)


class _Inside:
    """Local paths under one folder for names that came from the phone; refuses a name that would
    leave it. The folder is resolved once; each name only as far as a symlink in it could reach."""

    def __init__(self, base: Path):
        self.base = base
        self.real = os.path.realpath(base)
        # folder (relative) -> its real path, for folders that were already real folders inside when
        # first met: the tool never turns a folder into a symlink, so those stay as checked
        self._folders: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or any(p == ".." for p in parts) or any("\0" in p for p in parts):
            raise MirrorError(f"refusing unsafe path from the phone: {rel!r}")
        folder = "/".join(parts[:-1])
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._inside(os.path.realpath(self.base.joinpath(*parts[:-1])), rel)
            if os.path.isdir(real_folder):
                self._folders[folder] = real_folder
        leaf = f"{real_folder.rstrip('/')}/{parts[-1]}"
        self._inside(os.path.realpath(leaf) if os.path.islink(leaf) else leaf, rel)
        return self.base.joinpath(*parts)

    def _inside(self, real: str, rel: str) -> str:
        if real != self.real and not real.startswith(self.real.rstrip("/") + "/"):
            raise MirrorError(f"refusing path that escapes the backup folder: {rel!r}")
        return real


def list_remote(device: AdbDevice, root: str, odd: set[str] | None = None) -> dict[str, RemoteFile]:
    """Every regular file under `root` (sync LIST on one sync stream, no shell): relative path ->
    size, mtime and, where the phone offers `ls_v2`, ctime. `odd`, when given, collects the folders
    (relative) holding a skipped folder or anything that is neither a file nor a folder: those are
    never pulled as a whole."""
    files: dict[str, RemoteFile] = {}
    waiting = deque([root.rstrip("/")])  # folders not yet asked for
    asked: deque[str] = deque()  # asked for, their entries not yet read (in the order asked)
    v2 = "ls_v2" in device.get_features().split(",")
    conn = device.open_transport(timeout=None)
    replies = conn.conn.makefile("rb", buffering=LIST_BUFFER)
    try:
        conn.send_command("sync:")
        conn.check_okay()
        while waiting or asked:
            while waiting and len(asked) < LIST_AHEAD:
                asked.append(waiting.popleft())
                _ask_listing(conn.conn, asked[-1], v2)
            folder = asked.popleft()
            for name, mode, size, mtime, ctime in _read_listing(replies, folder, v2):
                if name in (".", ".."):
                    continue
                full = f"{folder}/{name}"
                rel = posixpath.relpath(full, root)
                if statmod.S_ISDIR(mode):
                    if rel in SKIPPED_FOLDERS:
                        if odd is not None:
                            odd.add(posixpath.dirname(rel))
                        continue
                    waiting.append(full)
                elif statmod.S_ISREG(mode):
                    files[rel] = RemoteFile(size, mtime, ctime)
                elif odd is not None:
                    odd.add(posixpath.dirname(rel))
        conn.conn.sendall(b"QUIT" + struct.pack("<I", 0))
    finally:
        replies.close()
        conn.conn.close()  # at once: adbutils' own close pauses 10 ms
        conn.close()
    return files


DENT_V1 = struct.Struct("<IIII")  # after "DENT": mode, size, mtime, name length
DENT_V2 = struct.Struct("<IQQIIIIQqqqI")  # after "DNT2": error, dev, ino, mode, nlink, uid, gid, size, a/m/ctime, name length


def _ask_listing(sock: socket.socket, folder: str, v2: bool) -> None:
    path = os.fsencode(folder)
    sock.sendall((b"LIS2" if v2 else b"LIST") + struct.pack("<I", len(path)) + path)


def _read_listing(replies: BinaryIO, folder: str, v2: bool) -> list[tuple[str, int, int, int, int | None]]:
    """The entries of the folder asked for next in line, over sync LIST (LIS2 with `v2`), names kept
    as the bytes they are (adbutils' own listing decodes them as UTF-8 and replaces what is not).
    Names are str with surrogateescape; an entry LIS2 could not stat is left out, as `adb pull` leaves it."""
    entries: list[tuple[str, int, int, int, int | None]] = []
    head_size = 4 + (DENT_V2 if v2 else DENT_V1).size
    while True:
        head = _recv_exact(replies, 4)
        if head == b"DONE":
            _recv_exact(replies, head_size - 4)
            return entries
        if head != (b"DNT2" if v2 else b"DENT"):
            raise MirrorError(f"unexpected answer {head!r} listing {folder}")
        if v2:
            error, _dev, _ino, mode, _nlink, _uid, _gid, size, _atime, mtime, ctime, name_length = \
                DENT_V2.unpack(_recv_exact(replies, DENT_V2.size))
        else:
            mode, size, mtime, name_length = DENT_V1.unpack(_recv_exact(replies, DENT_V1.size))
            error, ctime = 0, None
        name = os.fsdecode(_recv_exact(replies, name_length))
        if not error:
            entries.append((name, mode, size, mtime, ctime))


def phone_clock(serial: str) -> int | None:
    """The phone's time in whole seconds, by its own clock (ctimes are in it), or None if unknown."""
    said = _shell(serial, "date +%s").strip()
    return int(said) if said.isdigit() else None


def _recv_exact(replies: BinaryIO, length: int) -> bytes:
    data = replies.read(length)
    if len(data) < length:
        raise MirrorError("the phone closed the sync stream")
    return data


def hash_remote(device: AdbDevice, root: str, rels: list[str]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for start in range(0, len(rels), HASH_BATCH):
        batch = rels[start:start + HASH_BATCH]
        command = "cd " + shlex.quote(root) + " && sha256sum -- " + " ".join(shlex.quote(r) for r in batch)
        text = os.fsdecode(_shell(device.serial, command))
        for line in text.splitlines():
            digest, _, name = line.partition("  ")
            if len(digest) == 64:
                hashes[name] = digest
    return hashes


def sha256_local(path: Path) -> str:
    with open(path, "rb", buffering=0) as f:
        h = hashlib.sha256(f.read(SMALL_FILE))  # most photos: one read, one update
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def backup(serial: str, dest: Path, root: str = "/sdcard", fault: str | None = None,
           keep_deleted: bool = False) -> Index:
    """Mirror the phone into `dest`; a second backup into the same folder pulls only new and changed
    files (by content, see incremental.py) and drops what the phone no longer has, unless
    `keep_deleted` (an archive: what was once backed up stays, and comes back on restore)."""
    from .incremental import plan_backup, trusted_ctime

    device = _device(serial)
    dest.mkdir(parents=True, exist_ok=True)
    files_dir = dest / FILES
    files_dir.mkdir(exist_ok=True)
    index_path = dest / INDEX
    index: Index = json.loads(index_path.read_text()) if index_path.exists() else {}
    odd: set[str] = set()
    listed_at = phone_clock(serial)
    remote = list_remote(device, root, odd)
    inside = _Inside(files_dir)
    plan = plan_backup(index, remote, lambda rels: hash_remote(device, root, rels),
                       lambda rel: inside.path(rel).exists(), fault)
    remote_hashes, to_pull, reused = plan.hashes, plan.pull, len(plan.retime)
    for rel, digest in plan.retime.items():
        now = remote[rel]  # same content, only the time moved: no need to pull again
        os.utime(inside.path(rel), (now.mtime, now.mtime))
        index[rel] = {"size": now.size, "mtime": now.mtime, "sha256": digest}
    pull_files(serial, root, files_dir, to_pull, whole_tops(remote, to_pull, odd))
    locals_ = [inside.path(rel) for rel in to_pull]
    with ThreadPoolExecutor(HASH_THREADS) as pool:  # hashlib and file reads let other threads run
        digests = list(pool.map(sha256_local, locals_))
    for rel, local, got in zip(to_pull, locals_, digests, strict=True):
        now = remote[rel]
        if remote_hashes.get(rel) and got != remote_hashes[rel]:
            raise MirrorError(f"{rel}: pulled bytes do not match the phone's sha256; try again")
        os.utime(local, (now.mtime, now.mtime))
        index[rel] = {"size": now.size, "mtime": now.mtime, "sha256": got}
    for rel, now in remote.items():
        if rel in index:
            index[rel]["ctime"] = trusted_ctime(now, listed_at)
    pulled = len(to_pull)
    for rel in set(index) - set(remote) if not keep_deleted else ():
        del index[rel]
        try:
            inside.path(rel).unlink()
        except (FileNotFoundError, MirrorError):
            pass
    # ASCII JSON keeps names that are not UTF-8 (their bytes live on as escaped surrogates), and the
    # rename means a crash never leaves a half-written index behind.
    partial = index_path.with_name(INDEX + ".partial")
    partial.write_text(json.dumps(index, sort_keys=True, separators=(",", ":")))  # compact: json's C encoder
    os.replace(partial, index_path)
    print(f"backup: {len(remote)} files on the phone, {pulled} pulled, {reused} unchanged content, "
          f"{plan.untouched} untouched, {len(plan.hashes)} hashed on the phone", flush=True)
    return index


def encrypted_backup(serial: str, dest: Path, root: str, password: str, fault: str | None = None,
                     fault_log: Path | None = None) -> None:
    """Mirror the phone into a private folder, then seal it into `dest` (see encryption.py)."""
    from .encryption import seal

    if (dest / INDEX).exists() or (dest / FILES).exists():
        raise MirrorError(f"{dest} holds a backup that is not encrypted; give an empty folder for an encrypted one")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="adb-mirror-plain-") as tmp:
        index = backup(serial, Path(tmp), root)
        readable = seal(index, Path(tmp) / FILES, dest, password, fault)
    if fault and fault_log is not None:
        fault_log.write_text(json.dumps({"fault": fault, "damaged": sorted(readable)}, indent=1))
    print(f"backup: {len(index)} files encrypted into {dest}", flush=True)


def encrypted_restore(serial: str, src: Path, root: str, password: str | None, fault: str | None = None,
                      fault_log: Path | None = None, selection: Path | None = None) -> list[str]:
    """Open an encrypted backup with `password` into a private folder and restore from there; a wrong
    password stops before anything reaches the phone."""
    from .encryption import WrongPassword, unseal

    if password is None:
        raise MirrorError(f"the backup in {src} is encrypted; pass --password")
    with tempfile.TemporaryDirectory(prefix="adb-mirror-plain-") as tmp:
        try:
            index, ignored = unseal(src, password, Path(tmp), fault)
        except (WrongPassword, ValueError) as exc:
            raise MirrorError(str(exc)) from None
        (Path(tmp) / INDEX).write_text(json.dumps(index, sort_keys=True, separators=(",", ":")))
        behaviour = fault if fault in SELECTION_FAULTS or fault not in BEHAVIOUR_FAULTS else None
        rels = restore(serial, Path(tmp), root, behaviour, fault_log if behaviour else None, selection)
    if fault == "ignore-password" and ignored and fault_log is not None:
        fault_log.write_text(json.dumps({"fault": fault, "damaged": sorted(rels)}, indent=1))
    return rels


def whole_tops(remote: dict[str, RemoteFile], to_pull: list[str], odd: set[str]) -> list[str]:
    """The top folders whose every file is to be pulled and that hold nothing else: one
    `adb pull -a` each, as a user would type it, instead of one call per folder below."""
    wanted = set(to_pull)
    tops: dict[str, bool] = {}
    for rel in remote:
        if "/" in rel:
            top = rel.split("/", 1)[0]
            tops[top] = tops.get(top, True) and rel in wanted
    for folder in odd:
        tops[folder.split("/", 1)[0]] = False
    return sorted(top for top, whole in tops.items() if whole and top not in odd)


def pull_files(serial: str, root: str, files_dir: Path, rels: list[str], tops: Sequence[str] = ()) -> None:
    """Pull files with the real adb client (it keeps times): each of `tops` whole in one call,
    other files many per call, folder by folder."""
    adb = _adb()
    for top in tops:
        _safe_local(files_dir, top)  # the name came from the phone
        _run([adb, "-s", serial, "pull", "-a", f"{root}/{top}", str(files_dir)])
    whole = set(tops)
    by_folder: dict[str, list[str]] = {}
    for rel in rels:
        if rel.split("/", 1)[0] not in whole or "/" not in rel:
            by_folder.setdefault(posixpath.dirname(rel), []).append(rel)
    done = len(rels) - sum(len(members) for members in by_folder.values())
    if tops:
        print(f"backup: {done}/{len(rels)} files pulled", flush=True)
    for folder, members in sorted(by_folder.items()):
        local_folder = _safe_local(files_dir, folder) if folder else files_dir
        local_folder.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(members), PULL_BATCH):
            batch = members[start:start + PULL_BATCH]
            _run([adb, "-s", serial, "pull", "-a"] + [f"{root}/{rel}" for rel in batch] + [str(local_folder)])
            done += len(batch)
        print(f"backup: {done}/{len(rels)} files pulled", flush=True)


def stage(src: Path, index: Index, staging: Path) -> list[str]:
    """Hard-link (or copy) the backed-up files into a staging tree that restore pushes."""
    rels = []
    sources, targets = _Inside(src / FILES), _Inside(staging)
    for rel in sorted(index):
        source = sources.path(rel)
        target = targets.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        rels.append(rel)
    return rels


def restore(serial: str, src: Path, root: str = "/sdcard", fault: str | None = None,
            fault_log: Path | None = None, selection: Path | None = None) -> list[str]:
    """Push a backup back (with `selection`, only the paths that file lists); with `fault`, break the
    restore on purpose and, with `fault_log`, write which paths the fault damaged there as JSON, so a
    test can check that exactly those were caught."""
    index_path = src / INDEX
    if not index_path.exists():
        raise MirrorError(f"no backup in {src} (missing {INDEX}); run `backup` first")
    index: Index = json.loads(index_path.read_text())
    if selection is not None:
        index = _selected(index, selection, fault, fault_log)
    device = _device(serial)
    with tempfile.TemporaryDirectory(prefix="adb-mirror-") as tmp:
        staging = Path(tmp)
        rels = stage(src, index, staging)
        if fault and fault not in BEHAVIOUR_FAULTS:
            from .defects import apply_fault

            damage = apply_fault(fault, staging, rels)
            rels = damage.restored
            if fault_log is not None:
                fault_log.write_text(json.dumps({"fault": fault, "damaged": sorted(damage.damaged)}, indent=1))
        push_tree(serial, staging, root, rels)
    scan(device, root, rels)
    print(f"restore: {len(rels)} files pushed to {root} and scanned", flush=True)
    return rels


def _selected(index: Index, selection: Path, fault: str | None, fault_log: Path | None) -> Index:
    """The part of the backup a selection file names; a named path the backup lacks is a warning."""
    from .selecting import read_selection, select

    try:
        wanted = read_selection(selection)
    except ValueError as exc:
        raise MirrorError(str(exc)) from None
    chosen, unknown, forced = select(sorted(index), wanted, fault)
    for rel in unknown:
        print(f"restore: warning: {rel!r} is selected but not in this backup", file=sys.stderr, flush=True)
    if fault and fault_log is not None:
        fault_log.write_text(json.dumps({"fault": fault, "damaged": forced}, indent=1))
    print(f"restore: {len(chosen)} of {len(index)} files selected", flush=True)
    return {rel: index[rel] for rel in chosen}


def push_tree(serial: str, staging: Path, root: str, rels: list[str]) -> None:
    """Push top-level folders with the real adb client (it keeps file times), loose files one by one."""
    adb = _adb()
    tops = sorted({rel.split("/")[0] for rel in rels if "/" in rel})
    loose = [rel for rel in rels if "/" not in rel]
    for top in tops:
        _run([adb, "-s", serial, "push", str(staging / top), f"{root}/"])
    for rel in loose:
        _run([adb, "-s", serial, "push", str(staging / rel), f"{root}/{rel}"])


def scan(device: AdbDevice, root: str, rels: list[str]) -> None:
    """Ask MediaStore to index the restored files: one scan of the volume when they are on the
    external primary volume (Android 11 and later), else one broadcast per file, batched in shell calls."""
    if root.rstrip("/") in PRIMARY_VOLUME and b"scanned" in _shell(
            device.serial, VOLUME_SCAN + " >/dev/null 2>&1 && echo scanned"):
        return
    for start in range(0, len(rels), SCAN_BATCH):
        batch = rels[start:start + SCAN_BATCH]
        script = "; ".join(
            "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d "
            + shlex.quote("file://" + f"{root}/{rel}") + " >/dev/null" for rel in batch)
        _shell(device.serial, script)


def _shell(serial: str, command: str) -> bytes:
    """`adb shell` through the real client, the command passed as its bytes (names of any bytes);
    its output, whatever its exit status (a file that vanished leaves just its own line out)."""
    argv: list[str | bytes] = [_adb(), "-s", serial, "shell", os.fsencode(command)]
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=3600).stdout


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=3600)
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).decode("utf-8", "backslashreplace")
        raise MirrorError(f"{' '.join(argv[:4])} ... failed ({proc.returncode}): {said}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="adb-mirror", description="Back up and restore a phone's shared storage over ADB.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup", help="mirror the phone's shared storage into DEST")
    b.add_argument("--serial", default=os.environ.get("ANDROID_SERIAL"), required=not os.environ.get("ANDROID_SERIAL"))
    b.add_argument("--dest", type=Path, required=True)
    b.add_argument("--root", default="/sdcard")
    b.add_argument("--password", help="encrypt the backup with this password (AES-256-GCM, scrypt)")
    b.add_argument("--fault", choices=sorted((*BACKUP_FAULTS, *ENCRYPTION_FAULTS)),
                   help="make this backup broken on purpose (see incremental.py, encryption.py)")
    b.add_argument("--fault-log", type=Path, help="write the paths the fault left readable to this JSON file")
    b.add_argument("--keep-deleted", action="store_true", help="keep files deleted from the phone since the last backup")
    r = sub.add_parser("restore", help="push a backup back to the phone, keep times, rescan")
    r.add_argument("--serial", default=os.environ.get("ANDROID_SERIAL"), required=not os.environ.get("ANDROID_SERIAL"))
    r.add_argument("--src", type=Path, required=True)
    r.add_argument("--root", default="/sdcard")
    r.add_argument("--fault", help="make this restore broken on purpose (see defects.py)")
    r.add_argument("--fault-log", type=Path, help="write the paths the fault damaged to this JSON file")
    r.add_argument("--select", type=Path, metavar="FILE",
                   help="restore only the paths FILE lists, one per line (relative to --root; \\xNN for bytes not UTF-8)")
    r.add_argument("--password", help="the password of an encrypted backup")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        from .encryption import is_encrypted

        if args.command == "backup" and args.password is not None:
            if args.fault in BACKUP_FAULTS or args.keep_deleted:
                raise MirrorError("an encrypted backup is made whole each time; leave out "
                                  f"{'--fault ' + args.fault if args.fault in BACKUP_FAULTS else '--keep-deleted'}")
            encrypted_backup(args.serial, args.dest, args.root, args.password, args.fault, args.fault_log)
        elif args.command == "backup":
            if args.fault in ENCRYPTION_FAULTS:
                raise MirrorError(f"--fault {args.fault} breaks an encrypted backup; pass --password too")
            if is_encrypted(args.dest):
                raise MirrorError(f"{args.dest} holds an encrypted backup; pass --password or give another folder")
            backup(args.serial, args.dest, args.root, args.fault, args.keep_deleted)
        elif is_encrypted(args.src):
            encrypted_restore(args.serial, args.src, args.root, args.password, args.fault, args.fault_log, args.select)
        elif args.password is not None:
            raise MirrorError(f"the backup in {args.src} is not encrypted; leave out --password")
        else:
            restore(args.serial, args.src, args.root, args.fault, args.fault_log, args.select)
    except (MirrorError, ValueError) as exc:
        print(f"adb-mirror: {exc}", file=sys.stderr)
        return 1
    print(f"{args.command}: done in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
