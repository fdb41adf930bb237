"""What an app on the virtual phone is: `VirtualApp` (lifecycle, screen as a `View` tree, input),
`Intent`, and the registry that maps a package name to its implementation. Not for starting or
stopping apps (the activity manager does that) nor for drawing (see `screen`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SCREEN_WIDTH, SCREEN_HEIGHT = 1080, 2400  # the phone's panel in pixels (wm size)
STATUS_BAR_HEIGHT = 63  # 24dp at 420dpi; apps draw below it


@dataclass
class Intent:
    """An Android Intent as the shell tools build it (`am start -a ... -n ... --es k v`)."""

    action: str | None = None
    data: str | None = None
    mime_type: str | None = None
    categories: list[str] = field(default_factory=list)
    component: str | None = None  # "pkg/.Cls" or "pkg/pkg.Cls"
    package: str | None = None
    flags: int = 0
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def target_package(self) -> str | None:
        if self.component:
            return self.component.split("/", 1)[0]
        return self.package

    def short_string(self) -> str:
        """Intent.toShortString as `am` prints it: `act=... cat=[...] dat=... flg=0x... cmp=...`."""
        parts = []
        if self.action:
            parts.append(f"act={self.action}")
        if self.categories:
            parts.append(f"cat=[{','.join(self.categories)}]")
        if self.data:
            parts.append(f"dat={safe_uri(self.data)}")
        if self.mime_type:
            parts.append(f"typ={self.mime_type}")
        if self.flags:
            parts.append(f"flg=0x{self.flags:x}")
        if self.package:
            parts.append(f"pkg={self.package}")
        if self.component:
            parts.append(f"cmp={short_component(self.component)}")
        if self.extras:
            parts.append("(has extras)")
        return " ".join(parts)


def safe_uri(uri: str) -> str:
    """Uri.toSafeString: web addresses lose their path (`https://host/...`), as `am` prints them."""
    scheme, sep, rest = uri.partition(":")
    if sep and scheme.lower() in ("http", "https", "ftp", "rtsp") and rest.startswith("//"):
        host = rest[2:].split("/", 1)[0]
        return f"{scheme}://{host}/..."
    return uri


def full_component(component: str) -> str:
    """'pkg/.Cls' -> 'pkg/pkg.Cls' (ComponentName.unflattenFromString)."""
    package, _, cls = component.partition("/")
    if cls.startswith("."):
        cls = package + cls
    return f"{package}/{cls}"


def short_component(component: str) -> str:
    """'pkg/pkg.Cls' -> 'pkg/.Cls' (ComponentName.flattenToShortString)."""
    package, _, cls = full_component(component).partition("/")
    if cls.startswith(package + "."):
        cls = cls[len(package):]
    return f"{package}/{cls}"


@dataclass
class View:
    """One node of a screen, with the attributes uiautomator reports."""

    cls: str = "android.widget.FrameLayout"
    bounds: tuple[int, int, int, int] = (0, 0, SCREEN_WIDTH, SCREEN_HEIGHT)  # left, top, right, bottom
    text: str = ""
    resource_id: str = ""
    content_desc: str = ""
    clickable: bool = False
    long_clickable: bool = False
    checkable: bool = False
    checked: bool = False
    enabled: bool = True
    focusable: bool = False
    focused: bool = False
    scrollable: bool = False
    password: bool = False
    selected: bool = False
    children: list[View] = field(default_factory=list)
    #: what a tap does (the app's click listener); VirtualApp.on_tap calls it
    on_click: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def walk(self) -> Iterator[View]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, *, resource_id: str | None = None, text: str | None = None,
             content_desc: str | None = None) -> View | None:
        """The first node (depth first) matching every given attribute."""
        for view in self.walk():
            if ((resource_id is None or view.resource_id == resource_id)
                    and (text is None or view.text == text)
                    and (content_desc is None or view.content_desc == content_desc)):
                return view
        return None

    def contains(self, x: int, y: int) -> bool:
        left, top, right, bottom = self.bounds
        return left <= x < right and top <= y < bottom

    def hit(self, x: int, y: int) -> View | None:
        """The view a finger at (x, y) lands on: the deepest, last-drawn clickable node under it."""
        if not self.contains(x, y):
            return None
        for child in reversed(self.children):
            found = child.hit(x, y)
            if found is not None:
                return found
        return self if (self.clickable or self.checkable or self.long_clickable) and self.enabled else None

    @property
    def center(self) -> tuple[int, int]:
        left, top, right, bottom = self.bounds
        return (left + right) // 2, (top + bottom) // 2


@dataclass(frozen=True)
class AppInfo:
    """What an app declares (its manifest, in effect), read without starting it."""

    package: str
    label: str
    activities: tuple[str, ...]  # the first is the launcher activity
    receivers: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()

    def component(self, activity: str | None = None) -> str:
        return short_component(f"{self.package}/{activity or (self.activities or ('.MainActivity',))[0]}")

    def has_activity(self, activity: str) -> bool:
        wanted = full_component(f"{self.package}/{activity}")
        return any(full_component(f"{self.package}/{a}") == wanted for a in self.activities)


def default_label(package: str) -> str:
    return package.rsplit(".", 1)[-1].capitalize()


class VirtualApp:
    """An app that runs on the virtual phone. Subclass it, set `package`, `label`, `activities`,
    and register it with `@register_app`; the activity manager creates one instance per process
    and calls the `on_*` methods. The default implementation is a blank screen (an installed
    APK the phone cannot run shows that).

    Creating an instance starts its process: keep `__init__` cheap and start work (threads,
    uploads) in `on_start` / `on_broadcast`; `on_force_stop` must end it."""

    package: str = ""
    label: str = ""
    #: Activity classes ('.Main' or full names); the first is the launcher activity.
    activities: tuple[str, ...] = (".MainActivity",)
    #: Broadcast actions the app's manifest registers receivers for (delivered even when stopped).
    receivers: tuple[str, ...] = ()
    #: Intent actions its activities handle besides MAIN (e.g. android.intent.action.VIEW).
    handles: tuple[str, ...] = ()

    def __init__(self, phone: Any, package: str | None = None):
        self.phone = phone
        if package:
            self.package = package
        if not self.label:
            self.label = default_label(self.package)
        self.activity: str = self.activities[0] if self.activities else ".MainActivity"
        self.lock = threading.RLock()  # apps run code from input, broadcasts and their own threads

    # -- identity -------------------------------------------------------------------------------
    def component(self, activity: str | None = None) -> str:
        return short_component(f"{self.package}/{activity or self.activity}")

    def has_activity(self, activity: str) -> bool:
        return self.info().has_activity(activity)

    def info(self) -> AppInfo:
        return AppInfo(self.package, self.label, tuple(self.activities), tuple(self.receivers), tuple(self.handles))

    @classmethod
    def declared(cls, package: str | None = None) -> AppInfo:
        """The class's declarations, without creating an instance (which would start the app)."""
        name = package or cls.package
        return AppInfo(name, cls.label or default_label(name), tuple(cls.activities), tuple(cls.receivers),
                       tuple(cls.handles))

    @property
    def data_dir(self) -> str:
        """Device path of the app's private folder."""
        return f"/data/data/{self.package}"

    # -- lifecycle (called by the activity manager) ------------------------------------------------
    def on_start(self, intent: Intent) -> None:
        """An activity of this app came to the front (`intent.component` says which)."""

    def on_stop(self) -> None:
        """The app left the screen (another app is in front, HOME, or its activity finished)."""

    def on_force_stop(self) -> None:
        """The process is killed: `am force-stop`, reboot, shutdown. Stop threads, keep nothing."""

    def on_clear_data(self) -> None:
        """`pm clear`: the app's data is gone (the activity manager force-stops it first)."""

    def on_broadcast(self, intent: Intent) -> None:
        """A broadcast for one of `receivers` (or sent to this package explicitly)."""

    # -- screen and input ----------------------------------------------------------------------
    def view_tree(self) -> View:
        """The current screen: a root `View` covering the display."""
        return View(cls="android.widget.FrameLayout", children=[
            View(cls="android.widget.TextView", text=self.label, resource_id="android:id/title",
                 bounds=(42, STATUS_BAR_HEIGHT + 40, SCREEN_WIDTH - 42, STATUS_BAR_HEIGHT + 160))])

    def on_tap(self, view: View) -> None:
        """A tap landed on `view` (already hit-tested). Default: run its click listener."""
        if view.checkable and view.on_click is None:
            view.checked = not view.checked
        if view.on_click is not None:
            view.on_click()

    def on_swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int) -> None:
        """`input swipe`: a finger moved from (x1, y1) to (x2, y2); scrollable screens scroll."""

    def on_text(self, text: str) -> None:
        """`input text`: typed into the focused field."""

    def on_key(self, code: int) -> bool:
        """A key event; return True if the app consumed it (BACK otherwise finishes the activity)."""
        return False


AppFactory = Callable[[Any], VirtualApp]  # (phone) -> a new instance (a process)

_REGISTRY: dict[str, AppFactory] = {}


def register_app(factory: type[VirtualApp] | AppFactory, package: str | None = None):
    """Declare the implementation of a package: `register_app(MyApp)` or as a class decorator.
    When that package is installed on a phone, the phone runs this code for it."""
    name = package or getattr(factory, "package", "")
    if not name:
        raise ValueError(f"{factory!r} has no package name: set `package` on the class or pass package=")
    _REGISTRY[name] = factory
    return factory


def implementation_for(package: str) -> AppFactory | None:
    """The registered implementation of `package`, or None (the package is only an APK)."""
    return _REGISTRY.get(package)
