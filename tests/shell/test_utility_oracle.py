"""Differential tests of toybox's file-making and utility commands (split, dos2unix, expand,
uuidgen, ...): each command line runs through real mksh + toybox on the host and through the
virtual phone over the real adb, each in a fresh copy of a small tree, and the outputs, error
texts and exit statuses must be identical. A failure shows both sides.
"""

from __future__ import annotations

import itertools
import re

import pytest
from oracle import DIR, make_trees, oracle_skip_reason

SMALL_TREE: dict[str, object] = {
    "ten": b"0123456789",
    "photo.bin": bytes(range(256)) + b"tail",
    "photo.uu": b"junk line\nbegin 600 from-uu.bin\n#86)C\nend\n",
    "bad.uu": b"begin 644 bad.bin\nMxx\nend\n",
    "nobegin.uu": b"just text\nbegin\n",
    "lines.txt": b"".join(b"line %d\n" % i for i in range(1, 31)),
    "noeol.txt": b"first\nsecond\nno newline at end",
    "empty": b"",
    "dos.txt": b"a\r\nb\rc\r\r\nd\n\r",
    "unix.txt": b"one\ntwo\r\nthree",
    "tabs.txt": b"x\ty\tz\n12345678\tq\n\tb\bc\nab\r\tc\n\t\t\n",
    "dir/inner.txt": b"inner\n",
    "orig.txt": b"".join(b"line %d\n" % i for i in range(1, 13)),
    "sub/orig.txt": b"".join(b"line %d\n" % i for i in range(1, 13)),
    "gone.txt": b"bye\n",
    "p_ok.diff": b"--- orig.txt\t2024-01-01 00:00:00\n+++ orig.txt\t2024-01-02 00:00:00\n@@ -3,5 +3,5 @@\n line 3\n"
                 b" line 4\n-line 5\n+LINE FIVE\n line 6\n line 7\n",
    "p_multi.diff": b"--- orig.txt\n+++ orig.txt\n@@ -1,3 +1,4 @@\n line 1\n+inserted\n line 2\n line 3\n"
                    b"@@ -9,4 +10,3 @@\n line 9\n line 10\n-line 11\n line 12\n",
    "p_fail.diff": b"--- orig.txt\n+++ orig.txt\n@@ -3,3 +3,3 @@\n line 3\n-line X\n+line Y\n line 5\n"
                   b"@@ -8,3 +8,3 @@\n line 8\n-line 9\n+NINE\n line 10\n",
    "p_fuzz.diff": b"--- orig.txt\n+++ orig.txt\n@@ -4,5 +4,5 @@\n line four\n line 5\n-line 6\n+six\n line 7\n"
                   b" line eight\n",
    "p_new.diff": b"--- /dev/null\n+++ fresh/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n",
    "p_del.diff": b"--- gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n",
    "p_strip.diff": b"--- a/sub/orig.txt\n+++ b/sub/orig.txt\n@@ -1,2 +1,2 @@\n-line 1\n+first\n line 2\n",
    "p_dos.diff": b"--- orig.txt\r\n+++ orig.txt\r\n@@ -1,2 +1,2 @@\r\n-line 1\r\n+uno\r\n line 2\r\n",
    "p_noeol.diff": b"--- noeol.txt\n+++ noeol.txt\n@@ -1,2 +1,2 @@\n-first\n+1st\n second\n",
    "p_loose.diff": b"--- orig.txt\n+++ orig.txt\n@@ -1,3 +1,3 @@\n line  1\n-line 2\n+two\n  line 3\n",
    "para.txt": (b"The quick brown fox jumps over the lazy dog and keeps running far away from here.\n"
                 b"  indented line one\n  indented two\n\n\n\tTabbed para here with words words words words words\n"
                 b"next  para   spaced\n \r x\na\vb\fc\rd e\nh\xc3\xa9llo w\xc3\xb6rld \xc3\xa7\xc3\xa0 va\n"),
    "mixed.txt": b"h\xc3\xa9llo \xff x \xe2\x82\xac\n\xc3",
    "emptydir": DIR,
}

_names = itertools.count()


@pytest.fixture
def fresh(shell_phone, adb_server, oracle_dir):
    """A new copy of SMALL_TREE on both sides, so commands that write files never meet each other."""
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, f"u{next(_names)}", SMALL_TREE, {})


