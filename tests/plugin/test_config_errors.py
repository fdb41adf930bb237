"""A backup app or media profile that does not load stops the run at start-up with one usage error —
`file:line:col: message` a line, with the name meant — before any phone boots; the same check serves
the `phonebackup` commands that take a scenario or a profile."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

SUITE = ("--pyargs", "pytest_phonebackup.suite")
BUILTIN_APPS = "built-in: adb-mirror-encrypted, adb-mirror, adbclone, androidmigrate, cloudphotos-ui, cloudphotos, google-photos, seedvault"
PHONE_STARTED = "phonebackup: phones used:"  # the terminal summary line of every run that started a phone

# Records every test setup: when the run stops at start-up, nothing is set up, so no phone boots.
SETUP_PROBE = """
import pathlib

def pytest_runtest_setup(item):
    with pathlib.Path(__file__).with_name("setups.txt").open("a") as record:
        record.write(item.nodeid + "\\n")
"""

GOOD_HEAD = "name: mine\nkind: command\nbackup: adb-mirror backup --serial {serial} --dest {backup_dir}\n"
SCENARIOS = {
    "a quote never closed": (
        'name: mine\nkind: command\nbackup: "adb-mirror backup\nrestore: x\n',
        "mine.yaml:3:9: invalid YAML: found unexpected end of stream at line 5, while scanning a quoted scalar "
        "that starts here"),
    "a line indented too little": (
        GOOD_HEAD + "restore: x\npolicy:\n  limits:\n    min_side: 256px\n   formats: [jpeg]\n",
        "mine.yaml:8:4: invalid YAML: expected <block end>, but found '<block mapping start>' (while parsing a "
        "block mapping that starts at 6:3); check the indentation of this line and the one before"),
    "a tab": (
        GOOD_HEAD + "restore: x\npolicy:\n\tlimits: {}\n",
        "mine.yaml:6:1: invalid YAML: found character '\\t' that cannot start any token; YAML indents with "
        "spaces, not tabs"),
    "an unknown kind": (
        "name: mine\nkind: comand\nbackup: x\nrestore: y\n",
        "mine.yaml:2:7: kind must be one of command, intent, appium, got 'comand'; did you mean 'command'?"),
    "a misspelled policy key": (
        GOOD_HEAD + "restore: x\npolicy:\n  limits:\n    max_photo_bytes: 75MB\n    formts: [jpeg]\n",
        "mine.yaml:8:5: policy.limits: unknown key 'formts'; allowed: max_photo_bytes, max_photo_pixels, "
        "max_video_bytes, min_side, formats, skips_damaged, scope, folders, keeps_identical_once; did you mean 'formats'?"),
    "a value of the wrong type": (
        GOOD_HEAD + "restore: x\npolicy:\n  preserves:\n    file_time: sometimes\n",
        "mine.yaml:7:5: policy.preserves.file_time: expected true or false, got 'sometimes'"),
}


def assert_stopped_at_start_up(result: pytest.RunResult, pytester: pytest.Pytester, *lines: str) -> None:
    """Exit 4 with exactly these lines as the one error, and no test set up, so no phone started."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    assert result.stderr.str().strip().splitlines() == [f"ERROR: {lines[0]}", *lines[1:]]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert PHONE_STARTED not in result.stdout.str()
    assert not (pytester.path / "setups.txt").exists()


@pytest.mark.parametrize("case", list(SCENARIOS))
def test_a_broken_scenario_stops_the_suite_before_any_phone_boots(run_pytest, pytester, case):
    text, error = SCENARIOS[case]
    pytester.makeconftest(SETUP_PROBE)
    (pytester.path / "mine.yaml").write_text(text)
    started = time.monotonic()
    result = run_pytest("--phone-emulator", "--phone-backup-app", "mine.yaml", *SUITE)
    assert_stopped_at_start_up(result, pytester, error)
    assert time.monotonic() - started < 30  # a virtual phone's boot and seeding alone take longer


