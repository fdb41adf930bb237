"""File names of any bytes: how they are shown to people, kept in manifest.json and report.json with
their exact bytes, and compared across Unicode normalization; and files that are never half written."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_phonebackup.files import write_json
from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.names import display, normalization_change
from pytest_phonebackup.reporting.html import verdict_table_csv
from pytest_phonebackup.verification import ItemVerdict, Report, Verdict

USER_FILE = b"DCIM/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")  # a name that is not UTF-8


def item(path: str) -> MediaItem:
    return MediaItem(path=path, kind="photo", mime="image/jpeg", size=3, sha256="0" * 64, mtime=1.0, id="a")


@pytest.mark.parametrize(("name", "shown"), [
    (USER_FILE, r"DCIM/IMG_\xff\xfe.jpg"),
    ("two\nlines.jpg", r"two\nlines.jpg"),
    ("tab\there\r.jpg", r"tab\there\r.jpg"),
    ("bell\x07esc\x1bdel\x7f.jpg", r"bell\x07esc\x1bdel\x7f.jpg"),
    ("c1\x85.jpg", r"c1\u0085.jpg"),
    ("invoice_\u202egpj.exe", r"invoice_\u202egpj.exe"),
    ("\u2066a\u2067b\u2068c\u2069d\u200ee\u200ff\u061cg\u202a\u202b\u202c\u202d", r"\u2066a\u2067b\u2068c\u2069d\u200ee\u200ff\u061cg\u202a\u202b\u202c\u202d"),
    ("line\u2028sep.jpg", r"line\u2028sep.jpg"),
    ("Фото été 照片 🎉.jpg", "Фото été 照片 🎉.jpg"),
])
def test_display_shows_bad_bytes_controls_and_bidi_visibly(name, shown):
    assert display(name) == shown


def test_normalization_change_names_both_forms():
    nfc, nfd = "Pictures/Caf\u00e9.jpg", "Pictures/Cafe\u0301.jpg"
    assert normalization_change(nfc, nfd) == "name changed Unicode normalization NFC -> NFD"
    assert normalization_change(nfd, nfc) == "name changed Unicode normalization NFD -> NFC"
    assert normalization_change(nfc, nfc) is None
    assert normalization_change(nfc, "Pictures/Cafe.jpg") is None


def test_manifest_keeps_a_non_utf8_name_as_text_and_base64_bytes(tmp_path):
    manifest = Manifest("p", 1, items=[item(USER_FILE), item("DCIM/plain.jpg")],
                        preexisting=["Music/a.mp3", USER_FILE])
    path = manifest.save(tmp_path / "manifest.json")
    data = json.loads(path.read_bytes().decode("utf-8"))  # strict UTF-8: the file is valid text
    first, second = data["items"]
    assert (first["path"], first["path_bytes"]) == ("DCIM/IMG_\\xff\\xfe.jpg", "RENJTS9JTUdf//4uanBn")
    assert second["path"] == "DCIM/plain.jpg" and "path_bytes" not in second
    assert data["preexisting"] == ["Music/a.mp3", "DCIM/IMG_\\xff\\xfe.jpg"]
    assert data["preexisting_bytes"] == [None, "RENJTS9JTUdf//4uanBn"]
    back = Manifest.load(path)
    assert back.items[0].path.encode("utf-8", "surrogateescape") == b"DCIM/IMG_\xff\xfe.jpg"
    assert back.preexisting[1].encode("utf-8", "surrogateescape") == b"DCIM/IMG_\xff\xfe.jpg"
    assert back == manifest


@given(st.lists(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b), min_size=1, max_size=4))
def test_any_bytes_survive_a_manifest_round_trip(tmp_path_factory, names):
    paths = [name.decode("utf-8", "surrogateescape") for name in names]
    path = tmp_path_factory.mktemp("m") / "manifest.json"
    Manifest("p", 1, items=[item(p) for p in paths], preexisting=paths).save(path)
    back = Manifest.load(path)
    assert [i.path.encode("utf-8", "surrogateescape") for i in back.items] == names
    assert [p.encode("utf-8", "surrogateescape") for p in back.preexisting] == names


def test_a_name_that_looks_escaped_stays_what_it_is(tmp_path):
    literal = "DCIM/IMG_\\xff.jpg"  # valid UTF-8 with a real backslash: not the byte 0xff
    back = Manifest.load(Manifest("p", 1, items=[item(literal)]).save(tmp_path / "m.json"))
    assert back.items[0].path == literal


def test_report_keeps_non_utf8_paths_and_shows_them_escaped(tmp_path):
    extra = b"DCIM/restored_\x80\n\xe2\x80\xae.jpg".decode("utf-8", "surrogateescape")
    report = Report("p", 1, "emulator-5554", [ItemVerdict(Verdict.EXTRA, extra, False, "never seeded", found=extra)], {})
    data = json.loads(report.save(tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["verdicts"][0]["path_bytes"] == "RENJTS9yZXN0b3JlZF+ACuKAri5qcGc="
    assert data["verdicts"][0]["found_bytes"] == "RENJTS9yZXN0b3JlZF+ACuKAri5qcGc="
    assert Report.load(tmp_path / "report.json").verdicts[0].path == extra
    assert report.rclone_lines() == [r"+ extra               DCIM/restored_\x80\n\u202e.jpg  (never seeded)"]
    assert r"  + extra               DCIM/restored_\x80\n\u202e.jpg  (never seeded)" in report.summary().splitlines()
    assert verdict_table_csv(report).splitlines()[1] == r"extra,no,+,DCIM/restored_\x80\n\u202e.jpg,DCIM/restored_\x80\n\u202e.jpg,,0,never seeded,,"  # no stage: the backup was not inspected


def test_a_manifest_that_fails_mid_save_leaves_the_old_file_byte_for_byte(tmp_path):
    path = tmp_path / "manifest.json"
    Manifest("p", 1, items=[item("DCIM/a.jpg")]).save(path)
    before = path.read_bytes()
    broken = Manifest("p", 1, items=[item("DCIM/a.jpg"), item("DCIM/b.jpg"), item("DCIM/lone\ud800.jpg")])
    with pytest.raises(TypeError, match="surrogates not allowed"):  # a lone surrogate is no name and no UTF-8
        broken.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["manifest.json"]  # no temporary file left behind


def test_write_json_replaces_only_once_everything_is_written(tmp_path):
    path = tmp_path / "report.json"
    write_json(path, {"n": 1})
    path.chmod(0o640)
    with pytest.raises(TypeError):
        write_json(path, {"first": "written", "then": object()})
    assert path.read_text(encoding="utf-8") == '{\n  "n": 1\n}\n'
    write_json(path, {"n": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"n": 2}
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_verdict_table_html_shows_names_escaped(tmp_path):
    from pytest_phonebackup.reporting.html import verdict_table_html

    extra = b"DCIM/a\nb\xff\xe2\x80\xae.jpg".decode("utf-8", "surrogateescape")
    report = Report("p", 1, "emulator-5554", [ItemVerdict(Verdict.EXTRA, extra, False, "never seeded", found=extra)], {})
    page = verdict_table_html(report, Manifest("p", 1), tmp_path)
    assert r'<div class="path">DCIM/a\nb\xff\u202e.jpg</div>' in page
    assert "\u202e" not in page and "\udcff" not in page


def test_allure_step_titles_show_names_escaped(pytester, plugin_args):
    pytester.makepyfile(test_steps='''
        from pytest_phonebackup.reporting.allure import AllureObserver
        from pytest_phonebackup.observer import PhaseTiming

        def test_step():
            observer = AllureObserver()
            name = b"pull DCIM/a\\nb\\xff\\xe2\\x80\\xae.jpg".decode("utf-8", "surrogateescape")
            observer.phase_started(name)
            observer.phase_finished(PhaseTiming(name, 0.1, {}))
    ''')
    results = pytester.path / "allure-results"
    done = pytester.runpytest_subprocess(*plugin_args, f"--alluredir={results}")
    done.assert_outcomes(passed=1)
    (result,) = [json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-result.json")]
    assert [step["name"] for step in result["steps"]] == [r"pull DCIM/a\nb\xff\u202e.jpg"]