def check(trees, command: str, stdin: bytes = b"") -> None:
    expected, actual = trees.both(command, stdin)
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, expected.status), (
        f"\ncommand: {command}\ntoybox: {expected.status} {expected.stdout!r} {expected.stderr!r}"
        f"\nphone:  {actual.status} {actual.stdout!r} {actual.stderr!r}")


COMMANDS = {
    "split": ["split -l 7 lines.txt && ls && cat xab", "split -b 3 ten p_ && ls p_* && cat p_ad",
              "split -l 2 -a 3 noeol.txt n. && ls n.* && cat n.aab", "split -n 3 ten part && wc -c part*",
              "split -a 1 -l 1 lines.txt r; echo $?; ls r* | tail -n 2", "split -b 1k lines.txt && ls x*",
              "split -b 1b lines.txt big && cmp bigaa lines.txt && echo same", "split empty e; ls e*",
              "split -l 10 - st < lines.txt && ls st* && cat stac", "cat ten | split -b 4 && cat xac",
              "toybox split -l 15 lines.txt t && ls t*", "split nope", "split emptydir", "split -x ten",
              "split -l 0 ten", "split -b -3 ten", "split -a 10 ten", "split -b x ten", "split -l 2x ten",
              "split -l", "split a b c", "split -l 3 -b 4 ten", "split -b 4 -l 3 ten", "split -n 2 -l 3 ten",
              "split -l 3 -n 2 ten", "split -n 3 - q < ten && wc -c q*", "cat ten | split -n 2; echo $?", "split -b 3 ten sub/x", "split -n 20 ten m", "split -n 0 ten"],
    "dos2unix": ["dos2unix dos.txt && od -c dos.txt", "dos2unix < dos.txt | od -c", "dos2unix - < dos.txt | od -c",
                 "dos2unix dos.txt nope unix.txt; echo $?; od -c unix.txt", "printf 'x\\r' | dos2unix | od -c",
                 "cp dos.txt d2 && chmod 600 d2 && dos2unix d2 && ls -l d2 | cut -c1-10",
                 "toybox dos2unix dos.txt && od -c dos.txt", "dos2unix emptydir 2>/dev/null; echo $?", "dos2unix -x"],
    "unix2dos": ["unix2dos unix.txt && od -c unix.txt", "unix2dos < dos.txt | od -c", "unix2dos noeol.txt empty && od -c noeol.txt empty",
                 "printf 'a\\nb' | unix2dos | od -c", "unix2dos nope; echo $?", "toybox unix2dos < unix.txt | od -c",
                 "unix2dos emptydir unix.txt 2>/dev/null; echo $?; od -c unix.txt"],
    "expand": ["expand tabs.txt | od -c", "expand -t 4 tabs.txt", "expand -t 2,5 tabs.txt", "expand -t 3 -t 4 tabs.txt",
               "expand -t '2 5' tabs.txt", "expand -t4, tabs.txt", "expand -t 5,3 tabs.txt", "expand -t x tabs.txt",
               "expand nope tabs.txt; echo $?", "expand emptydir", "printf 'a\\tb' | expand | od -c",
               "expand - < tabs.txt | head -n 1", "toybox expand -t 1 tabs.txt", "expand -t"],
    "uuidgen": ["uuidgen x", "uuidgen -x", "toybox uuidgen -q"],
    "uuencode": ["uuencode photo.bin photo.bin", "uuencode -m photo.bin p", "uuencode n < ten", "uuencode -m n < empty",
                 "uuencode empty e", "uuencode", "uuencode a b c", "uuencode nope x", "uuencode -x a",
                 "toybox uuencode lines.txt l | toybox uudecode -o - | cmp - lines.txt && echo same"],
    "uudecode": ["uuencode photo.bin out.bin | uudecode && cmp out.bin photo.bin && ls -l out.bin | cut -c1-10",
                 "uuencode -m photo.bin o64 | uudecode && cmp o64 photo.bin && echo same",
                 "uuencode ten t | uudecode -o renamed && cat renamed", "uuencode -m ten t | uudecode -o -",
                 "uudecode photo.uu && cat from-uu.bin && ls -l from-uu.bin | cut -c1-10", "uudecode nobegin.uu",
                 "uudecode < empty", "uudecode bad.uu; echo $?; od -c bad.bin", "uudecode nope", "uudecode a b",
                 "uudecode -o", "cp ten t2 && chmod 600 t2 && uuencode ten t2 | uudecode && ls -l t2 | cut -c1-10",
                 "printf 'begin-base64 644 q\naGVsbG8K\n====\n' | uudecode -o - ", "printf 'begin 644 x\n' | uudecode -o -; echo $?"],
    "cal": ["cal 2 2024", "cal 9 1752", "cal 2 1900", "cal 2 2100", "cal 12 9999", "cal 2024", "cal 1", "cal 7 7 2023",
            "cal 13 2024", "cal 0 2024", "cal x", "cal 1 2 3 4", "cal 10000", "cal 30 2 2024", "cal -h 3 2023",
            "cal | wc -l", "cal -x", "toybox cal 6 2024"],
    "mountpoint": ["mountpoint", "mountpoint /", "mountpoint /proc", "mountpoint -q /proc; echo $?", "mountpoint nope",
                   "mountpoint -q nope; echo $?", "mountpoint ten", "mountpoint -q ten; echo $?", "mountpoint .",
                   "mountpoint dir", "mountpoint -x ten", "mountpoint -d -x /", "mountpoint -x nope", "mountpoint -z /",
                   "mountpoint /proc/self/..", "toybox mountpoint /proc"],
    "cpio": ["cpio", "cpio -o -i", "cpio -p -o", "cpio -t -i -o", "cpio -x", "cpio -t -F", "cpio -t < empty", "echo junk | cpio -t",
             "find dir lines.txt | cpio -o | cpio -t", "find dir | cpio -o | cpio -tv", "echo nope | cpio -o | cpio -t",
             "echo nope | cpio -o > /dev/null; echo $?", "find dir ten | cpio -o > arc && mkdir out && cd out && cpio -i < ../arc; echo $?; find . | sort; cat dir/inner.txt",
             "find dir | cpio -o > arc && mkdir o2 && cd o2 && cpio -id < ../arc && cpio -i < ../arc; echo $?",
             "echo dir/inner.txt | cpio -o > arc && mkdir o3 && cd o3 && cpio -i < ../arc; echo $?; cpio -id < ../arc; echo $?; cat dir/inner.txt",
             "find dir | cpio -p nodir || :", "find dir | cpio -p 2>&1 || :", "find dir ten | cpio -pd newdir; echo $?; find newdir | sort",
             "find dir | cpio -pdv made; echo $?; ls -ld made made/dir | cut -c1-10", "cpio -F nofile -t",
             "echo ten | cpio -o -F f.cpio && cpio -tv -F f.cpio && cpio -it --quiet < f.cpio",
             "echo ten | cpio -o -H newc --no-preserve-owner --renumber-inodes --ignore-devno | cpio -t",
             "echo ten | cpio -o --no-preserve-owner --renumber-inodes | od -A d -c | sed -n '1,2p;6,$p'",
             "printf 'empty\\nnoeol.txt\\n' | cpio -o --renumber-inodes --no-preserve-owner | tail -c 150 | od -c",
             "find dir | cpio -o > a1 && echo ten | cpio -o > a2 && cat a1 a2 | cpio -t",
             "echo ten | cpio -o > arc && mkdir u && cd u && cpio -i < ../arc && echo new > ten && cpio -iu < ../arc && cat ten",
             "echo ten | cpio -o > arc && mkdir t && cd t && cpio -i < ../arc && ls -l ten | cut -c1-10 && [ ! ten -nt ../ten ] && [ ! ../ten -nt ten ] && echo same-time",
             "head -c 200 lines.txt > part; echo ten | cpio -o | head -c 120 | cpio -t", "toybox cpio -t < empty"],
    "fmt": ["fmt para.txt", "fmt -w 20 para.txt", "fmt -w 0 para.txt", "fmt -w 1 noeol.txt", "fmt -w -1 para.txt",
            "fmt -w x para.txt", "fmt nope para.txt", "printf 'a b' | fmt | od -c", "fmt -5 para.txt", "fmt -w 10 para.txt",
            "printf 'a\\n\\nb\\n' | fmt", "printf 'x\\n' | fmt - lines.txt", "fmt lines.txt noeol.txt", "fmt empty",
            "fmt emptydir", "toybox fmt -w 30 para.txt"],
    "iconv": ["iconv mixed.txt | od -c", "iconv -f latin1 -t utf8 mixed.txt | od -c", "iconv -t ascii mixed.txt | od -c",
              "iconv -c -t ascii mixed.txt | od -c", "iconv -f utf8 -t utf16le mixed.txt | od -c", "iconv -t UTF-16BE para.txt | od -c | tail -n 3",
              "iconv -t utf-32le ten | od -c", "iconv -f UTF-16LE -t UTF-8 < ten | od -c", "iconv -t ISO-8859-1 -c mixed.txt | od -c",
              "iconv -t nosuch mixed.txt", "iconv -f ebcdic", "iconv nope ten; echo $?", "iconv -x", "iconv -s -t ascii mixed.txt | od -c",
              "iconv -f utf8 -t latin1 para.txt | iconv -f latin1 | cmp - para.txt && echo same", "iconv emptydir",
              "iconv -f US-ASCII -t utf8 mixed.txt | od -c", "toybox iconv -t ascii -c mixed.txt"],
    "patch": ["patch < p_ok.diff && cat orig.txt", "patch -i p_ok.diff && patch -R -i p_ok.diff; echo $?; cat orig.txt",
              "patch -R -i p_multi.diff; echo $?", "printf 'line 1\\ninserted\\nline 2\\nline 3\\n' > both && patch -R both p_multi.diff; cat both",
              "patch -i p_multi.diff && cat orig.txt", "patch -i p_fail.diff; echo $?; cmp orig.txt sub/orig.txt && echo untouched",
              "patch -i p_fuzz.diff; echo $?; sed -n 6p orig.txt", "patch -F 0 -i p_fuzz.diff; echo $?",
              "patch -i p_new.diff && cat fresh/new.txt", "patch -i p_del.diff; echo $?; ls gone.txt",
              "patch -p1 -i p_strip.diff && head -n 2 sub/orig.txt", "patch -p0 -i p_strip.diff; echo $?",
              "patch -i p_strip.diff; echo $?; ls orig.txt", "patch -i p_dos.diff && head -n 2 orig.txt",
              "patch -s -i p_dos.diff && head -n 1 orig.txt", "patch -i p_noeol.diff && od -c noeol.txt | tail -n 3",
              "patch --dry-run -i p_ok.diff && cmp orig.txt sub/orig.txt && echo unchanged", "patch -l -i p_loose.diff && sed -n 2p orig.txt",
              "patch -i p_loose.diff; echo $?", "patch -i p_ok.diff && patch -i p_ok.diff; echo $?",
              "patch lines.txt p_ok.diff; echo $?", "patch sub/orig.txt < p_multi.diff && sed -n 2p sub/orig.txt",
              "patch -d sub -i ../p_ok.diff && sed -n 5p sub/orig.txt", "patch -d nodir -i p_ok.diff", "patch -i nofile",
              "patch -i p_ok.diff nope; echo $?", "patch a b c", "patch -x", "patch -p x", "patch < empty; echo $?",
              "patch -i lines.txt; echo $?", "patch -s -i p_multi.diff; echo $?", "toybox patch -i p_ok.diff && sed -n 5p orig.txt"],
    "install": ["install ten b && ls -l b | cut -c1-10 && cat b", "install -m 644 ten c && ls -l c | cut -c1-10",
                "install -d e/f/g && ls -ld e/f/g | cut -c1-10", "install -D ten h/i/j && ls -l h/i/j | cut -c1-10",
                "install ten emptydir && ls -l emptydir/ten | cut -c1-10", "install -t emptydir ten lines.txt && ls emptydir",
                "install", "install ten", "install nope x", "install -v ten k", "install -m 999 ten z", "install -x",
                "install -dv q/r && ls -d q/r", "install ten lines.txt c", "install -p ten p && ls -l p | cut -c1-10 && [ ! ten -nt p ] && [ ! p -nt ten ] && echo same-time",
                "install -o root ten o1; echo $?", "install -g nosuchgroup ten o2; echo $?", "install -o nosuchuser ten o3",
                "install -d emptydir; echo $?", "install -m u+x ten ux && ls -l ux | cut -c1-10", "install -D ten deep/er/x && cat deep/er/x",
                "install -D -t made/here ten lines.txt && ls made/here", "install dir x && ls -l x | cut -c1-10", "install -m 700 dir zz", "install -v dir vv", "install -d ten/x",
                "chmod 600 noeol.txt && install -m g+r noeol.txt gr && ls -l gr | cut -c1-10", "toybox install -m 700 ten tb && ls -l tb | cut -c1-10"],
    "fallocate": ["fallocate", "fallocate -l 100 f && ls -l f | cut -d' ' -f5", "fallocate -o 10 -l 5 f2 && wc -c < f2",
                  "fallocate f3", "fallocate -l 1k a b", "fallocate -l x f4", "fallocate -l 0 f5; ls f5",
                  "fallocate -l 10 nodir/x", "fallocate -l 2k f && wc -c f", "fallocate -l 4 ten && cat ten",
                  "fallocate -l 2k -o 1 ten && wc -c ten && head -c 10 ten", "toybox fallocate -l 1b t && wc -c t"],
    "fsync": ["fsync", "fsync -d nope", "fsync ten; echo $?", "fsync . dir ten", "fsync -d ten nope lines.txt; echo $?",
              "toybox fsync ten"],
    "flock": ["flock", "flock 3 3<ten; echo $?", "flock -n 9 9<ten; echo $?", "flock -s -u 3 3<ten; echo $?", "flock 1 2",
              "flock -x -s 0; echo $?", "flock -z 0", "toybox flock -n 0; echo $?"],
    "clear": ["clear | od -c", "clear x | od -c", "toybox clear | od -c"],
    "getconf": ["getconf ARG_MAX", "getconf PAGESIZE", "getconf PAGE_SIZE", "getconf CLK_TCK", "getconf LONG_BIT",
                "getconf INT_MAX", "getconf CHAR_BIT", "getconf ULONG_MAX", "getconf PATH_MAX /", "getconf NAME_MAX .",
                "getconf NAME_MAX", "getconf PATH_MAX", "getconf ARG_MAX /", "getconf NOPE", "getconf a b c",
                "getconf -x", "getconf PIPE_BUF dir", "toybox getconf SSIZE_MAX"],
    "chattr": ["chattr", "chattr ten", "chattr +d", "chattr -d nope", "chattr =d +i ten", "chattr +d -d ten",
               "chattr +q ten", "chattr -v x ten", "toybox chattr -R"],
    "ionice": ["ionice", "ionice -c 4 echo", "ionice -n 8 echo", "ionice -c 2 -n 7 echo best-effort",
               "ionice -c 3 echo idle", "ionice -x", "ionice -c x echo", "ionice -p 999999", "ionice -t -c 2 nosuch"],
    "renice": ["renice", "renice 5", "renice -n 1 -p 999999", "renice -n 1 -u nosuchuser", "renice -n x 1", "renice -x",
               "renice -n 1 abc"],
    "taskset": ["taskset", "taskset 1", "taskset -p 999999", "taskset -p abc", "taskset zz echo", "taskset -x",
                "taskset 1 nosuch"],
    "mkfifo": ["mkfifo ff && ls -l ff | cut -c1-10", "mkfifo a b && ls -l a b | cut -c1-10 && test -p a && echo pipe",
               "mkfifo ten", "mkfifo -m 600 f2 && ls -l f2 | cut -c1-10", "mkfifo -m 777 f3 && ls -l f3 | cut -c1-10",
               "mkfifo", "mkfifo nodir/x", "mkfifo -m 999 x", "mkfifo -Z x", "toybox mkfifo p1 ten; echo $?; test -p p1 && echo made",
               "mkfifo dir/p; ls dir; ls -l dir | cut -c1-10"],
    "mknod": ["mknod", "mknod x", "mknod x p && ls -l x | cut -c1-10", "mknod y c", "mknod y c 1", "mknod y q 1 2",
              "mknod ten p", "mknod y p 1 2 && test -p y && echo pipe", "mknod a b c d e", "toybox mknod x p && test -p x && echo pipe"],
    "time": ["toybox time true 2>&1 | sed 's/[0-9][0-9]*/N/g'", "toybox time -p true 2>&1 | sed 's/[0-9][0-9]*/N/g'",
             "toybox time sh -c 'exit 4' 2>/dev/null; echo $?", "toybox time echo hi 2>/dev/null", "toybox time",
             "toybox time -x", "toybox time nosuch 2>&1 | sed 's/[0-9][0-9]*/N/g'; echo $?",
             "toybox time -v true 2>&1 | cut -d: -f1", "toybox time -p false 2>/dev/null; echo $?",
             "{ time true; } 2>&1 | sed 's/[0-9]/N/g'", "{ time echo a | cat; } 2>&1 | sed 's/[0-9]/N/g'",
             "{ time false; echo $?; } 2>&1 | sed 's/[0-9]/N/g'", "{ time; } 2>&1 | sed 's/[0-9]/N/g'",
             "{ time nosuch; } 2>&1 | sed 's/[0-9]/N/g'", "{ time -p true; } 2>&1 | sed 's/[0-9]/N/g'",
             "{ time -p; } 2>&1 | sed 's/[0-9]/N/g'", "{ time -p echo a | cat; } 2>&1 | sed 's/[0-9]/N/g'",
             "{ time sh -c 'exit 3' 2>/dev/null; echo $?; } 2>&1 | sed 's/[0-9]/N/g'", "{ time ! true; echo $?; } 2>&1 | sed 's/[0-9]/N/g'",
             "echo time; t=time; echo $t"],
    "nice": ["nice", "nice echo hi", "nice -n 5 echo five", "nice -n x echo", "nice -n 5", "nice nosuch",
             "nice -5 echo hi", "nice -n 3 nice", "nice sh -c 'exit 6'; echo $?", "toybox nice -n 19 echo low"],
    "setsid": ["setsid echo hi", "setsid", "setsid nosuch", "setsid -w sh -c 'exit 3'", "setsid -x echo",
               "setsid sh -c 'exit 3'", "setsid -c -d echo", "setsid -d echo detached", "toybox setsid -w true; echo $?"],
    "killall": ["killall nosuchproc", "killall", "killall -l", "killall -x", "killall -9 nosuchproc",
                "killall -s HUP nosuchproc", "killall -ZZ nosuchproc", "killall -q nosuchproc", "killall -q -ZZ x",
                "killall -s", "killall -v nosuchproc other", "toybox killall -l | head -n 2"],
}

