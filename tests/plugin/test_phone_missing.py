"""A run whose tests need a phone or a backup app that is not configured stops at start-up with one
usage error naming the option to pass, before any phone boots; `phone_missing = skip` (ini, option
or PHONEBACKUP_PHONE_MISSING) brings back skipping; sessions without phone tests never notice."""

from __future__ import annotations

import pytest

SUITE = ("--pyargs", "pytest_phonebackup.suite")
FIRST_SUITE_TEST = "test_round_trips.py::test_round_trip_to_the_same_phone[smoke]"
ERROR_MODE = "phonebackup: phone missing: error (set phone_missing = skip to skip instead)"

# Records every test setup: when the run stops at start-up, nothing is set up, so no phone boots.
SETUP_PROBE = """
import pathlib

def pytest_runtest_setup(item):
    with pathlib.Path(__file__).with_name("setups.txt").open("a") as record:
        record.write(item.nodeid + "\\n")
"""

USER_TESTS = """
def test_needs_a_phone(phone):
    raise AssertionError("must not run without a phone")

def test_plain():
    pass
"""


def test_the_suite_without_a_backup_app_stops_before_any_phone_boots(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    result = run_pytest("--phone-emulator", *SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    error = result.stderr.str()
    assert f"18 tests need a backup app and none is configured (first: {FIRST_SUITE_TEST})" in error
    assert "pass --phone-backup-app NAME_OR_PATH" in error and "phone_missing = skip" in error
    assert "need a phone" not in error
    assert len(error.strip().splitlines()) == 1
    assert not (pytester.path / "setups.txt").exists()


def test_the_suite_without_a_phone_names_the_phone_options(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    result = run_pytest("--phone-backup-app", "adb-mirror", *SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    error = result.stderr.str()
    assert f"18 tests need a phone and none is configured (first: {FIRST_SUITE_TEST})" in error
    assert "--phone-emulator" in error and "--phone-serial SERIAL" in error and "phone_missing = skip" in error
    assert "backup app" not in error
    assert not (pytester.path / "setups.txt").exists()


def test_the_suite_with_nothing_configured_names_both_in_one_error(run_pytest):
    result = run_pytest(*SUITE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: pytest-phonebackup: 18 tests need a phone *--phone-emulator*"
                                 "; 18 tests need a backup app *--phone-backup-app NAME_OR_PATH*phone_missing = skip*"])
    assert result.stderr.str().count("ERROR:") == 1


def test_under_xdist_the_workers_stop_the_run_with_the_same_message(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    result = run_pytest("-n", "2", "--phone-emulator", *SUITE, timeout=180)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # xdist turns a worker's stop into an interruption
    result.stdout.fnmatch_lines(["*Interrupted: pytest-phonebackup: 18 tests need a backup app and none is "
                                 "configured*--phone-backup-app NAME_OR_PATH*phone_missing = skip*"])
    assert "INTERNALERROR" not in result.stdout.str()
    assert not (pytester.path / "setups.txt").exists()


def test_a_users_phone_test_without_a_phone_stops_the_whole_run(run_pytest, pytester):
    pytester.makeconftest(SETUP_PROBE)
    pytester.makepyfile(test_mine=USER_TESTS)
    result = run_pytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines([ERROR_MODE])
    error = result.stderr.str()
    assert "1 test needs a phone and none is configured (first: test_mine.py::test_needs_a_phone)" in error
    assert "--phone-emulator" in error and "--phone-serial SERIAL" in error
    assert not (pytester.path / "setups.txt").exists()  # not even the plain test ran


def test_deselected_phone_tests_and_listing_tests_need_no_phone(run_pytest, pytester):
    pytester.makepyfile(test_mine=USER_TESTS)
    selected = run_pytest("-k", "plain")
    selected.assert_outcomes(passed=1, deselected=1)
    selected.stdout.fnmatch_lines([ERROR_MODE])
    listed = run_pytest("--collect-only")
    assert listed.ret == pytest.ExitCode.OK
    listed.stdout.fnmatch_lines([ERROR_MODE, "*<Function test_needs_a_phone>", "*<Function test_plain>"])


def test_a_session_without_the_plugins_phone_fixtures_never_errors(run_pytest, pytester):
    pytester.makepyfile(test_own_phone="""
        import pytest

        @pytest.fixture
        def phone():
            return "a phone of the test's own"

        def test_uses_its_own_phone(phone):
            assert phone == "a phone of the test's own"

        def test_plain():
            pass
    """)
    result = run_pytest()
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([ERROR_MODE])


def test_a_phone_asked_for_at_run_time_is_an_error_of_that_test(run_pytest, pytester):
    # a conftest's own provisioner decides at run time; this one has no phone to give
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def phone_provisioner():
            return None
    """)
    pytester.makepyfile(test_mine=USER_TESTS)
    result = run_pytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*this test needs a phone: pass --phone-emulator*--phone-serial SERIAL*"
                                 "; or set phone_missing = skip to skip such tests*"])


def test_phone_missing_skip_in_the_ini_skips_naming_the_options(run_pytest, pytester):
    pytester.makeini("[pytest]\nphone_missing = skip\n")
    pytester.makepyfile(test_mine=USER_TESTS + "\ndef test_trip(roundtrip):\n    raise AssertionError('no')\n")
    result = run_pytest("-rs")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["phonebackup: no phones*", "phonebackup: phone missing: skip (from ini phone_missing)"])
    result.stdout.fnmatch_lines(["*this test needs a phone: pass --phone-emulator*--phone-serial SERIAL*"])


def test_phone_missing_skip_from_the_environment_skips_the_suite(run_pytest, monkeypatch):
    monkeypatch.setenv("PHONEBACKUP_PHONE_MISSING", "skip")
    result = run_pytest("-rs", *SUITE)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=18)  # 4 profiles x same phone, new phone, incremental, selective; 2 encryption checks
    result.stdout.fnmatch_lines(["phonebackup: phone missing: skip (from env PHONEBACKUP_PHONE_MISSING)"])


def test_the_app_is_skipped_too_when_only_the_app_is_missing(run_pytest, pytester):
    pytester.makepyfile(test_trip="def test_trip(backup_app):\n    raise AssertionError('no')\n")
    result = run_pytest("-rs", "--phone-missing=skip")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["phonebackup: phone missing: skip (from --phone-missing)",
                                 "*this test needs a backup app: pass --phone-backup-app NAME_OR_PATH*"])


@pytest.mark.parametrize(("where", "source"), [("ini", "ini phone_missing"),
                                               ("env", "env PHONEBACKUP_PHONE_MISSING")])
def test_a_bad_phone_missing_value_is_a_usage_error_listing_the_choices(run_pytest, pytester, monkeypatch,
                                                                         where, source):
    if where == "ini":
        pytester.makeini("[pytest]\nphone_missing = sometimes\n")
    else:
        monkeypatch.setenv("PHONEBACKUP_PHONE_MISSING", "sometimes")
    result = run_pytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: pytest-phonebackup: {source}: 'sometimes' is not one of error, skip*"])
