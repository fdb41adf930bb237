"""Shared media fixtures: the edge profile is generated once per session (its 75 MB and 100 MP items
are big) with the generation cache kept in pytest's cache folder, so later sessions only copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_phonebackup.manifest import Manifest
from pytest_phonebackup.media import Cache, Profile, generate, load_profile


@dataclass
class Generated:
    profile: Profile
    manifest: Manifest
    folder: Path

    def item(self, item_id: str):
        return next(item for item in self.manifest.items if item.id == item_id)

    def spec(self, item_id: str):
        return next(spec for spec in self.profile.specs if spec.id == item_id)

    def file(self, item_id: str) -> Path:
        return self.folder / self.item(item_id).path


@pytest.fixture(scope="session")
def media_cache(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Cache:
    """Kept across sessions in pytest's cache folder (a temporary one under `-p no:cacheprovider`)."""
    cache = getattr(pytestconfig, "cache", None)
    return Cache(cache.mkdir("phonebackup-media") if cache else tmp_path_factory.mktemp("media-cache"))


@pytest.fixture(scope="session")
def edge(tmp_path_factory: pytest.TempPathFactory, media_cache: Cache) -> Generated:
    profile = load_profile("edge", seed=7)
    folder = tmp_path_factory.mktemp("edge")
    return Generated(profile, generate(profile, 7, folder, cache=media_cache, progress=False), folder)


@pytest.fixture(scope="session")
def formats(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    profile = load_profile("formats", seed=7)
    folder = tmp_path_factory.mktemp("formats")
    cache = Cache(tmp_path_factory.mktemp("formats-cache"))
    return Generated(profile, generate(profile, 7, folder, cache=cache, progress=False), folder)