CASES = [pytest.param(cmd, id=f"{area}: {cmd}") for area, cmds in COMMANDS.items() for cmd in cmds]


@pytest.mark.parametrize("command", CASES)
def test_command_matches_toybox(fresh, command):
    check(fresh, command)


UUID4 = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n")


def test_uuidgen_prints_a_new_random_uuid_each_time(fresh):
    first, second = fresh.phone_run("uuidgen"), fresh.phone_run("toybox uuidgen")
    assert UUID4.fullmatch(first.stdout) and UUID4.fullmatch(second.stdout), (first, second)
    assert first.stdout != second.stdout
    assert (first.status, first.stderr) == (0, b"")


def test_killall_as_the_shell_user_may_not_signal_system_processes(fresh):
    got = fresh.phone_run("killall system_server; echo $?; pidof system_server")
    assert got.stdout == b"1\n560\n"
    assert got.stderr == b"killall: pid 560: Operation not permitted\nkillall: system_server: Operation not permitted\n"


def test_nice_may_not_lower_the_niceness_as_the_shell_user(fresh):
    # nice.c: nice(2) fails with EPERM without CAP_SYS_NICE -> perror_exit, status 125
    got = fresh.phone_run("nice -n -5 echo never; echo $?")
    assert (got.stdout, got.stderr) == (b"125\n", b"nice: Can't set priority: Permission denied\n")


