"""Each fault users of cloud backup apps hit, provoked on the virtual phone through the real adb,
and what the harness must say about it: paused is not data loss, a promised skip is
`skipped-as-promised`, an unpromised one fails, a silent stop is caught, and after recovery the
round trip verifies clean."""

from __future__ import annotations

import pytest
from cloudapp_testing import cards, wipe_restore_verify

from pytest_phonebackup.errors import BackupPaused, BackupStopped
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.roundtrip import RoundTrip


@pytest.fixture
def seeded(phone):
    """A smoke gallery on the phone (wiped after the test)."""
    gallery = Gallery(phone, progress=False)
    manifest = gallery.seed("smoke", 11)
    yield manifest
    gallery.wipe_seeded()


def slow_uploads(faults) -> None:
    """Every cloud request takes a moment, so faults land in the middle of the backup."""
    faults.cloud_slow(latency=0.08)


def test_wifi_off_and_on_again_pauses_then_completes_clean(phone, app, faults, tmp_path):
    slow_uploads(faults)
    faults.during(faults.wifi_off(now=False), when=faults.after_uploads(3), undo_after=1.0)
    result = RoundTrip(phone, app, profile="smoke", seed=11, workdir=tmp_path).run()
    faults.check()
    assert "Waiting for Wi-Fi" in cards(app)
    assert result.ok, result.report.summary()


def test_wifi_off_for_good_is_reported_paused_not_missing(phone, app, faults, seeded, tmp_path):
    slow_uploads(faults)
    app.prepare(phone)
    faults.during(faults.wifi_off(now=False), when=faults.after_uploads(3))
    with pytest.raises(BackupPaused, match=r"^paused: Waiting for Wi-Fi .*not losing data") as paused:
        app.backup(phone, tmp_path)
    faults.check()
    assert 0 < paused.value.status["done"] < len(seeded.items)
    # Recovery: Wi-Fi back, the same backup finishes by itself and the round trip is clean.
    faults.undo_all()
    app.wait(phone, "backup", app.backup_step)
    assert wipe_restore_verify(phone, app, seeded, tmp_path).ok


def test_mobile_data_only_waits_for_wifi_unless_mobile_data_is_allowed(phone, app, faults, seeded, tmp_path):
    faults.mobile_data_only()
    app.prepare(phone)
    with pytest.raises(BackupPaused, match="Waiting for Wi-Fi"):
        app.backup(phone, tmp_path)
    assert faults.cloud.items(app.account) == []  # nothing went over mobile data
    phone.shell("am broadcast -p com.example.cloudphotos -a com.example.cloudphotos.action.SET --ez wifi_only false")
    status = app.wait(phone, "backup", app.backup_step)
    assert status["card"] == "Backup complete"
    assert phone.settings_get("global", "wifi_on") == "0"  # it really went over mobile data
    assert wipe_restore_verify(phone, app, seeded, tmp_path).ok


def test_backup_toggled_off_is_paused_and_resumes_when_on(phone, app, faults, seeded, tmp_path):
    slow_uploads(faults)
    app.prepare(phone)
    off = faults.backup_off(now=False)
    faults.during(off, when=faults.after_uploads(2))
    with pytest.raises(BackupPaused, match=r"^paused: Backup is off"):
        app.backup(phone, tmp_path)
    faults.check()
    off.undo()
    app.wait(phone, "backup", app.backup_step)
    assert wipe_restore_verify(phone, app, seeded, tmp_path).ok


def test_force_stop_mid_backup_is_caught_as_a_silent_stop(phone, app, faults, seeded, tmp_path):
    slow_uploads(faults)
    app.prepare(phone)
    faults.during(faults.force_stop(now=False), when=faults.after_uploads(3))
    with pytest.raises(BackupStopped, match=r"not running and its status is stuck at 'Backing up \d+ of \d+'"):
        app.backup(phone, tmp_path)
    faults.check()
    uploaded = len(faults.cloud.items(app.account))
    assert uploaded < len(seeded.items)
    # A reboot does not bring a force-stopped app back; opening it does.
    phone.reboot()
    assert len(faults.cloud.items(app.account)) == uploaded
    app.backup(phone, tmp_path)
    assert wipe_restore_verify(phone, app, seeded, tmp_path).ok


