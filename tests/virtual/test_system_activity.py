"""The activity manager through the real adb: am start/force-stop/broadcast/instrument outputs,
dumpsys window as Appium parses it, services, ps, and the foreground app."""

from __future__ import annotations

import re
import subprocess
import threading
import time

import pytest

from pytest_phonebackup.virtual.apps import VirtualApp

# appium-adb getFocusedPackageAndActivity (lib/tools/apk-utils), the driver's launch check
FOCUSED_APP_RE = re.compile(r"^\s*mFocusedApp.+Record\{.*\s([^\s/}]+)/([^\s/},]+),?(\s[^\s/}]+)*\}", re.M)
CURRENT_FOCUS_RE = re.compile(r"^\s*mCurrentFocus.+\{.+\s([^\s/]+)/([^\s]+)\b", re.M)
LAUNCHER = "com.google.android.apps.nexuslauncher"


@pytest.fixture(autouse=True)
def home_screen(adb_server, phone):
    yield
    adb_server.run("shell", "am force-stop com.android.settings; input keyevent KEYCODE_HOME", serial=phone.serial)


def sh(adb_server, phone, command: str, check: bool = True) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=check)


def out(adb_server, phone, command: str) -> str:
    return sh(adb_server, phone, command).stdout.decode()


def focus(adb_server, phone) -> tuple[tuple[str, str], tuple[str, str]]:
    text = out(adb_server, phone, "dumpsys window displays")
    return FOCUSED_APP_RE.search(text).groups()[:2], CURRENT_FOCUS_RE.search(text).groups()


def test_the_launcher_is_in_front_after_boot(adb_server, phone):
    assert focus(adb_server, phone) == ((LAUNCHER, ".NexusLauncherActivity"),
                                        (LAUNCHER, f"{LAUNCHER}.NexusLauncherActivity"))


def test_dumpsys_window_says_unlocked_and_awake(adb_server, phone):
    window = out(adb_server, phone, "dumpsys window")
    assert "mShowingLockscreen=false" in window and "mDreamingLockscreen=false" in window
    assert "mScreenOnFully=true" in window
    assert "mShowingLockscreen=true" not in window and "mScreenOnFully=false" not in window
    assert re.search(r"^\s*mWakefulness=Awake$", out(adb_server, phone, "dumpsys power"), re.M)


def test_am_start_wait_prints_androids_lines_and_focus_moves(adb_server, phone):
    # The exact launch Appium sends with appPackage/appActivity
    text = out(adb_server, phone, "am start-activity -W -n com.android.settings/.Settings -S "
               "-a android.intent.action.MAIN -c android.intent.category.LAUNCHER -f 0x10200000")
    lines = text.splitlines()
    assert lines[0] == ("Starting: Intent { act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] "
                        "flg=0x10200000 cmp=com.android.settings/.Settings }")
    assert lines[1:4] == ["Status: ok", "LaunchState: COLD", "Activity: com.android.settings/.Settings"]
    assert re.fullmatch(r"TotalTime: \d+", lines[4]) and re.fullmatch(r"WaitTime: \d+", lines[5])
    assert lines[6] == "Complete"
    assert focus(adb_server, phone) == (("com.android.settings", ".Settings"),
                                        ("com.android.settings", "com.android.settings.Settings"))
    assert phone.system.activity.foreground_app.package == "com.android.settings"


def test_am_start_of_a_missing_activity_fails_like_android(adb_server, phone):
    # am exits 0 even then; the text says what went wrong (stderr, or stdout with -W)
    proc = sh(adb_server, phone, "am start -n com.android.settings/.NoSuchActivity")
    assert proc.stdout.decode() == "Starting: Intent { cmp=com.android.settings/.NoSuchActivity }\n"
    error = ("Error type 3\nError: Activity class {com.android.settings/"
             "com.android.settings.NoSuchActivity} does not exist.\n")
    assert proc.stderr.decode() == error
    proc = sh(adb_server, phone, "am start -W -n com.android.settings/.NoSuchActivity")
    assert proc.stdout.decode().endswith(error) and "Status: ok" not in proc.stdout.decode()
    proc = sh(adb_server, phone, "am start -a com.example.NOTHING_HANDLES_THIS")
    assert proc.stderr.decode() == ("Error: Activity not started, unable to resolve Intent "
                                    "{ act=com.example.NOTHING_HANDLES_THIS }\n")
    assert phone.system.activity.top.package == LAUNCHER


