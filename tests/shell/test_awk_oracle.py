"""Differential tests of awk: every command line runs through real mksh with Debian's original-awk
(one-true-awk, the awk Android ships) on the host, and through the virtual phone over the real adb;
output, error texts and exit statuses must be identical. A failure shows both sides.
"""

from __future__ import annotations

import pytest
from oracle import DIR, awk_oracle_skip_reason, make_trees

AWK_TREE: dict[str, object] = {
    "people.txt": b"alice 30 paris\nbob 25 london\ncarol 35 paris\ndave 40 berlin\n",
    "passwd": b"root:x:0:0:root:/root:/bin/sh\nshell:x:2000:2000::/:/system/bin/sh\nmedia:x:1013:1013::/:\n",
    "tabs.tsv": b"a\tb c\td\n1\t2 3\t4\n",
    "nums.txt": b"10\n9\n2.5\n-3\n1e3\n0x10\n abc\n\n07\n",
    "paras.txt": b"\n\nname one\nline two\n\n\n\nname three\nline four\nline five\n\n",
    "sizes.txt": b"-rw-rw---- 1 u0_a1 media_rw  2048 2023-11-14 22:13 IMG_0001.jpg\n"
                 b"-rw-rw---- 1 u0_a1 media_rw  1048576 2023-11-14 22:13 clip.mp4\n"
                 b"-rw-rw---- 1 u0_a1 media_rw  12 2023-11-14 22:13 note.txt\n",
    "df.txt": b"Filesystem     1K-blocks    Used Available Use% Mounted on\n"
              b"/dev/block/dm-5  5000000 1200000   3800000  24% /data\n"
              b"tmpfs            1000000       0   1000000   0% /dev\n",
    "log.txt": b"INFO start\nERROR disk full\nINFO retry\nERROR again\nWARN low\n",
    "noeol.txt": b"first line\nlast no newline",
    "empty.txt": b"",
    "bytes.bin": b"\xff\xfe a\x00b \x80\n\xc3\xa9t\xc3\xa9 x\n",
    "prog.awk": b"# counts words\n{ for (i = 1; i <= NF; i++) count[$i]++ }\nEND { print count[\"paris\"], NR }\n",
    "bad.awk": b"BEGIN { print 1 +* 2 }\n",
    "data/one.txt": b"one 1\n",
    "data/two.txt": b"two 2\nmore 3\n",
    "emptydir": DIR,
}


@pytest.fixture(scope="module")
def awk_trees(shell_phone, adb_server, oracle_dir):
    reason = awk_oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, "awk", AWK_TREE, {})


def check(trees, command: str) -> None:
    expected, actual = trees.both(command)
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, expected.status), (
        f"\ncommand: {command}\nawk:   {expected.status} {expected.stdout!r} {expected.stderr!r}"
        f"\nphone: {actual.status} {actual.stdout!r} {actual.stderr!r}")


