"""Generated inputs for sort, uniq, cut, wc and grep: hypothesis writes a small text file to both
sides and picks options, and the phone (over the real adb) must answer exactly as toybox + mksh
do. tr has no oracle in Debian's toybox, so it is compared with coreutils' tr, which agrees with
toybox's on the sets generated here.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import make_trees, oracle_skip_reason

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

line = st.text(alphabet="abB1 2,-\t.x", max_size=8)
text = st.builds(lambda rows, end: ("\n".join(rows) + end).encode(),
                 st.lists(line, min_size=0, max_size=8), st.sampled_from(["\n", "", "\n"]))


@pytest.fixture(scope="module")
def gen_trees(shell_phone, adb_server, oracle_dir):
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, "generated", {"in.txt": b""}, {})


def check_on(trees, data: bytes, command: str) -> None:
    for root in (trees.host, trees.phone_host):
        (root / "in.txt").write_bytes(data)
    expected, actual = trees.both(command)
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, expected.status), (
        f"\ncommand: {command}\ninput: {data!r}\ntoybox: {expected.status} {expected.stdout!r} "
        f"{expected.stderr!r}\nphone:  {actual.status} {actual.stdout!r} {actual.stderr!r}")


SORT_OPTIONS = ["", "-r", "-n", "-f", "-u", "-k2", "-k2,2", "-k1.2", "-t, -k2", "-s -k1,1", "-b -k2",
                "-nr -k2", "-t, -k2n,2", "-fu", "-k2,2 -k1,1r", "-t ' ' -k2", "-n -u"]


@SETTINGS
@given(data=text, options=st.sampled_from(SORT_OPTIONS))
def test_sort_matches_toybox(gen_trees, data, options):
    check_on(gen_trees, data, f"sort {options} in.txt")


UNIQ_OPTIONS = ["", "-c", "-d", "-u", "-i", "-f1", "-s1", "-w2", "-ci", "-c -f1", "-d -s2", "-u -w1"]


@SETTINGS
@given(data=text, options=st.sampled_from(UNIQ_OPTIONS))
def test_uniq_matches_toybox(gen_trees, data, options):
    check_on(gen_trees, data, f"uniq {options} in.txt")


ranges = st.lists(st.sampled_from(["1", "2", "3", "1-2", "2-", "-2", "3-5", "1,3", "2-3"]), min_size=1,
                  max_size=2).map(",".join)


@SETTINGS
@given(data=text, selector=st.sampled_from(["-c", "-b", "-d, -f", "-f", "-s -d, -f", "-d' ' -f"]), spec=ranges)
def test_cut_matches_toybox(gen_trees, data, selector, spec):
    check_on(gen_trees, data, f"cut {selector} {spec} in.txt")


@SETTINGS
@given(data=text, options=st.sampled_from(["", "-l", "-w", "-c", "-m", "-lw", "-cl"]))
def test_wc_matches_toybox(gen_trees, data, options):
    check_on(gen_trees, data, f"wc {options} in.txt")


pattern = st.lists(st.sampled_from(["a", "b", "B", ".", "*", "^", "$", "[ab]", "[^a]", "1", " ", "x*",
                                    "\\.", "[[:digit:]]", ","]), min_size=1, max_size=3).map("".join)


@SETTINGS
@given(data=text, regex=pattern,
       options=st.sampled_from(["", "-i", "-v", "-c", "-o", "-n", "-w", "-x", "-E", "-F", "-vc", "-on", "-iw"]))
def test_grep_matches_toybox(gen_trees, data, regex, options):
    check_on(gen_trees, data, f"grep {options} -e {shlex.quote(regex)} in.txt")


tr_set = st.sampled_from(["a-z", "ab", "abc", "[:digit:]", "[:upper:]", "[:space:]", "a\\n", ",.", "x-z",
                          "[:alpha:]", "1-2"])


@pytest.mark.skipif(shutil.which("tr") is None, reason="coreutils tr (the reference for tr) is missing")
@SETTINGS
@given(data=text, options=st.sampled_from(["", "-d", "-s", "-c", "-cd", "-ds", "-cs"]), set1=tr_set,
       set2=st.sampled_from(["A-Z", "xy", "_", "[:upper:]", "0-9", "-"]))
def test_tr_matches_coreutils(gen_trees, data, options, set1, set2):
    args = [set1] if "d" in options and "s" not in options else [set1, set2]
    if "s" in options and "d" not in options and len(args) == 2 and options == "-s":
        args = [set1]
    command = " ".join(["tr", options, *map(shlex.quote, args)])
    expected = subprocess.run(["sh", "-c", command], input=data, capture_output=True,
                              env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    assume(expected.returncode == 0)  # set pairs coreutils refuses say nothing about toybox
    actual = gen_trees.phone_run(command, stdin=data)
    assert (actual.stdout, actual.status) == (expected.stdout, expected.returncode), (
        f"\ncommand: {command}\ninput: {data!r}\ncoreutils: {expected.returncode} {expected.stdout!r} "
        f"{expected.stderr!r}\nphone: {actual.status} {actual.stdout!r} {actual.stderr!r}")


replacement = st.lists(st.sampled_from(["X", "&", "\\1", "", "-", "\\&", "<&>"]), max_size=3).map("".join)


@SETTINGS
@given(data=text, regex=pattern.filter(lambda p: "\\" not in p), repl=replacement,
       flags=st.sampled_from(["", "g", "2", "p", "gp", "I"]), quiet=st.booleans())
def test_sed_substitution_matches_toybox(gen_trees, data, regex, repl, flags, quiet):
    script = f"s/\\({regex}\\)/{repl}/{flags}" if "\\1" in repl else f"s/{regex}/{repl}/{flags}"
    assume("2" not in flags)  # toybox 0.8.9 prints uninitialised bytes for s///N
    check_on(gen_trees, data, f"sed {'-n ' if quiet else ''}{shlex.quote(script)} in.txt")
