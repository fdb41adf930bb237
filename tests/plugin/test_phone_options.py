"""The phone options as a new user types them: `--phone-emulator` is a switch that never swallows a
test path, `--phone-avd NAME` picks an AVD, and a bad `--phone-api`, `--phone-serial` or AVD answers
in one line (exit code 4, pytest's usage error) before any phone starts."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from pytest_phonebackup.settings import emulator_as_switch, resolve

PHONE_TEST = '''
def test_phone_answers(phone):
    assert phone.shell("echo hi").stdout == "hi\\n"
'''
OTHER_TEST = '''
def test_not_asked_for():
    raise AssertionError("only the named file was asked for")
'''
NO_PHONE_STARTED = "*phones used*"


def one_error_line(result: pytest.RunResult) -> str:
    """The run's one error line; the run must have stopped with a usage error."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    result.stdout.no_fnmatch_line(NO_PHONE_STARTED)
    return errors[0]


def test_a_bare_switch_keeps_the_test_path_that_follows(run_pytest, pytester):
    pytester.makepyfile(test_x=PHONE_TEST, test_other=OTHER_TEST)
    result = run_pytest("--phone-emulator", "test_x.py", "-q")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*1 passed*"])
    result.stdout.fnmatch_lines(["phonebackup: phones used: emulator-* (virtual*"])


def test_two_workers_each_get_a_phone(run_pytest, pytester):
    pytester.makepyfile(test_a=PHONE_TEST, test_b=PHONE_TEST.replace("test_phone_answers", "test_b"))
    result = run_pytest("-n", "2", "--phone-emulator", "-q", timeout=180)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*2 passed*"])


def test_xdist_comes_with_a_plain_install():
    requirements = importlib.metadata.requires("pytest-phonebackup") or []
    plain = [req for req in requirements if "extra ==" not in req]
    assert any(req.replace(" ", "").startswith("pytest-xdist") for req in plain), requirements


@pytest.mark.parametrize(("args", "expected"), [
    (["--phone-emulator", "tests/test_x.py"], ["--phone-emulator=virtual", "tests/test_x.py"]),
    (["tests", "--phone-emulator"], ["tests", "--phone-emulator=virtual"]),
    (["--phone-emulator", "avd:Pixel_8"], ["--phone-emulator=avd:Pixel_8"]),
    (["--phone-emulator", "virtual", "-x"], ["--phone-emulator=virtual", "-x"]),
    (["--phone-emulator=avd:P", "t.py"], ["--phone-emulator=avd:P", "t.py"]),
    (["-k", "x", "--", "--phone-emulator"], ["-k", "x", "--", "--phone-emulator"]),
])
def test_the_switch_takes_no_argument_that_is_not_a_spec(args, expected):
    assert emulator_as_switch(args) == expected


def test_phone_avd_names_the_avd_and_agrees_with_the_spec_form():
    settings = resolve({"avd": "Pixel_8_API_34"}, env={})
    assert (settings.emulator.kind, settings.emulator.name) == ("avd", "Pixel_8_API_34")
    assert settings.sources["emulator"] == "--phone-avd"
    same = resolve({"avd": "P", "emulator": "avd:P"}, env={})
    assert str(same.emulator) == "avd:P"
    with pytest.raises(ValueError, match="--phone-emulator asks for avd:Q and --phone-avd for avd:P: pick one AVD"):
        resolve({"avd": "P", "emulator": "avd:Q"}, env={})


@pytest.mark.parametrize("level", ["99", "25", "fourteen"])
def test_an_api_level_the_phone_cannot_be_is_refused_at_once(run_pytest, pytester, level):
    pytester.makepyfile(test_x=PHONE_TEST)
    line = one_error_line(run_pytest("--phone-emulator", f"--phone-api={level}", "test_x.py"))
    assert line == (f"ERROR: pytest-phonebackup: --phone-api: '{level}' is not an API level the virtual phone "
                    "can be: use 26 to 36 (Android 8.0 to 16), e.g. 34 for Android 14")


@pytest.mark.parametrize("level", ["26", "30", "36"])
def test_every_supported_api_level_is_accepted(level):
    assert resolve({"api": level}, env={}).api == int(level)