def test_mknod_makes_no_device_node_as_the_shell_user(fresh):
    # mknod(2) of a character or block device needs CAP_MKNOD: EPERM; -m is honoured on Android
    got = fresh.phone_run("mknod dev c 1 3; echo $?; mknod -m 600 p p && ls -l p | cut -c1-10; ls dev")
    assert got.stdout == b"1\nprw-------\n"
    assert got.stderr == b"mknod: dev: Operation not permitted\nls: dev: No such file or directory\n"


@pytest.mark.parametrize(("path", "answer"), [
    ("/data", "/data is a mountpoint"), ("/storage/emulated", "/storage/emulated is a mountpoint"),
    ("/system", "/system is a mountpoint"), ("/data/local/tmp", "/data/local/tmp is not a mountpoint"),
    ("/sdcard", "/sdcard: not a directory"),  # a symlink, which mountpoint lstat()s
])
def test_mountpoint_knows_the_phone_s_mounts(fresh, path, answer):
    got = fresh.phone_run(f"mountpoint {path}")
    assert (got.stdout, got.status) == (f"{answer}\n".encode(), 0 if " is a" in answer else 1)


def test_mountpoint_d_prints_the_mount_s_device_number(fresh):
    got = fresh.phone_run("mountpoint -d /proc; mountpoint -d /data/local/tmp; echo $?")
    assert got.stdout == b"0:21\n254:32\n1\n"