COMMANDS = {
    "idioms": [
        "sha256sum people.txt | awk '{print $1}'", "ls -l data | awk '{s+=$5} END {print s}'",
        "awk '{s+=$5} END {print s}' sizes.txt", "awk 'NR>1 {print $4}' df.txt", "awk -F: '{print $1}' passwd",
        "awk '/ERROR/ {c++} END {print c+0}' log.txt", "awk '/nothing/ {c++} END {print c+0}' log.txt",
        "awk 'END {print NR}' people.txt", "awk '{print NF}' people.txt", "awk '{print $NF}' people.txt",
        "awk '$2 > 28' people.txt", "awk '$3 == \"paris\" {print $1}' people.txt", "awk 'NR==2' people.txt",
        "awk '{print NR\": \"$0}' noeol.txt", "awk 'length > 10' passwd", "awk '{ $2 = \"\"; print }' people.txt",
        "awk '!seen[$3]++' people.txt", "awk '{sum += $2} END {printf \"%.2f\\n\", sum / NR}' people.txt",
        "awk -F: '$3 >= 1000 {print $1}' passwd", "awk 'NR % 2' people.txt", "awk '{print > (\"out_\" $3)}' people.txt && cat out_paris", "awk '{print > \"out_\" $3}' people.txt",
        "df.txt 2>/dev/null; awk 'NR > 1 {sub(/%/, \"\", $5); if ($5 + 0 > 10) print $6}' df.txt",
    ],
    "numbers": [
        "awk 'BEGIN {print 1e6, 1e16, 1e17, 0.1 + 0.2, 2^53, 2^53 + 1, 1/3, 100/3, -1/3}'",
        "awk 'BEGIN {print 2^31, 2^63, 2^64, 1e300 * 1e300, -1e300 * 1e300, 2^1000}'",
        "awk 'BEGIN {print 0.1, 123456.7, 1234567.8, 0.000001, 1e-7, 17/7 \"\"}'",
        "awk 'BEGIN {x = 3.14159265; CONVFMT = \"%.2g\"; y = x \"\"; print y, x; OFMT = \"%.3f\"; print x, x \"\"}'",
        "awk 'BEGIN {print -0, 0 * -1, -0 \"\", 1 - 1}'", "awk 'BEGIN {print 017, 1e3, .5, 5., 1.e2}'",
        "awk 'BEGIN {print int(3.9), int(-3.9), int(\"4.7abc\"), int(\"x\")}'",
        "awk 'BEGIN {print 7 % 3, -7 % 3, 7.5 % 2, 2 ** 10, 2 ^ 3 ^ 2, -2 ^ 2}'",
        "awk '{print $1 + 0, ($1 == $1 + 0)}' nums.txt", "awk 'BEGIN {x[1.0] = \"a\"; x[0.5 + 0.5] = \"b\"; for (k in x) print k, x[k]}'",
        "awk 'BEGIN {print (1 == 1.0), (\"1\" == 1), (\"abc\" < \"abd\"), (10 < 9), (\"10\" < \"9\")}'",
        "echo '10 9' | awk '{print ($1 < $2), ($1 < \"9\"), (x == 0), (x == \"\"), ($3 == 0), ($3 == \"\")}'",
        "echo '+inf -inf +nan inf 1e500 0x1A' | awk '{for (i = 1; i <= NF; i++) print $i + 0, ($i == $i + 0)}'",
        "awk 'BEGIN {printf \"%d %d %d\\n\", 2^53, 2^63, -2^63}'", "awk 'BEGIN {print length(12345), length(1/3), substr(12345, 2, 3)}'",
        "awk 'BEGIN {print sqrt(16), exp(0), log(1), sin(0), cos(0), atan2(0, -1)}'",
        "awk 'BEGIN {printf \"%.10f %.10f\\n\", exp(1), atan2(1, 1) * 4}'", "awk 'BEGIN {print log(-1)}'",
        "awk 'BEGIN {print sqrt(-1)}'", "awk 'BEGIN {print log(0)}'",
    ],
    "printf": [
        "awk 'BEGIN {printf \"%d %i %5d|%-5d|%05d\\n\", \"12abc\", 7.9, 42, 42, 42}'",
        "awk 'BEGIN {printf \"%x %X %o %u %#x %#o\\n\", 255, 255, 8, -1, 255, 8}'",
        "awk 'BEGIN {printf \"%e %E %f %g %G %.3e\\n\", 1234.5, 0.000123, 3.14159, 1e-5, 1e100, 12345}'",
        "awk 'BEGIN {printf \"%s|%10s|%-10s|%.2s\\n\", \"abc\", \"right\", \"left\", \"truncate\"}'",
        "awk 'BEGIN {printf \"%c%c%c|%c\\n\", 65, \"hello\", 256 + 66, \"\"}'",
        "awk 'BEGIN {printf \"%*d|%-*d|%.*f\\n\", 5, 1, 4, 2, 2, 3.14159}'", "awk 'BEGIN {printf \"%5.3d|%+d|% d\\n\", 7, 5, 5}'",
        "awk 'BEGIN {printf \"100%%\\n\"}'", "awk 'BEGIN {printf \"no newline\"}'", "awk 'BEGIN {printf \"%s %s\\n\", 1e6, 0.1}'",
        "awk 'BEGIN {printf \"%d\\n\"}'", "awk 'BEGIN {x = sprintf(\"%05.1f|%s\", 3.14159, \"z\"); print x, length(x)}'",
        "awk '{printf \"%-6s %3d\\n\", $1, $2}' people.txt", "awk 'BEGIN {printf(\"%s-%s\\n\", \"a\", \"b\")}'",
        "awk 'BEGIN {printf \"%c\", 0}' | od -c", "awk 'BEGIN {printf \"%d %x\\n\", \"0x1A\", -1}'",
    ],
    "fields": [
        "echo 'a b c' | awk '{$5 = \"e\"; print; print NF}'", "echo 'a b c' | awk '{NF = 2; print; NF = 4; print}'",
        "echo '  a   b  ' | awk '{print NF; $1 = $1; print \"[\" $0 \"]\"}'",
        "echo 'a b c' | awk '{$2 = \"\"; print; print NF}'", "echo 'a b' | awk '{$0 = \"x  y z\"; print $2, NF}'",
        "echo 'a b c' | awk '{$1 = $1; OFS = \"-\"; print}'", "echo 'a b c' | awk 'BEGIN {OFS = \":\"} {$1 = $1; print; print $1, $2}'",
        "awk -F'\\t' '{print $2}' tabs.tsv", "awk -Ft '{print $3}' tabs.tsv", "awk -F '\\t' -v OFS=, '{$1 = $1; print}' tabs.tsv",
        "echo 'aXXbXc' | awk -F'X+' '{print $2, NF}'", "echo 'a.b.c' | awk -F. '{print $2}'",
        "echo 'a|b|c' | awk -F'|' '{print $3}'", "echo 'a1b22c' | awk -F'[0-9]+' '{print $1 $2 $3}'",
        "echo ':a:' | awk -F: '{print NF}'", "echo 'abc' | awk -F '' '{print $2, NF}'", "echo 'abc' | awk 'BEGIN {FS = \"\"} {print $3}'",
        "awk 'BEGIN {FS = \":\"} {print $1; FS = \" \"}' passwd", "awk '{FS = \":\"; print $1}' passwd",
        "echo 'a b' | awk '{print $(NF-1), $(1+1), $NF}'", "echo 'x' | awk '{print $-1}'",
        "echo 'a b c' | awk '{i = 1; print $i++; print i}'", "awk '{print $2 * 2}' people.txt",
    ],
    "records": [
        "awk 'BEGIN {RS = \"\"} {print NR \": \" $1 \" NF=\" NF}' paras.txt", "awk 'BEGIN {RS = \"\"; FS = \":\"} {print NF}' paras.txt",
        "awk 'BEGIN {RS = \"\"} {print $0 \"|\"}' paras.txt", "echo 'a,b,c' | awk -v RS=, '{print NR, $0}'",
        "printf 'a1b22c' | awk 'BEGIN {RS = \"[0-9]+\"} {print $0}'", "awk 'BEGIN {ORS = \"|\"} {print $1}' people.txt",
        "awk '{print FILENAME, FNR, NR}' data/one.txt data/two.txt", "awk 'FNR == 1 {print FILENAME}' data/one.txt data/two.txt",
        "awk '{print}' empty.txt", "awk 'END {print NR, $0}' people.txt", "awk '{print length}' bytes.bin",
        "awk '{print $2}' bytes.bin | od -c", "awk 1 noeol.txt", "cat people.txt | awk '{print $1}' - data/one.txt",
    ],
    "variables": [
        "awk -v x=5 'BEGIN {print x + 1}'", "awk -v 's=a\\tb' 'BEGIN {print s}'", "awk '{print v, $1}' v=1 data/one.txt v=2 data/two.txt",
        "awk 'END {print v}' data/one.txt v=7", "awk 'BEGIN {print ARGC; for (i = 0; i < ARGC; i++) print i, ARGV[i]}' a b=c",
        "awk 'BEGIN {ARGV[1] = \"\"} {print}' nope data/one.txt", "awk 'BEGIN {ARGV[1] = \"data/two.txt\"} {print}' data/one.txt",
        "X=phone awk 'BEGIN {print ENVIRON[\"X\"]}'", "awk 'BEGIN {print length(SUBSEP), RSTART, RLENGTH, NR, NF, FILENAME \"|\"}'",
        "awk -v n=010 'BEGIN {print n + 0, (n < 9)}'", "awk 'BEGIN {print x + 0, x \"\", length(x)}'", "awk -v 'x' 'BEGIN {print 1}'",
    ],
    "arrays": [
        "awk 'BEGIN {a[\"x\"] = 1; a[\"y\"] = 2; a[\"z\"] = 3; a[1]; a[10]; a[2]; for (k in a) print k}'",
        "awk '{n[$3]++} END {for (c in n) print c, n[c]}' people.txt",
        "awk 'BEGIN {for (i = 1; i <= 120; i++) a[i] = i; n = 0; for (k in a) {printf \"%s \", k; n++}; print n}'",
        "awk 'BEGIN {a[1, 2] = 3; for (k in a) {split(k, p, SUBSEP); print p[1], p[2]}; if ((1, 2) in a) print \"yes\"}'",
        "awk 'BEGIN {a[\"x\"]; if (\"x\" in a) print \"in\"; delete a[\"x\"]; if (!(\"x\" in a)) print \"gone\"; print length(a)}'",
        "awk 'BEGIN {a[1]; a[2]; delete a; print length(a)}'", "awk 'BEGIN {if (a[\"k\"] == \"\") print length(a)}'",
        "awk 'BEGIN {x[1] = 1; x = 2}'", "awk 'BEGIN {x = 1; x[1] = 2}'",
        "awk 'BEGIN {SUBSEP = \":\"; a[\"p\", \"q\"]; for (k in a) print k}'",
    ],
    "strings": [
        "awk 'BEGIN {print length(\"hello\"), length(\"\"), length(\"h\\351llo\")}'",
        "awk 'BEGIN {print substr(\"hello\", 2, 3), substr(\"hello\", 0, 2), substr(\"hello\", -1, 3), substr(\"hello\", 4), substr(\"hello\", 1.5, 2.3), substr(\"hello\", 9) \"|\"}'",
        "awk 'BEGIN {print index(\"abcabc\", \"ca\"), index(\"abc\", \"z\"), index(\"abc\", \"\")}'",
        "awk 'BEGIN {n = split(\"a:b:c\", arr, \":\"); print n, arr[1], arr[3]}'", "awk 'BEGIN {n = split(\"  a b  \", q); print n, q[1], q[2]}'",
        "awk 'BEGIN {n = split(\"abc\", r, \"\"); print n, r[1], r[3]}'", "awk 'BEGIN {n = split(\"a1b22c\", r, /[0-9]+/); print n, r[3]}'",
        "awk 'BEGIN {n = split(\"\", r); print n, length(r)}'", "awk 'BEGIN {n = split(\"1 2 3\", r); print (r[1] < r[3]), (r[3] < 10)}'",
        "awk 'BEGIN {s = \"aaa\"; print gsub(/a/, \"[&]\", s), s}'", "awk 'BEGIN {s = \"hello\"; sub(/l+/, \"\\\\&\", s); print s}'",
        "awk 'BEGIN {s = \"abc\"; gsub(/x*/, \"-\", s); print s}'", "awk 'BEGIN {s = \"abx\"; gsub(/x*/, \"-\", s); print s}'",
        "awk 'BEGIN {s = \"a.b.c\"; gsub(\".\", \"X\", s); print s; t = \"a.b.c\"; gsub(/\\./, \"X\", t); print t}'",
        "awk '{gsub(/a/, \"A\"); print}' people.txt", "awk '{n += gsub(/[aeiou]/, \"&\")} END {print n}' people.txt",
        "awk 'BEGIN {s = \"foo\"; print sub(/z/, \"y\", s), s}'", "awk 'BEGIN {s = \"path/to/file\"; sub(/.*\\//, \"\", s); print s}'",
        "awk 'BEGIN {print match(\"foobar\", /o+/), RSTART, RLENGTH; print match(\"x\", /y/), RSTART, RLENGTH}'",
        "awk 'BEGIN {print match(\"abcd\", /a|ab/), RLENGTH}'", "awk 'BEGIN {print toupper(\"abc\\351\") tolower(\"XyZ\")}'", "awk 'BEGIN {print toupper(\"abc\") tolower(\"XyZ\")}'",
        "awk 'BEGIN {s = \"x\"; s = s s s; print s}'", "awk 'BEGIN {print 1 \" \" 2, 1 2, -1 -2}'",
        "awk 'BEGIN {print \"a\\tb\\nc\\\\d\\\"e\\/f\\101\\x41\\q\"}'", "awk 'BEGIN {s = \"a\\\\&b\"; t = \"x\"; sub(/x/, s, t); print t}'",
    ],
    "regex": [
        "awk '/^b/' people.txt", "awk '!/paris/' people.txt", "awk '$1 ~ /^[a-c]/' people.txt", "awk '$1 !~ /a/' people.txt",
        "awk '/alice/, /carol/' people.txt", "awk '/bob/, /nomatch/' people.txt", "awk 'NR == 2, NR == 3 {print NR}' people.txt",
        "awk 'BEGIN {re = \"^c\"} $0 ~ re' people.txt", "awk '$1 ~ \"^(alice|dave)$\"' people.txt",
        "awk '/[[:digit:]]{2}/ {print $1}' people.txt", "awk '/a.c/' people.txt", "awk 'BEGIN {print (\"a+b\" ~ /a\\+b/), (\"ab\" ~ \"a\\\\+b\")}'",
        "awk '/\\/bin\\/sh$/' passwd", "awk -F: '$7 ~ /\\/system\\//' passwd", "awk 'BEGIN {if (\"abc\" ~ //) print \"empty matches\"}'",
        "awk '/E(RR|ND)OR|WARN/' log.txt",
    ],
    "control": [
        "awk 'BEGIN {for (i = 0; i < 3; i++) print i}'", "awk 'BEGIN {i = 0; while (i < 3) print i++}'",
        "awk 'BEGIN {i = 5; do print i; while (i < 3)}'", "awk 'BEGIN {for (i = 0; ; i++) {if (i == 2) continue; if (i > 4) break; print i}}'",
        "awk 'BEGIN {x = 1; if (x) print \"yes\"; else print \"no\"; if (!x) print \"yes\"; else print \"no\"}'",
        "awk 'BEGIN {if (1)\nprint \"a\"\nelse\nprint \"b\"}'", "awk 'NR == 2 {next} {print}' people.txt",
        "awk 'NR == 3 {exit} {print}' people.txt", "awk '{print} NR == 1 {exit 3} END {print \"end\"}' people.txt",
        "awk 'BEGIN {exit 1} END {print \"end runs\"}'", "awk 'END {exit 4; print \"no\"}' empty.txt",
        "awk 'BEGIN {print \"only\"}' nope", "awk 'BEGIN {x = 1 > 2 ? \"big\" : \"small\"; print x}'",
        "awk 'BEGIN {print 1 && 0, 1 || 0, !0, !\"\", !\"a\"}'", "awk 'BEGIN {x = y = 3; x += 2; y *= 2; x -= 1; y /= 4; print x, y; z ^= 2; print z; w %= 3; print w}'",
        "awk 'BEGIN {i = 5; print i++ + ++i, i--, --i}'", "awk 'BEGIN {next}'", "awk '{nextfile} END {print NR}' data/two.txt data/one.txt",
        "awk -f prog.awk people.txt", "awk 'BEGIN { while (1) { if (++n >= 3) break }; print n }'",
    ],
    "functions": [
        "awk 'function f(a) {return a * 2} BEGIN {print f(3)}'",
        "awk 'function fact(n) {return n <= 1 ? 1 : n * fact(n - 1)} BEGIN {print fact(10), fact(20)}'",
        "awk 'function fill(arr, n) {for (i = 1; i <= n; i++) arr[i] = i * i} BEGIN {fill(sq, 3); print sq[2], length(sq)}'",
        "awk 'function loc(a,   tmp) {tmp = a \"!\"; return tmp} BEGIN {tmp = \"g\"; print loc(\"x\"), tmp}'",
        "awk 'function noret() {x = 1} BEGIN {v = noret(); print v \"|\" x}'", "awk 'BEGIN {nosuch(1)}'",
        "awk 'func g(s) {sub(/a/, \"b\", s); return s} BEGIN {t = \"aa\"; print g(t), t}'",
    ],
    "getline": [
        "awk 'BEGIN {while ((\"cat data/two.txt\" | getline line) > 0) n++; print n, line}'",
        "awk 'BEGIN {\"echo hello world\" | getline; print $2, NF, NR}'", "awk 'BEGIN {\"date -u -d @0 +%Y\" | getline y; print y}'",
        "awk 'BEGIN {while ((getline line < \"data/two.txt\") > 0) print \"got\", line; print (getline x < \"nope\")}'",
        "awk 'BEGIN {getline < \"data/one.txt\"; print $2, NR}'", "awk 'NR == 1 {getline; print \"after\", $0, NR}' people.txt",
        "awk 'NR == 1 {getline v; print \"v\", v, NR, $1}' people.txt", "awk '{getline line < \"data/two.txt\"; print $1, line}' people.txt",
        "awk 'BEGIN {cmd = \"sort\"; print \"b\" | cmd; print \"a\" | cmd; close(cmd); print \"after\"}'",
        "awk 'BEGIN {print \"to stderr\" > \"/dev/stderr\"}'", "awk '{print $1 > \"names.out\"} END {close(\"names.out\"); while ((getline l < \"names.out\") > 0) print \"r\", l}' people.txt",
        "awk 'BEGIN {print \"a\" > \"app.out\"; close(\"app.out\"); print \"b\" >> \"app.out\"; close(\"app.out\"); while ((getline l < \"app.out\") > 0) print l}'",
        "awk 'BEGIN {print system(\"echo in system; exit 3\")}'", "awk 'BEGIN {print \"x\" | \"cat\"; print \"y\"}'",
        "awk 'BEGIN {print close(\"never\")}'", "awk '{print $1 | \"sort -r\"}' people.txt", "awk 'END {print (getline), $0}' people.txt",
    ],
    "errors": [
        "awk 'BEGIN { x = 1 +* 2 }'", "awk 'BEGIN { print 1; x = = 2 }'", "awk '{print $1'", "awk 'BEGIN{x=1'",
        "awk '{print}' nope", "awk '{print}' data/one.txt nope", "awk 'BEGIN {print 1/0}'",
        "awk 'BEGIN {x = 0; print 5 % x}'", "awk 'BEGIN {x = 0; y = 3; y /= x}'", "awk 'BEGIN {print \"x\" > \"nodir/f\"}'",
        "awk", "awk -f bad.awk", "awk -f nope.awk", "awk '{print}' emptydir; echo $?",
        "awk 'BEGIN { print length(1, 2) }'",
    ],
}

CASES = [pytest.param(cmd, id=f"{area}: {cmd}") for area, cmds in COMMANDS.items() for cmd in cmds]


def test_there_are_enough_cases():
    assert len(CASES) >= 120


@pytest.mark.parametrize("command", CASES)
def test_awk_matches_one_true_awk(awk_trees, command):
    check(awk_trees, command)
