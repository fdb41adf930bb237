"""The phone's Settings app (com.android.settings), reduced to what backup tests switch by hand:
a Wi-Fi toggle and an airplane-mode toggle, both wired to the phone's real network state.
Not for the settings tables themselves (see `virtual.settings`).
"""

from __future__ import annotations

from functools import partial

from .base import SCREEN_WIDTH, STATUS_BAR_HEIGHT, View, VirtualApp

ROW_HEIGHT = 180


class SettingsApp(VirtualApp):
    package = "com.android.settings"
    label = "Settings"
    activities = (".Settings", ".wifi.WifiSettings")
    handles = ("android.settings.SETTINGS", "android.settings.WIFI_SETTINGS",
               "android.settings.AIRPLANE_MODE_SETTINGS")

    def view_tree(self) -> View:
        network = self.phone.system.network
        rows = [("Wi-Fi", "wifi_switch", network.wifi_enabled, network.set_wifi),
                ("Airplane mode", "airplane_switch", network.airplane_mode, network.set_airplane_mode)]
        children = [View(cls="android.widget.TextView", text="Settings", resource_id=f"{self.package}:id/title",
                         bounds=(42, STATUS_BAR_HEIGHT + 40, SCREEN_WIDTH - 42, STATUS_BAR_HEIGHT + 200))]
        top = STATUS_BAR_HEIGHT + 240
        for label, rid, on, setter in rows:
            children.append(View(
                cls="android.widget.Switch", text=label, resource_id=f"{self.package}:id/{rid}",
                checkable=True, checked=on, clickable=True, focusable=True,
                bounds=(0, top, SCREEN_WIDTH, top + ROW_HEIGHT),
                on_click=partial(setter, not on)))
            top += ROW_HEIGHT
        return View(cls="android.widget.FrameLayout", children=[
            View(cls="android.widget.LinearLayout", resource_id=f"{self.package}:id/main_content",
                 bounds=(0, STATUS_BAR_HEIGHT, SCREEN_WIDTH, top), children=children)])
