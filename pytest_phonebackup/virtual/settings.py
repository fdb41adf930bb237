"""Android's settings provider on the virtual phone: the global, system and secure tables, kept in
the phone's state folder so they survive reboots, and the `settings` command. Not for system
properties (see `props`) nor for what a setting switches (network, activity read them here).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .androidtool import phone_of
from .dumpsys import ServiceCommands
from .shell.api import Context, applet

NAMESPACES = ("global", "system", "secure")

DEFAULTS: dict[str, dict[str, str]] = {
    "global": {
        "adb_enabled": "1",
        "airplane_mode_on": "0",
        "animator_duration_scale": "1.0",
        "auto_time": "1",
        "auto_time_zone": "1",
        "boot_count": "1",
        "data_roaming": "0",
        "development_settings_enabled": "1",
        "device_name": "sdk_gphone64_x86_64",
        "device_provisioned": "1",
        "mobile_data": "1",
        "network_preference": "1",
        "package_verifier_user_consent": "-1",
        "stay_on_while_plugged_in": "0",
        "transition_animation_scale": "1.0",
        "verifier_verify_adb_installs": "0",
        "wifi_on": "1",
        "wifi_sleep_policy": "2",
        "window_animation_scale": "1.0",
    },
    "system": {
        "accelerometer_rotation": "0",
        "font_scale": "1.0",
        "screen_brightness": "102",
        "screen_brightness_mode": "0",
        "screen_off_timeout": "60000",
        "sound_effects_enabled": "1",
        "time_12_24": "24",
        "user_rotation": "0",
    },
    "secure": {
        "android_id": "",  # filled per phone from its serial
        "backup_transport": "com.android.localtransport/.LocalTransport",
        "default_input_method": "com.android.inputmethod.latin/.LatinIME",
        "enabled_accessibility_services": "",
        "location_mode": "3",
        "lockscreen.disabled": "1",
        "screensaver_enabled": "0",
        "show_ime_with_hard_keyboard": "1",
        "user_setup_complete": "1",
    },
}

Listener = Callable[[str, str, "str | None"], None]  # (namespace, name, new value or None)


class Settings:
    """The three settings tables. Thread-safe; every change is written to `path` at once."""

    def __init__(self, path: Path, android_id: str = "") -> None:
        self._path = path
        self._lock = threading.Lock()
        self._tables: dict[str, dict[str, str]] = {ns: dict(values) for ns, values in DEFAULTS.items()}
        self._tables["secure"]["android_id"] = android_id
        self.listeners: list[Listener] = []
        if path.exists():
            try:
                saved = json.loads(path.read_text())
                for ns in NAMESPACES:
                    self._tables[ns] = dict(saved.get(ns, self._tables[ns]))
            except (OSError, ValueError):
                pass  # a damaged file is replaced by defaults, as a factory reset would

    def get(self, namespace: str, name: str) -> str | None:
        with self._lock:
            return self._table(namespace).get(name)

    def put(self, namespace: str, name: str, value: str) -> None:
        with self._lock:
            table = self._table(namespace)
            if table.get(name) == value:
                return
            table[name] = value
            self._save()
        self._notify(namespace, name, value)

    def delete(self, namespace: str, name: str) -> bool:
        with self._lock:
            existed = self._table(namespace).pop(name, None) is not None
            if existed:
                self._save()
        if existed:
            self._notify(namespace, name, None)
        return existed

    def items(self, namespace: str) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._table(namespace).items())

    def _table(self, namespace: str) -> dict[str, str]:
        if namespace not in self._tables:
            raise KeyError(f"unknown settings namespace {namespace!r}: use global, system or secure")
        return self._tables[namespace]

    def _save(self) -> None:
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._tables, indent=1, sort_keys=True))
        os.replace(tmp, self._path)

    def _notify(self, namespace: str, name: str, value: str | None) -> None:
        for listener in list(self.listeners):
            listener(namespace, name, value)


USAGE = """Settings provider (settings) commands:
  help
      Print this help text.
  get [--user <USER_ID> | current] NAMESPACE KEY
      Retrieve the current value of KEY.
  put [--user <USER_ID> | current] NAMESPACE KEY VALUE [TAG] [default]
      Change the contents of KEY to VALUE.
      TAG to associate with the setting.
      {default} to set as the default, case-insensitive only for global/secure namespace
  delete [--user <USER_ID> | current] NAMESPACE KEY
      Delete the entry for KEY.
  reset [--user <USER_ID> | current] NAMESPACE {PACKAGE_NAME | RESET_MODE}
      Reset the global/secure table for a package with mode.
      RESET_MODE is one of {untrusted_defaults, untrusted_clear, trusted_defaults}, case-insensitive
  list [--user <USER_ID> | current] NAMESPACE
      Print all defined keys.
      NAMESPACE is one of {system, secure, global}, case-insensitive
"""


@applet("settings")
def settings_command(ctx: Context, argv: list[str]) -> int:
    store: Settings = phone_of(ctx).system.settings
    args = [a for a in argv[1:]]
    # --user N / --user current: one user on this phone
    while "--user" in args:
        at = args.index("--user")
        del args[at:at + 2]
    if not args or args[0] in ("help", "-h"):
        ctx.out(USAGE)
        return 0
    verb, rest = args[0], args[1:]
    arity = {"get": 2, "put": 3, "delete": 2, "list": 1, "reset": 2}
    if verb not in arity or len(rest) < arity[verb] or rest[0].lower() not in NAMESPACES:
        ctx.stderr.write(f"Invalid command: {' '.join(args)}\n\n{USAGE}".encode())
        return 255
    namespace = rest[0].lower()
    if verb == "get":
        value = store.get(namespace, rest[1])
        ctx.out(("null" if value is None else value) + "\n")
    elif verb == "put":
        store.put(namespace, rest[1], rest[2])
    elif verb == "delete":
        ctx.out(f"Deleted {1 if store.delete(namespace, rest[1]) else 0} rows\n")
    elif verb == "list":
        for name, value in store.items(namespace):
            ctx.out(f"{name}={value}\n")
    elif verb == "reset":
        for name, _ in store.items(namespace):
            if name not in DEFAULTS[namespace]:
                store.delete(namespace, name)
            elif namespace != "secure" or name != "android_id":
                store.put(namespace, name, DEFAULTS[namespace][name])
    return 0


# `cmd settings ...` is the same command (adb's abb_exec:settings path uses it)


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(cmd={"settings": lambda ctx, args: settings_command(ctx, ["settings", *args])})
