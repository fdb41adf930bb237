"""The activity manager: app processes, the activity stack (foreground app), services, broadcasts,
instrumentations, and their commands (am, monkey, ps, dumpsys activity/battery/deviceidle, appops,
cmd notification). Not for screen and input (`screen`) nor the package database (`packages`).
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .androidtool import phone_of
from .apps.base import (
    SCREEN_HEIGHT,
    SCREEN_WIDTH,
    AppInfo,
    Intent,
    VirtualApp,
    default_label,
    full_component,
    implementation_for,
    short_component,
)
from .dumpsys import ServiceCommands
from .procfs import Task
from .shell.api import Context, applet
from .shell.streams import NullOutput

LAUNCHER_PACKAGE = "com.google.android.apps.nexuslauncher"
ACTION_MAIN = "android.intent.action.MAIN"
CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER"
CATEGORY_HOME = "android.intent.category.HOME"
FLAG_RECEIVER_FROM_SHELL = 0x00400000  # Intent.java: set by `am broadcast`
FIRST_APP_PID = 3000
FIRST_APP_UID = 10100  # u0_a100

# Processes every booted phone runs (name, pid, user); apps get pids after these.
SYSTEM_PROCESSES = (
    ("init", 1, "root"), ("ueventd", 142, "root"), ("logd", 301, "logd"),
    ("servicemanager", 305, "system"), ("surfaceflinger", 330, "system"), ("zygote64", 360, "root"),
    ("adbd", 398, "shell"), ("system_server", 560, "system"), ("com.android.systemui", 780, "u0_a95"),
    ("com.android.phone", 820, "radio"),
)
SYSTEM_SERVER_PID = 560
ZYGOTE_PID = 360
# How the system processes were started (their /proc/PID/cmdline).
SYSTEM_COMMAND_LINES = {"init": ("/system/bin/init", "second_stage"),
                        "adbd": ("/apex/com.android.adbd/bin/adbd", "--root_seclabel=u:r:su:s0")}
USER_IDS = {"root": 0, "system": 1000, "radio": 1001, "logd": 1036, "shell": 2000}
# Launcher labels of preinstalled packages whose record carries none.
SYSTEM_LABELS = {"com.android.camera2": "Camera", "com.google.android.documentsui": "Files",
                 "com.android.settings": "Settings", "com.android.chrome": "Chrome",
                 "com.google.android.apps.photos": "Photos"}


@dataclass
class Process:
    name: str
    pid: int
    uid: int
    user: str
    started: float = field(default_factory=time.time)


@dataclass
class ActivityRecord:
    package: str
    activity: str  # full class name
    task: int
    token: str = field(default_factory=lambda: f"{random.getrandbits(28):x}")

    @property
    def component(self) -> str:
        return f"{self.package}/{self.activity}"

    @property
    def short(self) -> str:
        return short_component(self.component)


@dataclass
class ServiceRecord:
    package: str
    cls: str
    foreground: bool
    started: float = field(default_factory=time.time)
    token: str = field(default_factory=lambda: f"{random.getrandbits(28):x}")


@dataclass
class InstrumentationRun:
    """What a registered instrumentation runner gets: the command's arguments and a stop signal.

    The runner keeps `am instrument -w` open for as long as it runs (Appium's UiAutomator2
    server lives exactly that long); it must return once `should_stop()` is true."""

    component: str
    target_package: str
    args: dict[str, str]
    wait: bool
    raw: bool
    ctx: Context
    stopped: threading.Event = field(default_factory=threading.Event)

    def should_stop(self) -> bool:
        return self.stopped.is_set() or self.ctx.cancelled.is_set()

    def wait_stop(self, timeout: float | None = None) -> bool:
        """Sleep until stopped (force-stop, client gone, shutdown) or `timeout`; True if stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.should_stop():
            left = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if left <= 0:
                return False
            self.stopped.wait(left)
        return True


InstrumentationRunner = Callable[[InstrumentationRun], int]
Receiver = Callable[[Intent], None]


