"""The built-in suite's encrypted round trip as users run it: with the reference tool's encrypted
scenario every check passes; a tool that does not encrypt is told what to add."""

from __future__ import annotations

import re

SUITE = ("--pyargs", "pytest_phonebackup.suite")
ENCRYPTED = ("test_encrypted_backup_holds_no_plaintext", "test_wrong_password_restores_nothing")


def test_the_suite_checks_the_reference_tools_encrypted_backups(run_pytest, pytester):
    results = pytester.path / "allure-results"
    result = run_pytest("--phone-emulator", "--phone-backup-app", "adb-mirror-encrypted", "--phone-media-profile",
                        "smoke", "--alluredir", str(results), *SUITE, "-k", "encrypted or password or selective",
                        "-v", timeout=400)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random([f"*{name} PASSED*" for name in ENCRYPTED]
                                       + ["*test_selective_restore?smoke? PASSED*"])
    # each encrypted round trip's checks are attached to its report step in Allure
    checks = [p.read_text() for p in results.glob("*-attachment*") if p.read_text(errors="replace").startswith("ok  ")]
    pattern = (r"ok  no plaintext in the backup: none of 20 items readable in /\S+/roundtrip-1/backup\n"
               r"ok  a wrong password restores nothing: refused, and nothing on the phone changed\n")
    assert len(checks) == 2 and all(re.fullmatch(pattern, text) for text in checks), checks


def test_a_tool_that_does_not_encrypt_is_skipped_saying_what_to_add(run_pytest):
    result = run_pytest("--phone-emulator", "--phone-backup-app", "adb-mirror", *SUITE,
                        "-k", "encrypted or password", "-rs", timeout=300)
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*SKIPPED*adb-mirror does not encrypt its backups: *adb-mirror.yaml has no "
                                 "`encryption: {password: ...}`; add it, and {password} to the backup and restore "
                                 "lines, to test them*"])


IGNORES_THE_PASSWORD = """
name: ignores-the-password
kind: command
encryption: {password: s3cret}
backup: "{python} -m pytest_phonebackup.reference.mirror backup --serial {serial} --dest {backup_dir} --password {password} --fault ignore-password"
restore: "{python} -m pytest_phonebackup.reference.mirror restore --serial {serial} --src {backup_dir} --password {password} --fault ignore-password"
"""


def test_a_tool_that_ignores_the_password_fails_only_the_wrong_password_test(run_pytest, pytester):
    pytester.makefile(".yaml", tool=IGNORES_THE_PASSWORD)
    result = run_pytest("--phone-emulator", "--phone-backup-app", "tool.yaml", *SUITE,
                        "-k", "encrypted or password", "-v", timeout=300)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines_random([
        "*test_encrypted_backup_holds_no_plaintext PASSED*",
        "*test_wrong_password_restores_nothing FAILED*",
        "*ignores-the-password given a wrong password: the restore succeeded (exit status 0); "
        "it changed 20 file(s) on the phone: *"])
