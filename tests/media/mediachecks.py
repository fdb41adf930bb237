"""One check used by several test files: a generated file is what its spec and manifest item say,
as read back by the independent readers in probe.py (Pillow, pillow-heif, PyAV)."""

from __future__ import annotations

from pathlib import Path

from pytest_phonebackup.manifest import MediaItem
from pytest_phonebackup.media import MediaSpec, probe


def assert_file_matches(path: Path, spec: MediaSpec, item: MediaItem) -> None:
    found = probe(path)
    assert (found.size, found.sha256) == (item.size, item.sha256), spec.id
    assert path.stat().st_mtime == spec.mtime == item.mtime, f"{spec.id}: mtime is not the capture time"
    if spec.format in ("empty", "text"):
        assert not found.decodes and found.width is None, spec.id
        return
    assert found.format == spec.format, f"{spec.id}: content is {found.format}, spec says {spec.format}"
    assert (found.width, found.height) == (spec.width, spec.height) == (item.width, item.height), spec.id
    if spec.damage:
        assert not found.decodes, f"{spec.id} is damaged on purpose but decodes"
        return
    assert found.decodes, f"{spec.id} does not decode: {found.error}"
    expected = spec.expected_metadata()
    assert item.metadata == expected, spec.id
    assert {key: found.metadata.get(key) for key in expected} == expected, f"{spec.id}: metadata read back differs"
    if spec.kind == "video":
        assert found.duration is not None and abs(found.duration - spec.duration) < 0.1, spec.id
        assert found.codecs[:2] == ["h264", "aac"], spec.id
        if spec.bytes is None:
            assert item.size == found.size
    if spec.bytes is not None:
        assert found.size == spec.bytes, f"{spec.id}: {found.size} bytes, spec says exactly {spec.bytes}"