class ActivityManager:
    """Processes, the activity stack (top = foreground), services, receivers, instrumentations."""

    def __init__(self, system: Any):
        self.system = system
        self.phone = system.phone
        self._lock = threading.RLock()
        self._apps: dict[str, VirtualApp] = {}
        self._processes: dict[str, Process] = {}
        self._uids: dict[str, int] = {}
        self._next_pid = FIRST_APP_PID
        self._next_task = 1
        self.stack: list[ActivityRecord] = []
        self.services: dict[tuple[str, str], ServiceRecord] = {}
        self._receivers: dict[str, list[Receiver]] = {}
        self._instrumentations: dict[str, InstrumentationRunner] = {}
        self._running_instruments: list[InstrumentationRun] = []
        self.builtin: dict[str, Callable[[Any], VirtualApp]] = {}  # system apps: always installed
        self.idle_whitelist: set[str] = set()
        self.appops: dict[tuple[str, str], str] = {}
        self.phone.kernel.add_tasks(self.tasks)

    # -- apps and processes ----------------------------------------------------------------------
    def _package(self, package: str) -> Any:
        """The package manager's record of `package` (None if not installed or disabled)."""
        packages = getattr(self.system, "packages", None)
        record = packages.get(package) if packages is not None else None
        return record if record is not None and getattr(record, "enabled", True) else None

    def is_installed(self, package: str) -> bool:
        return package in self.builtin or self._package(package) is not None

    def _make(self, package: str) -> VirtualApp:
        """A new instance of the app (a process): its registered code, or a blank app built from
        the package's manifest (an APK the phone has no implementation for)."""
        factory = self.builtin.get(package) or implementation_for(package)
        if factory is not None:
            return factory(self.phone)
        app = VirtualApp(self.phone, package)
        declared = self._declared_by_record(package)
        if declared is not None:
            app.activities, app.label = declared.activities, declared.label
            app.activity = short_component(declared.component()).split("/", 1)[1]
        return app

    def _declared_by_record(self, package: str) -> AppInfo | None:
        record = self._package(package)
        if record is None:
            return None
        launcher = record.launcher_activity
        activities = tuple(([launcher] if launcher else []) + [a for a in record.activities if a != launcher])
        return AppInfo(package, record.label or SYSTEM_LABELS.get(package, default_label(package)), activities)

    def info(self, package: str) -> AppInfo | None:
        """What an installed app declares, read without starting it; None if not installed."""
        running = self.running_app(package)
        if running is not None:
            return running.info()
        if not self.is_installed(package):
            return None
        factory = self.builtin.get(package) or implementation_for(package)
        if factory is None:
            return self._declared_by_record(package) or AppInfo(package, default_label(package), ())
        app_class = factory if isinstance(factory, type) and issubclass(factory, VirtualApp) else None
        if app_class is not None:
            return app_class.declared(package)
        return factory(self.phone).info()  # a plain factory: its instance says what it declares

    def app(self, package: str, start_process: bool = True) -> VirtualApp | None:
        """The running instance of `package` (started on demand), or None if not installed."""
        with self._lock:
            app = self._apps.get(package)
            if app is not None or not start_process:
                return app
            if not self.is_installed(package):
                return None
            app = self._make(package)
            self._apps[package] = app
            self._start_process(package)
            return app

    def _installed_app(self, package: str) -> VirtualApp:
        """The instance of `package`, which the caller knows is installed (started on demand)."""
        app = self.app(package)
        if app is None:
            raise RuntimeError(f"{package} is not installed")
        return app

    def _installed_info(self, package: str) -> AppInfo:
        """What `package` declares, for a package the caller knows is installed."""
        info = self.info(package)
        if info is None:
            raise RuntimeError(f"{package} is not installed")
        return info

    def running_app(self, package: str) -> VirtualApp | None:
        with self._lock:
            return self._apps.get(package)

    def launchable(self) -> list[AppInfo]:
        """Apps with a launcher icon: built-in system apps and installed packages (not the launcher)."""
        names = set(self.builtin) | set(self._installed_names())
        names.discard(LAUNCHER_PACKAGE)
        apps = []
        for name in sorted(names):
            record = self._package(name)
            if record is not None and not record.launcher_activity:
                continue  # no MAIN/LAUNCHER activity: no icon (providers, system services)
            info = self.info(name)
            if info is not None and info.activities:
                apps.append(info)
        return sorted(apps, key=lambda a: a.label.lower())

    def uid(self, package: str) -> int:
        record = self._package(package)
        if record is not None and getattr(record, "uid", None):
            return record.uid
        with self._lock:
            if package not in self._uids:
                self._uids[package] = FIRST_APP_UID + len(self._uids)
            return self._uids[package]

    def _start_process(self, package: str) -> Process:
        with self._lock:
            proc = self._processes.get(package)
            if proc is None:
                uid = self.uid(package)
                user = {1000: "system", 1001: "radio", 2000: "shell"}.get(uid, f"u0_a{uid - 10000}")
                proc = Process(package, self._next_pid, uid, user)
                self._next_pid += random.randint(3, 40)
                self._processes[package] = proc
                self.system.log("ActivityManager", f"Start proc {proc.pid}:{package}/{proc.user} for "
                                f"top-activity {{{package}}}", "I",
                                SYSTEM_SERVER_PID, buffer="system")
            return proc

    def pid_of(self, package: str) -> int | None:
        with self._lock:
            proc = self._processes.get(package)
            return proc.pid if proc else None

    def processes(self) -> list[Process]:
        with self._lock:
            return sorted(self._processes.values(), key=lambda p: p.pid)

    def tasks(self) -> list[Task]:
        """The system's processes and the running apps, as /proc and `ps` show them."""
        out = []
        for name, pid, user in SYSTEM_PROCESSES:
            forked = name.startswith("com.") or name == "system_server"  # children of the zygote
            ppid = 0 if pid == 1 else (ZYGOTE_PID if forked else 1)
            cmdline = SYSTEM_COMMAND_LINES.get(name, (name,) if forked or name.startswith("zygote")
                                               else ("/system/bin/" + name,))
            out.append(Task(pid, ppid, name, cmdline, uid=user_id(user), vsz_kb=10_000_000 + pid * 1000,
                            rss_kb=9000 + pid))
        for proc in self.processes():
            out.append(Task(proc.pid, ZYGOTE_PID, proc.name, (proc.name,), uid=proc.uid, started=proc.started,
                            vsz_kb=15_000_000 + proc.pid, rss_kb=120_000, threads=24, package=proc.name))
        return out

    # -- the stack -------------------------------------------------------------------------------
    @property
    def top(self) -> ActivityRecord | None:
        with self._lock:
            return self.stack[-1] if self.stack else None

    @property
    def foreground_app(self) -> VirtualApp | None:
        top = self.top
        return self.app(top.package) if top else None

    def resolve(self, intent: Intent) -> tuple[str, str] | str:
        """(package, full activity class) for an activity intent, or the `am` error text."""
        if intent.component:
            package, cls = full_component(intent.component).split("/", 1)
            info = self.info(package)
            if info is None or not info.has_activity(cls):
                return f"Error type 3\nError: Activity class {{{package}/{cls}}} does not exist."
            return package, cls
        if CATEGORY_HOME in intent.categories:
            return LAUNCHER_PACKAGE, full_component(self._installed_info(LAUNCHER_PACKAGE).component()).split("/")[1]
        candidates = [intent.package] if intent.package else sorted(self.builtin) + self._installed_names()
        for package in candidates:
            info = self.info(package)
            if info is None:
                continue
            if (intent.package and intent.action in (None, ACTION_MAIN)) or (
                    intent.action is not None and intent.action in info.handles):
                return package, full_component(info.component()).split("/")[1]
        return "Error: Activity not started, unable to resolve Intent { " + intent.short_string() + " }"

    def _installed_names(self) -> list[str]:
        packages = getattr(self.system, "packages", None)
        return sorted(p.name for p in packages.installed()) if packages is not None else []

    def start_activity(self, intent: Intent, stop_first: bool = False) -> dict[str, Any]:
        """Bring an activity to the front. Returns {'error': text} or {'component', 'state',
        'delivered'} where state is COLD/WARM/HOT as `am start -W` reports it."""
        resolved = self.resolve(intent)
        if isinstance(resolved, str):
            return {"error": resolved}
        package, cls = resolved
        if stop_first:
            self.force_stop(package)
        with self._lock:
            cold = package not in self._processes
            previous = self.top
            app = self._installed_app(package)
            delivered = previous is not None and previous.package == package and previous.activity == cls
            if not delivered:
                app.activity = short_component(f"{package}/{cls}").split("/", 1)[1]
                existing = [r for r in self.stack if r.package == package]
                task = existing[0].task if existing else self._new_task()
                for record in existing:
                    self.stack.remove(record)
                record = ActivityRecord(package, cls, task)
                self.stack.append(record)
        # App code runs outside the manager's lock: apps call back into it from their own threads.
        if delivered:
            assert previous is not None  # delivered means the activity was already on top
            app.on_start(intent)  # onNewIntent: the activity is already on top
            return {"component": previous.short, "state": "UNKNOWN (0)", "delivered": True}
        if previous and previous.package != package:
            prev_app = self.running_app(previous.package)
            if prev_app is not None:
                prev_app.on_stop()
        self.system.log("ActivityTaskManager", f"START u0 {{{intent.short_string()}}} with LAUNCH_SINGLE_TOP "
                        f"from uid 2000 (BAL_ALLOW_PERMISSION) result code=0", "I", SYSTEM_SERVER_PID,
                        buffer="system")
        app.on_start(intent)
        self.system.log("ActivityTaskManager", f"Displayed {record.short}: +{random.randint(180, 420)}ms",
                        "I", SYSTEM_SERVER_PID, buffer="system")
        return {"component": record.short, "state": "COLD" if cold else "WARM", "delivered": False}

    def _new_task(self) -> int:
        self._next_task += 1
        return self._next_task

    def go_home(self) -> None:
        self.start_activity(Intent(action=ACTION_MAIN, categories=[CATEGORY_HOME]))

    def finish_top(self) -> None:
        """BACK on an activity that does not consume it: it finishes, the one below shows."""
        with self._lock:
            if not self.stack or self.stack[-1].package == LAUNCHER_PACKAGE:
                return
            record = self.stack.pop()
            below = self.top
        app = self.running_app(record.package)
        if app is not None and (below is None or below.package != record.package):
            app.on_stop()
        if below is None:
            self.go_home()
        else:
            below_app = self._installed_app(below.package)
            below_app.activity = short_component(below.component).split("/", 1)[1]
            below_app.on_start(Intent(component=below.component))

    def force_stop(self, package: str, reason: str = "from pid 0") -> None:
        """`am force-stop`: activities, services, receivers' process and instrumentations go."""
        with self._lock:
            app = self._apps.pop(package, None)
            proc = self._processes.pop(package, None)
            was_top = bool(self.stack) and self.stack[-1].package == package
            self.stack = [r for r in self.stack if r.package != package]
            for key in [k for k in self.services if k[0] == package]:
                del self.services[key]
            runs = [r for r in self._running_instruments if package in (r.target_package,
                                                                         r.component.split("/")[0])]
        for run in runs:
            run.stopped.set()
        if proc is not None or app is not None:
            self.system.log("ActivityManager", f"Force stopping {package} appid={self.uid(package)} user=0: "
                            f"{reason}", "I", SYSTEM_SERVER_PID, buffer="system")
        if app is not None:
            if was_top:
                app.on_stop()
            app.on_force_stop()
        if was_top:
            if self.stack:
                below = self._installed_app(self.stack[-1].package)
                below.on_start(Intent(component=self.stack[-1].component))
            else:
                self.go_home()

    # -- hooks the package manager calls ---------------------------------------------------------
    def on_package_installed(self, package: str, replaced: bool = False) -> None:
        if replaced:
            self.force_stop(package, "installPackageLI")
        self.broadcast(Intent(action="android.intent.action.PACKAGE_REPLACED" if replaced else
                              "android.intent.action.PACKAGE_ADDED", data=f"package:{package}"))

    def on_package_removing(self, package: str) -> None:
        self.force_stop(package, "uninstall pkg")
        self.idle_whitelist.discard(package)

    def on_clear_data(self, package: str) -> None:
        """`pm clear`: the app is stopped, then told its data is gone."""
        installed = self.is_installed(package)
        self.force_stop(package, "clear data")
        if installed:
            # the process was just killed: a fresh instance hears about it, then goes away
            self._make(package).on_clear_data()

    # -- services ----------------------------------------------------------------------------------
    def start_service(self, package: str, cls: str, foreground: bool = False) -> None:
        """What an app calls to run a (foreground) service; `dumpsys activity services` lists it."""
        cls = full_component(f"{package}/{cls}").split("/", 1)[1]
        with self._lock:
            self._start_process(package)
            self.services[(package, cls)] = ServiceRecord(package, cls, foreground)

    def stop_service(self, package: str, cls: str) -> None:
        cls = full_component(f"{package}/{cls}").split("/", 1)[1]
        with self._lock:
            self.services.pop((package, cls), None)

    # -- broadcasts ----------------------------------------------------------------------------------
    def register_receiver(self, action: str, callback: Receiver) -> None:
        """A system receiver (MediaStore's MEDIA_SCANNER_SCAN_FILE, ...): called for every broadcast."""
        with self._lock:
            self._receivers.setdefault(action, []).append(callback)

    def broadcast(self, intent: Intent) -> int:
        """Deliver to system receivers and apps that receive the action; returns the result code."""
        with self._lock:
            receivers = list(self._receivers.get(intent.action or "", []))
        for receiver in receivers:
            try:
                receiver(intent)
            except Exception as exc:  # a broken receiver must not fail the sender
                self.system.report_crash(f"receiver for {intent.action}", exc)
        target = intent.target_package
        names = [target] if target else [p for p in sorted(set(self.builtin) | set(self._installed_names()))]
        for package in names:
            info = self.info(package)
            if info is None:
                continue
            if target or (intent.action in info.receivers):
                app = self.app(package)  # a receiver starts the app's process, as on Android
                if app is not None:
                    try:
                        app.on_broadcast(intent)
                    except Exception as exc:
                        self.system.report_crash("main", exc, package)
        return 0

    # -- instrumentation ---------------------------------------------------------------------------------
    def register_instrumentation(self, component: str, runner: InstrumentationRunner) -> None:
        """Make `am instrument COMPONENT` run `runner(InstrumentationRun)` (status = its return)."""
        self._instrumentations[full_component(component)] = runner

    def unregister_instrumentation(self, component: str) -> None:
        self._instrumentations.pop(full_component(component), None)

    def instrumentations(self) -> list[str]:
        return sorted(self._instrumentations)

    def instrument(self, ctx: Context, component: str, args: dict[str, str], wait: bool, raw: bool,
                   target: str) -> int:
        runner = self._instrumentations.get(full_component(component))
        if runner is None:
            ctx.out("INSTRUMENTATION_STATUS: id=ActivityManagerService\n"
                    f"INSTRUMENTATION_STATUS: Error=Unable to find instrumentation info for: "
                    f"ComponentInfo{{{full_component(component)}}}\n"
                    "INSTRUMENTATION_STATUS_CODE: -1\n")
            ctx.stderr.write(f"android.util.AndroidException: INSTRUMENTATION_FAILED: {component}\n"
                             "\tat com.android.commands.am.Instrument.run(Instrument.java:519)\n"
                             "\tat com.android.commands.am.Am.runInstrument(Am.java:196)\n"
                             "\tat com.android.commands.am.Am.onRun(Am.java:80)\n"
                             "\tat com.android.internal.os.BaseCommand.run(BaseCommand.java:60)\n"
                             "\tat com.android.commands.am.Am.main(Am.java:50)\n".encode())
            return 1
        if not wait:
            # Without -w, am returns at once and the instrumentation lives on in its own process:
            # it no longer writes to this command's streams nor stops when the client leaves.
            ctx = dataclasses.replace(ctx, stdout=NullOutput(), stderr=NullOutput(), cancelled=threading.Event())
        run = InstrumentationRun(component, target, args, wait, raw, ctx)
        with self._lock:
            self._start_process(target)
            self._running_instruments.append(run)
        if not wait:
            threading.Thread(target=self._run_instrumentation, args=(runner, run), daemon=True,
                             name=f"instrument-{target}").start()
            return 0
        return self._run_instrumentation(runner, run)

    def _run_instrumentation(self, runner: InstrumentationRunner, run: InstrumentationRun) -> int:
        try:
            return runner(run)
        finally:
            with self._lock:
                if run in self._running_instruments:
                    self._running_instruments.remove(run)
                still = any(r.target_package == run.target_package for r in self._running_instruments)
                if not still and run.target_package not in self._apps:
                    self._processes.pop(run.target_package, None)

    # -- lifecycle ---------------------------------------------------------------------------------
    def on_boot_completed(self) -> None:
        self.go_home()
        self.broadcast(Intent(action="android.intent.action.BOOT_COMPLETED"))

    def on_shutdown(self) -> None:
        with self._lock:
            apps = list(self._apps.values())
            runs = list(self._running_instruments)
            self._apps.clear()
            self._processes.clear()
            self.stack.clear()
            self.services.clear()
        for run in runs:
            run.stopped.set()
        for app in apps:
            try:
                app.on_force_stop()
            except Exception as exc:  # one broken app must not keep the phone from shutting down
                self.system.log("ActivityManager", f"{app.package} failed to stop: {exc!r}", "E",
                                SYSTEM_SERVER_PID, buffer="system")


