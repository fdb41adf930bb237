"""The Node tools the plugin runs (the Allure CLI, Appium 3 with the UiAutomator2 driver): where they are
installed and how to install the pinned versions. Not for adb (see `phone/adb.py`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def project_tools_dir() -> Path:
    """The project-local folder where npm tools (allure, appium) are installed: $PHONEBACKUP_TOOLS or ./.phonebackup/tools."""
    return Path(os.environ.get("PHONEBACKUP_TOOLS", Path.cwd() / ".phonebackup" / "tools")).resolve()


NODE_PACKAGE_DIR = Path(__file__).resolve().parent / "node"  # package.json + lock shipped with the plugin


def node_tool(name: str) -> Path:
    """Path of an npm-installed command (allure, appium) in the project-local tools folder."""
    return project_tools_dir() / "node_modules" / ".bin" / name


def node_tools_installed() -> bool:
    """True when the tools folder holds exactly the pinned versions (its lock file matches ours)."""
    stamp = project_tools_dir() / ".installed-lock.json"
    lock = NODE_PACKAGE_DIR / "package-lock.json"
    return stamp.exists() and stamp.read_bytes() == lock.read_bytes() and node_tool("allure").exists()


def install_node_tools(force: bool = False, quiet: bool = False) -> Path:
    """Install the pinned Node tools (Allure CLI, Appium 3 + UiAutomator2 driver) with `npm ci`
    into the project-local tools folder. Skips the work when the same lock is already installed."""
    import shutil as _shutil
    import subprocess

    target = project_tools_dir()
    if node_tools_installed() and not force:
        return target
    npm = _shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm not found: install Node.js 20+ (with npm) to get the Allure CLI and Appium")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        _shutil.copyfile(NODE_PACKAGE_DIR / name, target / name)
    if not quiet:
        print(f"installing Allure CLI and Appium into {target} (npm ci) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True,
                   stdin=subprocess.DEVNULL)
    _shutil.copyfile(NODE_PACKAGE_DIR / "package-lock.json", target / ".installed-lock.json")
    return target


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tools = subparsers.add_parser("tools", help="install the Node tools (Allure CLI, Appium) into the project folder")
    sub = tools.add_subparsers(dest="tools_command", metavar="ACTION")
    install = sub.add_parser("install", help="npm ci the pinned Allure CLI and Appium into $PHONEBACKUP_TOOLS or ./.phonebackup/tools")
    install.add_argument("--force", action="store_true", help="reinstall even if the same versions are there")
    install.set_defaults(func=lambda args: _install_command(args.force))
    where = sub.add_parser("where", help="print the tools folder and whether it is installed")
    where.set_defaults(func=lambda args: print(f"{project_tools_dir()} ({'installed' if node_tools_installed() else 'not installed'})"))


def _install_command(force: bool) -> int:
    target = install_node_tools(force=force)
    print(f"Node tools ready in {target}: {node_tool('allure')}, {node_tool('appium')}")
    return 0
