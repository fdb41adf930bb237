"""Apps on the virtual phone: installed APKs run their registered implementation (or a blank
screen), get the launcher icon, lifecycle calls and broadcasts; and the small models they use
(View hit-testing, Intent texts). Installs go through the package manager, commands through adb."""

from __future__ import annotations

import pytest

from pytest_phonebackup.virtual.apk import build_apk
from pytest_phonebackup.virtual.apps import Intent, View, VirtualApp, implementation_for, register_app
from pytest_phonebackup.virtual.apps.base import short_component

PACKAGE = "com.example.qaalbum"


class QaAlbum(VirtualApp):
    package = PACKAGE
    label = "QA Album"
    activities = (".MainActivity", ".Viewer")
    receivers = ("com.example.qaalbum.SYNC",)

    calls: list[str] = []  # class-level: survives the process being recreated
    instances = 0

    def __init__(self, phone):
        super().__init__(phone)
        type(self).instances += 1

    def on_start(self, intent: Intent) -> None:
        self.calls.append(f"start {self.activity}")

    def on_stop(self) -> None:
        self.calls.append("stop")

    def on_force_stop(self) -> None:
        self.calls.append("force-stop")

    def on_clear_data(self) -> None:
        self.calls.append("clear-data")

    def on_broadcast(self, intent: Intent) -> None:
        self.calls.append(f"broadcast {intent.action} {intent.extras}")

    def view_tree(self) -> View:
        return View(children=[View(cls="android.widget.Button", text="Back up now", clickable=True,
                                   resource_id=f"{PACKAGE}:id/backup", bounds=(100, 400, 980, 560),
                                   on_click=lambda: self.calls.append("tap backup"))])


register_app(QaAlbum)


class Crashy(VirtualApp):
    package = "com.example.crashy"
    receivers = ("com.example.crashy.BOOM",)

    def on_broadcast(self, intent: Intent) -> None:
        raise RuntimeError("upload queue corrupted")


register_app(Crashy)


@pytest.fixture(scope="module")
def phone(shared_phone):
    shared_phone.system.packages.install(build_apk(PACKAGE, 3, "3.0", label="QA Album",
                                                   activities=[".MainActivity", ".Viewer"]))
    shared_phone.system.packages.install(build_apk("com.example.plainapk", activities=[".Home"]))
    shared_phone.system.packages.install(build_apk("com.example.crashy"))
    return shared_phone


def sh(adb_server, phone, command: str) -> str:
    return adb_server.run("shell", command, serial=phone.serial).stdout.decode()


def test_registry_knows_the_implementation():
    assert implementation_for(PACKAGE) is QaAlbum
    assert implementation_for("com.example.unknown") is None


def test_installed_app_gets_a_launcher_icon_that_starts_it(adb_server, phone):
    QaAlbum.calls.clear()
    launcher = phone.system.activity.foreground_app
    tree = launcher.view_tree()
    icon = tree.find(text="QA Album")
    assert icon is not None and icon.clickable
    sh(adb_server, phone, "input tap {} {}".format(*icon.center))
    assert phone.system.activity.top.short == f"{PACKAGE}/.MainActivity"
    assert QaAlbum.calls == ["start .MainActivity"]
    sh(adb_server, phone, "input tap 540 480")
    assert QaAlbum.calls[-1] == "tap backup"


def test_lifecycle_calls_follow_am_commands(adb_server, phone):
    sh(adb_server, phone, f"am start -W -n {PACKAGE}/.Viewer")
    QaAlbum.calls.clear()
    sh(adb_server, phone, "input keyevent HOME")
    assert QaAlbum.calls == ["stop"]
    sh(adb_server, phone, f"am force-stop {PACKAGE}")
    assert QaAlbum.calls == ["stop", "force-stop"]
    assert phone.system.activity.running_app(PACKAGE) is None


def test_static_receivers_get_broadcasts_and_start_the_process(adb_server, phone):
    sh(adb_server, phone, f"am force-stop {PACKAGE}")
    QaAlbum.calls.clear()
    assert sh(adb_server, phone, "am broadcast -a com.example.qaalbum.SYNC --ez now true").endswith(
        "Broadcast completed: result=0\n")
    assert QaAlbum.calls == ["broadcast com.example.qaalbum.SYNC {'now': True}"]
    assert PACKAGE in [row.split()[-1] for row in sh(adb_server, phone, "ps -A").splitlines()]