def test_an_unknown_serial_is_refused_at_once_with_the_attached_phones(run_pytest, pytester, virtual_phone):
    pytester.makepyfile(test_x=PHONE_TEST)
    line = one_error_line(run_pytest("--phone-serial", "NOPE123", "test_x.py", timeout=60))
    assert line.startswith("ERROR: pytest-phonebackup: phone NOPE123 is not attached; `adb devices` lists: ")
    assert f"{virtual_phone.serial} (device)" in line  # and any other phone of this adb server
    assert line.endswith("; pass one of those to --phone-serial, or host:port for a phone over the network")


def test_an_unreachable_network_phone_gets_one_adb_connect(run_pytest, pytester):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connection is refused
        pytester.makepyfile(test_x=PHONE_TEST)
        line = one_error_line(run_pytest("--phone-serial", f"127.0.0.1:{port}", "test_x.py", timeout=60))
    assert line.startswith(f"ERROR: pytest-phonebackup: `adb connect 127.0.0.1:{port}` answered ")
    assert "Connection refused" in line and line.endswith("check the address")


def test_an_attached_serial_passes_the_check(run_pytest, pytester, virtual_phone):
    pytester.makepyfile(test_x=PHONE_TEST)
    result = run_pytest("--phone-serial", virtual_phone.serial, "test_x.py", "-q")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()


def _fake_avd_home(root: Path, *names: str) -> Path:
    for name in names:
        folder = root / f"{name}.avd"
        folder.mkdir(parents=True)
        (root / f"{name}.ini").write_text(f"path={folder}\n")
    return root


def test_a_misspelled_avd_gets_a_suggestion_before_anything_boots(run_pytest, pytester, tmp_path, monkeypatch):
    sdk = tmp_path / "sdk"
    emulator = sdk / "emulator" / "emulator"
    emulator.parent.mkdir(parents=True)
    started = tmp_path / "emulator-started"
    emulator.write_text(f"#!{sys.executable}\nopen({str(started)!r}, 'w').close()\n")
    emulator.chmod(0o755)
    home = _fake_avd_home(tmp_path / "avd", "Pixel_8_API_34", "Tablet_API_33")
    monkeypatch.setenv("ANDROID_SDK_ROOT", str(sdk))
    monkeypatch.delenv("ANDROID_HOME", raising=False)
    monkeypatch.setenv("ANDROID_AVD_HOME", str(home))
    monkeypatch.setenv("PHONEBACKUP_AVD_ACCEL", "off")
    pytester.makepyfile(test_x=PHONE_TEST)
    line = one_error_line(run_pytest("--phone-avd", "Pixel_8_API34", "test_x.py"))
    assert line.startswith("ERROR: pytest-phonebackup: no AVD named 'Pixel_8_API34' in ")
    assert "did you mean 'Pixel_8_API_34'? available: Pixel_8_API_34, Tablet_API_33." in line
    assert not started.exists()
    same = one_error_line(run_pytest("--phone-emulator", "avd:Pixel_8_API34", "test_x.py"))
    assert same == line


def test_an_avd_without_an_sdk_says_what_to_set(run_pytest, pytester, monkeypatch):
    for name in ("ANDROID_SDK_ROOT", "ANDROID_HOME"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_x=PHONE_TEST)
    line = one_error_line(run_pytest("--phone-emulator=avd:Pixel", "test_x.py"))
    assert line == ("ERROR: pytest-phonebackup: no Android SDK: set ANDROID_SDK_ROOT (or ANDROID_HOME) to the SDK "
                    "folder, or use --phone-emulator alone for the embedded virtual phone that needs no SDK")


def test_help_shows_each_default(run_pytest):
    result = run_pytest("--help")
    text = " ".join(result.stdout.str().split())
    for default in ("ini phone_boot_timeout; default 180.0]", "ini phone_artifacts; default only-on-failure]",
                    "ini phone_seed; default 0]", "ini phone_missing; default error]",
                    "ini phone_output; default phone-artifacts]"):
        assert default in text, default