def test_am_start_of_the_activity_on_top_delivers_the_intent(adb_server, phone):
    sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
    lines = out(adb_server, phone, "am start -W -n com.android.settings/.Settings").splitlines()
    assert lines[1:] == ["Warning: Activity not started, intent has been delivered to currently running "
                         "top-most instance.", "Status: ok", "LaunchState: UNKNOWN (0)",
                         "Activity: com.android.settings/.Settings", lines[5], "Complete"]
    assert lines[5].startswith("WaitTime: ")


def test_am_start_with_an_implicit_intent_and_extras(adb_server, phone):
    text = out(adb_server, phone, "am start -a android.settings.WIFI_SETTINGS --es from qa --ei n 3 --ez on true")
    assert text == "Starting: Intent { act=android.settings.WIFI_SETTINGS (has extras) }\n"
    assert phone.system.activity.top.package == "com.android.settings"


def test_force_stop_returns_to_the_launcher_and_ends_the_process(adb_server, phone):
    sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
    assert "com.android.settings" in [row.split()[-1] for row in out(adb_server, phone, "ps -A").splitlines()]
    assert out(adb_server, phone, "am force-stop com.android.settings") == ""
    assert focus(adb_server, phone)[0] == (LAUNCHER, ".NexusLauncherActivity")
    assert "com.android.settings" not in [row.split()[-1] for row in out(adb_server, phone, "ps -A").splitlines()]


def test_back_finishes_the_activity(adb_server, phone):
    sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
    sh(adb_server, phone, "input keyevent 4")
    assert focus(adb_server, phone)[0] == (LAUNCHER, ".NexusLauncherActivity")


def test_am_broadcast_reaches_system_receivers(adb_server, phone):
    got = []
    phone.system.activity.register_receiver("com.example.QA_PING", got.append)
    text = out(adb_server, phone, "am broadcast -a com.example.QA_PING -d file:///sdcard/DCIM/a.jpg --es k v")
    assert text == ("Broadcasting: Intent { act=com.example.QA_PING dat=file:///sdcard/DCIM/a.jpg flg=0x400000 "
                    "(has extras) }\nBroadcast completed: result=0\n")
    assert len(got) == 1 and got[0].data == "file:///sdcard/DCIM/a.jpg" and got[0].extras == {"k": "v"}


def test_ps_lists_processes_with_pid_and_name_columns(adb_server, phone):
    assert any(line.startswith("-A") for line in out(adb_server, phone, "ps --help").splitlines())
    lines = out(adb_server, phone, "ps -A").splitlines()
    header = lines[0].split()
    assert "PID" in header and header[-1] == "NAME"
    names = {row.split()[-1]: row.split()[header.index("PID")] for row in lines[1:]}
    assert {"init", "system_server", "zygote64", LAUNCHER} <= set(names)
    assert names["init"] == "1"
    assert "system_server" not in out(adb_server, phone, "ps")  # without -A: only this shell's


def test_instrument_without_a_runner_reports_failure(adb_server, phone):
    proc = sh(adb_server, phone, "am instrument -w com.example.test/androidx.test.runner.AndroidJUnitRunner",
              check=False)
    assert proc.returncode != 0
    assert proc.stdout.decode().splitlines() == [
        "INSTRUMENTATION_STATUS: id=ActivityManagerService",
        "INSTRUMENTATION_STATUS: Error=Unable to find instrumentation info for: "
        "ComponentInfo{com.example.test/androidx.test.runner.AndroidJUnitRunner}",
        "INSTRUMENTATION_STATUS_CODE: -1"]
    assert "INSTRUMENTATION_FAILED: com.example.test/androidx.test.runner.AndroidJUnitRunner" in proc.stderr.decode()


