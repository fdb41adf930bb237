"""The shell oracle: Debian's toybox and mksh (the programs Android ships) run the same command
line as the virtual phone, on an identical file tree, so tests compare output and exit status.
Not a place for assertions about individual applets; those live in the test modules.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOYBOX = "/usr/bin/toybox"
MKSH = "/usr/bin/mksh"
ORIGINAL_AWK = "/usr/bin/original-awk"  # Debian's one-true-awk, the awk Android ships
ANDROID_SH = "/system/bin/sh"  # argv[0] the oracle's mksh runs under, so messages name it as Android does
BASE_TIME = 1_700_000_000  # 2023-11-14 22:13:20 UTC: fixed mtimes keep `ls -l` and `stat` output stable
DAY = 86_400


@dataclass(frozen=True)
class Result:
    status: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class Link:
    """A symlink in a tree spec; `target` is stored as written (relative or absolute)."""

    target: str


DIR = object()  # a tree spec value meaning "an (empty) folder"

#: The standard tree: nested folders, spaces/unicode/emoji names, hidden files, symlinks (to a
#: file, a folder, nowhere), several sizes. Values: bytes (a file), DIR, or Link.
STANDARD_TREE: dict[str, object] = {
    "a.txt": b"hello\n",
    "b.log": b"line1\nline2\nline3\n",
    "empty": b"",
    ".hidden": b"secret\n",
    "DCIM/Camera/IMG_0001.jpg": bytes(range(256)) * 20,
    "DCIM/Camera/IMG 0002 copy.JPG": b"\xff\xd8" + b"x" * 12_343,
    "DCIM/Camera/.thumbnails/t1.jpg": b"thumb",
    "Pictures/Ünïcödé ñame.png": b"\x89PNG" + b"u" * 2_000,
    "Pictures/😀 party.gif": b"GIF89a" + b"e" * 700,
    "Pictures/deep/er/est/file.bin": b"\0" * 70_000,
    "Music/.nomedia": b"",
    "Music/song.mp3": b"ID3" + b"m" * 4_093,
    "Download/big.dat": b"D" * 300_000,
    "emptydir": DIR,
    "link_to_a": Link("a.txt"),
    "link_to_dcim": Link("DCIM"),
    "dangling": Link("nowhere"),
}

#: mtimes (seconds since the epoch) per path; folders and files not listed get BASE_TIME.
#: Two entries are relative to "now" (set when the tree is built) for -mtime/-mmin tests.
STANDARD_MTIMES: dict[str, float] = {
    "a.txt": BASE_TIME + 3600,
    "b.log": BASE_TIME + 7200,
    "DCIM/Camera/IMG_0001.jpg": BASE_TIME - 30 * DAY,
    "DCIM/Camera/IMG 0002 copy.JPG": BASE_TIME - 400 * DAY,
    "Download/big.dat": -120.0,  # two minutes ago
    "Music/song.mp3": -3 * DAY,  # three days ago
}


def oracle_skip_reason() -> str | None:
    """None when the oracle can run; otherwise why the differential tests skip."""
    missing = [p for p in (TOYBOX, MKSH) if not os.access(p, os.X_OK)]
    if missing:
        return (f"the shell oracle needs Debian's toybox and mksh ({', '.join(missing)} missing); "
                "install them with `apt-get install toybox mksh` (.ci/run does)")
    return None


def build_tree(root: Path, spec: dict[str, object] | None = None,
               mtimes: dict[str, float] | None = None, now: float | None = None) -> Path:
    """Create `spec` under `root` with fixed mtimes (negative mtimes mean "seconds before now")."""
    spec = STANDARD_TREE if spec is None else spec
    mtimes = STANDARD_MTIMES if mtimes is None else mtimes
    now = time.time() if now is None else now
    root.mkdir(parents=True, exist_ok=True)
    for rel, value in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if value is DIR:
            path.mkdir(exist_ok=True)
        elif isinstance(value, Link):
            os.symlink(value.target, path)
        else:
            path.write_bytes(value)  # type: ignore[arg-type]
    # Deepest first, so setting a file's time does not disturb its folder's time afterwards.
    everything = sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True) + [root]
    for path in everything:
        rel = path.relative_to(root).as_posix()
        when = mtimes.get(rel, BASE_TIME)
        when = now + when if when < 0 else when
        os.utime(path, (when, when), follow_symlinks=False)
    return root


def awk_oracle_skip_reason() -> str | None:
    """None when the awk oracle can run; otherwise why its tests skip (which fails under CI)."""
    reason = oracle_skip_reason()
    if reason is None and not os.access(ORIGINAL_AWK, os.X_OK):
        reason = (f"the awk oracle needs Debian's original-awk ({ORIGINAL_AWK} missing); "
                  "install it with `apt-get install original-awk` (.ci/run does)")
    return reason


@cache
def oracle_bin() -> str:
    """A folder of `name -> toybox` symlinks for every toybox applet (plus `sh` -> mksh and
    `awk` -> one-true-awk)."""
    listing = subprocess.run([TOYBOX], capture_output=True, check=True).stdout.decode()
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"phonebackup-oracle-bin-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    for name in listing.split():
        link = folder / name
        if not link.is_symlink():
            os.symlink(TOYBOX, link)
    if not (folder / "toybox").is_symlink():  # `toybox NAME` as on the phone
        os.symlink(TOYBOX, folder / "toybox")
    if not (folder / "sh").is_symlink():
        os.symlink(MKSH, folder / "sh")
    # named awk, as on the phone, so its messages start with "awk: "
    if os.access(ORIGINAL_AWK, os.X_OK) and not (folder / "awk").is_symlink():
        os.symlink(ORIGINAL_AWK, folder / "awk")
    return str(folder)


def oracle_env() -> dict[str, str]:
    # C.UTF-8 rather than C: Android's libc is always UTF-8, and under plain C toybox would
    # print '?' for every non-ASCII byte of a name such as "Ünïcödé ñame.png".
    return {"PATH": oracle_bin(), "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/"}


def run_oracle(tree: Path, command: str, stdin: bytes = b"", timeout: float = 60) -> Result:
    """Run `command` with real mksh (named /system/bin/sh) and toybox, cwd = `tree`."""
    proc = subprocess.run([ANDROID_SH, "-c", command], executable=MKSH, input=stdin, cwd=tree,
                          env=oracle_env(), capture_output=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_phone(adb_server, phone, device_dir: str, command: str, stdin: bytes = b"",
              timeout: float = 60) -> Result:
    """Run `command` on the phone through the real adb (`adb shell`), cwd = `device_dir`."""
    proc = adb_server.run("shell", f"cd {shlex.quote(device_dir)} && {command}", serial=phone.serial,
                          check=False, input=stdin, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


# Debian's mksh R59 tags its messages "E: " (error) or "W: " (warning); the issue quotes Android's
# texts without the tag (`/system/bin/sh: foo: inaccessible or not found`), so the oracle drops it.
# A message may follow output that lacks a newline (`printf x; nosuch 2>&1`), so not only at line starts.
_MKSH_TAG = re.compile(rb"[EW]: (?=/system/bin/sh: )")


def normalise_stderr(stderr: bytes, tree: Path | None = None, device_dir: str | None = None) -> bytes:
    """The oracle's stderr as the phone should print it (the only normalisations tests apply)."""
    stderr = _MKSH_TAG.sub(b"", stderr)
    if tree is not None and device_dir is not None:
        stderr = stderr.replace(str(tree).encode(), device_dir.encode())
    return stderr


