"""The text and utility applets, called in-process on a virtual phone: exact output lines for
what the toybox oracle cannot check (tr, identities, files they write, cancellation, streaming,
the phone's own folders), and the rule that they read only through the phone's storage.
"""

from __future__ import annotations

import hashlib
import threading
import time
import tracemalloc

import pytest

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.shell import BytesInput, BytesOutput, Context, Pipe

TMP = "/data/local/tmp"


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    """A virtual phone that is not started: applets only need its storage and properties."""
    phone = VirtualPhone(PhoneConfig(data_dir=tmp_path_factory.mktemp("text-phone"), register_with_adb=False,
                                     storage_bytes=1024**3))
    yield phone
    phone.close()


def sh(phone, command: str, stdin: bytes = b"") -> tuple[int, bytes, bytes]:
    return phone.sh(f"cd {TMP} && {command}", stdin)


def put(phone, path: str, data: bytes) -> None:
    phone.storage.write_bytes(f"{TMP}/{path}", data, make_parents=True)


def call(phone, argv: list[str], stdin: bytes = b"", stdout=None, cancelled=None) -> tuple[int, bytes, bytes]:
    """Call an applet function directly, the way the shell does."""
    out = stdout or BytesOutput()
    err = BytesOutput()
    ctx = Context(phone, BytesInput(stdin), out, err, phone.default_env(), TMP, argv[0], None,
                  cancelled or threading.Event())
    status = phone.applets[argv[0]](ctx, argv)
    return status, (out.getvalue() if isinstance(out, BytesOutput) else b""), err.getvalue()


# -- tr (Debian's toybox has none, so these pin Android's behaviour) -------------------------------
@pytest.mark.parametrize(("args", "data", "expected"), [
    (["a-z", "A-Z"], b"hello, World\n", b"HELLO, WORLD\n"),
    (["-d", "0-9"], b"a1b22c333\n", b"abc\n"),
    (["-s", " "], b"a   b  c\n", b"a b c\n"),
    (["-cd", "[:alnum:]\\n"], b"a-b c!\n", b"abc\n"),
    (["[:lower:]", "[:upper:]"], b"mixed Case\n", b"MIXED CASE\n"),
    (["abc", "x"], b"aabbcc\n", b"xxxxxx\n"),
    (["-s", "a-z", "A-Z"], b"aabbcc\n", b"ABC\n"),
    (["\\n", ","], b"1\n2\n3\n", b"1,2,3,"),
    (["-d", "\\015"], b"dos\r\nline\r\n", b"dos\nline\n"),
    (["abc", "[x*2]y"], b"abcabc\n", b"xxyxxy\n"),
    (["a-c", "[x*]"], b"abcd\n", b"xxxd\n"),
])
def test_tr_translates_deletes_and_squeezes(phone, args, data, expected):
    assert call(phone, ["tr", *args], data) == (0, expected, b"")


def test_tr_needs_two_sets_to_translate(phone):
    assert call(phone, ["tr", "abc"], b"x") == (1, b"", b"tr: Needs 2 arguments\n")


# -- who the shell is --------------------------------------------------------------------------
def test_id_is_the_android_shell_user(phone):
    status, out, _ = call(phone, ["id"])
    assert status == 0
    assert out.startswith(b"uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),")
    assert out.endswith(b" context=u:r:shell:s0\n")
    assert call(phone, ["id", "-u"])[1] == b"2000\n"
    assert call(phone, ["id", "-un"])[1] == b"shell\n"
    assert call(phone, ["whoami"])[1] == b"shell\n"


def test_id_after_adb_root_is_root(phone):
    phone.root = True
    try:
        assert call(phone, ["id", "-u"])[1] == b"0\n"
        assert call(phone, ["id"])[1].startswith(b"uid=0(root) gid=0(root) groups=0(root),1004(input)")
        assert call(phone, ["whoami"])[1] == b"root\n"
    finally:
        phone.root = False


