"""logcat on the virtual phone through the real adb: Android's line formats, filters, buffers,
clearing, binary output (-B, logd's records), and streaming that prints its first line at once
(Appium waits for it)."""

from __future__ import annotations

import re
import struct
import subprocess
import threading
import time

THREADTIME = re.compile(r"^\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +(\d+) +(\d+) ([VDIWEF]) (.{8,}?): (.*)$")
STAMPED = re.compile(r"^(\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) +(\d+) +(\d+) ([VDIWEF]) (.*?) *: (.*)$")
# log_read.h, struct logger_entry: u16 len, u16 hdr_size, i32 pid, u32 tid, u32 sec, u32 nsec, u32 lid, u32 uid
LOGGER_ENTRY = struct.Struct("<HHiIIIII")
PRIORITY_LETTER = {2: "V", 3: "D", 4: "I", 5: "W", 6: "E", 7: "F"}  # android/log.h


def logcat(adb_server, phone, *args: str) -> str:
    return adb_server.run("shell", "logcat", *args, serial=phone.serial).stdout.decode()


def test_threadtime_is_the_default_format(adb_server, phone):
    phone.system.log("QaTag", "threadtime line", "W", pid=4321)
    lines = logcat(adb_server, phone, "-d").splitlines()
    assert lines[0] == "--------- beginning of main"
    mine = [line for line in lines if "threadtime line" in line]
    assert len(mine) == 1
    match = THREADTIME.match(mine[0])
    assert match, mine[0]
    assert match.groups() == ("4321", "4321", "W", "QaTag   ", "threadtime line")


def test_formats_match_liblog_layouts(adb_server, phone):
    phone.system.log("Fmt", "hello formats", "E", pid=77)

    def line(fmt: str) -> str:
        text = logcat(adb_server, phone, "-d", "-v", fmt)
        return next(row for row in text.splitlines() if "hello formats" in row)
    assert line("brief") == "E/Fmt     (   77): hello formats"
    assert line("tag") == "E/Fmt     : hello formats"
    assert line("process") == "E(   77) hello formats  (Fmt)"
    assert line("raw") == "hello formats"
    assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} E/Fmt     \(   77\): hello formats", line("time"))


def test_tag_filters_and_silent_default(adb_server, phone):
    phone.system.log("Keep", "keep info", "I")
    phone.system.log("Keep", "keep debug", "D")
    phone.system.log("Drop", "drop error", "E")
    text = logcat(adb_server, phone, "-d", "-v", "brief", "Keep:I", "*:S")
    assert "keep info" in text and "keep debug" not in text and "drop error" not in text
    text = logcat(adb_server, phone, "-d", "-s", "Keep")  # -s TAG: only TAG, all priorities
    assert "keep info" in text and "keep debug" in text and "drop error" not in text
    text = logcat(adb_server, phone, "-d", "*:E")
    assert "drop error" in text and "keep info" not in text


def test_buffers_are_separate_and_selectable(adb_server, phone):
    phone.system.log("SysOnly", "in the system buffer", "I", buffer="system")
    phone.system.log("MainOnly", "in the main buffer", "I")
    main = logcat(adb_server, phone, "-d", "-b", "main")
    assert "in the main buffer" in main and "in the system buffer" not in main
    system = logcat(adb_server, phone, "-d", "-b", "system")
    assert system.startswith("--------- beginning of system\n") and "in the main buffer" not in system
    both = logcat(adb_server, phone, "-d", "-b", "main,system")
    assert "--------- beginning of system" in both and "--------- beginning of main" in both


def test_tail_prints_the_last_lines(adb_server, phone):
    for i in range(5):
        phone.system.log("Tail", f"tail line {i}")
    lines = logcat(adb_server, phone, "-t", "2", "-v", "raw", "Tail:V", "*:S").splitlines()
    assert lines == ["--------- beginning of main", "tail line 3", "tail line 4"]


def test_clear_empties_the_buffers(adb_server, phone):
    phone.system.log("Clear", "before clear")
    adb_server.run("logcat", "-c", serial=phone.serial)
    assert "before clear" not in logcat(adb_server, phone, "-d")
    phone.system.log("Clear", "after clear")
    assert "after clear" in logcat(adb_server, phone, "-d")


def test_phone_events_are_logged(adb_server, phone):
    adb_server.run("shell", "am start -n com.android.settings/.Settings; svc wifi disable; svc wifi enable",
                   serial=phone.serial)
    text = logcat(adb_server, phone, "-d", "-b", "all")
    assert "START u0 {cmp=com.android.settings/.Settings}" in text
    assert "ConnectivityService: Network change: wifi=disconnected" in text