def test_instrument_keeps_the_stream_open_while_the_runner_lives(adb_server, phone):
    component = "com.example.server.test/androidx.test.runner.AndroidJUnitRunner"
    started = threading.Event()
    seen: dict = {}

    def runner(run) -> int:
        seen.update(args=run.args, target=run.target_package, wait=run.wait)
        run.ctx.out("INSTRUMENTATION_STATUS: started=true\n")
        run.ctx.stdout.flush()
        started.set()
        run.wait_stop()
        run.ctx.out("INSTRUMENTATION_CODE: -1\n")
        return 0

    phone.system.activity.register_instrumentation(component, runner)
    proc = subprocess.Popen([adb_server.binary, "-P", str(adb_server.port), "-s", phone.serial, "shell",
                             f"am instrument -w -e disableAnalytics true {component}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert started.wait(10)
        assert seen == {"args": {"disableAnalytics": "true"}, "target": "com.example.server", "wait": True}
        time.sleep(0.5)
        assert proc.poll() is None, "am instrument ended while its runner was alive"
        names = [row.split()[-1] for row in out(adb_server, phone, "ps -A").splitlines()]
        assert "com.example.server" in names
        sh(adb_server, phone, "am force-stop com.example.server")
        stdout, _ = proc.communicate(timeout=10)
        assert stdout.decode().splitlines() == ["INSTRUMENTATION_STATUS: started=true", "INSTRUMENTATION_CODE: -1"]
        names = [row.split()[-1] for row in out(adb_server, phone, "ps -A").splitlines()]
        assert "com.example.server" not in names
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        phone.system.activity.unregister_instrumentation(component)


def test_instrument_without_w_returns_at_once_and_runs_on(adb_server, phone):
    component = "com.example.bg.test/androidx.test.runner.AndroidJUnitRunner"
    finished = threading.Event()

    def runner(run) -> int:
        run.wait_stop(30)
        finished.set()
        return 0

    phone.system.activity.register_instrumentation(component, runner)
    try:
        assert out(adb_server, phone, f"am instrument {component}") == ""
        assert not finished.is_set()
        assert "com.example.bg" in [row.split()[-1] for row in out(adb_server, phone, "ps -A").splitlines()]
        sh(adb_server, phone, "am force-stop com.example.bg")
        assert finished.wait(10)
    finally:
        phone.system.activity.unregister_instrumentation(component)


class ForegroundServiceApp(VirtualApp):
    package = "com.android.settings"  # a preinstalled package, so no install is needed here
    activities = (".Settings",)

    def on_start(self, intent) -> None:
        self.phone.system.activity.start_service(self.package, ".QaForegroundService", foreground=True)


def test_dumpsys_activity_services_shows_foreground_services(adb_server, phone):
    assert out(adb_server, phone, "dumpsys activity services com.android.settings").splitlines()[-1] == "  (nothing)"
    phone.system.activity.builtin["com.android.settings"] = ForegroundServiceApp
    try:
        sh(adb_server, phone, "am start-activity -n com.android.settings/.Settings")
        text = out(adb_server, phone, "dumpsys activity services com.android.settings")
        assert "ServiceRecord{" in text and "com.android.settings/.QaForegroundService" in text
        assert "isForeground=true" in text
        sh(adb_server, phone, "am force-stop com.android.settings")
        assert "isForeground=true" not in out(adb_server, phone, "dumpsys activity services com.android.settings")
    finally:
        from pytest_phonebackup.virtual.apps import SettingsApp
        phone.system.activity.builtin["com.android.settings"] = SettingsApp


def test_small_commands_appium_sends(adb_server, phone):
    assert out(adb_server, phone, "am get-current-user") == "0\n"
    assert out(adb_server, phone, "dumpsys deviceidle whitelist +com.android.settings ; "
               "dumpsys deviceidle whitelist +com.example.absent ;") == (
        "Added: com.android.settings\nUnknown package: com.example.absent\n")
    sh(adb_server, phone, "cmd notification allow_listener io.appium.settings/.NLService")
    sh(adb_server, phone, "appops set com.android.settings PROJECT_MEDIA allow")
    assert out(adb_server, phone, "appops get com.android.settings") == "PROJECT_MEDIA: allow\n"
    assert "LaunchState" not in out(adb_server, phone, "am stack list")
    assert f"{LAUNCHER}/.NexusLauncherActivity" in out(adb_server, phone, "am stack list")


def test_service_list_and_dumpsys_battery(adb_server, phone):
    lines = out(adb_server, phone, "service list").splitlines()
    assert re.fullmatch(r"Found \d+ services:", lines[0])
    assert "0\tactivity: [android.app.IActivityManager]" in lines
    names = {line.split("\t")[1].split(":")[0] for line in lines[1:]}
    assert {"activity", "package", "window", "input", "media_session", "wifi", "connectivity"} <= names
    phone.emulator_state.battery_capacity = 42
    battery = out(adb_server, phone, "dumpsys battery")
    assert battery.startswith("Current Battery Service state:\n") and "  level: 42\n" in battery


def test_monkey_opens_an_app_by_package(adb_server, phone):
    text = out(adb_server, phone, "monkey -p com.android.settings -c android.intent.category.LAUNCHER 1")
    assert "Events injected: 1" in text
    assert phone.system.activity.top.short == "com.android.settings/.Settings"
    proc = sh(adb_server, phone, "monkey -p com.example.not.installed 1", check=False)
    assert proc.returncode == 252 and "** No activities found to run, monkey aborted." in proc.stdout.decode()
