"""A fake Android SDK laid out like the real one (emulator/emulator, cmdline-tools/latest/bin/
avdmanager, system-images/...), whose programs boot virtual phones; and helpers to check that
nothing is left running afterwards."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_phonebackup.provision.avd import AvdProvisioner

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "fake_sdk_programs.py"


@dataclass
class FakeSdk:
    root: Path
    avd_home: Path
    home: Path
    logs: Path
    env: dict[str, str]

    def add_avd(self, name: str, api: int = 34, **fake: object) -> Path:
        """An AVD as avdmanager leaves it; `fake` keys (boot_delay, die_after, offline, helper)
        tell the fake emulator how to misbehave."""
        folder = self.avd_home / f"{name}.avd"
        folder.mkdir(parents=True)
        (self.avd_home / f"{name}.ini").write_text(f"avd.ini.encoding=UTF-8\npath={folder}\n"
                                                   f"target=android-{api}\n")
        lines = [f"AvdId={name}", f"image.sysdir.1=system-images/android-{api}/google_apis/x86_64/",
                 "hw.ramSize=2048"] + [f"fake.{key}={value}" for key, value in fake.items()]
        (folder / "config.ini").write_text("\n".join(lines) + "\n")
        return folder

    def provisioner(self, name: str, **options: object) -> AvdProvisioner:
        options.setdefault("boot_timeout", 30)
        options.setdefault("accel", "off")
        options.setdefault("log_dir", self.logs)
        options.setdefault("teardown_timeout", 15)
        options.setdefault("first_port", 5570)  # away from 5554, where other phones of the suite start
        return AvdProvisioner(name, env=dict(self.env), **options)  # type: ignore[arg-type]


def _program(path: Path, name: str, root: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n"
                    "import os, runpy, sys\n"
                    f"os.environ['FAKE_SDK_ROOT'] = {str(root)!r}\n"
                    f"sys.path.insert(0, {str(REPO)!r})\n"
                    f"sys.argv = [{str(PROGRAMS)!r}, {name!r}] + sys.argv[1:]\n"
                    f"runpy.run_path({str(PROGRAMS)!r}, run_name='__main__')\n")
    path.chmod(0o755)


@pytest.fixture
def fake_sdk(tmp_path: Path, adb_server) -> FakeSdk:
    root = tmp_path / "sdk"
    _program(root / "emulator" / "emulator", "emulator", root)
    _program(root / "cmdline-tools" / "latest" / "bin" / "avdmanager", "avdmanager", root)
    (root / "system-images" / "android-34" / "google_apis" / "x86_64").mkdir(parents=True)
    (root / "platform-tools").mkdir()
    home = tmp_path / "home"  # the console token of the fake emulators and of `adb emu` lives here
    home.mkdir()
    avd_home = tmp_path / "avd"
    avd_home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("ANDROID_HOME", "ANDROID_EMULATOR_HOME")}
    env.update(ANDROID_SDK_ROOT=str(root), ANDROID_AVD_HOME=str(avd_home), HOME=str(home),
               PYTHONPATH=str(REPO))
    env.pop("PYTEST_XDIST_WORKER", None)
    return FakeSdk(root, avd_home, home, tmp_path / "logs", env)

