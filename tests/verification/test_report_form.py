"""The JSON form of a verification and the paths a listing gives: what report.json holds for each verdict,
that it shares nothing with the live verdicts, and that a found path is cut relative to the root exactly as
posixpath.relpath would cut it. Pure: built verdicts and strings, no phone."""

from __future__ import annotations

import json
import posixpath

import pytest

from pytest_phonebackup.verification.judging import relative_to_root
from pytest_phonebackup.verification.model import ItemVerdict, Report, Verdict

BAD = b"DCIM/caf\xe9.jpg".decode("utf-8", "surrogateescape")  # a Latin-1 name, not UTF-8


def _report(verdicts: list[ItemVerdict]) -> Report:
    return Report(profile="smoke", seed=7, serial="emulator-5554", verdicts=verdicts,
                  policy={"allow_extras": False}, seconds=1.23456, phone_calls=3, pulled=1, app="demo")


def test_an_item_verdict_form_holds_every_field_with_the_verdict_as_its_name():
    verdict = ItemVerdict(Verdict.MOVED, "DCIM/a.jpg", True, "same bytes elsewhere", found="Pictures/a.jpg",
                          item_id="p1", kind="photo", size=42, details={"exif": ["DateTimeOriginal"]},
                          stage="restore")
    assert verdict.to_dict() == {
        "verdict": "moved", "path": "DCIM/a.jpg", "ok": True, "reason": "same bytes elsewhere",
        "found": "Pictures/a.jpg", "item_id": "p1", "kind": "photo", "size": 42,
        "details": {"exif": ["DateTimeOriginal"]}, "stage": "restore"}


def test_an_item_verdict_form_shares_nothing_with_the_verdict():
    verdict = ItemVerdict(Verdict.METADATA_LOST, "DCIM/a.jpg", False, "EXIF lost",
                          details={"lost": ["GPS"], "nested": {"keys": ["Make"]}})
    form = verdict.to_dict()
    form["details"]["lost"].append("Model")
    form["details"]["nested"]["keys"].clear()
    assert verdict.details == {"lost": ["GPS"], "nested": {"keys": ["Make"]}}


def test_a_report_form_has_its_figures_and_each_verdict_once():
    verdicts = [ItemVerdict(Verdict.INTACT, "DCIM/a.jpg", True, "same bytes", found="DCIM/a.jpg", size=5),
                ItemVerdict(Verdict.MISSING, "DCIM/b.jpg", False, "not found", size=6)]
    form = _report(verdicts).to_dict()
    assert {k: v for k, v in form.items() if k != "verdicts"} == {
        "profile": "smoke", "seed": 7, "serial": "emulator-5554", "app": "demo", "ok": False,
        "worst": "missing", "counts": {"intact": 1, "missing": 1}, "seconds": 1.235, "phone_calls": 3,
        "pulled": 1, "policy": {"allow_extras": False}}
    assert [v["path"] for v in form["verdicts"]] == ["DCIM/a.jpg", "DCIM/b.jpg"]
    assert [v["verdict"] for v in form["verdicts"]] == ["intact", "missing"]
    assert "verdicts_bytes" not in form


def test_a_report_keeps_a_non_utf8_path_and_found_name_through_save_and_load(tmp_path):
    verdict = ItemVerdict(Verdict.RENAMED, BAD, True, "same bytes, other name", found=BAD + ".bak",
                          details={"names": [BAD, "plain.jpg"]})
    form = json.loads(json.dumps(_report([verdict]).to_dict()))
    item = form["verdicts"][0]
    assert item["path_bytes"] == "RENJTS9jYWbpLmpwZw=="  # base64 of the exact bytes b"DCIM/caf\xe9.jpg"
    assert item["details"]["names_bytes"][1] is None
    _report([verdict]).save(tmp_path / "report.json")
    loaded = Report.load(tmp_path / "report.json").verdicts[0]
    assert (loaded.path, loaded.found, loaded.verdict) == (BAD, BAD + ".bak", Verdict.RENAMED)
    assert loaded.details == {"names": [BAD, "plain.jpg"]}


@pytest.mark.parametrize(("path", "root", "relative"), [
    ("/sdcard/DCIM/a.jpg", "/sdcard", "DCIM/a.jpg"),
    ("/sdcard/DCIM/Camera/b c.jpg", "/sdcard/DCIM", "Camera/b c.jpg"),
    ("/sdcard/DCIM//a.jpg", "/sdcard", "DCIM/a.jpg"),
    ("/sdcard/DCIM/./a.jpg", "/sdcard", "DCIM/a.jpg"),
    ("/sdcard/DCIM/../Pictures/a.jpg", "/sdcard", "Pictures/a.jpg"),
    ("/sdcard/DCIM/..", "/sdcard", "."),
    ("/sdcard2/a.jpg", "/sdcard", "../sdcard2/a.jpg"),
    ("/storage/emulated/0/a.jpg", "/sdcard", "../storage/emulated/0/a.jpg"),
    ("/sdcard/..x/a.jpg", "/sdcard", "..x/a.jpg"),
])
def test_a_found_path_is_cut_as_relpath_cuts_it(path, root, relative):
    assert relative_to_root(path, root) == relative
    assert posixpath.relpath(path, root) == relative  # the reference it stands in for


def test_a_non_utf8_found_path_keeps_its_bytes_when_cut():
    assert relative_to_root("/sdcard/" + BAD, "/sdcard") == BAD


def test_a_plain_verdict_form_equals_the_encoded_form_of_the_same_fields():
    plain = ItemVerdict(Verdict.INTACT, "DCIM/a.jpg", True, "same bytes, same place, same time",
                        found="DCIM/a.jpg", item_id="p1", kind="photo", size=9)
    unicode = ItemVerdict(Verdict.INTACT, "DCIM/照片.jpg", True, "same bytes", found="DCIM/照片.jpg")
    assert plain.to_dict() == {"verdict": "intact", "path": "DCIM/a.jpg", "ok": True,
                               "reason": "same bytes, same place, same time", "found": "DCIM/a.jpg",
                               "item_id": "p1", "kind": "photo", "size": 9, "details": {}, "stage": ""}
    assert unicode.to_dict()["path"] == "DCIM/照片.jpg" and "path_bytes" not in unicode.to_dict()
    missing = ItemVerdict(Verdict.MISSING, BAD, False, "not found")
    assert missing.to_dict()["found"] is None and missing.to_dict()["path_bytes"] == "RENJTS9jYWbpLmpwZw=="


def test_a_plain_verdict_form_shares_no_details_with_the_verdict():
    plain = ItemVerdict(Verdict.INTACT, "DCIM/a.jpg", True, "same bytes")
    plain.to_dict()["details"]["added"] = 1
    assert plain.details == {}
