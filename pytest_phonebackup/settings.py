"""The plugin's settings and the one rule that resolves them: command-line option > environment
variable > ini key > default, remembering which one won. Usable without pytest (the CLI and library
users build `PhoneSettings` from a dict); the pytest wiring lives in `plugin/`. Sizes and durations
follow the one grammar of `units.py` (`2GB` = 2,000,000,000 bytes, `2GiB` = 2,147,483,648; `90`, `3m`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .android import ANDROID_RELEASE, API_LEVELS
from .units import QuantityError, parse_duration, parse_size

TRUE_WORDS = {"1", "true", "yes", "on", "y"}
FALSE_WORDS = {"0", "false", "no", "off", "n", ""}
ARTIFACT_MODES = ("only-on-failure", "on", "off")
MISSING_MODES = ("error", "skip")  # what a test needing a phone or backup app that is not configured does


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{text!r} is not a yes/no value: use 1/0, true/false, yes/no or on/off")


def _serials(text: str) -> list[str]:
    return [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]


def _positive_seconds(text: str) -> float:
    try:
        value = parse_duration(text)
    except QuantityError:
        raise ValueError(f"{text!r} is not a duration: write seconds (180), or e.g. 90s, 3m") from None
    if value <= 0:
        raise ValueError(f"{text!r} must be a positive duration: seconds (180), or e.g. 90s, 3m")
    return value


def _storage(text: str) -> int:
    try:
        value = parse_size(text)
    except QuantityError:
        raise ValueError(f"cannot read storage size {text!r}: write e.g. 4GB or 512MB (decimal, "
                         "1GB = 1,000,000,000 bytes) or 4GiB (binary)") from None
    if value <= 0:
        raise ValueError(f"storage size {text!r} must be more than 0 bytes")
    return value


def _profiles(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise ValueError("give at least one media profile, e.g. smoke or edge,stress")
    return names


def _seed(text: str) -> int:
    if text.strip().lower() == "random":
        import random

        return random.SystemRandom().randrange(1, 1_000_000)
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a seed: give a whole number, or 'random'") from None


def _artifacts(text: str) -> str:
    if text not in ARTIFACT_MODES:
        raise ValueError(f"{text!r} is not one of {', '.join(ARTIFACT_MODES)}")
    return text


def _missing(text: str) -> str:
    word = text.strip().lower()
    if word not in MISSING_MODES:
        raise ValueError(f"{text!r} is not one of {', '.join(MISSING_MODES)}: 'error' stops a run whose tests "
                         "need a phone or backup app that is not configured, 'skip' skips those tests")
    return word


def _api_level(text: str) -> int:
    try:
        level = int(text)
    except ValueError:
        level = None
    if level not in API_LEVELS:
        raise ValueError(f"{text!r} is not an API level the virtual phone can be: use {API_LEVELS[0]} to "
                         f"{API_LEVELS[-1]} (Android {ANDROID_RELEASE[API_LEVELS[0]]} to "
                         f"{ANDROID_RELEASE[API_LEVELS[-1]]}), e.g. 34 for Android 14")
    return level


def _avd_name(text: str) -> str:
    name = text.strip()
    if not name or name.startswith("-"):
        raise ValueError(f"{text!r} is not an AVD name: give one from `emulator -list-avds`, e.g. --phone-avd Pixel_8_API_34")
    return name


@dataclass(frozen=True)
class Setting:
    """One setting: its option, environment variable and ini key, and how text becomes a value."""

    name: str  # attribute of PhoneSettings
    help: str
    parse: Callable[[str], Any] = str
    default: Any = None
    flag: bool = False  # a switch: present on the command line means True
    env_name: str = ""  # when the environment variable is not PHONEBACKUP_<NAME>

    @property
    def option(self) -> str:
        return "--phone-" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return self.env_name or "PHONEBACKUP_" + self.name.upper()

    @property
    def ini(self) -> str:
        return "phone_" + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("emulator", "start phones for the tests, the embedded virtual phone (a switch; "
            "--phone-emulator=avd:NAME is the same as --phone-avd NAME)", str),
    Setting("avd", "boot this AVD of the Android SDK for the tests (a name from `emulator -list-avds`)", _avd_name),
    Setting("serial", "use a phone already attached (a serial from `adb devices`, or host:port to "
            "`adb connect`); repeatable", _serials, default=()),
    Setting("api", f"API level of started virtual phones ({API_LEVELS[0]} to {API_LEVELS[-1]}, e.g. 34)", _api_level),
    Setting("storage", "storage size of started virtual phones (e.g. 4GB, 512MB; 4GiB binary)", _storage),
    Setting("boot_timeout", "how long a phone may take to become ready (seconds, or e.g. 3m)", _positive_seconds,
            default=180.0),
    Setting("snapshot", "AVD snapshot to boot from (avd phones); 'none' = cold boot", str),
    Setting("keep", "leave the phones running after the session (for debugging)", _bool, False, flag=True),
    Setting("allow_wipe", "allow destructive actions (wiping the gallery, clearing app data) on real "
            "hardware; never needed for emulators or the virtual phone", _bool, False, flag=True),
    Setting("artifacts", "keep screenshot and logcat of a test: only-on-failure (default), on, off",
            _artifacts, default="only-on-failure"),
    Setting("output", "folder for phone artifacts (screenshots, logcat, emulator logs)", Path,
            default=Path("phone-artifacts")),
    Setting("backup_app", "the backup app under test: a scenario name from scenarios/ (e.g. adb-mirror) "
            "or the path of a scenario YAML file", str),
    Setting("media_profile", "media profiles the round-trip suite seeds, comma-separated (built-in: smoke, "
            "edge, formats, stress, huge; or YAML paths); default: smoke, edge, formats, stress", _profiles),
    Setting("seed", "seed of the generated media (same seed, same bytes); 'random' picks one and shows it",
            _seed, default=0),
    Setting("missing", "what a test that needs a phone or a backup app does when none is configured: error "
            "(default; the run stops at start-up, naming the option to pass) or skip", _missing,
            default="error", env_name="PHONEBACKUP_PHONE_MISSING"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class EmulatorSpec:
    """What `--phone-emulator` asked for: the embedded virtual phone, or an AVD by name."""

    kind: str  # "virtual" or "avd"
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> EmulatorSpec:
        spec = text.strip()
        if spec in ("", "virtual", "1", "true", "yes"):
            return cls("virtual")
        if spec.startswith("avd:") and spec[4:].strip():
            return cls("avd", spec[4:].strip())
        raise ValueError(f"--phone-emulator={text!r} is not understood: pass --phone-emulator alone for "
                         "the embedded virtual phone, or --phone-avd NAME (--phone-emulator=avd:NAME) for an AVD "
                         "of the Android SDK")

    def __str__(self) -> str:
        return "virtual" if self.kind == "virtual" else f"avd:{self.name}"


EMULATOR_OPTION = "--phone-emulator"


def emulator_as_switch(args: list[str]) -> list[str]:
    """Command-line arguments where a bare `--phone-emulator` cannot take the next argument as its
    value: `--phone-emulator tests/test_x.py` keeps the test path. The value still comes with `=`
    (`--phone-emulator=avd:NAME`), or as the next argument when that is a spec (`virtual`, `avd:NAME`)."""
    out: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            out.extend(args[index - 1:])
            break
        if arg != EMULATOR_OPTION:
            out.append(arg)
            continue
        following = args[index] if index < len(args) else ""
        if following == "virtual" or following.startswith("avd:"):
            out.append(f"{EMULATOR_OPTION}={following}")
            index += 1
        else:
            out.append(f"{EMULATOR_OPTION}=virtual")
    return out


@dataclass
class PhoneSettings:
    """Resolved settings; `sources` says where each one came from ("--phone-api", "env ...", ...)."""

    emulator: EmulatorSpec | None = None
    avd: str | None = None  # --phone-avd; resolve() folds it into `emulator`
    serial: tuple[str, ...] = ()
    api: int | None = None
    storage: int | None = None
    boot_timeout: float = 180.0
    snapshot: str | None = None
    keep: bool = False
    allow_wipe: bool = False
    artifacts: str = "only-on-failure"
    output: Path = Path("phone-artifacts")
    backup_app: str | None = None
    media_profile: tuple[str, ...] | None = None
    seed: int = 0
    missing: str = "error"
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def wants_phones(self) -> bool:
        return self.emulator is not None or bool(self.serial)

    def describe(self) -> list[str]:
        """Lines for the report header: each non-default setting and where it came from."""
        lines = []
        for setting in SETTINGS:
            source = self.sources.get(setting.name, "default")
            value = getattr(self, setting.name)
            if setting.name in ("missing", "avd") or (source == "default" and setting.name not in ("emulator", "serial")):
                continue  # `missing` has a header line of its own
            shown = (", ".join(value) or "-") if isinstance(value, tuple) else ("-" if value is None else value)
            lines.append(f"{setting.name}={shown} (from {source})")
        return lines


def resolve(options: Mapping[str, Any], env: Mapping[str, str] | None = None,
            ini: Mapping[str, Any] | None = None) -> PhoneSettings:
    """Apply option > environment > ini > default to every setting.

    `options` holds values already parsed from the command line (None or missing = not given;
    repeatable options are lists), `env` defaults to os.environ, `ini` maps ini keys to text.
    A bad value raises ValueError naming the option, variable or key it came from.
    """
    env = os.environ if env is None else env
    ini = ini or {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        raw, source = _pick(setting, options, env, ini)
        if source == "default":
            values[setting.name] = setting.default
        else:
            try:
                values[setting.name] = _convert(setting, raw)
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from None
        sources[setting.name] = source
    if values["emulator"] is not None and not isinstance(values["emulator"], EmulatorSpec):
        values["emulator"] = None
    if values["avd"] is not None:
        asked = values["emulator"]
        if asked is not None and asked.kind == "avd" and asked.name != values["avd"]:
            raise ValueError(f"{sources['emulator']} asks for {asked} and {sources['avd']} for avd:{values['avd']}: "
                             "pick one AVD")
        values["emulator"] = EmulatorSpec("avd", values["avd"])
        sources["emulator"] = sources["avd"]
    values["serial"] = tuple(values["serial"] or ())
    return PhoneSettings(**values, sources=sources)


def _pick(setting: Setting, options: Mapping[str, Any], env: Mapping[str, str],
          ini: Mapping[str, Any]) -> tuple[Any, str]:
    given = options.get(setting.name)
    if given not in (None, [], (), False):
        return given, setting.option
    if env.get(setting.env, "") != "":
        return env[setting.env], f"env {setting.env}"
    from_ini = ini.get(setting.ini)
    if from_ini not in (None, "", []):
        return from_ini, f"ini {setting.ini}"
    return None, "default"


def _convert(setting: Setting, raw: Any) -> Any:
    if setting.name == "emulator":
        if isinstance(raw, str) and raw.strip().lower() in FALSE_WORDS - {""}:
            return None  # PHONEBACKUP_EMULATOR=0 switches it off
        return EmulatorSpec.parse(raw if isinstance(raw, str) else "virtual")
    if setting.name == "serial":
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        return tuple(serial for item in items for serial in _serials(str(item)))
    if isinstance(raw, str):
        return setting.parse(raw)
    if setting.flag or isinstance(raw, (int, float, Path)):
        return raw
    return setting.parse(str(raw))