def test_uname_describes_an_emulator_kernel(phone):
    assert call(phone, ["uname"])[1] == b"Linux\n"
    assert call(phone, ["uname", "-m"])[1] == b"x86_64\n"
    assert call(phone, ["uname", "-n", "-o"])[1] == b"localhost Toybox\n"
    release = call(phone, ["uname", "-r"])[1]
    assert release.startswith(b"6.1.") and b"-android14-" in release
    assert call(phone, ["uname", "-a"])[1] == (
        b"Linux localhost " + release.strip() + b" #1 SMP PREEMPT Mon Apr 17 20:50:58 UTC 2023 x86_64 Toybox\n")


def test_which_finds_applets_in_system_bin(phone):
    assert sh(phone, "which ls sha256sum") == (0, b"/system/bin/ls\n/system/bin/sha256sum\n", b"")
    assert sh(phone, "which no-such-tool")[0] == 1


def test_env_runs_a_command_with_a_changed_environment(phone):
    assert sh(phone, "env -i GREETING=hi env") == (0, b"GREETING=hi\n", b"")
    assert sh(phone, "env -i GREETING=hi printenv GREETING") == (0, b"hi\n", b"")
    assert sh(phone, "env -u HOME printenv HOME") == (1, b"", b"")
    status, out, _ = sh(phone, "env")
    assert status == 0 and b"ANDROID_DATA=/data\n" in out and b"EXTERNAL_STORAGE=/sdcard\n" in out


def test_nproc_prints_a_count(phone):
    status, out, _ = call(phone, ["nproc"])
    assert status == 0 and int(out) >= 1


# -- files the applets write go through the phone's storage --------------------------------------
def test_mktemp_creates_in_data_local_tmp(phone):
    status, out, err = call(phone, ["mktemp"])
    path = out.decode().strip()
    assert (status, err) == (0, b"")
    assert path.startswith("/data/local/tmp/tmp.") and len(path) == len("/data/local/tmp/tmp.") + 10
    assert phone.storage.stat(path).st_size == 0
    status, out, _ = call(phone, ["mktemp", "-d"])
    assert status == 0 and phone.storage.listdir(out.decode().strip()) == []


def test_mktemp_template_and_folder(phone):
    status, out, _ = call(phone, ["mktemp", "-p", "/sdcard", "backup.XXXXXX"])
    path = out.decode().strip()
    assert status == 0 and path.startswith("/sdcard/backup.") and len(path) == len("/sdcard/backup.") + 6
    assert phone.storage.exists(path)
    assert call(phone, ["mktemp", "-p", "/sdcard", "no-x"]) == (1, b"", b"mktemp: need XXX: No such file or directory\n")


def test_sed_in_place_edits_the_file(phone):
    put(phone, "conf.txt", b"mode=old\nkeep\n")
    assert sh(phone, "sed -i 's/old/new/' conf.txt") == (0, b"", b"")
    assert phone.storage.open_read(f"{TMP}/conf.txt").read() == b"mode=new\nkeep\n"


def test_sed_substitutes_the_nth_match(phone):
    assert sh(phone, "echo banana | sed 's/a/X/2'") == (0, b"banXna\n", b"")
    assert sh(phone, "echo banana | sed 's/a/X/2g'") == (0, b"banXnX\n", b"")
    assert sh(phone, "echo banana | sed -n 's/n/N/gp'") == (0, b"baNaNa\n", b"")


def test_sed_in_place_keeps_a_backup_when_asked(phone):
    put(phone, "app.cfg", b"sync=off\n")
    assert sh(phone, "sed -i.orig -e 's/off/on/' app.cfg && cat app.cfg app.cfg.orig") == (
        0, b"sync=on\nsync=off\n", b"")