def test_scheduling_the_shell_s_own_processes_works_but_not_others(fresh):
    got = fresh.phone_run("renice -n 2 -p $$; echo $?; renice -n 1 -p 560; echo $?; ionice -p $$; "
                          "ionice -c 3 -p $$; echo $?; ionice -c 2 -p 560; echo $?; ionice -c 1 echo rt; echo $?")
    assert got.stdout == b"0\n1\nunknown: prio 0\n0\n1\n1\n"
    assert got.stderr == (b"renice: setpriority 560: Operation not permitted\nionice: set: Operation not permitted\n"
                          b"ionice: set: Operation not permitted\n")


def test_taskset_shows_every_cpu_of_the_phone_and_may_not_move_system_server(fresh):
    cpus = int(fresh.phone_run("nproc").stdout)
    mask = f"{(1 << cpus) - 1:x}".encode()
    got = fresh.phone_run("taskset -p $$ | cut -d: -f2; taskset -p 1 560; echo $?; taskset 1 echo ran")
    assert got.stdout == b" " + mask + b"\npid 560's current affinity mask: " + mask + b"\n1\nran\n"
    assert got.stderr == b"taskset: failed to set pid 560's affinity: Operation not permitted\n"


def test_chattr_as_the_shell_user(fresh):
    # FUSE storage answers FS_IOC_GETFLAGS with ENOTTY; immutable needs CAP_LINUX_IMMUTABLE
    got = fresh.phone_run("echo x > /sdcard/cflag.txt; chattr +d /sdcard/cflag.txt; chattr +i ten; chattr +d ten; echo $?")
    assert got.stdout == b"0\n"
    assert got.stderr == (b"chattr: read flags of '/sdcard/cflag.txt': Inappropriate ioctl for device\n"
                          b"chattr: ten: setting flags to =ie failed: Operation not permitted\n")


