"""The built-in suite's round trips beyond "restore everything", run as users run them
(`pytest --phone-emulator --phone-backup-app X --pyargs pytest_phonebackup.suite`): each runs when
the scenario has what it needs, and otherwise says why it does not apply."""

from __future__ import annotations

SUITE = ("--pyargs", "pytest_phonebackup.suite")

PLAIN_TOOL = """
name: restores-everything
kind: command
backup: "{python} -m pytest_phonebackup.reference.mirror backup --serial {serial} --dest {backup_dir}"
restore: "{python} -m pytest_phonebackup.reference.mirror restore --serial {serial} --src {backup_dir}"
"""


def test_the_suite_restores_a_selection_with_the_reference_tool(run_pytest):
    result = run_pytest("--phone-emulator", "--phone-backup-app", "adb-mirror", "--phone-media-profile", "smoke",
                        *SUITE, "-k", "selective", "-v", timeout=300)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_selective_restore?smoke? PASSED*"])


def test_a_tool_without_selective_restore_is_skipped_saying_what_to_add(run_pytest, pytester):
    pytester.makefile(".yaml", tool=PLAIN_TOOL)
    result = run_pytest("--phone-emulator", "--phone-backup-app", "tool.yaml", "--phone-media-profile", "smoke",
                        *SUITE, "-k", "selective", "-rs", timeout=300)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*restores-everything has no `restore_selected:` command in tool.yaml; "
                                 "add one that restores only the paths listed in {selection} to test selective restore*"])


IGNORES_SELECTION = PLAIN_TOOL.replace("name: restores-everything", "name: ignores-the-selection") + (
    'restore_selected: "{python} -m pytest_phonebackup.reference.mirror restore --serial {serial} '
    '--src {backup_dir} --select {selection} --fault ignore-selection"\n')


def test_a_tool_that_ignores_the_selection_fails_the_suite_naming_the_items(run_pytest, pytester):
    pytester.makefile(".yaml", tool=IGNORES_SELECTION)
    result = run_pytest("--phone-emulator", "--phone-backup-app", "tool.yaml", "--phone-media-profile", "smoke",
                        "--phone-seed", "4", *SUITE, "-k", "selective", timeout=300)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*[[]phonebackup: restored unselected] 9 of 20 verdicts not acceptable, worst: restored-unselected*"
        "app ignores-the-selection, profile smoke, seed 4*",
        "*+ restored-unselected *(left out of the selection, yet restored)*"])
