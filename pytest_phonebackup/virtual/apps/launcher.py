"""The home screen of the virtual phone (Pixel launcher): the default foreground app, with one icon
per launchable app that starts it when tapped. Not for the apps themselves.
"""

from __future__ import annotations

from functools import partial

from .base import SCREEN_HEIGHT, SCREEN_WIDTH, STATUS_BAR_HEIGHT, Intent, View, VirtualApp

COLUMNS = 4
CELL_WIDTH = SCREEN_WIDTH // COLUMNS
CELL_HEIGHT = 300
GRID_TOP = STATUS_BAR_HEIGHT + 240


class Launcher(VirtualApp):
    package = "com.google.android.apps.nexuslauncher"
    label = "Pixel Launcher"
    activities = (".NexusLauncherActivity",)

    def icons(self) -> list[tuple[str, str]]:
        """(label, component) of each app on the home screen, in grid order."""
        return [(app.label, app.component()) for app in self.phone.system.activity.launchable()]

    def view_tree(self) -> View:
        cells = []
        for index, (label, component) in enumerate(self.icons()):
            row, col = divmod(index, COLUMNS)
            left, top = col * CELL_WIDTH, GRID_TOP + row * CELL_HEIGHT
            cells.append(View(
                cls="android.widget.TextView", text=label, content_desc=label, clickable=True,
                long_clickable=True, focusable=True, bounds=(left + 10, top, left + CELL_WIDTH - 10, top + CELL_HEIGHT - 20),
                on_click=partial(self._launch, component)))
        workspace = View(cls="android.view.ViewGroup", resource_id=f"{self.package}:id/workspace",
                         bounds=(0, STATUS_BAR_HEIGHT, SCREEN_WIDTH, SCREEN_HEIGHT - 420), scrollable=True,
                         children=cells)
        search = View(cls="android.widget.FrameLayout", resource_id=f"{self.package}:id/search_container_hotseat",
                      content_desc="Search", clickable=True, focusable=True,
                      bounds=(42, SCREEN_HEIGHT - 390, SCREEN_WIDTH - 42, SCREEN_HEIGHT - 250))
        return View(cls="android.widget.FrameLayout", children=[
            View(cls="android.widget.FrameLayout", resource_id=f"{self.package}:id/launcher",
                 bounds=(0, 0, SCREEN_WIDTH, SCREEN_HEIGHT), children=[workspace, search])])

    def _launch(self, component: str) -> None:
        self.phone.system.activity.start_activity(Intent(
            action="android.intent.action.MAIN", categories=["android.intent.category.LAUNCHER"],
            component=component, flags=0x10200000))