def test_stty_finds_no_terminal_and_more_copies_its_files(fresh):
    got = fresh.phone_run("stty; echo $?; stty -a < ten; stty -F nope; more ten nope; echo; toybox more < ten")
    assert got.stdout == b"1\n0123456789\n0123456789"
    assert got.stderr == (b"stty: tcgetattr standard input: Inappropriate ioctl for device\n"
                          b"stty: tcgetattr standard input: Inappropriate ioctl for device\n"
                          b"stty: nope: No such file or directory\nmore: nope: No such file or directory\n")


def test_watch_reruns_its_command_until_stopped(fresh):
    got = fresh.phone_run("timeout 1.5 watch -n 0.5 -t echo tick; echo $?")
    ticks = got.stdout.split(b"\x1b[H\x1b[J")
    assert [t for t in ticks if t][:2] == [b"tick\n", b"tick\n"] and got.stdout.endswith(b"124\n"), got
    header = fresh.phone_run("timeout 0.3 watch echo hi").stdout
    assert header.startswith(b"\x1b[H\x1b[JEvery 2s: echo hi") and b"localhost: " in header and header.endswith(b"\n\nhi\n")


TOYBOX_LINKS = ("cal cpio dos2unix unix2dos expand fmt iconv install mkfifo mknod more patch split uudecode "
                "uuencode uuidgen fallocate fsync flock getconf time nice ionice renice setsid taskset chattr "
                "clear stty watch mountpoint killall").split()


@pytest.mark.parametrize("name", TOYBOX_LINKS)
def test_each_command_is_a_toybox_link_that_toybox_runs_by_name(fresh, name):
    plain = "\\time" if name == "time" else name  # a bare `time` is mksh's keyword
    got = fresh.phone_run(f"readlink /system/bin/{name}; {plain} -@ </dev/null 2>&1; echo $?; "
                          f"toybox {name} -@ </dev/null 2>&1; echo $?")
    link, rest = got.stdout.split(b"\n", 1)
    assert link == b"toybox"
    half = len(rest) // 2
    assert rest[:half] == rest[half:] and rest, got
    if name not in ("clear", "more", "flock", "chattr", "uuidgen"):
        assert f"{name}: ".encode() in rest  # its own complaint about -@, not the shell's "not found"