def test_sort_output_file_and_tee(phone):
    put(phone, "unsorted.txt", b"b\na\nc\n")
    assert sh(phone, "sort -o sorted.txt unsorted.txt && cat sorted.txt") == (0, b"a\nb\nc\n", b"")
    assert sh(phone, "echo one | tee t1.txt t2.txt") == (0, b"one\n", b"")
    assert sh(phone, "echo two | tee -a t1.txt >/dev/null; cat t1.txt t2.txt") == (0, b"one\ntwo\none\n", b"")


def test_uniq_writes_its_output_file(phone):
    put(phone, "dups.txt", b"a\na\nb\n")
    assert sh(phone, "uniq -c dups.txt counted.txt && cat counted.txt") == (0, b"      2 a\n      1 b\n", b"")


def test_tee_reports_a_full_phone(tmp_path):
    small = VirtualPhone(PhoneConfig(data_dir=tmp_path / "p", register_with_adb=False, storage_bytes=64 * 1024))
    try:
        status, out, err = small.sh("yes 0123456789 | head -c 100000 | tee /sdcard/fill.txt >/dev/null")
        assert status == 1
        assert err == b"tee: /storage/emulated/0/fill.txt: No space left on device\n"
    finally:
        small.close()


# -- reading never leaves the phone --------------------------------------------------------------
def test_symlinks_out_of_the_phone_stay_inside(phone):
    phone.storage.symlink("/../../../../../../etc/hostname", f"{TMP}/escape")
    for argv in (["cat", "escape"], ["sha256sum", "escape"], ["grep", "x", "escape"], ["wc", "-c", "escape"]):
        status, out, err = call(phone, argv)
        assert status != 0 and out == b"", argv
        assert b"escape: No such file or directory" in err, argv


# -- long-running applets and streams ------------------------------------------------------------
def test_sleep_accepts_fractions_and_units(phone):
    started = time.monotonic()
    assert call(phone, ["sleep", "0.05", ".05s"]) == (0, b"", b"")
    assert time.monotonic() - started >= 0.1


def test_sleep_returns_early_when_cancelled(phone):
    cancelled = threading.Event()
    threading.Timer(0.2, cancelled.set).start()
    started = time.monotonic()
    assert call(phone, ["sleep", "30"], cancelled=cancelled)[0] == 0
    assert time.monotonic() - started < 5


def test_yes_stops_when_its_reader_goes_away(phone):
    pipe = Pipe(limit=4096)
    result = {}
    worker = threading.Thread(target=lambda: result.update(status=call(phone, ["yes", "ok"], stdout=pipe)[0]))
    worker.start()
    assert pipe.read(9) == b"ok\nok\nok\n"
    pipe.close_read()
    worker.join(5)
    assert not worker.is_alive() and result["status"] == 141


