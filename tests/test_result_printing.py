"""What a user sees when printing results: a shell result prints as its stdout, and a round trip's
timings print as an aligned table."""

from __future__ import annotations

from pathlib import Path

from pytest_phonebackup import ShellResult
from pytest_phonebackup.observer import PhaseTiming
from pytest_phonebackup.roundtrip import RoundTripResult


def test_a_shell_result_prints_as_its_stdout():
    result = ShellResult(status=1, stdout="IMG_1.jpg\nIMG_2.jpg\n", stderr="ls: x: No such file\n")
    assert str(result) == "IMG_1.jpg\nIMG_2.jpg\n"
    assert f"{result}" == "IMG_1.jpg\nIMG_2.jpg\n"
    assert not result.ok and result.status == 1
    assert ShellResult(0, "", "").ok


def test_the_timing_table_has_a_row_per_phase_and_a_total():
    timings = [PhaseTiming("seed", 2.0, {"items": 20}), PhaseTiming("backup", 6.0, {"bytes": 1000, "items": 20}),
               PhaseTiming("verify", 0.04)]
    result = RoundTripResult(manifest=None, report=None, timings=timings, workdir=Path("."))  # type: ignore[arg-type]
    assert result.timing_table().splitlines() == [
        "phase    seconds   share  figures",
        "seed         2.0     25%  items 20",
        "backup       6.0     75%  bytes 1000, items 20",
        "verify       0.0      0%",
        "total        8.0    100%",
    ]


def test_an_empty_timing_table_is_only_its_header_and_total():
    result = RoundTripResult(manifest=None, report=None, timings=[], workdir=Path("."))  # type: ignore[arg-type]
    assert result.timing_table().splitlines() == ["phase   seconds   share  figures", "total       0.0      0%"]


def test_the_readme_documents_every_public_phone_method():
    import inspect
    import re

    from pytest_phonebackup import Phone

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Phone API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(?:Phone\.)?([a-z_]+)[`(]", section))
    public = {name for name, _ in inspect.getmembers(Phone) if not name.startswith("_")}
    assert public - documented == set()
