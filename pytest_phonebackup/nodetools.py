"""The Node tools the plugin runs (the Allure CLI, Appium 3 with the UiAutomator2 driver, the adbkit ADB
client): where they are installed and how to install the pinned versions. Not for adb (see `phone/adb.py`).

Like Playwright's browsers, they live once per user: in the user cache (platformdirs), in a folder named
after the hash of the lock file, so every project folder shares one install and a new lock gets its own.
$PHONEBACKUP_TOOLS names another folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import platformdirs
from filelock import FileLock

NODE_PACKAGE_DIR = Path(__file__).resolve().parent / "node"  # package.json + lock shipped with the plugin
LOCK_FILE = NODE_PACKAGE_DIR / "package-lock.json"
STAMP = ".installed-lock.json"  # a copy of the lock a finished install was made from
PROGRESS_EVERY = 2.0  # seconds between progress lines of an install


def lock_hash() -> str:
    """The first 12 hex digits of the lock file's SHA-256: the name of its install folder."""
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()[:12]


def tools_dir() -> Path:
    """Where the npm tools are: $PHONEBACKUP_TOOLS, else <user cache>/pytest-phonebackup/node/<lock hash>."""
    explicit = os.environ.get("PHONEBACKUP_TOOLS")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return platformdirs.user_cache_path("pytest-phonebackup") / "node" / lock_hash()


def node_tool(name: str) -> Path:
    """Path of an npm-installed command (allure, appium) in the tools folder."""
    return tools_dir() / "node_modules" / ".bin" / name


def node_module(name: str) -> Path:
    """Folder of an npm-installed package (`@devicefarmer/adbkit`) in the tools folder, for `node`
    scripts that `require` it."""
    return tools_dir() / "node_modules" / name


def pinned_packages() -> list[str]:
    """The npm packages our package.json pins, by name."""
    return sorted(json.loads((NODE_PACKAGE_DIR / "package.json").read_text())["dependencies"])


def node_tools_installed() -> bool:
    """True when the tools folder holds exactly the pinned versions (its stamp matches our lock) and
    every pinned package is there."""
    stamp = tools_dir() / STAMP
    return (stamp.exists() and stamp.read_bytes() == LOCK_FILE.read_bytes()
            and all((node_module(name) / "package.json").exists() for name in pinned_packages()))


def _package_count() -> int:
    packages = json.loads(LOCK_FILE.read_text()).get("packages", {})
    return sum(1 for path in packages if path.startswith("node_modules/"))


def _installed_count(modules: Path) -> int:
    """How many packages npm has unpacked so far (each has its package.json)."""
    return sum(1 for _ in modules.glob("**/package.json")) if modules.exists() else 0


def _report_progress(modules: Path, total: int, done: threading.Event) -> None:
    while not done.wait(PROGRESS_EVERY):
        count = min(_installed_count(modules), total)
        print(f"  installing Node tools: {count}/{total} packages", file=sys.stderr, flush=True)


def install_node_tools(force: bool = False, quiet: bool = False) -> Path:
    """Install the pinned Node tools (Allure CLI, Appium 3 + UiAutomator2 driver, adbkit) with `npm ci` into
    the tools folder, showing progress. Nothing to do when the same lock is already installed; two
    processes installing at once wait for each other."""
    target = tools_dir()
    if node_tools_installed() and not force:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm not found: install Node.js 20+ (with npm) to get the Allure CLI and Appium")
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if node_tools_installed() and not force:
            return target  # another process finished it while this one waited
        (target / STAMP).unlink(missing_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_PACKAGE_DIR / name, target / name)
        total = _package_count()
        if not quiet:
            print(f"installing the Allure CLI, Appium and adbkit ({total} npm packages) into {target} ...",
                  file=sys.stderr, flush=True)
        done = threading.Event()
        progress = threading.Thread(target=_report_progress, args=(target / "node_modules", total, done),
                                    daemon=True)
        if not quiet:
            progress.start()
        try:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True,
                           stdin=subprocess.DEVNULL)
        finally:
            done.set()
        shutil.copyfile(LOCK_FILE, target / STAMP)
    return target


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tools = subparsers.add_parser("tools", help="install the Node tools (Allure CLI, Appium, adbkit) into the user cache")
    sub = tools.add_subparsers(dest="tools_command", metavar="ACTION")
    install = sub.add_parser("install", help="npm ci the pinned Allure CLI, Appium and adbkit into the user cache "
                                             "(or $PHONEBACKUP_TOOLS), once for every project")
    install.add_argument("--force", action="store_true", help="reinstall even if the same versions are there")
    install.set_defaults(func=lambda args: _install_command(args.force))
    where = sub.add_parser("where", help="print the tools folder and whether it is installed")
    where.set_defaults(func=lambda args: _where_command())


def _where_command() -> int:
    print(f"{tools_dir()} ({'installed' if node_tools_installed() else 'not installed'})")
    return 0


def _install_command(force: bool) -> int:
    target = install_node_tools(force=force)
    print(f"Node tools ready in {target}: {node_tool('allure')}, {node_tool('appium')}, "
          f"{node_module('@devicefarmer/adbkit')}")
    return 0
