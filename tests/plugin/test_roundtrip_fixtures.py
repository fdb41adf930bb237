"""Round trips through the plugin as users write them: the `backup_app` marker and option, the
`roundtrip` fixture (seed, back up, wipe, restore, verify), its failure message, and the seed."""

from __future__ import annotations

import pytest

from pytest_phonebackup.settings import resolve

BROKEN_TOOL = """
name: drops-a-photo
kind: command
backup: "{python} -m pytest_phonebackup.reference.mirror backup --serial {serial} --dest {backup_dir}"
restore: "{python} -m pytest_phonebackup.reference.mirror restore --serial {serial} --src {backup_dir} --fault drop"
"""


def test_a_round_trip_test_without_a_backup_app_stops_the_run_naming_the_option(run_pytest, pytester):
    pytester.makepyfile(test_trip="def test_trip(roundtrip):\n    raise AssertionError('must not run')\n")
    result = run_pytest("--phone-emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*1 test needs a backup app and none is configured (first: test_trip.py::test_trip): "
                                 "pass --phone-backup-app NAME_OR_PATH*"])


def test_marker_picks_the_app_and_a_clean_round_trip_passes_with_its_timings(run_pytest, pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.backup_app("adb-mirror")
        def test_trip(roundtrip, backup_app):
            result = roundtrip("smoke", seed=5)
            assert backup_app.name == "adb-mirror" and result.ok
            assert result.report.counts == {"intact": len(result.manifest.items)}
            assert [t.name.split()[0] for t in result.timings] == ["seed", "prepare", "back", "wipe", "restore", "verify"]
    """)
    result = run_pytest("--phone-emulator", timeout=240)
    result.assert_outcomes(passed=1)


def test_a_lossy_tool_fails_the_test_naming_the_item_and_the_seed(run_pytest, pytester):
    pytester.makefile(".yaml", tool=BROKEN_TOOL)
    pytester.makepyfile("def test_trip(roundtrip):\n    roundtrip('smoke')\n")
    result = run_pytest("--phone-emulator", "--phone-backup-app", "tool.yaml", "--phone-seed", "9", timeout=240)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*[phonebackup: data loss]*app drops-a-photo, profile smoke, seed 9 (rerun with --phone-seed 9)*",
                                 "*- missing *"])


def test_a_broken_scenario_stops_the_run_naming_the_file_line_and_column(run_pytest, pytester):
    pytester.makefile(".yaml", tool="name: t\nkind: command\nbackup: x {serail}\nrestore: y\n")
    pytester.makepyfile("def test_trip(backup_app):\n    pass\n")
    result = run_pytest("--phone-emulator", "--phone-backup-app", "tool.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().strip().splitlines() == [
        "ERROR: tool.yaml:3:9: backup: unknown placeholder {serail}; known: {serial}, {backup_dir}, {adb}, {python}, "
        "{adb_port}, {scenario_dir}, {workdir}, {selection}, {password}; did you mean 'serial'?"]


def test_seed_random_picks_a_number_and_says_where_it_came_from():
    settings = resolve({"seed": "random"}, env={})
    assert isinstance(settings.seed, int) and settings.seed > 0
    assert settings.sources["seed"] == "--phone-seed"
    assert resolve({}, env={"PHONEBACKUP_SEED": "12"}).seed == 12
    with pytest.raises(ValueError, match="'x' is not a seed"):
        resolve({"seed": "x"}, env={})
    assert resolve({"media_profile": "smoke, edge"}, env={}).media_profile == ("smoke", "edge")
