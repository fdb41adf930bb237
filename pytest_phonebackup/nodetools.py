"""The Node tools the plugin runs (the Allure CLI, Appium 3 with the UiAutomator2 driver, the adbkit ADB
client): where they are installed and how to install the pinned versions. Not for adb (see `phone/adb.py`).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def project_tools_dir() -> Path:
    """The project-local folder where npm tools (allure, appium, adbkit) are installed: $PHONEBACKUP_TOOLS or ./.phonebackup/tools."""
    return Path(os.environ.get("PHONEBACKUP_TOOLS", Path.cwd() / ".phonebackup" / "tools")).resolve()


NODE_PACKAGE_DIR = Path(__file__).resolve().parent / "node"  # package.json + lock shipped with the plugin


def node_tool(name: str) -> Path:
    """Path of an npm-installed command (allure, appium) in the project-local tools folder."""
    return project_tools_dir() / "node_modules" / ".bin" / name


def node_module(name: str) -> Path:
    """Folder of an npm-installed package (`@devicefarmer/adbkit`) in the project-local tools folder,
    for `node` scripts that `require` it."""
    return project_tools_dir() / "node_modules" / name


def pinned_packages() -> list[str]:
    """The npm packages our package.json pins, by name."""
    return sorted(json.loads((NODE_PACKAGE_DIR / "package.json").read_text())["dependencies"])


def node_tools_installed() -> bool:
    """True when the tools folder holds exactly the pinned versions (its lock file matches ours) and
    every pinned package is there."""
    stamp = project_tools_dir() / ".installed-lock.json"
    lock = NODE_PACKAGE_DIR / "package-lock.json"
    return (stamp.exists() and stamp.read_bytes() == lock.read_bytes()
            and all((node_module(name) / "package.json").exists() for name in pinned_packages()))


def install_node_tools(force: bool = False, quiet: bool = False) -> Path:
    """Install the pinned Node tools (Allure CLI, Appium 3 + UiAutomator2 driver, adbkit) with `npm ci`
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
        print(f"installing the Allure CLI, Appium and adbkit into {target} (npm ci) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True,
                   stdin=subprocess.DEVNULL)
    _shutil.copyfile(NODE_PACKAGE_DIR / "package-lock.json", target / ".installed-lock.json")
    return target


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tools = subparsers.add_parser("tools", help="install the Node tools (Allure CLI, Appium, adbkit) into the project folder")
    sub = tools.add_subparsers(dest="tools_command", metavar="ACTION")
    install = sub.add_parser("install", help="npm ci the pinned Allure CLI, Appium and adbkit into $PHONEBACKUP_TOOLS or ./.phonebackup/tools")
    install.add_argument("--force", action="store_true", help="reinstall even if the same versions are there")
    install.set_defaults(func=lambda args: _install_command(args.force))
    where = sub.add_parser("where", help="print the tools folder and whether it is installed")
    where.set_defaults(func=lambda args: print(f"{project_tools_dir()} ({'installed' if node_tools_installed() else 'not installed'})"))


def _install_command(force: bool) -> int:
    target = install_node_tools(force=force)
    print(f"Node tools ready in {target}: {node_tool('allure')}, {node_tool('appium')}, "
          f"{node_module('@devicefarmer/adbkit')}")
    return 0