def test_a_misspelled_app_name_on_the_command_line_names_the_option(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    result = run_pytest("--phone-emulator", "--phone-backup-app", "adb-miror", *SUITE)
    assert_stopped_at_start_up(result, pytester, f"--phone-backup-app: no backup app named 'adb-miror'; {BUILTIN_APPS}; "
                                                 "or pass the path of a scenario YAML file; did you mean 'adb-mirror'?")


def test_a_misspelled_app_in_a_marker_names_the_marker(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    pytester.makepyfile(test_mine="""
        import pytest


        @pytest.mark.backup_app("cloudphoto")
        def test_trip(roundtrip):
            raise AssertionError("must not run")
    """)
    result = run_pytest("--phone-emulator")
    assert_stopped_at_start_up(result, pytester, f"test_mine.py:4:25: no backup app named 'cloudphoto'; {BUILTIN_APPS}; "
                                                 "or pass the path of a scenario YAML file; did you mean 'cloudphotos'?")


def test_a_misspelled_profile_names_the_option_and_the_profile_meant(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    result = run_pytest("--phone-emulator", "--phone-backup-app", "adb-mirror", "--phone-media-profile", "smoke,egde",
                        *SUITE)
    assert_stopped_at_start_up(result, pytester, "--phone-media-profile: no media profile named 'egde'; built-in: edge, "
                                                 "formats, huge, smoke, stress; or pass the path of a .yaml file; "
                                                 "did you mean 'edge'?")


def test_a_broken_profile_file_and_a_broken_flow_file_name_their_own_lines(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    (pytester.path / "mine-profile.yaml").write_text("profile: mine\nitems:\n  - id: a\n    path: DCIM/a.jpg\n"
                                                     "    qualty: 80\n")
    (pytester.path / "flows").mkdir()
    (pytester.path / "flows" / "settings.yaml").write_text("- tapOn: Settings\n- tapOm: Backup\n")
    (pytester.path / "ui.yaml").write_text("name: ui\nkind: appium\nappId: com.example.backup\n"
                                           "backup:\n  - runFlow: flows/settings.yaml\nrestore:\n  - back\n")
    result = run_pytest("--phone-emulator", "--phone-backup-app", "ui.yaml", "--phone-media-profile", "mine-profile.yaml",
                        *SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = result.stderr.str().strip().splitlines()
    assert len(lines) == 2, lines
    flow = pytester.path / "flows" / "settings.yaml"  # the flow file is the one to fix, not the scenario
    assert lines[0].startswith(f"ERROR: {flow}:2:3: step 2: unknown command 'tapOm'; known: launchApp, ")
    assert lines[0].endswith("; did you mean 'tapOn'?")
    assert lines[1].startswith("mine-profile.yaml:5:5: unknown key 'qualty' in an item; allowed: aspect, ")
    assert lines[1].endswith("; did you mean 'quality'?")
    assert not (pytester.path / "setups.txt").exists()


def test_many_problems_show_a_handful_then_how_many_more(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    pytester.makepyfile(test_mine="\n".join(
        f"@__import__('pytest').mark.backup_app('nope-{n}')\ndef test_{n}(backup_app):\n    pass\n" for n in range(7)))
    result = run_pytest("--phone-emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = result.stderr.str().strip().splitlines()
    assert [line.split(": no backup app named ")[0] for line in lines[:5]] == [
        "ERROR: test_mine.py:1:39", "test_mine.py:5:39", "test_mine.py:9:39", "test_mine.py:13:39", "test_mine.py:17:39"]
    assert lines[5:] == ["and 2 more"]


def test_config_problems_and_a_missing_phone_come_in_the_same_error(run_pytest, pytester):
    result = run_pytest("--phone-backup-app", "adb-miror", *SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = result.stderr.str().strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("ERROR: --phone-backup-app: no backup app named 'adb-miror'")
    assert lines[1].startswith("pytest-phonebackup: 18 tests need a phone and none is configured")


def test_under_xdist_a_broken_scenario_stops_the_run_as_an_interruption(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    (pytester.path / "mine.yaml").write_text(SCENARIOS["an unknown kind"][0])
    result = run_pytest("-n", "2", "--phone-emulator", "--phone-backup-app", "mine.yaml", *SUITE, timeout=180)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # xdist turns a worker's stop into an interruption (exit 2)
    result.stdout.fnmatch_lines([f"*Interrupted: {SCENARIOS['an unknown kind'][1]}*"])
    assert "INTERNALERROR" not in result.stdout.str() and PHONE_STARTED not in result.stdout.str()
    assert not (pytester.path / "setups.txt").exists()


def test_a_good_scenario_file_passes_the_check(run_pytest, pytester):
    (pytester.path / "mine.yaml").write_text(GOOD_HEAD + "restore: x\npolicy:\n  limits:\n    formats: [jpeg]\n")
    result = run_pytest("--phone-backup-app", "mine.yaml", "--phone-media-profile", "smoke", "--collect-only", *SUITE)
    assert result.ret == pytest.ExitCode.OK
    checked = run_pytest("--phone-backup-app", "mine.yaml", "--phone-media-profile", "smoke", "--phone-missing=skip",
                         *SUITE)
    checked.assert_outcomes(skipped=6)  # two round trips, incremental, the selective restore and the two encryption checks


@pytest.mark.parametrize(("command", "error"), [
    (["media", "generate", "--profile", "smok", "--out", "out"],
     "phonebackup media generate: no media profile named 'smok'; built-in: edge, formats, huge, smoke, stress; "
     "or pass the path of a .yaml file; did you mean 'smoke'?"),
    (["media", "seed", "--serial", "emulator-5554", "--profile", "bad-profile.yaml"],
     "phonebackup media seed: bad-profile.yaml:2:1: unknown key 'itmes' in the profile; allowed: defaults, "
     "description, items, policy, profile, units; did you mean 'items'?"),
    (["verify", "--manifest", "manifest.json", "--serial", "emulator-5554", "--app", "mine.yaml"],
     "phonebackup verify: could not run: mine.yaml:2:7: kind must be one of command, intent, appium, got 'comand'; "
     "did you mean 'command'?"),
    (["demo", "--profiles", "smoke,edg"],
     "phonebackup demo: --profiles: no media profile named 'edg'; built-in: edge, formats, huge, smoke, stress; "
     "or pass the path of a .yaml file; did you mean 'edge'?"),
])
def test_the_commands_refuse_a_broken_scenario_or_profile_in_one_line(tmp_path, command, error):
    (tmp_path / "bad-profile.yaml").write_text("profile: mine\nitmes:\n  - {id: a, path: DCIM/a.jpg}\n")
    (tmp_path / "mine.yaml").write_text(SCENARIOS["an unknown kind"][0])
    done = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", *command], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2  # the command line's usage error
    assert done.stderr.strip().splitlines() == [error]
    assert not (tmp_path / "out").exists() and not (tmp_path / "phonebackup-demo").exists()
