"""The phone's shell language against the oracle (Debian's mksh R59, run as /system/bin/sh, with
toybox applets) through the real adb: quoting, expansions, redirections, control flow, pipelines,
error texts and exit statuses; plus what only the phone can show (streaming pipelines,
cancellation, runaway input). Normalisations: see oracle.py (mksh's "E: " tags, tree paths).
"""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from oracle import oracle_skip_reason

from pytest_phonebackup.virtual.shell import BytesOutput, Pipe, Shell

oracle = pytest.mark.skipif(oracle_skip_reason() is not None, reason=oracle_skip_reason() or "")
pytestmark = pytest.mark.oracle

QUOTING_AND_EXPANSION = [
    "echo 'single $HOME' \"double $#\" back\\ slash",
    "x=5; echo $x ${x} \"$x\" '$x'",
    "echo $?; false; echo $?",
    "echo 'it'\"'\"'s'",
    "echo \\$HOME \\\\ \\\"",
    "echo \"tab\there\"",
    "echo ${UNSET:-default} ${#HOME}",
    "x=abc.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.}",
    "echo \"${x:=7}\" $x",
    "unset x; echo \"[${x}]\"",
    "x='a  b'; echo $x; echo \"$x\"",
    "x=''; for w in $x; do echo word; done; echo \"[$x]\"",
    "echo $(echo sub) `echo back`",
    "echo \"$(ls DCIM)\"",
    "echo `echo \\`echo nested\\``",
    "echo $(echo $(echo nested2))",
    "echo $((7/2)) $((7%3)) $((2*(3+4))) $((1<2)) $((-7/2))",
    "i=3; echo $((i*i+1)) $((i>2 && i<5))",
    "echo ~",
    "echo \"$@\"",
    "echo ${x:-$(echo fallback)}",
    "echo ${UNSET:?is unset}; echo after",
    "echo $$ | grep -c .",
    "for i in 1 2; do ls -d `echo t` $?; done 2>&1", "x=$(false); echo $?", "echo $(false) $?; echo $?",
    "false; echo $(echo $?)",
]
GLOBS = [
    "echo ?.txt", "echo [ab].*", "echo .*", "echo D*/C*", "echo \"*.txt\"", "echo *.nomatch",
    "for f in *.txt *.log; do echo \"got $f\"; done", "for f in DCIM/Camera/*; do echo \"[$f]\"; done",
    "for f in nomatch*; do echo \"$f\"; done", "ls -d Pictures/*", "echo */", "echo [!a-c]*",
    "echo Pictures/*.png", "echo '*'*",
]
CONTROL = [
    "true && echo yes || echo no", "false && echo yes || echo no", "false; echo $? ; ! false; echo $?",
    "if [ -f a.txt ]; then echo file; elif [ -d a.txt ]; then echo dir; else echo none; fi",
    "if false; then echo a; elif true; then echo b; fi",
    "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done",
    "i=0; until [ $i -ge 2 ]; do echo $i; i=$((i+1)); done",
    "for i in 1 2 3; do if [ $i = 2 ]; then continue; fi; echo $i; done",
    "for i in 1 2 3; do if [ $i = 2 ]; then break; fi; echo $i; done",
    "case a.txt in *.log) echo log;; *.txt) echo txt;; esac",
    "case x in a|x) echo one;; *) echo other;; esac",
    "f() { echo \"fn $1\"; return 4; }; f arg; echo $?",
    "{ echo a; echo b; } | cat", "(cd DCIM; pwd); pwd", "x=1; { x=2; }; echo $x", "x=1; (x=2); echo $x",
    "set -- x y z; echo $# $2; shift; echo $@", "true | false; echo $?", "false | true; echo $?",
    "echo $(false); echo $?", "exec echo replaced; echo never", "exit 3", "exit 300", "sh -c 'exit 7'; echo $?",
    "echo a;echo b", "echo # comment", "cat a.txt | while read x; do echo \"got $x\"; done",
    "while read line; do echo \"<$line>\"; done < b.log",
    "trap \"echo bye\" EXIT; echo hi", "trap \"echo bye\" 0; exit 3", "trap \"echo a\" EXIT; trap",
    "sleep 0.2 & echo started; wait; echo done", "echo x & wait $!; echo $?", "wait 12345; echo $?",
    "echo \"echo sourced \\$1\" > s.sh; . ./s.sh arg; source ./s.sh", ". ./nonexist",
    "command -v cd nosuch; echo $?", "command -V cd", "type cd", "command ls a.txt",
    "command -v echo print kill test [ true pwd read getopts let", "command -V echo kill export : times trap",
    "command -v type hash local history r login nohup autoload functions integer frobnicate; command -V type local", "type echo export", "f() { :; }; command -V f",
]
COMMANDS_AND_IO = [
    "cd DCIM && pwd && cd Camera && ls && cd .. && pwd", "cd nonexist; echo $?", "cd a.txt; echo $?",
    "pwd; cd /; pwd", "export FOO=bar; sh -c 'echo $FOO'", "FOO=baz sh -c 'echo $FOO'; echo \"[$FOO]\"",
    "sh -c 'echo $# $1 $2 \"$@\"' name a 'b c'", "sh -c 'echo $0' myname", "sh -c 'echo \"$1\"' -- arg",
    "foo", "foo; echo $?", "ls nonexist 2>&1 | cat", "ls nonexist 2>/dev/null; echo $?",
    "echo out >/dev/null; echo $?", "cat </dev/null; echo $?", "echo hi > f; echo more >> f; cat f; cat < f",
    "echo a 2>&1 >/dev/null", "ls nonexist 2>&1 >/dev/null | cat", "cat nonexist; echo \"status $?\"",
    "echo hi > emptydir; echo $?", "echo hi > nodir/x; echo $?", "cat < nonexist; echo $?",
    "yes | head -3", "echo a > 'sp ace'; ls 'sp ace'; cat sp\\ ace", "ls | wc -l", "echo a | cat | cat",
    "echo x > /dev/full", "exec 2>&1; ls nonexist", "ls nonexist 2>err; cat err",
    "echo one > f && cat f >> f2 && cat f2", "read x < a.txt; echo \"$x\"",
    "cd a b c; echo $?", "cd DCIM; cd DCIM Music; pwd", "cd DCIM; cd -; cd -", "cd DCIM; cd nope x; echo $?", "exit 1 2; echo $?",
    "exit 2 a 2>/dev/null; echo $?", "unset 1x; echo $?", "unset 0 x-y; echo $?", "read 1x < a.txt; echo $?",
    "set -- a b; shift 5; echo $?", "set -- a; shift 1+0; echo $# $?", "set -- x < nonexist; echo $?",
    ": < nonexist; echo $?", "true < nonexist; echo $?", "export 1x=2; echo $?", "break; echo $?",
    "f() { break; }; for i in 1 2; do f; echo $i; done", "pwd x; echo $?", "{ shift; } 2>&1; echo never",
]
SYNTAX_ERRORS = [
    "if then", "echo \"unterminated", "echo $(", "(echo a", "echo a)", "fi", "done", "then", "for; do done",
    "echo |", "&& x", "echo a &&", "if true; then echo", "for x in a b; do echo", "while true; do",
    "{ echo a", "echo >", "echo ${x", "echo a;;", "exit foo",
]
MULTI_LINE = [
    "read a b <<EOF\none two three\nEOF\necho \"$a|$b\"",
    "cat <<EOF\nhome is $HOME\n$(echo sub)\nEOF",
    "cat <<'EOF'\nliteral $HOME\nEOF",
    "echo \"a\nb\"",
    "echo a\\\nb",
    "if true\nthen\n  echo multi\nfi",
    "for i in 1 2\ndo\n  echo $i\ndone",
    "f() {\n  echo body\n}\nf",
    "x=1\n\n# comment line\necho $x",
]