def normalise_stdout(stdout: bytes, tree: Path, device_dir: str) -> bytes:
    """Absolute paths (realpath, readlink -f, pwd) differ only by the tree's location; mksh's
    message tags are dropped here too, for messages sent to stdout with `2>&1`."""
    return _MKSH_TAG.sub(b"", stdout).replace(str(tree).encode(), device_dir.encode())


@dataclass
class Trees:
    """The same tree on the host (for the oracle) and on the phone (through adb)."""

    host: Path  # the oracle's copy
    device_dir: str  # the phone's copy, as a device path
    phone_host: Path  # where the phone's copy lives on the host (for direct checks)
    phone: object
    adb_server: object

    def oracle(self, command: str, stdin: bytes = b"") -> Result:
        res = run_oracle(self.host, command, stdin)
        return Result(res.status, normalise_stdout(res.stdout, self.host, self.device_dir),
                      normalise_stderr(res.stderr, self.host, self.device_dir))

    def phone_run(self, command: str, stdin: bytes = b"") -> Result:
        return run_phone(self.adb_server, self.phone, self.device_dir, command, stdin)

    def both(self, command: str, stdin: bytes = b"") -> tuple[Result, Result]:
        """(oracle, phone), run at the same time: each waits on its own subprocess."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            expected = pool.submit(self.oracle, command, stdin)
            got = self.phone_run(command, stdin)
            return expected.result(), got


def make_trees(phone, adb_server, host_dir: Path, name: str, spec: dict[str, object] | None = None,
               mtimes: dict[str, float] | None = None) -> Trees:
    """Build the same tree in `host_dir/name` and on the phone in /data/local/tmp/t/name."""
    now = time.time()
    device_dir = f"/data/local/tmp/t/{name}"
    phone_host = Path(phone.storage.host(device_dir))
    if phone_host.exists():
        shutil.rmtree(phone_host)
    build_tree(phone_host, spec, mtimes, now)
    os.utime(phone_host.parent, None)
    # Count the new files against the phone's capacity (a full recount would walk every earlier tree).
    phone.storage.reserve(sum(len(v) for v in (spec or STANDARD_TREE).values() if isinstance(v, bytes)))
    host = host_dir / name
    if host.exists():
        shutil.rmtree(host)
    build_tree(host, spec, mtimes, now)
    return Trees(host, device_dir, phone_host, phone, adb_server)
