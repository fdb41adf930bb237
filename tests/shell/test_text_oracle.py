"""Differential tests of the text and utility applets: every command line runs through real mksh +
toybox on the host and through the virtual phone over the real adb, and the outputs, error texts
and exit statuses must be identical. A failure shows both sides.
"""

from __future__ import annotations

import pytest
from oracle import DIR, Link, make_trees, oracle_skip_reason

WORDS = b"".join(b"%s\n" % w for w in [b"pear", b"Apple", b"banana", b"apple", b"cherry", b"banana",
                                        b"10", b"9", b"-3", b"2.5", b"  indented", b"", b"Zebra", b"apple"])
TABLE = (b"name,size,kind\nIMG_0001.jpg,2048,photo\nclip.mp4,1048576,video\nnote.txt,12,text\n"
         b"IMG_0002.jpg,4096,photo\nsong.mp3,300000,audio\n")
SPACED = b"b 2 x\na 10 y\nc 1 z\na 2  w\n\tb 3 v\n"
TEXT_TREE: dict[str, object] = {
    "words.txt": WORDS,
    "table.csv": TABLE,
    "spaced.txt": SPACED,
    "tabs.tsv": b"a\tb\tc\n1\t2\t3\nno tabs here\n\tlead\n",
    "dups.txt": b"a\na\nb\nB\nb\nc\nc\nc\nd\n",
    "noeol.txt": b"first\nsecond\nno newline at end",
    "empty.txt": b"",
    "utf8.txt": "héllo wörld\nçà va\n日本語 テキスト\n".encode(),
    "ctrl.bin": bytes([0, 1, 9, 10, 27, 127, 128, 200, 255, 10]),
    "lines.txt": b"".join(b"line %d\n" % i for i in range(1, 31)),
    "re.txt": b"abc\nabbc\nac\na.c\nfoo_bar foo\nFOO bar\n(paren) x+y\nx{2} xx\nend$\n^start\nback\\slash\n",
    "hashes/one.txt": b"one\n",
    "hashes/two.txt": b"two\n",
    "hashes/big.bin": bytes(range(256)) * 4000,
    "dir/sub/deep.txt": b"needle in deep\n",
    "dir/top.txt": b"needle on top\nno match\n",
    "dir/other.log": b"nothing\n",
    "emptydir": DIR,
    "link.txt": Link("words.txt"),
    "bin.dat": b"\xff\xfe\x00binary needle\n",
    "same1": b"identical\n",
    "same2": b"identical\n",
    "diff1": b"abc\ndef\nghi\n",
    "diff2": b"abc\ndXf\nghi\nmore\n",
    "b64.txt": b"aGVsbG8gd29ybGQK\n",
}


@pytest.fixture(scope="module")
def text_trees(shell_phone, adb_server, oracle_dir):
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    trees = make_trees(shell_phone, adb_server, oracle_dir, "text", TEXT_TREE, {})
    # -c checking needs a list of real sums, made by the oracle and copied to both sides
    sums = trees.oracle("sha256sum hashes/one.txt hashes/two.txt").stdout
    for root in (trees.host, trees.phone_host):
        (root / "hashes/SHA256SUMS").write_bytes(sums)
        (root / "hashes/BAD").write_bytes(sums.replace(b"hashes/two.txt", b"hashes/one.txt"))
    shell_phone.storage.recount()
    return trees


def check(trees, command: str, stdin: bytes = b"") -> None:
    expected, actual = trees.both(command, stdin)
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, expected.status), (
        f"\ncommand: {command}\ntoybox: {expected.status} {expected.stdout!r} {expected.stderr!r}"
        f"\nphone:  {actual.status} {actual.stdout!r} {actual.stderr!r}")