def assert_same(trees, command: str) -> None:
    expected, got = trees.both(command)
    assert (got.status, got.stdout, got.stderr) == (expected.status, expected.stdout, expected.stderr), command


@oracle
@pytest.mark.parametrize("command", QUOTING_AND_EXPANSION)
def test_quoting_and_expansion_match_mksh(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", GLOBS)
def test_globs_expand_against_the_phones_files(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", CONTROL)
def test_control_flow_matches_mksh(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", COMMANDS_AND_IO)
def test_commands_and_redirections_match_mksh(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", SYNTAX_ERRORS)
def test_syntax_errors_match_mksh(trees, command):
    assert_same(trees, command)


@oracle
@pytest.mark.parametrize("command", MULTI_LINE)
def test_multi_line_scripts_match_mksh(trees, command):
    assert_same(trees, command)


# -- generated command lines ------------------------------------------------------------------
WORDS = hs.sampled_from(["a", "b c", "$x", "\"$x\"", "'$x'", "\\$x", "${x:-d}", "$(echo s)", "*.txt", "\"*\"",
                         "D*", "$?", "''", "\"\"", "a\\ b", "${#x}"])
SIMPLE = hs.builds(lambda cmd, words: cmd + " " + " ".join(words),
                   hs.sampled_from(["echo", "printf '%s|'", "ls -d", "true", "false", "cat", "nosuch"]),
                   hs.lists(WORDS, max_size=3))
# A pipe's left side keeps quiet: both sides' messages would race for stderr (in mksh as well).
JOINERS = hs.sampled_from([" ; ", " && ", " || ", " 2>/dev/null | "])


@oracle
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hs.sampled_from(["", "v", "two words", "*"]), first=SIMPLE,
       rest=hs.lists(hs.tuples(JOINERS, SIMPLE), max_size=3),
       tail=hs.sampled_from(["", "; echo $?", " 2>&1", " >/dev/null; echo $?"]))
def test_generated_command_lines_match_mksh(read_only_trees, value, first, rest, tail):
    command = f"x='{value}'; {first}" + "".join(j + c for j, c in rest) + tail
    assert_same(read_only_trees, command)


# -- pinned texts and behaviour only the phone shows ------------------------------------------
def test_unknown_command_says_inaccessible_or_not_found(trees):
    got = trees.phone_run("frobnicate --now")
    assert (got.status, got.stdout, got.stderr) == (
        127, b"", b"/system/bin/sh: frobnicate: inaccessible or not found\n")


def test_syntax_error_text_and_status(trees):
    got = trees.phone_run("if true; then echo x")
    assert (got.status, got.stderr) == (1, b"/system/bin/sh: syntax error: unmatched 'if'\n")


def test_command_v_finds_applets_in_system_bin(trees):
    got = trees.phone_run("command -v ls sha256sum cd nosuch; echo $?")
    assert got.stdout == b"/system/bin/ls\n/system/bin/sha256sum\ncd\n1\n"


def test_system_bin_paths_run_the_applets(trees):
    got = trees.phone_run("/system/bin/ls a.txt && /system/bin/toybox_missing; echo $?")
    assert got.stdout == b"a.txt\n127\n"


def test_pipeline_stages_run_concurrently(virtual_phone_shell):
    """The reader sees the first line while the writer is still blocked producing more."""
    shell, phone = virtual_phone_shell
    out = Pipe()
    done = threading.Event()
    status: list[int] = []

    def run() -> None:
        status.append(shell.run("yes line | head -100000 | cat", stdout=out))
        out.close_write()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    first = out.readline()
    assert first == b"line\n"
    assert not done.is_set() or status == [0]
    total = 1
    while out.readline():
        total += 1
    thread.join(30)
    assert (total, status) == (100000, [0])


def test_cancelled_command_returns_promptly(virtual_phone_shell):
    shell, _phone = virtual_phone_shell
    cancelled = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        shell.run("while true; do :; done", cancelled=cancelled)), daemon=True)
    thread.start()
    time.sleep(0.2)
    cancelled.set()
    thread.join(5)
    assert not thread.is_alive() and result == [130]


def test_runaway_recursion_is_reported_not_fatal(virtual_phone_shell):
    shell, _phone = virtual_phone_shell
    err = BytesOutput()
    status = shell.run("f() { f; }; f; echo never", stderr=err)
    assert status == 1
    assert err.getvalue() == b"/system/bin/sh: f: function nested too deeply\n"
    assert shell.run("echo still fine", stdout=(out := BytesOutput())) == 0 and out.getvalue() == b"still fine\n"


def test_hostile_nesting_is_a_syntax_error(virtual_phone_shell):
    shell, _phone = virtual_phone_shell
    err = BytesOutput()
    started = time.monotonic()
    status = shell.run("(" * 5000 + "echo x" + ")" * 5000, stderr=err)
    assert status == 1 and err.getvalue() == b"/system/bin/sh: syntax error: nested too deeply\n"
    assert time.monotonic() - started < 10


def test_huge_command_line_runs(virtual_phone_shell):
    shell, _phone = virtual_phone_shell
    out = BytesOutput()
    words = " ".join(f"w{n}" for n in range(50_000))
    assert shell.run(f"echo {words} | wc -w", stdout=out) == 0
    assert out.getvalue().strip() == b"50000"


def test_shell_session_keeps_folder_and_variables(virtual_phone_shell):
    shell, _phone = virtual_phone_shell
    shell.run("cd /sdcard/DCIM; export KEPT=yes; plain=1")
    out = BytesOutput()
    shell.run("pwd; echo $KEPT $plain", stdout=out)
    assert out.getvalue() == b"/sdcard/DCIM\nyes 1\n"
    assert shell.cwd == "/sdcard/DCIM" and shell.env["KEPT"] == "yes" and "plain" not in shell.env


def test_redirect_into_a_full_phone_reports_enospc(adb_server, tmp_path):
    from oracle import run_phone

    from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

    with VirtualPhone(PhoneConfig(data_dir=tmp_path / "small", storage_bytes=512 * 1024)) as phone:
        adb_server.wait_for(phone.serial)
        got = run_phone(adb_server, phone, "/sdcard", "yes photo > fill; echo $?; ls -s fill | cut -d' ' -f2")
        assert got.stdout == b"1\nfill\n"
        assert got.stderr == b"yes: write: No space left on device\n"
        assert phone.storage.free == 0


@pytest.fixture
def virtual_phone_shell(tmp_path):
    """A phone without adb, for what only in-process callers can observe (threads, cancellation)."""
    from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

    phone = VirtualPhone(PhoneConfig(data_dir=tmp_path / "phone"))
    try:
        yield Shell(phone), phone
    finally:
        phone.close()


@pytest.mark.parametrize(("text", "complete"), [
    ("echo hi", True), ("if true; then", False), ("echo 'open", False), ("ls |", False),
    ("for i in 1 2; do echo $i", False), ("echo a)", True), ("cat <<EOF\nbody", True),
])
def test_interactive_sessions_can_ask_whether_a_line_is_complete(text, complete):
    assert Shell.is_complete(text) is complete