# ---------------------------------------------------------------------------------------------
# am
# ---------------------------------------------------------------------------------------------
AM_USAGE = """Activity manager (activity) commands:
  help
      Print this help text.
  start-activity [-D] [-N] [-W] [-P <FILE>] [--start-profiler <FILE>]
          [--sampling INTERVAL] [--streaming] [-R COUNT] [-S]
          [--track-allocation] [--user <USER_ID> | current] <INTENT>
      Start an Activity.  Options are:
      -W: wait for launch to complete
      -S: force stop the target app before starting the activity
  force-stop [--user <USER_ID> | all | current] <PACKAGE>
      Completely stop the given application package.
  broadcast [--user <USER_ID> | all | current] <INTENT>
      Send a broadcast Intent.
  instrument [-r] [-e <NAME> <VALUE>] [-p <FILE>] [-w]
          [--user <USER_ID> | current] <COMPONENT>
      Start an Instrumentation.
  stack list
      List all of the activity stacks and their sizes.
  get-current-user
      Returns id of the current foreground user.
"""


def parse_intent(args: list[str]) -> tuple[Intent, list[str], str | None]:
    """Parse `am` intent arguments; returns (intent, leftover options, error)."""
    intent = Intent()
    other: list[str] = []
    i = 0

    def take() -> str:
        nonlocal i
        i += 1
        if i >= len(args):
            raise IndexError(args[i - 1])
        return args[i]

    try:
        while i < len(args):
            arg = args[i]
            if arg == "-a":
                intent.action = take()
            elif arg == "-d":
                intent.data = take()
            elif arg == "-t":
                intent.mime_type = take()
            elif arg == "-c":
                intent.categories.append(take())
            elif arg == "-n":
                intent.component = take()
            elif arg == "-p":
                intent.package = take()
            elif arg == "-f":
                intent.flags |= int(take(), 0)
            elif arg in ("--es", "--ei", "--ez", "--el", "--ef", "--eu", "--esn", "-e"):
                key = take()
                if arg == "--esn":
                    intent.extras[key] = None
                    i += 1
                    continue
                raw = take()
                if arg == "--ei" or arg == "--el":
                    intent.extras[key] = int(raw)
                elif arg == "--ef":
                    intent.extras[key] = float(raw)
                elif arg == "--ez":
                    if raw.lower() not in ("true", "false", "1", "0"):
                        return intent, other, f"Error: Invalid boolean value: {raw}"
                    intent.extras[key] = raw.lower() in ("true", "1")
                else:
                    intent.extras[key] = raw
            elif arg in ("--activity-clear-top", "--activity-new-task", "--activity-single-top",
                         "--receiver-foreground", "--include-stopped-packages"):
                pass
            elif arg == "--user":
                take()
            elif arg.startswith("-"):
                other.append(arg)
            elif "/" in arg and intent.component is None and not intent.data:
                intent.component = arg
            else:
                intent.data = intent.data or arg
            i += 1
    except IndexError as exc:
        return intent, other, f"Error: No argument supplied for {exc.args[0]!r}"
    except ValueError as exc:
        return intent, other, f"Error: {exc}"
    return intent, other, None


