"""Framework shell commands of /system/bin that front a system service: device_config
(DeviceConfigService), sm (StorageManager), ime (InputMethodManagerService), locksettings
(LockSettingsShellCommand), requestsync (ContentService) and telecom (TelecomManager). Their state
lives in the phone's settings or state folder so it survives reboots, and agrees with `settings`
and `pm`. Texts follow those classes in frameworks/base as of Android 14.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from .androidtool import phone_of
from .shell.api import Context, applet


class JsonStore:
    """A small table a service keeps on disk (DeviceConfig's flags, the lock credential)."""

    def __init__(self, path: Path):
        self._path = path
        self._lock = threading.Lock()
        self.values: dict[str, str] = {}
        if path.exists():
            try:
                self.values = dict(json.loads(path.read_text()))
            except (OSError, ValueError):
                pass

    def set(self, key: str, value: str | None) -> None:
        with self._lock:
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
            self._path.write_text(json.dumps(self.values, indent=1, sort_keys=True))


def _store(ctx: Context, name: str) -> JsonStore:
    stores = phone_of(ctx).system.stores
    if name not in stores:
        stores[name] = JsonStore(phone_of(ctx).state_dir / f"{name}.json")
    return stores[name]


# -- device_config --------------------------------------------------------------------------------
DEVICE_CONFIG_HELP = """Device Config (device_config) commands:
  help
      Print this help text.
  get NAMESPACE KEY
      Retrieve the current value of KEY from the given NAMESPACE.
  put NAMESPACE KEY VALUE [default]
      Change the contents of KEY to VALUE for the given NAMESPACE.
      {default} to set as the default value.
  delete NAMESPACE KEY
      Delete the entry for KEY for the given NAMESPACE.
  list [NAMESPACE]
      Print all keys and values defined, optionally for the given NAMESPACE.
  reset RESET_MODE [NAMESPACE]
      Reset all flag values, optionally for a NAMESPACE, according to RESET_MODE.
      RESET_MODE is one of {untrusted_defaults, untrusted_clear, trusted_defaults}
      NAMESPACE limits which flags are reset if provided, otherwise all flags are reset
  set_sync_disabled_for_tests SYNC_DISABLED_MODE
      Modifies bulk property setting behavior for tests. When in one of the disabled modes this ensures that config isn't overwritten.
      SYNC_DISABLED_MODE is one of:
        none: Sync is not disabled. A reboot may be required to restore syncing.
        persistent: Sync is disabled, this state will survive a reboot.
        until_reboot: Sync is disabled until the next reboot.
  get_sync_disabled_for_tests
      Prints one of the SYNC_DISABLED_MODE values, see set_sync_disabled_for_tests
"""
SYNC_MODES = ("none", "persistent", "until_reboot")
ARG_COUNTS = {"get": 2, "put": 3, "delete": 2}


@applet("device_config")
def device_config(ctx: Context, argv: list[str]) -> int:
    """`cmd device_config`: flags by NAMESPACE/KEY in Settings.Config (the shell holds WRITE_DEVICE_CONFIG)."""
    args = argv[1:]
    store = _store(ctx, "device_config")
    if not args or args[0] in ("help", "-h"):
        ctx.out(DEVICE_CONFIG_HELP)
        return 0
    verb, rest = args[0], args[1:]
    if verb in ARG_COUNTS and (len(rest) < ARG_COUNTS[verb] or len(rest) > ARG_COUNTS[verb] + (verb == "put")):
        ctx.stderr.write(b"Invalid number of arguments\n")
        return -1 & 0xFF
    if verb == "get":
        ctx.out(store.values.get(f"{rest[0]}/{rest[1]}", "null") + "\n")
    elif verb == "put":
        store.set(f"{rest[0]}/{rest[1]}", rest[2])
    elif verb == "delete":
        known = f"{rest[0]}/{rest[1]}" in store.values
        store.set(f"{rest[0]}/{rest[1]}", None)
        ctx.out(f"Successfully deleted {rest[1]} from {rest[0]}\n" if known
                else f"Failed to delete {rest[1]} from {rest[0]}\n")
    elif verb == "list":
        for key, value in sorted(store.values.items()):
            namespace, _, name = key.partition("/")
            if not rest:
                ctx.out(f"{key}={value}\n")
            elif namespace == rest[0]:
                ctx.out(f"{name}={value}\n")
    elif verb == "reset" and rest and rest[0] in ("untrusted_defaults", "untrusted_clear", "trusted_defaults"):
        for key in list(store.values):
            if len(rest) < 2 or key.startswith(rest[1] + "/"):
                store.set(key, None)
    elif verb == "set_sync_disabled_for_tests" and rest and rest[0] in SYNC_MODES:
        store.set(":sync_disabled", rest[0])
    elif verb == "get_sync_disabled_for_tests":
        ctx.out(store.values.get(":sync_disabled", "none") + "\n")
    else:
        ctx.stderr.write(f"Unknown command: {verb}\n".encode() if verb not in (
            "reset", "set_sync_disabled_for_tests") else b"Invalid number of arguments\n")
        return 255
    return 0


# -- sm ---------------------------------------------------------------------------------------------
SM_USAGE = """usage: sm list-disks [adoptable]
       sm list-volumes [public|private|emulated|stub|all]
       sm has-adoptable
       sm get-primary-storage-uuid
       sm set-force-adoptable [on|off|default]
       sm set-virtual-disk [true|false]

       sm partition DISK [public|private|mixed] [ratio]
       sm mount VOLUME
       sm unmount VOLUME
       sm format VOLUME
       sm benchmark VOLUME
       sm idle-maint [run|abort]
       sm fstrim

       sm forget [UUID|all]

       sm set-emulate-fbe [true|false]

       sm start-checkpoint <num-retries>

       sm supports-checkpoint

       sm unmount-all

"""
EMULATED_VOLUME = "emulated;0"


@applet("sm")
def sm(ctx: Context, argv: list[str]) -> int:
    """frameworks/base/cmds/sm/src/com/android/commands/sm/Sm.java: the emulator has one volume,
    the emulated primary storage, and no disks (no SD card is attached)."""
    args = argv[1:]
    if not args:
        ctx.stderr.write(SM_USAGE.encode())
        return 1
    op, rest = args[0], args[1:]
    if op == "list-disks":
        return 0
    if op == "list-volumes":
        wanted = rest[0] if rest else "all"
        if wanted in ("all", "emulated"):
            ctx.out(f"{EMULATED_VOLUME} mounted null\n")
        return 0
    if op in ("has-adoptable", "supports-checkpoint"):
        ctx.out("false\n")
        return 0
    if op == "get-primary-storage-uuid":
        ctx.out("null\n")  # StorageManager.UUID_PRIVATE_INTERNAL
        return 0
    if op == "get-fbe-mode":
        ctx.out("native\n")
        return 0
    if op in ("mount", "unmount", "format", "benchmark") and rest:
        if rest[0] != EMULATED_VOLUME:
            ctx.stderr.write(f"Error: java.lang.IllegalArgumentException: No volume found for ID {rest[0]}\n"
                             .encode())
            return 1
        return 0
    if op in ("idle-maint", "fstrim", "unmount-all", "set-force-adoptable", "set-virtual-disk", "forget",
              "set-emulate-fbe", "start-checkpoint"):
        return 0
    ctx.stderr.write(SM_USAGE.encode())
    return 1


# -- ime ------------------------------------------------------------------------------------------
AOSP_KEYBOARD = "com.android.inputmethod.latin/.LatinIME"


def _enabled_imes(ctx: Context) -> list[str]:
    settings = phone_of(ctx).system.settings
    value = settings.get("secure", "enabled_input_methods")
    if value is None:
        return [settings.get("secure", "default_input_method") or AOSP_KEYBOARD]
    return [v for v in value.split(":") if v]


@applet("ime")
def ime(ctx: Context, argv: list[str]) -> int:
    """`cmd input_method ime ...` (InputMethodManagerService.ShellCommandImpl): the AOSP keyboard is
    the phone's only input method."""
    args = argv[1:]
    settings = phone_of(ctx).system.settings
    if not args or args[0] in ("help", "-h"):
        ctx.out("ime <command>:\n  list [-a] [-s]\n    prints all enabled input methods.\n"
                "  enable [--user <USER_ID>] <ID>\n    allows the given input method ID to be used.\n"
                "  disable [--user <USER_ID>] <ID>\n    disallows the given input method ID to be used.\n"
                "  set [--user <USER_ID>] <ID>\n    switches to the given input method ID.\n"
                "  reset [--user <USER_ID>]\n    reset currently selected/enabled IMEs to the default ones.\n")
        return 0
    op, rest = args[0], [a for a in args[1:] if a not in ("--user", "0", "current")]
    installed = [AOSP_KEYBOARD]
    if op == "list":
        shown = installed if any("a" in a for a in rest if a.startswith("-")) else _enabled_imes(ctx)
        short = any("s" in a for a in rest if a.startswith("-"))
        for ime_id in shown:
            ctx.out(ime_id + "\n" if short else f"{ime_id}:\n  mId={ime_id} mSettingsActivity=null\n")
        return 0
    if op in ("enable", "disable", "set") and rest:
        ime_id = rest[0]
        if ime_id not in installed:
            verb = "selected" if op == "set" else op + "d"
            ctx.stderr.write(f"Unknown input method {ime_id} cannot be {verb} for user #0\n".encode())
            return 255
        enabled = _enabled_imes(ctx)
        if op == "set":
            settings.put("secure", "default_input_method", ime_id)
            ctx.out(f"Input method {ime_id} selected for user #0\n")
        elif op == "enable":
            ctx.out(f"Input method {ime_id}: {'already enabled' if ime_id in enabled else 'now enabled'} for user #0\n")
            settings.put("secure", "enabled_input_methods", ":".join(dict.fromkeys([*enabled, ime_id])))
        else:
            ctx.out(f"Input method {ime_id}: {'now disabled' if ime_id in enabled else 'already disabled'} "
                    "for user #0\n")
            settings.put("secure", "enabled_input_methods", ":".join(e for e in enabled if e != ime_id))
        return 0
    if op == "reset":
        settings.put("secure", "enabled_input_methods", AOSP_KEYBOARD)
        settings.put("secure", "default_input_method", AOSP_KEYBOARD)
        ctx.out(f"Reset current and enabled IMEs for user #0\n  Selected: {AOSP_KEYBOARD}\n   Enabled: "
                f"{AOSP_KEYBOARD}\n")
        return 0
    ctx.stderr.write(f"Unknown command: {op}\n".encode())  # ShellCommand's, no program name
    return 255


# -- locksettings -----------------------------------------------------------------------------------
@applet("locksettings")
def locksettings(ctx: Context, argv: list[str]) -> int:
    """`cmd lock_settings` (LockSettingsShellCommand): the emulator starts with no credential and
    the lock screen disabled (`settings get secure lockscreen.disabled` is 1)."""
    args = argv[1:]
    old = ""
    if "--old" in args[:-1]:
        index = args.index("--old")
        old = args[index + 1]
        args = args[:index] + args[index + 2:]
    args = [a for a in args if a not in ("--user", "0")]
    store = _store(ctx, "locksettings")
    settings = phone_of(ctx).system.settings
    current = store.values.get("credential", "")
    if not args or args[0] == "help":
        ctx.out("locksettings service commands:\n\nNOTE: when a secure lock screen is set, most commands require "
                "the\n--old <CREDENTIAL> option.\n\nCOMMANDS:\n  help\n  get-disabled\n  set-disabled BOOL\n"
                "  set-pin PIN\n  set-password PASSWORD\n  set-pattern PATTERN\n  clear\n  verify\n")
        return 0
    op, rest = args[0], args[1:]
    if op == "get-disabled":
        # LockPatternUtils.isLockScreenDisabled: never while a credential is set
        disabled = not current and settings.get("secure", "lockscreen.disabled") == "1"
        ctx.out("true\n" if disabled else "false\n")
        return 0
    if current and old != current and op in ("set-pin", "set-password", "set-pattern", "clear", "verify",
                                               "set-disabled"):
        ctx.out(f"Old password '{old}' didn't match\n")
        return 255
    if op in ("set-pin", "set-password", "set-pattern") and rest:
        store.set("credential", rest[0])
        kind = {"set-pin": "Pin", "set-password": "Password", "set-pattern": "Pattern"}[op]
        ctx.out(f"{kind} set to '{rest[0]}'\n")
    elif op == "clear":
        store.set("credential", None)
        ctx.out("Lock credential cleared\n")
    elif op == "verify":
        ctx.out("Lock credential verified successfully\n")
    elif op == "set-disabled" and rest:
        settings.put("secure", "lockscreen.disabled", "1" if rest[0] == "true" else "0")
        ctx.out(f"Lock screen disabled set to {rest[0]}\n")
    else:
        ctx.out(f"Unknown command: {op}\n")
        return 255
    return 0


# -- requestsync and telecom ----------------------------------------------------------------------------
@applet("requestsync")
def requestsync(ctx: Context, argv: list[str]) -> int:
    """frameworks/base/cmds/requestsync: asks ContentService for a sync; with no accounts on the
    phone nothing runs, and the command prints nothing."""
    args = argv[1:]
    value_options = {"-n", "--account-name", "-t", "--account-type", "-a", "--authority", "-e", "--es",
                     "--ei", "--el", "--ez", "--ef", "--ed"}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in value_options:
            i += 2 if arg not in ("--es", "--ei", "--el", "--ez", "--ef", "--ed") else 3
            continue
        if arg.startswith("-") and arg not in ("--ignore-settings", "--ignore-backoff", "--manual", "--expedited",
                                               "--upload", "-f", "--foreground", "-F", "--top", "-s", "--sync",
                                               "--require-charging", "--rc"):
            ctx.stderr.write(f"Error: Unknown option: {arg}\n".encode())
            return 1
        i += 1
    return 0


@applet("telecom")
def telecom(ctx: Context, argv: list[str]) -> int:
    """frameworks/base/cmds/telecom: the emulator's configured dialer is AOSP's, which this phone
    does not have installed, so no role holder is the default."""
    args = argv[1:]
    packages = phone_of(ctx).system.packages
    if args[:1] == ["get-system-dialer"]:
        ctx.out("com.android.dialer\n")  # config_defaultDialer
        return 0
    if args[:1] == ["get-default-dialer"]:
        ctx.out("com.android.dialer\n" if packages.get("com.android.dialer") is not None else "null\n")
        return 0
    ctx.stderr.write(b"usage: telecom [subcommand] [options]\n"
                     b"usage: telecom get-default-dialer\nusage: telecom get-system-dialer\n")
    return 1 if args else 0
