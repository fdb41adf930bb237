"""The pytest plugin as users meet it, each case a real pytest session in a subprocess: options and
their sources, the `phone`/`phones`/`phone_factory` fixtures, per-test cleanup, artifacts on failure,
xdist workers, safety on hardware, and teardown after Ctrl-C. Without a phone: test_phone_missing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pytest_phonebackup.provision import choose_console_port, port_lock
from pytest_phonebackup.settings import EmulatorSpec, resolve
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

REPO = Path(__file__).resolve().parents[2]


def test_settings_resolve_option_over_env_over_ini():
    ini = {"phone_api": "30", "phone_boot_timeout": "90", "phone_emulator": "virtual"}
    env = {"PHONEBACKUP_API": "31", "PHONEBACKUP_KEEP": "yes"}
    settings = resolve({"api": "33"}, env=env, ini=ini)
    assert (settings.api, settings.sources["api"]) == (33, "--phone-api")
    assert (settings.keep, settings.sources["keep"]) == (True, "env PHONEBACKUP_KEEP")
    assert (settings.boot_timeout, settings.sources["boot_timeout"]) == (90.0, "ini phone_boot_timeout")
    assert settings.emulator == EmulatorSpec("virtual")
    assert resolve({}, env=env, ini=ini).api == 31
    assert resolve({}, env={}, ini=ini).api == 30
    assert resolve({"emulator": "avd:Pixel_7"}, env={}).emulator == EmulatorSpec("avd", "Pixel_7")
    assert resolve({"serial": ["a,b", "c"]}, env={}).serial == ("a", "b", "c")
    assert resolve({}, env={"PHONEBACKUP_EMULATOR": "0"}).emulator is None
    with pytest.raises(ValueError, match="env PHONEBACKUP_STORAGE: cannot read storage size 'lots'"):
        resolve({}, env={"PHONEBACKUP_STORAGE": "lots"})
    with pytest.raises(ValueError, match="avd:NAME"):
        resolve({"emulator": "pixel"}, env={})


def test_sizes_and_durations_follow_the_one_grammar_of_units():
    assert resolve({"storage": "2GB"}, env={}).storage == 2_000_000_000
    assert resolve({"storage": "2GiB"}, env={}).storage == 2_147_483_648
    assert resolve({}, env={"PHONEBACKUP_STORAGE": "512MB"}).storage == 512_000_000
    assert resolve({}, env={"PHONEBACKUP_BOOT_TIMEOUT": "3m"}).boot_timeout == 180.0
    with pytest.raises(ValueError, match="--phone-boot-timeout: '0' must be a positive duration"):
        resolve({"boot_timeout": "0"}, env={})


def test_header_says_where_each_setting_came_from(run_pytest, pytester, monkeypatch):
    pytester.makeini("[pytest]\nphone_boot_timeout = 77\nphone_api = 30\n")
    monkeypatch.setenv("PHONEBACKUP_STORAGE", "3GiB")
    result = run_pytest("--co", "--phone-emulator", "--phone-api=33")
    result.stdout.fnmatch_lines(["phonebackup: emulator=virtual (from --phone-emulator); serial=- (from default); "
                                 "api=33 (from --phone-api); storage=3221225472 (from env PHONEBACKUP_STORAGE); "
                                 "boot_timeout=77.0 (from ini phone_boot_timeout)*"])


def test_bad_option_value_is_a_usage_error(run_pytest):
    result = run_pytest("--phone-emulator=pixel")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--phone-emulator='pixel' is not understood*avd:NAME*"])


NEW_USER_TEST = '''
def test_photo_survives_the_trip(phone, tmp_path):
    photo = tmp_path / "cat.jpg"
    photo.write_bytes(b"\\xff\\xd8 a cat \\xff\\xd9")
    phone.push(photo, "/sdcard/DCIM/Camera/cat.jpg")
    phone.shell("cp /sdcard/DCIM/Camera/cat.jpg /sdcard/Download/cat.jpg")
    hashes = phone.hash_files(["/sdcard/DCIM/Camera/cat.jpg", "/sdcard/Download/cat.jpg"])
    assert len(set(hashes.values())) == 1 and len(hashes) == 2
    assert phone.info()["kind"] == "virtual"
'''


def test_a_new_users_ten_line_test_passes_with_phone_emulator(run_pytest, pytester):
    pytester.makepyfile(NEW_USER_TEST)
    result = run_pytest("--phone-emulator", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["phonebackup: emulator=virtual (from --phone-emulator)*",
                                 "phonebackup: phones used: emulator-* (virtual; own process)"])


SESSION_TESTS = '''
import json, pathlib
import psutil
import pytest

LOG = pathlib.Path("serials.jsonl")

def record(phone, name):
    with LOG.open("a") as out:
        children = [child.pid for child in psutil.Process().children(recursive=True)]
        out.write(json.dumps({"test": name, "serial": phone.serial, "id": id(phone), "children": children}) + "\\n")

def test_a_creates_files(phone, tmp_path):
    record(phone, "a")
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "one.jpg").write_bytes(b"1")
    phone.push(tmp_path / "seed" / "one.jpg", "/sdcard/Download/created-by-a.jpg")
    phone.push_tree(tmp_path / "seed", "/sdcard/Pictures/FromA")
    phone.shell("mkdir -p /sdcard/Restored/x && echo made > /sdcard/Restored/x/by-shell.txt")
    assert phone.exists("/sdcard/Download/created-by-a.jpg")

def test_b_sees_them_cleaned_up(phone):
    record(phone, "b")
    assert not phone.exists("/sdcard/Download/created-by-a.jpg")
    assert not phone.exists("/sdcard/Pictures/FromA")
    assert not phone.exists("/sdcard/Restored")

def test_c_fails_and_leaves_artifacts(phone):
    record(phone, "c")
    phone.start_app("com.android.settings/.Settings")  # leaves its trace in logcat
    assert False, "on purpose"

@pytest.mark.phone(api=30)
def test_d_marker_asks_for_an_api(phone):
    record(phone, "d")
    assert phone.getprop("ro.build.version.sdk") == "30"

@pytest.mark.phone(count=2)
def test_e_two_phones_and_a_factory(phones, phone_factory, tmp_path):
    first, second = phones
    third = phone_factory()
    record(first, "e")
    assert len({first.serial, second.serial, third.serial}) == 3
    (tmp_path / "p.jpg").write_bytes(b"backup me")
    first.push(tmp_path / "p.jpg", "/sdcard/DCIM/p.jpg")
    first.pull("/sdcard/DCIM/p.jpg", tmp_path / "backup.jpg")
    third.push(tmp_path / "backup.jpg", "/sdcard/DCIM/p.jpg")
    assert third.hash_files(["/sdcard/DCIM/p.jpg"]) == first.hash_files(["/sdcard/DCIM/p.jpg"])
'''


def test_session_phone_is_reused_cleaned_per_test_and_keeps_artifacts_on_failure(run_pytest, pytester, adb_server):
    pytester.makepyfile(SESSION_TESTS)
    result = run_pytest("--phone-emulator", "--phone-storage=1G", "-v", timeout=180)
    result.assert_outcomes(passed=4, failed=1)
    rows = [json.loads(line) for line in (pytester.path / "serials.jsonl").read_text().splitlines()]
    by_test = {row["test"]: row for row in rows}
    assert by_test["a"]["serial"] == by_test["b"]["serial"] == by_test["c"]["serial"]
    assert by_test["a"]["id"] == by_test["b"]["id"]  # one Phone object for the session
    assert by_test["d"]["serial"] != by_test["a"]["serial"]  # api=30 needed a phone of its own
    failed = list((pytester.path / "phone-artifacts").glob("*test_c_fails*/*"))
    assert len(failed) == 1
    screenshot, logcat = failed[0] / "screenshot.png", failed[0] / "logcat.txt"
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert "START u0 {cmp=com.android.settings/.Settings}" in logcat.read_text()
    assert not list((pytester.path / "phone-artifacts").glob("*test_a_creates*"))
    children = {pid for row in rows for pid in row["children"]}
    assert len(children) >= 4  # the session phone, the api=30 one and two more in test e: own processes
    assert [pid for pid in children if psutil.pid_exists(pid)
            and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE] == []  # all gone with the session


XDIST_TESTS = '''
import json, os, pathlib, pytest

@pytest.mark.parametrize("n", range(4))
def test_worker_phone(phone, n):
    with pathlib.Path(f"worker-{n}.json").open("w") as out:
        json.dump({"worker": os.environ["PYTEST_XDIST_WORKER"], "serial": phone.serial}, out)
    assert phone.shell("echo $((6 * 7))").stdout == "42\\n"
'''


def test_each_xdist_worker_gets_its_own_phone(run_pytest, pytester):
    pytester.makepyfile(test_workers=XDIST_TESTS, test_new_user=NEW_USER_TEST)
    result = run_pytest("-n", "2", "--phone-emulator", timeout=180)
    result.assert_outcomes(passed=5)  # the new user's test runs unchanged under -n 2
    rows = [json.loads(path.read_text()) for path in pytester.path.glob("worker-*.json")]
    serial_of = {}
    for row in rows:
        serial_of.setdefault(row["worker"], set()).add(row["serial"])
    assert all(len(serials) == 1 for serials in serial_of.values())
    serials = [next(iter(serials)) for serials in serial_of.values()]
    assert len(serials) == len(set(serials))  # no two workers share a phone


HARDWARE_TESTS = '''
import pytest
from pytest_phonebackup.errors import SafetyError

def test_is_treated_as_hardware(phone):
    assert phone.kind == "hardware" and not phone.is_emulator

def test_seeding_next_to_user_photos_is_fine_and_cleaned(phone, tmp_path):
    (tmp_path / "seed.jpg").write_bytes(b"seeded")
    phone.push(tmp_path / "seed.jpg", "/sdcard/DCIM/Camera/seed.jpg")

def test_user_photos_cannot_be_overwritten_or_deleted(phone, tmp_path):
    (tmp_path / "IMG_0001.jpg").write_bytes(b"harness")
    with pytest.raises(SafetyError):
        phone.push(tmp_path / "IMG_0001.jpg", "/sdcard/DCIM/Camera/IMG_0001.jpg")
    with pytest.raises(SafetyError):
        phone.remove(["/sdcard/DCIM/Camera/IMG_0001.jpg"])
    with pytest.raises(SafetyError, match="--phone-allow-wipe"):
        phone.require_wipe_allowed("wipe the gallery")
    with pytest.raises(SafetyError, match="--phone-allow-wipe"):
        phone.clear_app_data("com.android.providers.media")
'''


def test_user_photos_on_hardware_are_byte_identical_after_a_session(run_pytest, pytester, adb_server, tmp_path):
    with port_lock():
        port = choose_console_port(5580)
    config = PhoneConfig(data_dir=tmp_path / "hw", storage_bytes=1024**3, console_port=port,
                         presents_as="hardware", register_with_adb=False)
    with VirtualPhone(config) as handset:
        storage = handset.storage
        storage.makedirs("/sdcard/DCIM/Camera")
        photos = {f"/sdcard/DCIM/Camera/IMG_000{i}.jpg": os.urandom(50_000 + i) for i in range(1, 4)}
        for path, data in photos.items():
            storage.write_bytes(path, data)
        before = {path: (hashlib.sha256(data).hexdigest(), storage.stat(path).st_mtime) for path, data in photos.items()}
        pytester.makepyfile(HARDWARE_TESTS)
        result = run_pytest("--phone-serial", handset.serial, "-v")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines([f"phonebackup: emulator=- (from default); serial={handset.serial} (from --phone-serial)*"])
        after = {path: (hashlib.sha256(storage.open_read(path).read()).hexdigest(), storage.stat(path).st_mtime)
                 for path in photos}
        assert after == before
        assert not storage.exists("/sdcard/DCIM/Camera/seed.jpg")  # what the harness seeded, it removed
        assert sorted(entry.name for entry in storage.listdir("/sdcard/DCIM/Camera")) == \
            sorted(path.rsplit("/", 1)[1] for path in photos)
    assert handset.serial not in adb_server.devices()  # adb disconnect at the end of the session


SLEEPY_TESTS = '''
import json, os, pathlib, time

def test_crashes(phone):
    raise RuntimeError("the test crashed")

def test_waits_for_ctrl_c(phone):
    pathlib.Path("phone.json").write_text(json.dumps({"serial": phone.serial, "pid": os.getpid()}))
    time.sleep(120)
'''


def test_nothing_outlives_a_session_interrupted_with_ctrl_c(pytester, adb_server, run_pytest, plugin_args):
    pytester.makepyfile(SLEEPY_TESTS)
    # faulthandler: a session that hangs after Ctrl-C prints every thread's stack when aborted below
    process = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "pytest", *plugin_args,
                                "--phone-emulator"], cwd=pytester.path, env=dict(os.environ),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    marker = pytester.path / "phone.json"
    deadline = time.monotonic() + 90
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), process.communicate(timeout=30)[0].decode(errors="replace")
    time.sleep(0.3)
    serial = json.loads(marker.read_text())["serial"]
    children = psutil.Process(process.pid).children(recursive=True)
    assert children, "the virtual phone should run as a child process"
    listening = {conn.laddr.port for child in children for conn in child.net_connections("tcp")
                 if conn.status == psutil.CONN_LISTEN}
    assert adb_server.devices().get(serial) == "device"

    process.send_signal(signal.SIGINT)
    try:
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        pytest.fail("the session still runs 60 s after Ctrl-C; its threads:\n"
                    + process.communicate(timeout=30)[0].decode(errors="replace")[-6000:])

    assert "KeyboardInterrupt" in output and "the test crashed" in output
    assert [child.pid for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE] == []
    ours = {child.pid for child in children} | {process.pid}
    held = {conn.laddr.port for conn in psutil.net_connections("tcp")
            if conn.status == psutil.CONN_LISTEN and conn.pid in ours}
    assert listening and not held, f"ports still served after the session: {held}"


def test_installed_plugin_loads_by_its_entry_point_and_shows_its_option_group(pytester, monkeypatch):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    entry_points = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert entry_points == {"phonebackup": "pytest_phonebackup.plugin"}
    # what pip leaves in site-packages: a dist-info folder with the entry point
    site = pytester.path / "site"
    dist = site / "pytest_phonebackup-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pytest-phonebackup\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nphonebackup = pytest_phonebackup.plugin\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(REPO)]))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--help")
    result.stdout.fnmatch_lines(["phones for backup tests (pytest-phonebackup):", "*--phone-emulator=[[]avd:NAME[]]*",
                                 "*--phone-serial=SERIAL*", "*PHONEBACKUP_BOOT_TIMEOUT*", "*phone_boot_timeout; default 180*", "*--phone-allow-wipe*"])