def _am_start(ctx: Context, args: list[str]) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    wait = "-W" in args
    stop_first = "-S" in args
    args = [a for a in args if a not in ("-W", "-S", "-D", "-N", "--streaming", "--track-allocation")]
    intent, other, error = parse_intent(args)
    if error:
        ctx.stderr.write((error + "\n").encode())
        return 255
    ctx.out(f"Starting: Intent {{ {intent.short_string()} }}\n")
    started = time.monotonic()
    result = am.start_activity(intent, stop_first=stop_first)
    # ActivityManagerShellCommand: problems go to stdout with -W, else to stderr; the status
    # stays 0 either way, which is why harnesses grep the output for "Error:".
    report = ctx.out if wait else (lambda text: ctx.stderr.write(text.encode()))
    if "error" in result:
        report(result["error"] + "\n")
        return 0
    if result["delivered"]:
        report("Warning: Activity not started, intent has been delivered to currently running top-most instance.\n")
    if wait:
        total = max(1, int((time.monotonic() - started) * 1000)) + (250 if result["state"] == "COLD" else 60)
        ctx.out(f"Status: ok\nLaunchState: {result['state']}\nActivity: {result['component']}\n")
        if not result["delivered"]:
            ctx.out(f"TotalTime: {total}\n")
        ctx.out(f"WaitTime: {total + 4}\nComplete\n")
    return 0