def test_hashing_streams_large_files(phone):
    block = bytes(range(256)) * 4096  # 1 MiB
    with phone.storage.open_write(f"{TMP}/big.bin") as out:
        for _ in range(48):
            out.write(block)
    expected = hashlib.sha256(block * 48).hexdigest()
    tracemalloc.start()
    try:
        status, out, _ = call(phone, ["sha256sum", "big.bin"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (status, out) == (0, f"{expected}  big.bin\n".encode())
    assert peak < 4 * 1024**2  # 48 MiB hashed, never held: chunks only
    phone.storage.unlink(f"{TMP}/big.bin")


def test_sha256sum_check_mode(phone):
    put(phone, "sums/a.jpg", b"photo")
    digest = hashlib.sha256(b"photo").hexdigest()
    put(phone, "sums/LIST", f"{digest}  sums/a.jpg\n{'0' * 64}  sums/a.jpg\n".encode())
    assert sh(phone, "sha256sum -c sums/LIST") == (1, b"sums/a.jpg: OK\nsums/a.jpg: FAILED\n", b"")


# -- exact formats -------------------------------------------------------------------------------
def test_echo_is_mksh_builtin_echo(phone):
    assert call(phone, ["echo", "a\\tb"])[1] == b"a\tb\n"
    assert call(phone, ["echo", "-n", "x"])[1] == b"x"
    assert call(phone, ["echo", "-E", "a\\tb"])[1] == b"a\\tb\n"
    assert call(phone, ["echo", "--", "-n"])[1] == b"-- -n\n"
    assert call(phone, ["echo", "a\\cb", "c"])[1] == b"ab c"


def test_date_formats_epoch_in_the_phone_time_zone(phone):
    assert call(phone, ["date", "-d", "@1700000000"])[1] == b"Tue Nov 14 22:13:20 UTC 2023\n"
    status, out, _ = sh(phone, "TZ=America/New_York date -d @1700000000 +'%F %T %Z %z'")
    assert (status, out) == (0, b"2023-11-14 17:13:20 EST -0500\n")
    assert call(phone, ["date", "-u", "-d", "@0", "+%s|%N|%j"])[1] == b"0|000000000|001\n"


def test_date_cannot_be_set_by_the_shell_user(phone):
    assert call(phone, ["date", "010203042024"]) == (1, b"", b"date: cannot set date: Operation not permitted\n")


def test_test_checks_phone_files(phone):
    put(phone, "present.txt", b"x")
    assert sh(phone, "[ -f present.txt ] && [ -s present.txt ] && [ ! -d present.txt ] && echo ok") == (0, b"ok\n", b"")
    assert sh(phone, "[ -d /sdcard/DCIM ] && [ -L /sdcard ] && [ -e /system/bin ] && echo ok") == (0, b"ok\n", b"")
    assert sh(phone, "test -e /no/such; echo $?") == (0, b"1\n", b"")


def test_grep_counts_and_lists(phone):
    put(phone, "g/a.txt", b"IMG_1.jpg\nnotes\nIMG_2.jpg\n")
    put(phone, "g/b.txt", b"nothing\n")
    assert sh(phone, "grep -c IMG g/a.txt g/b.txt") == (0, b"g/a.txt:2\ng/b.txt:0\n", b"")
    assert sh(phone, "grep -rl IMG g") == (0, b"g/a.txt\n", b"")
    assert sh(phone, "grep -n -A1 notes g/a.txt") == (0, b"2:notes\n3-IMG_2.jpg\n", b"")
    assert sh(phone, "grep -q IMG g/b.txt") == (1, b"", b"")


def test_printf_reuses_its_format(phone):
    assert call(phone, ["printf", "%s=%d;", "a", "1", "b", "2"])[1] == b"a=1;b=2;"
    assert call(phone, ["printf", "%5.1f|%-4s|%03x\\n", "3.14159", "ab", "255"])[1] == b"  3.1|ab  |0ff\n"


def test_seq_and_xxd(phone):
    assert call(phone, ["seq", "-s", " ", "3"])[1] == b"1 2 3\n"
    put(phone, "x.bin", b"AB\x00\xff")
    assert call(phone, ["xxd", "x.bin"])[1] == (
        b"00000000: 4142 00ff                                AB..\n")
    assert call(phone, ["xxd", "-p", "x.bin"])[1] == b"414200ff\n"


def test_cmp_reports_first_difference(phone):
    put(phone, "c1", b"same\nline\n")
    put(phone, "c2", b"same\nlime\n")
    assert call(phone, ["cmp", "c1", "c2"]) == (1, b"c1 c2 differ: char 8, line 2\n", b"")
    assert call(phone, ["cmp", "-s", "c1", "c1"]) == (0, b"", b"")


def test_base64_round_trip(phone):
    put(phone, "blob", bytes(range(256)))
    status, encoded, _ = call(phone, ["base64", "blob"])
    assert status == 0 and all(len(row) <= 76 for row in encoded.splitlines())
    assert call(phone, ["base64", "-d"], encoded) == (0, bytes(range(256)), b"")