COMMANDS = {
    "wc": ["wc words.txt", "wc -l words.txt", "wc -w utf8.txt", "wc -c ctrl.bin", "wc -m utf8.txt",
           "wc -lwcm utf8.txt", "wc words.txt table.csv", "wc -l words.txt nope", "wc < words.txt",
           "wc -l < words.txt", "cat words.txt | wc -c", "wc noeol.txt empty.txt", "wc emptydir", "wc -m ctrl.bin", "wc -w ctrl.bin", "wc -c hashes/big.bin", "wc - < diff1", "wc -l diff1 - < diff2", "wc -L diff1"],
    "head": ["head lines.txt", "head -n 3 lines.txt", "head -3 lines.txt", "head -n3 lines.txt",
             "head -c 10 lines.txt", "head -n 2 words.txt table.csv", "head -q -n 1 words.txt table.csv",
             "head -v -n 1 words.txt", "head -n 0 lines.txt", "head -n 2 nope words.txt",
             "cat lines.txt | head -n 2", "head -n 5 noeol.txt", "head -n -1 lines.txt", "head -x lines.txt", "head -c 5 diff1 diff2", "head -n 1 -q diff1 - < diff2", "head -n1 emptydir diff1", "head -1 -c 2 diff1", "head -v diff1", "head --lines=2 diff1"],
    "tail": ["tail lines.txt", "tail -n 3 lines.txt", "tail -3 lines.txt", "tail -n +28 lines.txt",
             "tail -c 7 lines.txt", "tail -c +200 lines.txt", "tail -n 1 noeol.txt", "tail -n 2 words.txt table.csv",
             "cat lines.txt | tail -n 2", "tail -n 0 lines.txt", "tail nope", "tail -n x lines.txt", "tail -q -n1 diff1 diff2", "tail -c 5 diff1 diff2", "tail -n +2 -c 3 diff2", "tail +2 diff2", "tail -1 diff2 diff1", "tail -c +1 noeol.txt", "tail emptydir", "tail -n 1 - < diff1"],
    "cat": ["cat words.txt table.csv", "cat nope", "cat emptydir", "cat -v ctrl.bin", "cat -e tabs.tsv",
            "cat -t tabs.tsv", "cat -vet ctrl.bin", "cat link.txt", "cat - < diff1", "cat noeol.txt diff1",
            "cat -x diff1"],
    "grep": ["grep apple words.txt", "grep -i apple words.txt", "grep -c apple words.txt", "grep -v a words.txt",
             "grep -n an words.txt", "grep -l needle dir/top.txt dir/other.log", "grep -L needle dir/top.txt dir/other.log",
             "grep -r needle dir | sort", "grep -rh needle dir | sort", "grep -rl needle dir | sort", "grep -rc needle dir | sort",
             "grep -H apple words.txt", "grep -h apple words.txt table.csv", "grep -q apple words.txt",
             "grep -q zzz words.txt", "grep zzz words.txt", "grep apple nope", "grep -s apple nope words.txt",
             "printf 'abcd\\n' | grep -oE 'a|ab'", "printf 'xabcd\\n' | grep -oE '(a|ab)(c|bcd)'",
             "grep -oE 'an|ana|banana' words.txt", "printf 'foobar\\n' | grep -o 'fo*\\|foob'",
             "grep -o 'b*c' re.txt", "grep -E 'ab+c' re.txt", "grep 'ab\\+c' re.txt", "grep 'ab+c' re.txt",
             "grep -E 'x{2}' re.txt", "grep 'x{2}' re.txt", "grep 'x\\{2\\}' re.txt", "grep -F 'x{2}' re.txt",
             "grep -F a.c re.txt", "grep a.c re.txt", "grep -w foo re.txt", "grep -x abc re.txt",
             "grep -E '^(abc|ac)$' re.txt", "grep '\\(ab\\)\\1' re.txt", "grep -e abc -e ac re.txt",
             "grep 'end\\$' re.txt", "grep 'end$' re.txt", "grep '^^start' re.txt", "grep '\\^start' re.txt",
             "grep -E '\\(paren\\)' re.txt", "grep '(paren)' re.txt", "grep -c '' empty.txt",
             "grep '[[:upper:]]' re.txt", "grep '[^a-z_]' re.txt", "grep '[]x]' re.txt", "grep -o '[0-9]*' table.csv",
             "grep -on photo table.csv", "grep -m 1 photo table.csv", "grep -i -c IMG table.csv",
             "grep needle bin.dat", "grep -a needle bin.dat", "grep -E 'a|' re.txt", "grep 'back\\\\slash' re.txt",
             "grep -wo bar re.txt", "grep -vc a words.txt", "grep -n '' noeol.txt", "grep", "grep -E '(' re.txt",
             "grep '\\(' re.txt", "grep -x -F 'ac' re.txt", "grep -z abc re.txt", "grep -e abc -- -x re.txt",
             "echo hi | grep -H hi", "grep -E 'a{1,2}b' re.txt", "grep -ri NEEDLE dir | sort", "grep -n needle - < dir/top.txt", "grep -b photo table.csv", "grep -ob photo table.csv", "grep -f hashes/one.txt hashes/two.txt", "grep -e a -o -e an words.txt", "grep -ic APPLE words.txt words.txt", "grep -L x emptydir", "grep -x '' words.txt", "grep -n -e '' empty.txt noeol.txt", "grep -E '(a|b)+' -o words.txt", "grep -w '' words.txt", "grep -E '\\<app' words.txt", "grep 'le\\>' words.txt",
             "grep --color=never apple words.txt", "grep -r --include='*.txt' needle dir | sort",
             "grep -r --exclude='top*' needle dir", "grep -r --exclude-dir=sub needle dir", "grep --count apple words.txt",
             "grep --nosuch apple words.txt", "grep -o '^' words.txt", "grep -c '^' words.txt", "grep -c '$' words.txt",
             "grep -o -e '' -e an words.txt", "grep -x '^' words.txt", "grep -cF '' words.txt", "grep -oF '' words.txt",
             "grep -c -w '^' words.txt", "grep -n -o 'a*' words.txt", "grep --color=always -n an words.txt",
             "grep --color=always -o -b an words.txt", "grep --color -n an words.txt", "grep --color=auto an words.txt",
             "grep --color=always -v -H a dups.txt", "grep --color=always -A1 -n clip table.csv", "grep --color=always -i 'A' diff2",
             "grep -A1 photo table.csv", "grep -B1 -n clip table.csv", "grep -C1 note table.csv", "grep -A1 a dups.txt",
             "grep -c -A3 photo table.csv", "grep -v -o b dups.txt", "grep -vo an words.txt", "grep x emptydir",
             "grep -l -Z needle dir/top.txt", "grep -z -c line lines.txt", "grep 'a\\|b' dups.txt",
             "grep '\\.' re.txt", "grep -E 'b{2}' re.txt", "grep -i 'ABC' re.txt", "grep -w 'fo*' re.txt",
             "grep '[[:alpha:]]\\{4\\}' words.txt", "grep -E '^[0-9]+$' words.txt", "grep -E 'a?b' re.txt",
             "grep -m 2 -c a words.txt", "grep -onE '[a-z]+' diff2", "grep 'x*' re.txt", "grep -o 'x*' re.txt",
             "grep -E '+' re.txt", "grep -E 'a|*b' re.txt", "grep -E '(*a)' re.txt", "grep -E 'a{1' re.txt",
             "grep -E '{1}' re.txt", "grep -E 'a|' re.txt", "grep -E '()' re.txt", "grep 'a**' re.txt",
             "grep '*a' re.txt", "grep -E 'x{2}x' re.txt", "grep -c '\\(a\\)\\2' re.txt"],
    "sed": ["printf 'abcd\\n' | sed -E 's/a|ab/X/'", "printf 'abcd\\n' | sed -E 's/(a|ab)(c|bcd)/[\\1,\\2]/'",
            "sed -E 's/an|ana/<&>/g' words.txt", "sed 's/a/X/' words.txt", "sed 's/a/X/g' words.txt", "sed -n 's/an/AN/gp' words.txt",
            "sed -n 3p lines.txt", "sed -n '$p' lines.txt", "sed 2,28d lines.txt", "sed -n '/apple/p' words.txt",
            "sed '/apple/d' words.txt", "sed -n '/line 5/,/line 8/p' lines.txt", "sed -n '5,/line 1/p' lines.txt",
            "sed -e 's/a/1/' -e 's/b/2/' words.txt", "sed 's/\\(.\\)\\(.\\)/\\2\\1/' words.txt",
            "sed -E 's/(.)(.)/\\2\\1/' words.txt", "sed -r 's/a+/<&>/g' words.txt", "sed 's/a/[&]/g' words.txt",
            "sed 's|/|_|g' table.csv", "sed 's/,/\\n/g' table.csv", "sed 's/x*/-/g' diff1", "sed = diff1",
            "sed -n '$=' lines.txt", "sed '2q' lines.txt", "sed 1!d lines.txt", "sed -n '2,4!p' diff2",
            "sed 'y/abc/xyz/' diff1", "sed '1~3d' lines.txt", "sed -n '3,+2p' lines.txt",
            "sed '2i\\\ninserted' diff1", "sed '2a appended' diff1", "sed '$a\\\nlast' noeol.txt", "sed 2c\\\nchanged diff1",
            "sed -n 'h;n;G;p' diff2", "sed '$!N;s/\\n/ /' diff2", "sed 's/b/B/;ta;s/$/ no/;b;:a;s/$/ yes/' diff1",
            "sed '/abc/{s/a/A/;s/c/C/}' diff1", "sed 's/[[:digit:]]\\+/N/g' table.csv", "sed s/e/E/ noeol.txt",
            "sed 's/a/b' diff1", "sed 'k' diff1", "sed", "sed p nope diff1", "sed -n 'p;p' noeol.txt",
            "sed 's/A/x/Ig' words.txt", "sed 0,/a/d diff1", "sed 's/\\./DOT/g' re.txt", "sed -n '/^$/p' words.txt",
            "sed 's/^[ \\t]*//' spaced.txt", "sed 's/ .*//' spaced.txt", "cat diff1 | sed -n 2p", "sed 3q5 lines.txt",
            "sed -s -n '$p' diff1 diff2", "sed -n '$p' diff1 diff2", "sed 's/[/]/S/' table.csv", "sed D diff2",
            "sed '$!d' lines.txt", "sed -n '/b/,/h/p' diff2", "sed '2,1d' diff2", "sed 's/c$/C/' diff1",
            "sed -n 'pp' diff1", "sed -n '/d/{p;p}' diff2", "sed 'p;k' diff1", "sed 's/a/b/;q;x' diff1",
            "sed '2{' diff1", "sed '}' diff1", "sed 'y/ab/x/' diff1", "sed bnowhere diff1", "sed 's/(a)/\\1/' diff1",
            "sed -E 's/(a)(b)/\\2\\1/' diff1", "sed -n '/^a/,$p' diff2", "sed 'n;d' lines.txt", "sed '$!N;P;D' diff2",
            "sed 's/^/> /' noeol.txt", "sed '1d' noeol.txt", "sed 'a\\tx' diff1", "sed 'i\\' diff1",
            "sed emptydir", "sed p emptydir", "sed -n -e 1p -e 3p lines.txt", "sed '/x/,+2d' lines.txt",
            "sed 's/i/I/2g' lines.txt", "sed = noeol.txt", "sed -n '$=' noeol.txt", "sed '$d' noeol.txt",
            "cp diff1 ed1 && sed -i 's/b/B/' ed1 && cat ed1", "cp diff1 ed2 && sed -i.bak -n 2p ed2 && cat ed2 ed2.bak",
            "cp diff1 ed3 && cp diff2 ed4 && sed -i '$d' ed3 ed4 && cat ed3 ed4", "sed -i s/a/b/ nope; echo $?",
            "sed -ni p diff1", "printf , | sed s/,//p | od -c", "printf a | sed p", "printf a | sed 's/a//;p' | od -c",
            "printf 'a\\nb' | sed 's/b//;p;p' | od -c", "sed -r -n '/(a|d)/p' diff2"],
    "sort": ["sort words.txt", "sort -r words.txt", "sort -n words.txt", "sort -f words.txt", "sort -u words.txt",
             "sort -fu words.txt", "sort -nr words.txt", "sort -k2 spaced.txt", "sort -k2n spaced.txt",
             "sort -k2,2n spaced.txt", "sort -k2,2 -k1,1r spaced.txt", "sort -t, -k2n table.csv",
             "sort -t, -k3,3 -k2nr table.csv", "sort -t , -k 1.5 table.csv", "sort -k3 spaced.txt",
             "sort -b -k2 spaced.txt", "sort words.txt table.csv", "sort nope", "sort -c words.txt",
             "sort -c dups.txt", "sort -s -k1,1 spaced.txt", "sort -u -k1,1 spaced.txt", "sort -t, -k2,2 -n -u table.csv",
             "sort noeol.txt", "sort -k1,1 -k2n spaced.txt", "sort -t, -k2 -n -r table.csv", "sort -k 2.2b,2.3 spaced.txt", "sort -kx words.txt", "sort -k1,2,3 words.txt", "sort -c words.txt dups.txt", "sort -C words.txt; echo $?", "sort -cu dups.txt", "sort -d re.txt", "sort -i ctrl.bin | od -c", "sort -M words.txt", "sort -V words.txt", "sort -g words.txt", "sort -x words.txt", "sort -o nowhere/x words.txt", "sort -n -k3 table.csv", "sort -t x words.txt", "sort -t xy words.txt", "sort -k 1.2,1.3 words.txt", "sort -z words.txt", "sort -k0 words.txt", "sort -n -k2bn spaced.txt",
             "cat words.txt | sort -r -"],
    "uniq": ["uniq dups.txt", "uniq -c dups.txt", "uniq -d dups.txt", "uniq -u dups.txt", "uniq -i dups.txt",
             "uniq -ic dups.txt", "uniq -f1 spaced.txt", "uniq -s1 dups.txt", "uniq -w1 words.txt", "uniq nope",
             "sort words.txt | uniq -c", "uniq -cd dups.txt", "uniq noeol.txt"],
    "cut": ["cut -d, -f1 table.csv", "cut -d, -f2,3 table.csv", "cut -d, -f3,1 table.csv", "cut -d, -f2- table.csv",
            "cut -d, -f-2 table.csv", "cut -f2 tabs.tsv", "cut -s -f2 tabs.tsv", "cut -c1-3 table.csv", "cut -c2 utf8.txt",
            "cut -b1-2 utf8.txt", "cut -c3- words.txt", "cut -c-2,4 words.txt", "cut -d' ' -f2 spaced.txt",
            "cut -d, -f1 -s spaced.txt", "cut -f 0 table.csv", "cut -f 3-1 table.csv", "cut table.csv", "cut -s table.csv",
            "cut -d, -f5 table.csv", "cut -d, -f1,1-2 table.csv", "cut -c 1,3,5 diff1", "cut -d, -f2 nope",
            "cut -d: -f1 noeol.txt", "cut -c1-100 noeol.txt"],
    "hash": ["md5sum hashes/one.txt", "sha1sum hashes/one.txt hashes/two.txt", "sha256sum hashes/big.bin",
             "sha512sum hashes/two.txt", "sha224sum hashes/one.txt", "sha384sum hashes/one.txt",
             "sha256sum nope hashes/one.txt", "sha256sum < hashes/one.txt", "sha256sum -b hashes/one.txt",
             "sha256sum -c hashes/SHA256SUMS", "sha256sum -c hashes/BAD", "sha256sum -c -s hashes/BAD",
             "sha256sum -s hashes/one.txt", "md5sum -c nope", "md5sum emptydir", "md5sum -c empty.txt", "md5sum -c diff1", "sha256sum -c -s hashes/SHA256SUMS; echo $?", "cd hashes && sha256sum -c SHA256SUMS",
             "cat hashes/one.txt | md5sum - hashes/two.txt", "sha1sum link.txt"],
    "base64": ["base64 diff1", "base64 hashes/big.bin", "base64 -w 10 diff1", "base64 -w0 diff1", "base64 -d b64.txt",
               "base64 empty.txt", "base64 ctrl.bin", "base64 -d noeol.txt", "base64 nope", "base64 -di b64.txt",
               "base64 < utf8.txt", "base64 utf8.txt | base64 -d"],
    "cmp": ["cmp same1 same2", "cmp diff1 diff2", "cmp -l diff1 diff2", "cmp -s diff1 diff2", "cmp diff1 nope",
            "cmp -s diff1 nope", "cmp diff1 lines.txt", "cmp diff1 diff1", "cmp diff1 - < diff2", "cmp -n 5 diff1 diff2",
            "cmp diff1 diff2 4 4", "cmp same1", "cmp hashes/big.bin hashes/big.bin", "cmp -l empty.txt diff1"],
    "printf": ["printf 'a %s b\\n' x", "printf '%s-%s\\n' 1 2 3", "printf '%d %i\\n' 42 -7", "printf '%5s|%-5s|\\n' ab cd",
               "printf '%05d|%x|%X|%o\\n' 42 255 255 8", "printf '%.2f %e %g\\n' 3.14159 1234.5 0.0001",
               "printf '%c%c\\n' hello world", "printf '%b\\n' 'a\\tb\\0101'", "printf '\\101\\x42\\t|\\n'", "printf '%%\\n'",
               "printf '%d\\n' 0x1F 010 \"'A\"", "printf '%d\\n' abc", "printf '%s\\n'", "printf 'no newline'",
               "printf '%.3s\\n' abcdef", "printf '%*d|\\n' 6 42", "printf 'x\\cy'", "printf '%q'", "printf",
               "printf '%s %s\\n' a", "printf '%3c|\\n' x", "printf '%+d % d\\n' 5 5", "printf '%u\\n' -1", "printf '%5.2s|\\n' abc", "printf '%-+5d|\\n' 3", "printf '%#x %#o\\n' 255 8", "printf '%i\\n' 3.5", "printf '%d\\n' 99999999999999999999", "printf '%f\\n' 1e3", "printf '%s\\n' '\\t'", "printf '%b' 'x\\cy'; echo", "printf '\\x41\\x4g\\n'", "printf '%.0f %.1e\\n' 2.5 12345", "printf '%c\\n' ''", "printf '%5%|\\n'", "printf '%s %s %s\\n' 1 2 3 4", "printf '\\e[0m' | od -c", "printf -- '-x\\n'", "printf '%x\\n' -1", "printf '%g %G\\n' 0.00001234 1e20", "printf '%E\\n' 5"],
    "echo": ["echo hello world", "echo -n hi", "echo -e 'a\\tb'", "echo 'a\\nb'", "echo -E 'a\\tb'", "echo -- -n",
             "echo -ne 'x\\c' y", "echo '\\0101\\x41'", "echo", "echo -x", "echo -n -e 'z\\n'"],
    "seq": ["seq 3", "seq 2 5", "seq 1 2 9", "seq 5 -1 1", "seq 1 0.5 3", "seq -s, 1 4", "seq -w 8 11",
            "seq -f '%.1f' 1 3", "seq 3 1", "seq x", "seq 1 2 3 4", "seq -2 2", "seq 0.1 0.1 0.5"],
    "yes": ["yes | head -n 3", "yes ab cd | head -n 2"],
    "date": ["date -u -d @0", "date -d @1700000000", "date -u -d @1700000000 +%Y-%m-%dT%H:%M:%S",
             "date -d @1700000000 '+%a %A %b %B %e %j %u %w %p %I %C %y %D %T %F %R %r %h %s %z %:z %Z %%'",
             "date -d @1700000000.25 +%s.%N", "date -d '2024-02-03 04:05:06'", "date -d 2024-02-03",
             "date -d 010203042024.05", "date -d x", "date -I -d @0", "date -Is -d @86399", "date -In -d @0",
             "date -d @1700000000 +%Q", "date -r diff1", "date -r nope", "date -d @0 +%G-%V-%U-%W-%k-%l-%c-%x-%X",
             "date 0101", "date -u -d '2024-02-30'", "date -d '2024-02-03 04:05' +%T", "date -d 23:59:59 +%T", "date -D %Y%m%d -d 20240203 +%F", "date -d @-1 -u", "date -I -u -d @1700000000", "date -Im -d @1700000000", "date -Ih -d @1700000000", "date -d @1700000000 +%e%k%l%P", "date -d @1700000000 +'%-d %_d %05d'", "date +%Y -d @1893456000", "date -d 1700000000", "date -r emptydir +%s >/dev/null; echo $?",
             "date -u -d 02300000 +%m-%d", "date -u -d 13010000", "date -u -d 01012400", "date -u -d 0101000024",
             "date -u -d 2024-13-01", "date -u -d '2024-02-30 25:00'", "date -u -d '2024-01-01 23:60'", "date -d 24:00"],
    "test": ["test -f words.txt && echo yes", "[ -d emptydir ] && echo yes", "[ -e nope ]; echo $?", "[ -s empty.txt ]; echo $?",
             "[ -L link.txt ] && echo link", "[ -h words.txt ]; echo $?", "[ a = a ]; echo $?", "[ a != a ]; echo $?",
             "[ 3 -gt 2 -a 1 -lt 2 ]; echo $?", "[ 3 -gt 2 -o x ]; echo $?", "[ ! -z x ]; echo $?", "[ -n '' ]; echo $?",
             "[ \\( a = b \\) -o b = b ]; echo $?", "[ 1 -eq x ]; echo $?", "[ 1 -eq 1a ]; echo $?", "[ a = a; echo $?",
             "test a -zz b; echo $?", "test; echo $?", "test -f; echo $?", "[ 1 -lt ]; echo $?", "[ diff1 -nt diff2 ]; echo $?",
             "[ diff1 -ef diff1 ]; echo $?", "[ a \\< b ]; echo $?", "[ ' 12 ' -eq 12 ]; echo $?", "[ 2 -eq 1+1 ]; echo $?",
             "test -r words.txt; echo $?", "test -x words.txt; echo $?", "[ ! ]; echo $?", "test a = a = a; echo $?",
             "[ -z ]; echo $?", "true; echo $?", "false; echo $?"],
    "misc": ["which nope; echo $?", "env -i A=1 B=2", "env -i A=1 env",
             "env -i X=y sh -c 'echo $X'", "nproc >/dev/null; echo $?", "sleep 0.1; echo slept", "sleep 0; echo $?",
             "sleep x", "sleep -1", "sleep", "uname", "uname -s", "uname -o", "whoami >/dev/null; echo $?",
             "env -u PATH -i A=1", "env echo 'a\\tb'", "env echo -e 'a\\tb\\x41\\0101\\c' x", "env echo -x -n",
             "env echo -en '\\e' | od -c", "xxd diff1", "xxd -p diff1", "xxd -l 5 diff1", "xxd -c 4 diff1", "xxd -s 2 -l 6 diff1",
             "xxd hashes/big.bin | tail -n 2", "xxd empty.txt", "xxd -g 4 utf8.txt"],
    "od": ["od diff1", "od -c ctrl.bin", "od -a ctrl.bin", "od -An -tx1 diff1", "od -t x1z diff1", "od -b diff1",
           "od -d diff1", "od -s ctrl.bin", "od -x diff1", "od -tx4 lines.txt", "od -td1 ctrl.bin", "od -tu8 lines.txt",
           "od -Ad -tx2 diff2", "od -Ax -N 20 lines.txt", "od -j 5 -N 7 -c lines.txt", "od hashes/big.bin",
           "od -v -N 40 hashes/big.bin", "od empty.txt", "od -w8 -c diff2", "od -tf4 -N8 hashes/big.bin",
           "od -tfD -N16 hashes/big.bin", "od -c -tx1 diff1", "od -An -c noeol.txt", "od nope", "od -tq diff1",
           "od -AQ diff1", "od -c diff1 diff2", "printf '\\0\\0\\0\\0' | od -td4 -tdS -tdC -tu2"],
    "pipelines": ["seq 100000 | sort -r | head -n 3", "yes abc | head -c 1000000 | wc", "seq 50000 | grep -c 7",
                  "seq 200000 | tail -n 1", "seq 30000 | sed -n '$p'", "seq 20000 | sort -n -r | uniq -c | tail -n 2",
                  "seq 10000 | cut -c1-2 | sort | uniq -c | sort -rn | head -n 3", "seq 100000 | md5sum",
                  "cat hashes/big.bin | base64 | base64 -d | cmp - hashes/big.bin && echo same",
                  "seq 5000 | xxd | tail -n 1", "yes | head -n 100000 | sed 's/y/yes/' | wc"],
    "tee": ["echo hi | tee out_tee.txt; cat out_tee.txt", "echo a | tee -a out_tee2.txt > /dev/null; echo b | tee -a out_tee2.txt; cat out_tee2.txt"],
    "mktemp": ["mktemp -u XXXX | wc -c", "mktemp -p . abc.XXXXXX | cut -c1-6", "mktemp foo; echo $?",
               "mktemp -d -p . d.XXXX | cut -c1-4", "x=$(mktemp -p . f.XXX) && test -f $x && echo file"],
    "tac": ["tac diff2", "tac noeol.txt", "tac empty.txt diff1", "tac nope diff1", "seq 5 | tac"],
    "rev": ["rev diff1", "rev noeol.txt", "rev utf8.txt", "rev nope", "printf 'ab\\n\\ncd' | rev"],
    "nl": ["nl words.txt", "nl -ba words.txt", "nl -bn diff1", "nl -n ln diff1", "nl -n rz -w 3 diff1",
           "nl -s ': ' -v 10 diff1", "nl -bpapple words.txt", "nl noeol.txt", "nl -nxx diff1", "nl -l 2 words.txt"],
    "paste": ["paste diff1 diff2", "paste -d , diff1 diff2 noeol.txt", "paste -s diff1 diff2", "paste -s -d '+-' lines.txt",
              "paste - - < lines.txt", "paste -d '\\n' diff1 diff2", "paste diff1 nope", "paste empty.txt diff1",
              "paste -d '\\0' diff1 diff2"],
    "comm": ["comm diff1 diff2", "comm -12 diff1 diff2", "comm -3 diff1 diff2", "comm -1 same1 same2",
             "comm dups.txt diff1", "comm diff1", "comm diff1 nope", "comm - diff2 < diff1", "comm -23 dups.txt diff1"],
    "strings": ["strings bin.dat", "strings ctrl.bin", "strings -n 2 bin.dat", "strings -o bin.dat", "strings -t x bin.dat",
                "strings -f bin.dat diff1", "strings -n 20 lines.txt", "strings hashes/big.bin | head -n 3",
                "strings nope", "strings noeol.txt"],
    "cksum": ["cksum diff1", "cksum diff1 diff2 empty.txt", "cksum < diff1", "cksum hashes/big.bin", "cksum nope",
              "cksum -H diff1", "cksum -N diff1"],
    "unlink": ["unlink nope", "cp diff1 u && unlink u && ls u", "unlink", "unlink emptydir"],
}

CASES = [pytest.param(cmd, id=f"{area}: {cmd}") for area, cmds in COMMANDS.items() for cmd in cmds]


@pytest.mark.parametrize("command", CASES)
def test_applet_matches_toybox(text_trees, command):
    check(text_trees, command)