def test_pm_clear_stops_the_app_and_tells_it(adb_server, phone):
    sh(adb_server, phone, f"am start -W -n {PACKAGE}/.MainActivity")
    QaAlbum.calls.clear()
    assert sh(adb_server, phone, f"pm clear {PACKAGE}") == "Success\n"
    assert QaAlbum.calls[-2:] == ["force-stop", "clear-data"]
    assert phone.system.activity.top.package == "com.google.android.apps.nexuslauncher"


def test_an_apk_without_implementation_shows_a_blank_screen(adb_server, phone):
    text = sh(adb_server, phone, "am start -W -n com.example.plainapk/.Home")
    assert "Activity: com.example.plainapk/.Home" in text
    assert "does not exist" in adb_server.run("shell", "am start -n com.example.plainapk/.Other",
                                              serial=phone.serial).stderr.decode()
    assert '<node index="0" text="Plainapk"' in sh(adb_server, phone, "uiautomator dump /dev/tty")


def test_uninstall_removes_the_app_from_the_screen(adb_server, phone):
    sh(adb_server, phone, "am start -W -n com.example.plainapk/.Home")
    assert sh(adb_server, phone, "pm uninstall com.example.plainapk") == "Success\n"
    assert phone.system.activity.top.package == "com.google.android.apps.nexuslauncher"
    assert phone.system.activity.foreground_app.view_tree().find(text="Plainapk") is None


def test_view_hit_picks_the_deepest_clickable_view():
    inner = View(cls="android.widget.Button", clickable=True, bounds=(10, 10, 50, 50))
    disabled = View(cls="android.widget.Button", clickable=True, enabled=False, bounds=(60, 10, 90, 50))
    outer = View(clickable=True, bounds=(0, 0, 100, 100), children=[inner, disabled])
    assert outer.hit(20, 20) is inner
    assert outer.hit(70, 20) is outer  # a disabled button lets the tap through to its parent
    assert outer.hit(100, 100) is None  # right/bottom edges are outside
    assert View(bounds=(0, 0, 10, 10)).hit(5, 5) is None


def test_intent_short_string_as_am_prints_it():
    intent = Intent(action="android.intent.action.VIEW", data="https://photos.example.com/album/1?x=2",
                    categories=["android.intent.category.BROWSABLE"], flags=0x10000000,
                    component="com.example.app/com.example.app.Main", extras={"a": 1})
    assert intent.short_string() == ("act=android.intent.action.VIEW cat=[android.intent.category.BROWSABLE] "
                                     "dat=https://photos.example.com/... flg=0x10000000 "
                                     "cmp=com.example.app/.Main (has extras)")
    assert short_component("com.other/com.example.Main") == "com.other/com.example.Main"


def test_reading_what_an_app_declares_does_not_start_it(adb_server, phone):
    sh(adb_server, phone, f"am force-stop {PACKAGE}")
    before = QaAlbum.instances
    sh(adb_server, phone, "am broadcast -a com.example.SOMETHING_ELSE")
    phone.system.activity.foreground_app.view_tree()  # the launcher lists the app's icon
    assert sh(adb_server, phone, "am start -n com.example.qaalbum/.Nope") == "Starting: Intent { cmp=com.example.qaalbum/.Nope }\n"
    assert QaAlbum.instances == before
    assert phone.system.activity.info(PACKAGE).activities == (".MainActivity", ".Viewer")
    assert PACKAGE not in [row.split()[-1] for row in sh(adb_server, phone, "ps -A").splitlines()]


def test_a_crashing_receiver_is_logged_and_killed_like_android(adb_server, phone):
    text = sh(adb_server, phone, "am broadcast -a com.example.crashy.BOOM")
    assert text.endswith("Broadcast completed: result=0\n")
    crash = adb_server.run("logcat", "-d", "-b", "crash", "-v", "brief", serial=phone.serial).stdout.decode()
    lines = crash.splitlines()
    assert lines[0] == "--------- beginning of crash"
    pid = int(lines[2].split("PID: ")[1])
    assert lines[1] == f"E/AndroidRuntime({pid:5d}): FATAL EXCEPTION: main"
    assert "Process: com.example.crashy, PID: " in lines[2]
    assert "RuntimeError: upload queue corrupted" in crash
    assert "com.example.crashy" not in [row.split()[-1] for row in sh(adb_server, phone, "ps -A").splitlines()]
