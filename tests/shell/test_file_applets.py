"""The phone's file applets against the oracle (Debian's toybox 0.8.9 under mksh) through the real
adb, plus pinned output lines for what the oracle cannot show (the phone's own capacity, dd and
xargs -I, which Debian's toybox build lacks) and pipelines over a 10,000-file tree.

Normalisations (all in oracle.py): mksh's "E: "/"W: " message tags are dropped, and the oracle's
tree path is replaced by the phone's folder in absolute paths. Nothing else is rewritten.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from oracle import STANDARD_TREE, oracle_skip_reason, run_phone

oracle = pytest.mark.skipif(oracle_skip_reason() is not None, reason=oracle_skip_reason() or "")
pytestmark = pytest.mark.oracle

LS = [
    "ls", "ls -a DCIM", "ls -1", "ls -p", "ls -R", "ls -s", "ls -n", "ls -l", "ls -d DCIM Music",
    "ls -ld link_to_dcim", "ls link_to_dcim", "ls -l link_to_dcim", "ls -l Pictures", "ls -la emptydir",
    "ls -s DCIM/Camera", "ls a.txt nonexist DCIM", "ls -lR Pictures", "ls -1a Music", "ls -ls Download",
    "ls dangling", "ls -l dangling", "ls DCIM a.txt", "ls -l DCIM a.txt b.log", "ls -s a.txt empty",
    "ls -R link_to_dcim", "ls -d DCIM/*", "ls -ln link_to_a", "ls -p link_to_dcim", "ls -lp link_to_dcim",
    "ls emptydir", "ls -A Music", "ls -l emptydir", "ls -R a.txt", "ls -dR DCIM", 'ls ""', "ls DCIM Music",
    "ls -z", "ls -ld *", "ls -s -1 DCIM/Camera/*", "ls -lnR DCIM", "ls -1p Pictures",
    "ls -t", "ls -S", "ls -r", "ls -F", "ls -lt Pictures", "ls -lS DCIM/Camera", "ls -lh Download",
    "ls -sh Download", "ls -1F link_to_dcim link_to_a", "ls -lhs Pictures", "ls -h DCIM",
    "ls --full-time a.txt", "ls -ll a.txt DCIM", "ls --color=never a.txt", "ls --color a.txt",
    "ls -lu a.txt b.log empty", "ls -tu a.txt b.log empty", "stat --format=%s a.txt",
]
STAT = [
    # %X only for files: listing a folder or reading a link moves its access time on either side.
    'stat -c "%n|%s|%Y|%y|%a|%A|%F|%h|%u|%g|%U|%G" a.txt DCIM dangling empty link_to_a',
    'stat -c "%n %X %x" a.txt b.log empty Download/big.dat',
    'stat -L -c "%n %F %s" link_to_a link_to_dcim', "stat nonexist", "stat -c %q a.txt",
    'stat -c "%x|%w|%W|%o|%B|%b|%f|%N|%R|%T|%C" a.txt', 'stat -c "%%|%m|%e" a.txt', "stat", "stat -c",
    'stat -c "%-10n|%5s|%05a" a.txt', 'stat -c "%N" link_to_dcim',
]
FIND = [
    'find . -name "*.jpg"', "find DCIM Music", "find . -type d", "find . -type l", "find . -maxdepth 1 -type f",
    "find . -mindepth 3", "find . -size +10k", "find . -size -2", "find . -newer a.txt", "find . -mtime -1",
    "find . -mmin -5", 'find . -iname "*.JPG"', 'find . -path "*Camera*"', "find . -regex '.*jpg'", "find . -iregex '.*JPG'",
    'find . -printf "%p|%P|%f|%s|%T@|%t|%m|%y\\n" -name a.txt', "find . -name Pictures -prune -o -print",
    'find . ! -type d -name "*.*"', "find . \\( -name a.txt -o -name b.log \\)",
    'find . -name "*.txt" -exec cat {} \\;', 'find . -name "*.log" -exec ls -l {} +', "find nonexist",
    "find . -print0 -name a.txt", "find . -bogus", "find -name a.txt", "find link_to_dcim",
    "find -L link_to_dcim", "find . -empty",
    'find . -name a.txt -printf "[%P][%p][%f][%m][%M][%u][%g][%U][%G][%l]\\n"',
    'find DCIM -printf "%P|%-12f|%5s|%T@\\n"', 'find link_to_a -printf "%l %y\\n"', "find . -size 1 -type f",
    "find . -size 6c", "find . -size -1k", "find . -mtime +400", "find . -mtime +30 -mtime -500",
    "find . -mmin +1 -mmin -10", "find . -maxdepth 0", "find . ! -maxdepth 1", "find . -bogus x",
    "find . -name", "find . -exec echo {} \\; -name a.txt", "find . -type f -exec echo {} +", "find . -type x",
    'find DCIM -mindepth 1 -maxdepth 1 -printf "%f\\n"', "find . -newer nonexist", "find emptydir -delete; ls",
    'find . -name "*.jpg" -delete; find DCIM', 'find . -type f -name "*.mp3" -o -type l',
    "find -H link_to_dcim", 'find . -name "[ab].*"', 'find . -path "./DCIM/*" -name "*.jpg"',
    'find . -iname "ünïcödé*"', "find DCIM/ -type f", 'find . -name "*.jpg" -o -name "*.png" -print',
    "find . -exec false {} \\; -print", "find . -type f -print0 | xargs -0 ls -ld",
    "find . -type f -exec sh -c 'echo \"[$1]\"' _ {} \\;", 'find DCIM -name "*.jpg" | xargs -n1 basename',
    "find . -type d -empty", 'find . -links 1 -type f -name "a*"', 'find . -perm 644 -name "a*"',
    'find . -user root -name "b*"', "find . -newer b.log -type f", "find . -perm -444 -type l",
]
XARGS = [
    'printf "a b\\nc\\n" | xargs echo', 'printf "a b\\nc\\n" | xargs -n 1 echo',
    'printf "a\\0b c\\0" | xargs -0 -n1 echo', "echo | xargs echo hi", 'printf "" | xargs echo nothing',
    "echo a | xargs false; echo $?", "echo a | xargs nosuch; echo $?", "find DCIM -type f | xargs ls -l",
    "find . -type f -print0 | xargs -0 -n 2 echo", 'printf "1\\n2\\n3\\n4\\n5\\n" | xargs -n 2',
    "echo '\"a b\" c' | xargs echo", "printf '  lead  trail  \\n\\n' | xargs echo [ ]", "printf 'x\\ny\\n' | xargs -t echo",
    "printf '' | xargs -r echo nothing", "printf 'a\\0\\0b\\0' | xargs -0 echo",
    "seq 1 5 | xargs -n 2 sh -c 'echo $#: $*' sh", "printf 'a\\nb\\n' | xargs -E b echo",
]
CHANGES = [
    "cp a.txt x; cat x", "cp nonexist y", "cp DCIM z", "cp -r DCIM z && find z", "cp a.txt b.log emptydir && ls emptydir",
    "cp a.txt b.log nonexist", 'cp -p b.log p && stat -c "%Y %a" p', "cp -a link_to_a la && ls -l la",
    "cp link_to_a lb && ls -l lb | cut -c1-25", "cp -r link_to_dcim ld; ls -ld ld | cut -c1-20", "cp", "cp a.txt",
    "cp a.txt a.txt", "cp DCIM emptydir", "cp -r DCIM emptydir; find emptydir", "cp a.txt emptydir/nonexist/x",
    "cp -r DCIM/ copy/ && ls copy", "cp -n a.txt b.log; cat b.log",
    'cp -a DCIM keep && find keep -printf "%p %T@ %m\\n"',
    "mv x y; ls x y", "mv nonexist z", "mv a.txt emptydir/; ls emptydir", "mv emptydir DCIM; ls DCIM",
    "mv -n a.txt b.log; cat b.log", "mv link_to_dcim moved; ls -l moved | cut -c1-10; ls DCIM", "mv nonexist",
    "mv a.txt emptydir/nonexist/x",
    "rm nonexist", "rm -f nonexist; echo $?", "rm DCIM", "rm -r DCIM; ls", "rm", "rm -rf DCIM/; ls -d DCIM",
    "rm link_to_dcim; ls DCIM", "rm -r nonexist", "rm -rf",
    "rmdir Music", "rmdir nonexist", "rmdir emptydir; ls -d emptydir", "rmdir -p",
    "mkdir -p a/b/c && rmdir -p a/b/c && ls -d a", "mkdir a.txt", "mkdir -p new/deep/er && find new",
    "mkdir newx/y", "mkdir -p a.txt/b", "mkdir", "mkdir -p emptydir; echo $?", "mkdir emptydir",
    "mkdir -m 700 priv && stat -c %a priv",
    'cp -rp Pictures pc && find pc -printf "%p %T@\\n"', "cp -R DCIM/ d2; ls d2", "mv Music Pictures; find Pictures -maxdepth 1",
    "mkdir -p x/y && touch x/y/z && rm -r x && ls x", 'touch -d "@1234567890" new && ls -l new',
    "ln -sfn Music link_to_dcim; ls -l link_to_dcim",
    # links at either end of cp, mv, mkdir -p and ln -f (found by generated sequences)
    "cp -p Music/song.mp3 link_to_a; ls -l a.txt link_to_a", "cp link_to_dcim new; ls -l new",
    "cp -a dangling link_to_a; cp -a empty dangling; find . -type l -printf '%p %l\\n' | sort",
    "cp -p dangling DCIM/Camera; echo $?", "cp -r Pictures/deep dangling; echo $?; ls nowhere",
    "mv -n emptydir dangling; echo $?", "mv -n nonexist a.txt; echo $?", "mv Pictures/deep empty; echo $?",
    "mv DCIM/Camera DCIM; echo $?; find DCIM -maxdepth 1", "mkdir -p nonexist dangling; echo $?; ls nowhere",
    "mkdir -p link_to_a; echo $?", "mkdir -p b.log DCIM; echo $?", "ln a.txt DCIM/Camera; ls -l DCIM/Camera/a.txt",
    "ln -sf DCIM/Camera link_to_dcim; echo $?",
    'touch -d 2020-01-02T03:04:05 a.txt; stat -c "%y %x" a.txt', 'touch -t 202001020304.05 b.log; stat -c "%y" b.log',
    'touch -m -d @1600000000 a.txt; stat -c "%Y %X" a.txt', 'touch -a -d @1500000000 a.txt; stat -c "%Y %X" a.txt',
    "touch -r b.log empty; stat -c %Y empty", "touch nodir/x", 'touch -d "2021-05-06 07:08:09" a.txt; stat -c %Y a.txt',
    "touch -d bad a.txt", "touch -c nothere; ls nothere", "touch", 'touch -t 01020304 empty; stat -c "%y" empty',
    "ln -s a.txt s1; readlink s1", "ln -s a.txt link_to_a", "ln -sf b.log link_to_a; readlink link_to_a",
    "ln a.txt hard; stat -c %h a.txt", "ln -s", "ln -s a.txt", "ln -s a.txt emptydir && ls -l emptydir | cut -c1-10",
]
ODD = ("mkdir odd && cd odd && for c in 01 07 08 09 0a 0b 0c 0d 1b 7f; do touch \"x$(printf \"\\\\x$c\")\"; done && "
       "touch 'sp ace' 'b\\\\s' \"$(printf 'u\\\\342\\\\200\\\\256')\" \"$(printf 'z\\\\302\\\\205')\" \"$(printf '\\\\377\\\\376')\" "
       "\"$(printf '\\\\303\\\\251')\" && ln -s \"$(printf 't\\\\tx')\" link && ")
NAMES = [
    ODD + "ls -b", ODD + "ls -q", ODD + "ls -1b", ODD + "ls -lbn link", ODD + "ls -lqn link", ODD + "ls",
    "readlink a.txt; echo $?", "readlink -f link_to_dcim/Camera/../..", "readlink -f nonexist/x; echo $?",
    "readlink -f dangling", "readlink -f .", "readlink", "readlink link_to_a link_to_dcim",
    "realpath link_to_a", "realpath nonexist", "realpath nonexist/x", "realpath dangling",
    "realpath link_to_dcim/Camera/", "realpath", "realpath a b",
    "basename /a/b/c.txt .txt", "basename /a/b/", "basename", "basename /", "basename -s .jpg a.jpg b.jpg",
    "basename -a /x/y z/w", "dirname /a/b/c", "dirname c", "dirname /a/b/ x/y", "dirname /", "dirname",
]
DU_TAR = [
    "du", "du -s .", "du -a DCIM", "du -k Download", "du -h Download", "du -s nonexist", "du -sh *",
    "du -c a.txt b.log", "du -a emptydir", "du -d 1 Pictures", "du -b a.txt",
    "tar cf ../x.tar DCIM a.txt && tar tf ../x.tar", "tar cf - a.txt | tar tf -",
    "tar cf - DCIM link_to_a dangling | tar tvf -",
    'tar cf - DCIM | (mkdir ex && cd ex && tar xf - && find DCIM -printf "%p %s %T@ %m\\n")',
    "tar tf nonexist", "tar cf /dev/null nonexist; echo $?", "tar", "tar cf - a.txt b.log | tar xf - -O a.txt",
    "tar -cf - -C DCIM Camera | tar -tf -", "tar cvf ../v.tar a.txt", "tar xvf ../nonexist.tar",
    "tar cf - DCIM | tar xvf - -C emptydir", "ls > /dev/full", "find . > /dev/full",
]


def assert_same(trees, command: str) -> None:
    expected, got = trees.both(command)
    assert (got.status, got.stdout, got.stderr) == (expected.status, expected.stdout, expected.stderr), command


@oracle
@pytest.mark.parametrize("command", LS)
def test_ls_matches_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", STAT)
def test_stat_matches_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", FIND)
def test_find_matches_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", XARGS)
def test_xargs_matches_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", CHANGES)
def test_file_changes_match_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", NAMES)
def test_path_names_match_toybox(trees, command):
    assert_same(trees, command)


PERMS = [
    'chmod 600 a.txt && stat -c "%a" a.txt', 'chmod u+x,g=r b.log && stat -c "%a" b.log',
    'chmod -R go-rwx DCIM && find DCIM -printf "%m %P\\n"', 'chmod a=rX emptydir && stat -c "%a" emptydir',
    'chmod +x a.txt && stat -c "%a" a.txt', 'chmod o=u a.txt && stat -c "%a" a.txt', "chmod zz a.txt",
    "chmod 644 nonexist", "chmod", "chmod 644", 'chmod 4755 a.txt && stat -c "%A" a.txt',
    'truncate -s 10 a.txt && stat -c %s a.txt', 'truncate -s -3 b.log && cat b.log', 'truncate -s 5 new && od -c new',
    "truncate -c -s 5 none; ls none", "truncate", "truncate -s 1k a.txt b.log && stat -c %s a.txt b.log",
    "truncate -s +2 a.txt && od -c a.txt", "truncate -s '<3' b.log && cat b.log",
]
SESSION = [
    "pwd", "cd DCIM && pwd", "tty; echo $?", "timeout; echo $?", "timeout 0.2 sleep 3; echo $?",
    "timeout x true; echo $?", "nohup echo x", "nohup; echo $?", "usleep 10; echo $?", "sync; echo $?",
]


def test_timeout_passes_on_the_commands_status(trees):
    got = trees.phone_run("timeout 2 echo hi; echo $?; timeout 1 false; echo $?")
    assert (got.status, got.stdout) == (0, b"hi\n0\n1\n")


@oracle
@pytest.mark.parametrize("command", PERMS)
def test_modes_and_sizes_match_toybox(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", SESSION)
def test_session_commands_match_toybox(trees, command):
    assert_same(trees, command)


GUNZIP = [
    "zcat a.gz", "zcat a.gz b.gz", "zcat a.txt; echo $?", "zcat nonexist a.gz; echo $?", "zcat < b.gz",
    "gunzip a.gz && cat a && ls a.gz", 'gunzip a.gz && stat -c "%Y %a" a', "gunzip -c b.gz", "gunzip a.txt",
    "gunzip -k b.gz && ls b b.gz", "cp a.txt a && gunzip a.gz; echo $?", "gunzip -f -k a.gz && cat a",
    "cp a.txt bad.gz && gunzip bad.gz; echo $?; ls bad*", "cat b.gz | gunzip | wc -c",
]


def _with_gzip_files(trees):
    import gzip

    for root in (trees.host, trees.phone_host):
        (root / "a.gz").write_bytes(gzip.compress(b"alpha\n", mtime=0))
        (root / "b.gz").write_bytes(gzip.compress(b"beta\n" * 5000, mtime=0))
        for name in ("a.gz", "b.gz"):
            os.utime(root / name, (1_700_000_000, 1_700_000_000))
    trees.phone.storage.recount()
    return trees


@oracle
@pytest.mark.parametrize("command", GUNZIP)
def test_gunzip_and_zcat_match_toybox(trees, command):
    assert_same(_with_gzip_files(trees), command)


def test_gzip_writes_data_the_hosts_gzip_reads(trees):
    got = trees.phone_run("gzip b.log && ls b.log b.log.gz; gzip -c a.txt > a.txt.gz; gzip -9 -k -f a.txt")
    assert got.stdout == b"b.log.gz\n" and b"b.log: No such file or directory" in got.stderr
    for name, content in (("b.log.gz", b"line1\nline2\nline3\n"), ("a.txt.gz", b"hello\n")):
        host = subprocess.run(["gzip", "-dc", str(trees.phone_host / name)], capture_output=True, check=True)
        assert host.stdout == content
    assert (trees.phone_host / "a.txt").read_bytes() == b"hello\n"
    stat = trees.phone_run('stat -c "%Y" b.log.gz; printf "x%.0s" $(seq 300) | gzip | gunzip | wc -c')
    assert stat.stdout == f"{1_700_000_000 + 7200}\n300\n".encode()


def test_unzip_lists_extracts_and_refuses_to_overwrite(trees):
    import zipfile

    with zipfile.ZipFile(trees.phone_host / "photos.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("DCIM/IMG_1.jpg", (2023, 11, 14, 22, 13, 20)), b"\xff\xd8" + b"j" * 98)
        zf.writestr(zipfile.ZipInfo("note.txt", (2024, 1, 2, 3, 4, 6)), b"hello zip\n")
    trees.phone.storage.recount()
    listing = trees.phone_run("unzip -l photos.zip")
    assert listing.stdout == (b"Archive:  photos.zip\n"
                              b"  Length      Date    Time    Name\n"
                              b"---------  ---------- -----   ----\n"
                              b"      100  2023-11-14 22:13   DCIM/IMG_1.jpg\n"
                              b"       10  2024-01-02 03:04   note.txt\n"
                              b"---------                     -------\n"
                              b"      110                     2 files\n")
    got = trees.phone_run("unzip photos.zip -d out && cat out/note.txt && wc -c out/DCIM/IMG_1.jpg")
    assert got.stdout == (b"Archive:  photos.zip\n  inflating: out/DCIM/IMG_1.jpg\n  inflating: out/note.txt\n"
                          b"hello zip\n100 out/DCIM/IMG_1.jpg\n")
    again = trees.phone_run("unzip -q photos.zip -d out")
    assert again.status == 1 and b"out/DCIM/IMG_1.jpg" in again.stderr and b"-o" in again.stderr
    assert trees.phone_run("unzip -o -q photos.zip -d out; echo $?; unzip -p photos.zip note.txt").stdout == (
        b"0\nhello zip\n")
    assert trees.phone_run("unzip a.txt").status == 1


FILE = [
    "file *", "file .hidden DCIM/Camera/* Pictures/* Music/* Download/*", "file", "file nonexist a.txt",
    "file -b a.txt DCIM", "file -L link_to_a link_to_dcim dangling", "file media/*", "file -b media/p.png",
]


def _with_media_files(trees):
    import gzip
    import io
    import tarfile
    import zipfile

    from PIL import Image

    files: dict[str, bytes] = {"s.sh": b"#!/system/bin/sh\necho hi\n", "u.txt": "h\u00e9llo\n".encode(),
                               "c.bin": b"abc\x01def", "crlf.txt": b"a\r\nb\r\n", "g.gz": gzip.compress(b"hi", mtime=0)}
    for name, mode, fmt in (("p.png", "RGB", "PNG"), ("q.png", "RGBA", "PNG"), ("g.png", "L", "PNG"),
                            ("i.gif", "RGB", "GIF"), ("b.bmp", "RGB", "BMP"), ("j.jpg", "RGB", "JPEG")):
        out = io.BytesIO()
        Image.new(mode, (3, 2)).save(out, fmt)
        files[name] = out.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a", "b")
    files["z.zip"] = out.getvalue()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("x")
        tf.addfile(info, io.BytesIO(b""))
    files["t.tar"] = out.getvalue()
    for root in (trees.host, trees.phone_host):
        (root / "media").mkdir()
        for name, data in files.items():
            (root / "media" / name).write_bytes(data)
    trees.phone.storage.recount()
    return trees


@oracle
@pytest.mark.parametrize("command", FILE)
def test_file_names_types_as_toybox(trees, command):
    assert_same(_with_media_files(trees), command)


def test_chown_is_refused_to_the_shell_user(trees):
    got = trees.phone_run("chown root:root a.txt; chgrp -R system DCIM; chown nobody_here a.txt")
    assert got.status == 1
    assert got.stderr == (b"chown: 'a.txt' to 'root:root': Operation not permitted\n"
                          b"chgrp: 'DCIM' to ':system': Operation not permitted\n"
                          b"chown: bad user 'nobody_here'\n")


@oracle
@pytest.mark.parametrize("command", DU_TAR)
def test_du_and_tar_match_toybox(trees, command):
    assert_same(trees, command)


# -- generated command lines ------------------------------------------------------------------
# Not ".": `ls -a` there shows "..", the folder holding the tree, which differs between the copies.
PATHS = ["a.txt", "DCIM", "DCIM/Camera", "link_to_a", "link_to_dcim", "dangling", "emptydir", "Music",
         "Pictures", "nonexist", "empty", "Pictures/deep"]
LS_FLAGS = list("1adlnpRshtSrF")
FIND_TESTS = ["-type f", "-type d", "-type l", '-name "*.jpg"', '-iname "*.JPG"', '-name "[a-c]*"',
              "-maxdepth 1", "-maxdepth 2", "-mindepth 2", "-size +4k", "-size -1", "-empty", "-mtime +400",
              '-path "*/Camera/*"', "-newer a.txt", "-mmin -10", "-prune"]
STAT_FIELDS = list("nsYyaAFhugUG")


@oracle
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=hs.lists(hs.sampled_from(LS_FLAGS), max_size=4, unique=True),
       paths=hs.lists(hs.sampled_from(PATHS), max_size=3))
def test_generated_ls_lines_match_toybox(read_only_trees, flags, paths):
    if "a" in flags and not paths:
        paths = ["DCIM"]
    command = "ls" + (" -" + "".join(flags) if flags else "") + "".join(" " + p for p in paths)
    assert_same(read_only_trees, command)


@oracle
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(starts=hs.lists(hs.sampled_from(["DCIM", "Pictures", ".", "link_to_dcim", "Music"]), min_size=1, max_size=2),
       tests=hs.lists(hs.sampled_from(FIND_TESTS), max_size=3),
       joiner=hs.sampled_from([" ", " -a ", " -o ", " ! "]),
       action=hs.sampled_from(["", " -print", ' -printf "%p %s %m\\n"', " -print0"]))
def test_generated_find_lines_match_toybox(read_only_trees, starts, tests, joiner, action):
    expression = joiner.join(tests) if tests else ""
    if expression.startswith(" ! ") or joiner == " ! " and expression:
        expression = "! " + expression
    command = f"find {' '.join(starts)} {expression}{action}"
    assert_same(read_only_trees, command)


@oracle
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=hs.lists(hs.sampled_from(STAT_FIELDS), min_size=1, max_size=6),
       follow=hs.booleans(), paths=hs.lists(hs.sampled_from(PATHS), min_size=1, max_size=3))
def test_generated_stat_formats_match_toybox(read_only_trees, fields, follow, paths):
    fmt = "|".join("%" + f for f in fields)
    command = f"stat {'-L ' if follow else ''}-c '{fmt}' {' '.join(paths)}"
    assert_same(read_only_trees, command)


# -- pinned lines (what the oracle cannot show) -----------------------------------------------
def test_ls_l_prints_toybox_long_iso_lines(trees):
    got = trees.phone_run("ls -l a.txt DCIM/Camera/IMG_0001.jpg")
    assert got.stdout == (b"-rw-r--r-- 1 root root 5120 2023-10-15 22:13 DCIM/Camera/IMG_0001.jpg\n"
                          b"-rw-r--r-- 1 root root    6 2023-11-14 23:13 a.txt\n")


def test_ls_names_android_users(trees):
    os.chown(trees.phone_host / "a.txt", 10057, 1077)
    os.chown(trees.phone_host / "b.log", 2000, 9997)
    got = trees.phone_run("ls -l a.txt b.log; ls -n a.txt")
    assert got.stdout.splitlines() == [
        b"-rw-r--r-- 1 u0_a57 external_storage  6 2023-11-14 23:13 a.txt",
        b"-rw-r--r-- 1 shell  everybody        18 2023-11-15 00:13 b.log",
        b"-rw-r--r-- 1 10057 1077 6 2023-11-14 23:13 a.txt",
    ]


def test_stat_inode_and_change_time_are_the_files_own(trees):
    got = trees.phone_run("stat -c '%i %Z %h' a.txt")
    info = os.lstat(trees.phone_host / "a.txt")
    assert got.stdout == f"{info.st_ino} {int(info.st_ctime)} 1\n".encode()


def test_stat_default_layout(trees):
    got = trees.phone_run("stat a.txt")
    info = os.lstat(trees.phone_host / "a.txt")
    lines = got.stdout.decode().splitlines()
    assert lines[0] == "  File: a.txt"
    assert lines[1] == "  Size: 6\t Blocks: 8\t IO Blocks: 512\t regular file"
    assert lines[2].startswith(f"Device: {info.st_dev:x}h/{info.st_dev}d\t Inode: {info.st_ino}\t Links: 1")
    assert lines[3] == "Access: (0644/-rw-r--r--)\tUid: (    0/    root)\tGid: (    0/    root)"
    assert lines[5] == "Modify: 2023-11-14 23:13:20.000000000 +0000"


def test_df_and_stat_f_show_the_phones_capacity(trees):
    phone = trees.phone
    free_kb = phone.storage.free // 4096 * 4
    total_kb = phone.storage.capacity // 1024
    got = trees.phone_run("df /data /sdcard")
    header, data, shared = got.stdout.decode().splitlines()
    assert header.split() == ["Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted", "on"]
    assert data.split()[1:4] == [str(total_kb), str(total_kb - free_kb), str(free_kb)]
    assert data.split()[-1] == "/data" and shared.split()[-1] == "/storage/emulated"
    statfs = trees.phone_run("stat -f -c '%s %b %f %a' /sdcard")
    assert statfs.stdout == f"4096 {total_kb // 4} {free_kb // 4} {free_kb // 4}\n".encode()


def test_df_follows_what_is_written(trees):
    before = int(trees.phone_run("df /data").stdout.split()[-3])  # Available
    trees.phone_run("dd if=/dev/zero of=fill bs=1M count=8 status=none")
    after = int(trees.phone_run("df /data").stdout.split()[-3])
    assert before - after == 8 * 1024


def test_dd_copies_blocks_and_reports_records(trees):
    got = trees.phone_run("dd if=Download/big.dat of=part bs=1000 skip=10 count=5")
    assert (trees.phone_host / "part").read_bytes() == b"D" * 5000
    lines = got.stderr.decode().splitlines()
    assert lines[:2] == ["5+0 records in", "5+0 records out"]
    assert re.fullmatch(r"5000 bytes \(5\.0 kB\) copied, [0-9.]+ s, .+/s", lines[2])


def test_dd_writes_into_the_middle_with_seek_and_notrunc(trees):
    got = trees.phone_run("dd if=a.txt of=b.log bs=4 seek=1 conv=notrunc status=none")
    assert (got.status, got.stderr) == (0, b"")
    assert (trees.phone_host / "b.log").read_bytes() == b"linehello\n2\nline3\n"


def test_dd_reads_stdin_and_counts_partial_records(trees):
    got = trees.phone_run("printf 'abcdefghij' | dd bs=4 2>err; cat err")
    assert got.stdout.startswith(b"abcdefghij2+1 records in\n2+1 records out\n10 bytes")


def test_xargs_replaces_each_line(trees):
    got = trees.phone_run("printf 'x\\n  y z\\n' | xargs -I {} echo [{}] {}")
    assert got.stdout == b"[x] x\n[y z] y z\n"


def test_find_exec_plus_batches_all_names(trees):
    got = trees.phone_run("find DCIM -type f -exec ls -d {} + | wc -l")
    assert got.stdout.strip() == b"3"


@oracle
def test_tar_archive_is_read_by_real_toybox(trees, tmp_path):
    made = trees.phone_run("tar cf ../shared.tar DCIM a.txt link_to_a")
    assert (made.status, made.stderr) == (0, b"")
    archive = trees.phone_host.parent / "shared.tar"
    listing = subprocess.run(["toybox", "tar", "tvf", str(archive)], capture_output=True, check=True).stdout
    assert listing == trees.phone_run("tar tvf ../shared.tar").stdout
    subprocess.run(["toybox", "tar", "xf", str(archive)], cwd=tmp_path, check=True)
    assert (tmp_path / "DCIM/Camera/IMG_0001.jpg").read_bytes() == STANDARD_TREE["DCIM/Camera/IMG_0001.jpg"]
    assert os.readlink(tmp_path / "link_to_a") == "a.txt"
    assert os.stat(tmp_path / "a.txt").st_mtime == os.stat(trees.phone_host / "a.txt").st_mtime


def test_cp_and_redirects_stop_at_capacity(adb_server, tmp_path):

    from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

    with VirtualPhone(PhoneConfig(data_dir=tmp_path / "small", storage_bytes=1024 * 1024)) as phone:
        adb_server.wait_for(phone.serial)
        free = phone.storage.free
        got = run_phone(adb_server, phone, "/sdcard", "dd if=/dev/zero of=big bs=64k count=40 status=none")
        assert got.status == 1
        assert got.stderr == b"dd: big: No space left on device\n"
        assert phone.storage.free == 0 and os.path.getsize(phone.storage.host("/sdcard/big")) == free
        got = run_phone(adb_server, phone, "/sdcard", "echo more > other; echo $?")
        assert got.stdout == b"1\n"
        assert got.stderr == b"/system/bin/sh: echo: write: No space left on device\n"
        got = run_phone(adb_server, phone, "/sdcard", "rm big && dd if=/dev/zero of=photo.jpg bs=1k count=400"
                        " status=none && cp photo.jpg a.jpg && cp photo.jpg b.jpg")
        assert got.status == 1
        assert got.stderr == b"cp: b.jpg: No space left on device\n"
        assert phone.storage.free == 0


# -- large trees: pipelines stream ------------------------------------------------------------
FILES = 10_000


@pytest.fixture(scope="module")
def big_tree(shell_phone):
    """10,000 small files in 100 folders on the phone, and their expected sha256 lines."""
    root = shell_phone.storage.host("/data/local/tmp/big")
    expected = []
    for n in range(FILES):
        folder = os.path.join(root, f"d{n // 100:02d}")
        os.makedirs(folder, exist_ok=True)
        data = f"file {n}\n".encode() * (n % 7 + 1)
        with open(os.path.join(folder, f"f{n:05d}.jpg"), "wb") as out:
            out.write(data)
        expected.append(f"{hashlib.sha256(data).hexdigest()}  ./d{n // 100:02d}/f{n:05d}.jpg")
    shell_phone.storage.recount()
    return "/data/local/tmp/big", sorted(expected)


def test_find_xargs_sha256sum_over_10000_files(adb_server, shell_phone, big_tree):
    folder, expected = big_tree
    got = run_phone(adb_server, shell_phone, folder, "find . -type f | xargs sha256sum")
    assert got.status == 0, got.stderr
    assert sorted(got.stdout.decode().splitlines()) == expected


def test_find_print0_xargs0_with_counts_over_10000_files(adb_server, shell_phone, big_tree):
    folder, _expected = big_tree
    got = run_phone(adb_server, shell_phone, folder,
                    "find . -name '*.jpg' -print0 | xargs -0 -n 500 ls -d | wc -l; find . -type d | wc -l")
    assert got.stdout.split() == [str(FILES).encode(), b"101"]


def test_pipeline_stops_early_when_the_reader_is_done(adb_server, shell_phone, big_tree):
    folder, _expected = big_tree
    started = time.monotonic()
    got = run_phone(adb_server, shell_phone, folder, "find . -type f | head -3; yes | head -2")
    assert got.stdout.count(b"\n") == 5 and got.stdout.endswith(b"y\ny\n")
    assert got.status == 0
    assert time.monotonic() - started < 30


def test_pipeline_memory_stays_bounded(shell_phone):
    """64 MiB through a three-stage pipeline never sits in memory at once."""
    import tracemalloc

    tracemalloc.start()
    try:
        status, out, err = shell_phone.sh("dd if=/dev/zero bs=64k count=1024 status=none | cat | wc -c")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (status, out.strip(), err) == (0, str(64 * 1024 * 1024).encode(), b"")
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"