def test_data_cleared_mid_backup_forgets_sign_in_and_is_caught(phone, app, faults, seeded, tmp_path):
    slow_uploads(faults)
    app.prepare(phone)
    faults.during(faults.clear_data(now=False), when=faults.after_uploads(3))
    with pytest.raises(BackupStopped, match="backup failed: Sign in to back up"):
        app.backup(phone, tmp_path)
    faults.check()
    app.prepare(phone)  # sign in again: the cloud still has the first items, the rest follows
    app.backup(phone, tmp_path)
    assert len(faults.cloud.items(app.account)) == len(seeded.items)
    assert wipe_restore_verify(phone, app, seeded, tmp_path).ok


def test_reboot_mid_backup_resumes_after_boot_and_verifies_clean(phone, app, faults, tmp_path):
    slow_uploads(faults)
    faults.during(faults.reboot(now=False), when=faults.after_uploads(3))
    result = RoundTrip(phone, app, profile="smoke", seed=12, workdir=tmp_path).run()
    faults.check()
    assert "phone rebooted" in faults.applied()
    assert result.ok, result.report.summary()


def test_cloud_errors_are_retried_and_the_backup_completes(phone, app, faults, tmp_path):
    faults.cloud_errors(503, count=2)
    result = RoundTrip(phone, app, profile="smoke", seed=13, workdir=tmp_path).run()
    assert any("HTTP 503" in str(s.get("error")) for s in app.history), app.history
    assert [r for r in faults.cloud.requests if r[2] == 503]
    assert result.ok, result.report.summary()


def test_slow_network_from_the_emulator_console_still_completes(phone, app, faults, tmp_path):
    faults.network_speed("hsdpa", "none")
    assert "upload speed:" in faults._emu("network", "status")
    result = RoundTrip(phone, app, profile="smoke", seed=14, workdir=tmp_path).run()
    assert result.ok, result.report.summary()


def test_cloud_failing_for_good_is_not_reported_complete(phone, app, faults, seeded, tmp_path):
    faults.cloud_errors(503)
    app.prepare(phone)
    app.backup_step.stuck_after = 4
    with pytest.raises(BackupStopped, match=r"stuck: status 'Backing up 1 of \d+'"):
        app.backup(phone, tmp_path)
    assert faults.cloud.items(app.account) == []


def test_item_the_policy_promises_to_skip_is_skipped_as_promised(phone, app, faults, seeded, tmp_path):
    item = faults.item_over_limit(seeded, "min_side", value=256)
    app.prepare(phone)
    status = app.backup(phone, tmp_path)
    assert '"detail": "1 item skipped"' in status.output
    report = wipe_restore_verify(phone, app, seeded, tmp_path)
    assert report.ok, report.summary()
    verdict = next(v for v in report.verdicts if v.path == item.path)
    assert verdict.verdict == "skipped-as-promised" and "minimum side" in verdict.reason


def test_skip_the_policy_does_not_promise_is_a_failure(phone, app, seeded, tmp_path):
    # A faulty app variant: it skips the bigger half of the photos though its policy promises up to 75 MB.
    sizes = sorted(i.size for i in seeded.items if i.kind == "photo")
    limit = sizes[len(sizes) // 2]
    app.prepare_commands.append("am broadcast -p ${PACKAGE} -a ${PACKAGE}.action.SET --el max_photo_bytes "
                                + str(limit))
    app.prepare(phone)
    app.backup(phone, tmp_path)
    report = wipe_restore_verify(phone, app, seeded, tmp_path)
    assert not report.ok
    assert report.worst == "missing"
    big = {i.path for i in seeded.items if i.kind == "photo" and i.size > limit}
    assert big and {v.path for v in report.failures} == big


def test_faults_go_through_the_phone_and_need_no_pytest():
    import ast
    import inspect

    import pytest_phonebackup.faults as faults_module

    tree = ast.parse(inspect.getsource(faults_module))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"pytest", "subprocess", "adbutils"}
    assert not hasattr(faults_module, "phone_faults")  # the fixture lives in the plugin


def test_console_faults_use_the_phones_emulator_console():
    from pytest_phonebackup.faults import PhoneFaults

    class Console:
        serial = "emulator-5554"

        def __init__(self) -> None:
            self.sent: list[tuple[str, ...]] = []

        def emu(self, *args: str) -> str:
            self.sent.append(args)
            return "OK\n"

    phone = Console()
    faults = PhoneFaults(phone)  # type: ignore[arg-type]  # only the console is needed here
    fault = faults.network_speed("edge", "gprs")
    fault.undo()
    assert phone.sent == [("network", "speed", "edge"), ("network", "delay", "gprs"),
                          ("network", "speed", "full"), ("network", "delay", "none")]