def test_streaming_prints_at_once_then_follows(adb_server, phone):
    # What Appium runs (step 10 of a session start)
    proc = subprocess.Popen([adb_server.binary, "-P", str(adb_server.port), "-s", phone.serial, "shell",
                             "export ANDROID_LOG_TAGS=''; exec logcat '-v' 'threadtime'"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines: list[str] = []
    got_first = threading.Event()
    got_new = threading.Event()

    def read() -> None:
        for raw in proc.stdout:
            lines.append(raw.decode().rstrip("\n"))
            got_first.set()
            if "streamed later" in lines[-1]:
                got_new.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert got_first.wait(10), "logcat printed nothing"
        assert lines[0] == "--------- beginning of main"
        time.sleep(0.2)
        phone.system.log("Stream", "streamed later", "I")
        assert got_new.wait(10), lines[-5:]
        assert THREADTIME.match(lines[-1])
    finally:
        proc.kill()
        proc.wait()


def binary_records(data: bytes) -> list[dict]:
    """Split `logcat -B` output into records, checking each header's sizes against its payload."""
    records, offset = [], 0
    while offset < len(data):
        length, hdr_size, pid, tid, sec, nsec, lid, uid = LOGGER_ENTRY.unpack_from(data, offset)
        assert hdr_size == 28, f"hdr_size {hdr_size} at byte {offset}"
        payload = data[offset + hdr_size:offset + hdr_size + length]
        assert len(payload) == length and payload.endswith(b"\0"), f"record at byte {offset} is cut short"
        tag, sep, message = payload[1:-1].partition(b"\0")
        assert sep, f"record at byte {offset} has no NUL after its tag"
        records.append({"priority": PRIORITY_LETTER[payload[0]], "tag": tag.decode(), "message": message.decode(),
                        "pid": pid, "tid": tid, "sec": sec, "nsec": nsec, "lid": lid, "uid": uid})
        offset += hdr_size + length
    return records


def test_binary_dump_is_logds_records(adb_server, phone):
    phone.system.logcat.write("BinTag", "binary one", "W", pid=4321, tid=4322)
    phone.system.logcat.write("BinSys", "in system", "E", pid=77, tid=78, buffer="system", uid=1010)
    phone.system.logcat.write("BinTag", "two\nlines", "D", pid=4321, tid=4399)
    buffers = "main,system,radio,events"
    text = logcat(adb_server, phone, "-d", "-v", "threadtime", "-b", buffers)
    data = adb_server.run("exec-out", f"logcat -B -d -b {buffers}", serial=phone.serial).stdout
    assert not data.startswith(b"---------")  # no buffer headers in binary output
    records = binary_records(data)

    lines = [STAMPED.match(line) for line in text.splitlines() if not line.startswith("--------- ")]
    assert all(lines)
    printed = [m.groups() for m in lines]
    # what the text format shows of each record, one row per message line, in the same order
    expected = [(time.strftime("%m-%d %H:%M:%S", time.gmtime(r["sec"])) + f".{r['nsec'] // 1_000_000:03d}",
                 str(r["pid"]), str(r["tid"]), r["priority"], r["tag"], line)
                for r in records for line in r["message"].split("\n")]
    assert expected[:len(printed)] == printed  # entries logged between the two dumps come last

    mine = {r["message"]: r for r in records if r["tag"] in ("BinTag", "BinSys")}
    assert mine["binary one"] | {"sec": 0, "nsec": 0} == {
        "priority": "W", "tag": "BinTag", "message": "binary one", "pid": 4321, "tid": 4322,
        "sec": 0, "nsec": 0, "lid": 0, "uid": 1000}
    assert (mine["in system"]["lid"], mine["in system"]["uid"], mine["in system"]["priority"]) == (3, 1010, "E")
    assert mine["two\nlines"]["tid"] == 4399
    assert {r["lid"] for r in records if r["tag"].startswith("boot_progress")} == {2}  # the events buffer
    assert abs(mine["binary one"]["sec"] - time.time()) < 60


def test_binary_output_chooses_buffers_and_takes_the_long_option(adb_server, phone):
    phone.system.logcat.write("Radio", "in radio", "I", buffer="radio")
    phone.system.logcat.write("Crash", "in crash", "F", buffer="crash")
    radio = binary_records(adb_server.run("exec-out", "logcat --binary -d -b radio", serial=phone.serial).stdout)
    assert radio and {r["lid"] for r in radio} == {1}
    assert "in radio" in [r["message"] for r in radio]
    crash = binary_records(adb_server.run("exec-out", "logcat -Bd -b crash", serial=phone.serial).stdout)
    assert {r["lid"] for r in crash} == {4} and "in crash" in [r["message"] for r in crash]
    default = binary_records(adb_server.run("exec-out", "logcat -B -d", serial=phone.serial).stdout)
    assert {1, 2}.isdisjoint({r["lid"] for r in default})  # main, system, crash without -b
    assert "in crash" in [r["message"] for r in default]


def test_log_command_writes_a_line_as_toybox_log_does(adb_server, phone):
    adb_server.run("shell", "log", "-t", "QaShell", "-p", "w", "from", "the", "shell", serial=phone.serial)
    adb_server.run("shell", "log", "plain message", serial=phone.serial)
    text = logcat(adb_server, phone, "-d", "-v", "tag")
    assert "W/QaShell : from the shell" in text.splitlines()
    assert "I/log     : plain message" in text.splitlines()
    refused = adb_server.run("shell", "log", "-p", "x", "m", serial=phone.serial, check=False)
    assert refused.returncode == 1 and b"bad -p 'x'" in refused.stderr