def _am_broadcast(ctx: Context, args: list[str]) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    intent, _other, error = parse_intent(args)
    if error:
        ctx.stderr.write((error + "\n").encode())
        return 255
    intent.flags |= FLAG_RECEIVER_FROM_SHELL
    ctx.out(f"Broadcasting: Intent {{ {intent.short_string()} }}\n")
    code = am.broadcast(intent)
    ctx.out(f"Broadcast completed: result={code}\n")
    return 0


def _am_instrument(ctx: Context, args: list[str]) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    wait = raw = False
    extras: dict[str, str] = {}
    component = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-w":
            wait = True
        elif arg == "-r":
            raw = True
        elif arg == "-e" and i + 2 < len(args):
            extras[args[i + 1]] = args[i + 2]
            i += 2
        elif arg in ("-p", "--user", "--abi", "--instrument-sdk-sandbox"):
            i += 1
        elif arg.startswith("-"):
            pass  # --no-window-animation, --no-hidden-api-checks, ...
        else:
            component = arg
        i += 1
    if not component:
        ctx.stderr.write(b"Error: No instrumentation component given\n")
        return 255
    package, _, cls = full_component(component).partition("/")
    record = am._package(package)
    targets = [i.get("target_package") for i in getattr(record, "instrumentations", [])
               if full_component(f"{package}/{i.get('name', '')}") == f"{package}/{cls}"]
    target_package = targets[0] if targets and targets[0] else package.removesuffix(".test")
    return am.instrument(ctx, component, extras, wait, raw, target_package)


