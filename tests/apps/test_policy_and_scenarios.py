"""Policies and scenario files: what a backup app promises, read from YAML with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_phonebackup.apps import builtin_scenarios, load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.errors import ScenarioError
from pytest_phonebackup.manifest import MediaItem
from pytest_phonebackup.policy import REFERENCE_CLOUD_POLICY, Policy


def photo(**kw) -> MediaItem:
    base = dict(path="DCIM/Camera/a.jpg", kind="photo", mime="image/jpeg", size=1000, sha256="0" * 64,
                mtime=0.0, width=4000, height=3000, format="jpeg")
    base.update(kw)
    return MediaItem(**base)


def test_reference_policy_skips_each_limit_on_the_far_side_only():
    pol = REFERENCE_CLOUD_POLICY
    assert pol.skip_reason(photo(size=75_000_000)) is None
    assert "75,000,000-byte limit" in pol.skip_reason(photo(size=75_000_001))
    assert pol.skip_reason(photo(width=10_000, height=10_000)) is None
    assert "pixel limit" in pol.skip_reason(photo(width=10_000, height=10_001))
    assert pol.skip_reason(photo(width=256, height=4000)) is None
    assert "minimum side" in pol.skip_reason(photo(width=255, height=4000))
    video = photo(kind="video", format="mp4", width=1920, height=1080)
    assert pol.skip_reason(video.__class__(**{**video.__dict__, "size": 10 * 1000**3})) is None
    assert "video" in pol.skip_reason(video.__class__(**{**video.__dict__, "size": 10 * 1000**3 + 1}))


def test_policy_reads_units_and_rejects_unknown_keys():
    pol = Policy.from_dict({"limits": {"max_photo_bytes": "75MB", "max_photo_pixels": "100 MP",
                                       "max_video_bytes": "10GiB", "min_side": 256},
                            "time_tolerance": "2s"})
    assert pol.limits.max_photo_bytes == 75_000_000
    assert pol.limits.max_photo_pixels == 100_000_000
    assert pol.limits.max_video_bytes == 10 * 1024**3
    with pytest.raises(ScenarioError, match=r"^policy.limits: unknown key 'max_bytes'; allowed: max_photo_bytes, "):
        Policy.from_dict({"limits": {"max_bytes": 1}})
    with pytest.raises(ScenarioError, match=r"^policy.limits: unknown key 'formts'; .*; did you mean 'formats'\?$"):
        Policy.from_dict({"limits": {"formts": ["jpeg"]}})
    with pytest.raises(ScenarioError, match=r"^policy.preserves.exif: expected a list of names, got 3$"):
        Policy.from_dict({"preserves": {"exif": 3}})
    with pytest.raises(ScenarioError, match=r"^policy.needs_wifi: expected true or false, got 'yes'$"):
        Policy.from_dict({"needs_wifi": "yes"})
    with pytest.raises(ScenarioError, match="cannot read '75 parsecs'"):
        Policy.from_dict({"limits": {"max_photo_bytes": "75 parsecs"}})
    with pytest.raises(ScenarioError, match="content: 'jpeg' is not one of bytes, pixels$"):
        Policy.from_dict({"preserves": {"content": "jpeg"}})
    with pytest.raises(ScenarioError, match="content: 'pixel' is not one of bytes, pixels; did you mean 'pixels'"):
        Policy.from_dict({"preserves": {"content": "pixel"}})


def test_mediastore_scope_skips_what_the_gallery_does_not_index():
    pol = Policy.from_dict({"limits": {"scope": "mediastore"}})
    assert "MediaStore" in pol.skip_reason(photo(indexed=False))
    assert pol.skip_reason(photo(indexed=True)) is None


def test_builtin_adb_mirror_scenario_loads_as_a_command_app():
    assert "adb-mirror" in builtin_scenarios()
    app = load_app("adb-mirror")
    assert isinstance(app, CommandApp)
    assert app.policy.preserves.content == "bytes" and app.policy.limits.max_photo_bytes is None
    assert "{serial}" in app.commands["backup"]


def test_scenario_errors_name_file_line_and_column(tmp_path: Path):
    bad = tmp_path / "tool.yaml"
    bad.write_text("name: t\nkind: command\nbackup: x {serail}\nrestore: y\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:3:9: backup: unknown placeholder \{serail\}; known: .*; did you mean 'serial'\?$"):
        load_app(bad)
    bad.write_text("name: t\nkind: comand\nbackup: x\nrestore: y\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:2:7: kind must be one of command, intent, appium, got "
                                            r"'comand'; did you mean 'command'\?$"):
        load_app(bad)
    bad.write_text("name: t\nkind: command\nbackup: [x\nrestore: y\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:4:8: invalid YAML: expected ',' or '\]', but got ':' "
                                            r"\(while parsing a flow sequence that starts at 3:9\)$"):
        load_app(bad)
    bad.write_text("name: t\nkind: command\nbackup: x\nrestore: y\npolicy:\n  limits:\n    max_photo_bytes: lots\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:7:5: policy.limits.max_photo_bytes: cannot read 'lots'"):
        load_app(bad)
    bad.write_text("name: t\nkind: command\nbakup: x\nrestore: y\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:3:1: unknown key 'bakup'; allowed: .*; did you mean 'backup'\?$"):
        load_app(bad)
    bad.write_text("name: t\nkind: command\nbackup: x\nrestore: y\npolicy: [limits]\n")
    with pytest.raises(ScenarioError, match=r"tool.yaml:5:9: policy is a mapping with limits: and preserves:$"):
        load_app(bad)
    with pytest.raises(ScenarioError, match="no backup app named 'nope'; built-in: .*adb-mirror.*scenario YAML file$"):
        load_app("nope")
    with pytest.raises(ScenarioError, match="no backup app named 'adb-miror'; .*; did you mean 'adb-mirror'\\?$"):
        load_app("adb-miror")


@pytest.mark.parametrize(("text", "where", "message"), [
    # a quote never closed: PyYAML gives up at the end of the file; the place to fix is the opening quote
    ('name: t\nkind: command\nbackup: "adb pull\nrestore: y\n', "3:9",
     "found unexpected end of stream at line 5, while scanning a quoted scalar that starts here"),
    ("name: t\nkind: command\npolicy:\n  limits:\n    min_side: 1\n   formats: [jpeg]\nbackup: x\n", "6:4",
     "expected <block end>, but found '<block mapping start>' (while parsing a block mapping that starts at 4:3); "
     "check the indentation of this line and the one before"),
    ("name: t\nkind: command\npolicy:\n\tlimits: {}\n", "4:1",
     "found character '\\t' that cannot start any token; YAML indents with spaces, not tabs"),
])
def test_a_yaml_syntax_error_names_the_line_and_column_to_fix(tmp_path: Path, text, where, message):
    bad = tmp_path / "tool.yaml"
    bad.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_app(bad)
    assert str(caught.value) == f"{bad}:{where}: invalid YAML: {message}"