def _am_stack_list(ctx: Context) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    with am._lock:
        records = list(reversed(am.stack))
    bounds = f"[0,0][{SCREEN_WIDTH},{SCREEN_HEIGHT}]"
    for record in records:
        ctx.out(f"RootTask id={record.task} bounds={bounds} displayId=0 userId=0\n"
                f"  taskId={record.task}: {record.short} bounds={bounds} userId=0 visible="
                f"{'true' if record is records[0] else 'false'} topActivity=ComponentInfo{{{record.component}}}\n")
    return 0


@applet("am")
def am_command(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if not args or args[0] in ("help", "-h"):
        ctx.out(AM_USAGE)
        return 0
    verb, rest = args[0], args[1:]
    am: ActivityManager = phone_of(ctx).system.activity
    if verb in ("start", "start-activity"):
        return _am_start(ctx, rest)
    if verb == "force-stop" or verb == "kill":
        packages = [a for a in rest if not a.startswith("-") and a not in ("all", "current")]
        if not packages:
            ctx.stderr.write(f"Error: no package specified for {verb}\n".encode())
            return 255
        am.force_stop(packages[-1], "from pid 0 (shell)")
        return 0
    if verb == "broadcast":
        return _am_broadcast(ctx, rest)
    if verb == "instrument":
        return _am_instrument(ctx, rest)
    if verb == "stack" and rest[:1] == ["list"]:
        return _am_stack_list(ctx)
    if verb == "get-current-user":
        ctx.out("0\n")
        return 0
    if verb in ("start-service", "start-foreground-service", "stopservice", "stop-service"):
        intent, _other, error = parse_intent(rest)
        if error or not intent.component:
            ctx.stderr.write(b"Error: Not found; no service started.\n")
            return 255
        package, cls = full_component(intent.component).split("/", 1)
        if not am.is_installed(package):
            ctx.stderr.write(b"Error: Not found; no service started.\n")
            return 255
        if verb.startswith("stop"):
            am.stop_service(package, cls)
            ctx.out("Service stopped\n")
        else:
            ctx.out(f"Starting service: Intent {{ {intent.short_string()} }}\n")
            am.start_service(package, cls, foreground=verb == "start-foreground-service")
        return 0
    ctx.stderr.write(f"Unknown command: {verb}\n".encode())
    return 255


@applet("monkey")
def monkey(ctx: Context, argv: list[str]) -> int:
    """`monkey -p PKG -c CATEGORY COUNT`: scripts use it to open an app by package name. The first
    event launches the package's launcher activity; further events are random taps."""
    am: ActivityManager = phone_of(ctx).system.activity
    args = argv[1:]
    packages: list[str] = []
    count = 0
    i = 0
    while i < len(args):
        if args[i] == "-p" and i + 1 < len(args):
            packages.append(args[i + 1])
            i += 1
        elif args[i] in ("-c", "--throttle", "-s", "--pct-touch", "--pct-motion") and i + 1 < len(args):
            i += 1
        elif args[i].isdigit():
            count = int(args[i])
        i += 1
    ctx.out(f"args: [{', '.join(args)}]\n" + "".join(f' arg: "{a}"\n' for a in args))
    for package in packages:
        ctx.out(f'data="{package}"\n')
    started = time.monotonic()
    launchable = [p for p in packages if (info := am.info(p)) is not None and info.activities
                  and (am._package(p) is None or am._package(p).launcher_activity)]
    if count < 1:
        ctx.out("Events injected: 0\n")
        return 0
    if not launchable:
        ctx.out("** No activities found to run, monkey aborted.\n")
        return 252
    chosen = am._installed_info(random.choice(launchable))
    am.start_activity(Intent(action=ACTION_MAIN, categories=[CATEGORY_LAUNCHER],
                             component=chosen.component(), flags=0x10200000))
    screen = getattr(phone_of(ctx).system, "screen", None)
    for _ in range(count - 1):
        if screen is not None:
            screen.tap(random.randrange(SCREEN_WIDTH), random.randrange(SCREEN_HEIGHT))
    elapsed = max(1, int((time.monotonic() - started) * 1000))
    ctx.out(f"Events injected: {count}\n## Network stats: elapsed time={elapsed}ms (0ms mobile, 0ms wifi, "
            f"{elapsed}ms not connected)\n")
    return 0


# ---------------------------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------------------------
def user_id(user: str) -> int:
    """`u0_a95` -> 10095; the system's users by their fixed ids (android_filesystem_config.h)."""
    if user.startswith("u0_a") and user[4:].isdigit():
        return 10_000 + int(user[4:])
    return USER_IDS.get(user, 0)


def user_name(uid: int) -> str:
    names = {value: key for key, value in USER_IDS.items()}
    return names.get(uid, f"u0_a{uid - 10_000}" if uid >= 10_000 else str(uid))



# ---------------------------------------------------------------------------------------------
# dumpsys activity / window / power / battery / deviceidle, appops, cmd notification
# ---------------------------------------------------------------------------------------------
def record_line(record: ActivityRecord) -> str:
    return f"ActivityRecord{{{record.token} u0 {record.short} t{record.task}}}"


def _dumpsys_activity(ctx: Context, args: list[str]) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    what = args[0] if args else "activities"
    with am._lock:
        stack = list(reversed(am.stack))
        services = list(am.services.values())
    if what == "top":
        for record in stack[:1]:
            ctx.out(f"TASK {record.package} id={record.task} userId=0\n"
                    f"  ACTIVITY {record.short} {record.token} pid={am.pid_of(record.package) or 0}\n"
                    f"    Local Activity {record.token} State:\n      mResumed=true mStopped=false mFinished=false\n")
        return 0
    if what in ("services", "s"):
        wanted = args[1] if len(args) > 1 else None
        ctx.out("ACTIVITY MANAGER SERVICES (dumpsys activity services)\n")
        shown = [s for s in services if wanted is None or wanted in (s.package, short_component(
            f"{s.package}/{s.cls}"), f"{s.package}/{s.cls}")]
        if not shown:
            ctx.out("  (nothing)\n")
            return 0
        ctx.out("  User 0 active services:\n")
        for service in shown:
            pid = am.pid_of(service.package) or 0
            comp = short_component(f"{service.package}/{service.cls}")
            ctx.out(f"  * ServiceRecord{{{service.token} u0 {comp}}}\n"
                    f"    intent={{cmp={comp}}}\n"
                    f"    packageName={service.package}\n"
                    f"    processName={service.package}\n"
                    f"    app=ProcessRecord{{{service.token[:6]} {pid}:{service.package}/u0a{am.uid(service.package) - 10000}}}\n"
                    f"    isForeground={'true' if service.foreground else 'false'} "
                    f"foregroundId={1 if service.foreground else 0} foregroundNoti=null\n"
                    f"    createTime=-{int(time.time() - service.started)}s startingBgTimeout=--\n"
                    f"    startRequested=true delayedStop=false stopIfKilled=false callStart=true lastStartId=1\n")
        return 0
    if what in ("processes", "p"):
        ctx.out("ACTIVITY MANAGER RUNNING PROCESSES (dumpsys activity processes)\n")
        for proc in am.processes():
            ctx.out(f"    PID #{proc.pid}: ProcessRecord{{{proc.pid:x} {proc.pid}:{proc.name}/{proc.user}}}\n")
        return 0
    # activities (the default)
    ctx.out("ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\nDisplay #0 (activities from top to bottom):\n")
    for record in stack:
        ctx.out(f"  * Task{{{record.token} #{record.task} type=standard A={am.uid(record.package)}:{record.package}}}\n"
                f"    * Hist  #0: {record_line(record)}\n")
    if stack:
        ctx.out(f"\n  ResumedActivity: {record_line(stack[0])}\n"
                f"  mResumedActivity: {record_line(stack[0])}\n"
                f"  mFocusedApp={record_line(stack[0])}\n"
                f"  topResumedActivity={record_line(stack[0])}\n")
    return 0


BATTERY_STATUS = {"unknown": 1, "charging": 2, "discharging": 3, "not-charging": 4, "full": 5}
BATTERY_HEALTH = {"unknown": 1, "good": 2, "overheat": 3, "dead": 4, "overvoltage": 5, "failure": 6, "cold": 7}


def _dumpsys_battery(ctx: Context, args: list[str]) -> int:
    state = phone_of(ctx).emulator_state
    if args[:1] == ["set"] and len(args) >= 3:
        key, value = args[1], args[2]
        if key == "level":
            state.battery_capacity = int(value)
        elif key == "ac":
            state.ac_online = value not in ("0", "false")
        elif key == "status":
            names = {v: k for k, v in BATTERY_STATUS.items()}
            state.battery_status = names.get(int(value), "unknown")
        return 0
    if args[:1] == ["unplug"]:
        state.ac_online = False
        state.battery_status = "discharging"
        return 0
    if args[:1] == ["reset"]:
        state.ac_online, state.battery_status, state.battery_capacity = True, "charging", 100
        return 0
    ctx.out("Current Battery Service state:\n"
            f"  AC powered: {str(state.ac_online).lower()}\n"
            "  USB powered: false\n  Wireless powered: false\n  Dock powered: false\n"
            "  Max charging current: 0\n  Max charging voltage: 0\n  Charge counter: 10000\n"
            f"  status: {BATTERY_STATUS.get(state.battery_status, 1)}\n"
            f"  health: {BATTERY_HEALTH.get(state.battery_health, 1)}\n"
            f"  present: {str(state.battery_present).lower()}\n"
            f"  level: {state.battery_capacity}\n  scale: 100\n  voltage: 5000\n  temperature: 250\n"
            "  technology: Li-ion\n")
    return 0


def _dumpsys_deviceidle(ctx: Context, args: list[str]) -> int:
    am: ActivityManager = phone_of(ctx).system.activity
    if args[:1] == ["whitelist"]:
        changes = args[1:]
        if not changes:
            for package in sorted(am.idle_whitelist):
                ctx.out(f"user,{package},{am.uid(package)}\n")
            return 0
        for change in changes:
            package = change[1:]
            if change.startswith("+"):
                if am.is_installed(package):
                    am.idle_whitelist.add(package)
                    ctx.out(f"Added: {package}\n")
                else:
                    ctx.out(f"Unknown package: {package}\n")
            elif change.startswith("-"):
                am.idle_whitelist.discard(package)
                ctx.out(f"Removed: {package}\n")
        return 0
    ctx.out("  mLightEnabled=false  mDeepEnabled=false\n  mForceIdle=false\n  mState=ACTIVE mLightState=ACTIVE\n")
    return 0


@applet("appops")
def appops(ctx: Context, argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    am: ActivityManager = phone_of(ctx).system.activity
    if args[:1] == ["set"] and len(args) >= 4:
        am.appops[(args[1], args[2])] = args[3]
        return 0
    if args[:1] == ["get"] and len(args) >= 2:
        ops = {op: mode for (pkg, op), mode in am.appops.items() if pkg == args[1]}
        if not ops:
            ctx.out("No operations.\n")
        for op, mode in sorted(ops.items()):
            ctx.out(f"{op.removeprefix('android:').upper()}: {mode}\n")
        return 0
    ctx.out("AppOps service (appops) commands:\n  help\n    Print this help text.\n"
            "  set [--user <USER_ID>] <PACKAGE | UID> <OP> <MODE>\n  get [--user <USER_ID>] <PACKAGE | UID> [<OP>]\n")
    return 0 if not args or args[0] == "help" else 255


def _cmd_notification(ctx: Context, args: list[str]) -> int:
    if args[:1] in (["allow_listener"], ["disallow_listener"], ["allow_assistant"], ["post"],
                    ["disallow_assistant"], ["allow_dnd"], ["disallow_dnd"], ["set_dnd"]):
        return 0
    ctx.out("usage: cmd notification SUBCMD [args]\n\nSUBCMDs:\n  help\n  allow_listener COMPONENT\n"
            "  disallow_listener COMPONENT\n  post [flags] <tag> <text>\n")
    return 0 if not args else 255


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(
    dumpsys={"activity": _dumpsys_activity, "battery": _dumpsys_battery, "deviceidle": _dumpsys_deviceidle},
    cmd={"activity": lambda ctx, args: am_command(ctx, ["am", *args]), "notification": _cmd_notification,
         "appops": lambda ctx, args: appops(ctx, ["appops", *args]), "deviceidle": _dumpsys_deviceidle},
)
