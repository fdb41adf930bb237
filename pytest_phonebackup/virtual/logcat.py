"""The virtual phone's log (logd): ring buffers every part writes to through `AndroidSystem.log`,
and the `logcat` command with Android's formats, filters, binary output (-B) and streaming. Not for
host-side log capture (that is `phone.py`'s job).
"""

from __future__ import annotations

import calendar
import re
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .androidtool import phone_of
from .shell.api import Context, applet
from .shell.streams import BrokenPipe

BUFFERS = ("main", "system", "radio", "events", "crash")
DEFAULT_BUFFERS = ("main", "system", "crash")  # logcat's default without -b (kernel needs root)
PRIORITIES = "VDIWEFS"  # android_LogPriority order, S = silent
RING_ENTRIES = 20000  # per buffer; logd's default is 256 KiB, ~2-3k real lines, generous here
LOG_IDS = {"main": 0, "radio": 1, "events": 2, "system": 3, "crash": 4}  # log_id.h: log_id_t
# log_read.h: struct logger_entry (v4): len, hdr_size, pid, tid, sec, nsec, lid, uid
LOGGER_ENTRY = struct.Struct("<HHiIIIII")
ANDROID_LOG_PRIORITY = {p: 2 + i for i, p in enumerate("VDIWEF")}  # android/log.h: VERBOSE = 2
LOGGER_ENTRY_MAX_PAYLOAD = 4068  # log_read.h: LOGGER_ENTRY_MAX_LEN - sizeof(struct logger_entry)


@dataclass(frozen=True)
class LogEntry:
    buffer: str
    seq: int  # order of arrival across buffers
    time_ns: int  # epoch nanoseconds, as logd stamps an entry
    pid: int
    tid: int
    uid: int
    priority: str  # one of VDIWEF
    tag: str
    message: str

    @property
    def time(self) -> float:
        """Epoch seconds."""
        return self.time_ns / 1e9

    @property
    def clock(self) -> tuple[int, int]:
        """(seconds, nanoseconds): what every format, text or binary, prints from."""
        sec, nsec = divmod(self.time_ns, 1_000_000_000)
        return sec, nsec


def binary_entry(entry: LogEntry) -> bytes:
    """An entry as logd hands it to readers and `logcat -B` writes it: struct logger_entry, then
    the payload (priority byte, tag, NUL, message, NUL), cut to the payload limit as liblog does."""
    text = bytes([ANDROID_LOG_PRIORITY[entry.priority]]) + entry.tag.encode() + b"\0" + entry.message.encode()
    payload = text[:LOGGER_ENTRY_MAX_PAYLOAD - 1] + b"\0"
    sec, nsec = entry.clock
    return LOGGER_ENTRY.pack(len(payload), LOGGER_ENTRY.size, entry.pid, entry.tid, sec, nsec,
                             LOG_IDS[entry.buffer], entry.uid) + payload


class LogBuffers:
    """logd: one ring per buffer, a sequence for interleaving, and waiters for `logcat` streams."""

    def __init__(self, entries_per_buffer: int = RING_ENTRIES):
        self._rings: dict[str, deque[LogEntry]] = {b: deque(maxlen=entries_per_buffer) for b in BUFFERS}
        self._cond = threading.Condition()
        self._seq = 0
        self.listeners: list[Callable[[LogEntry], None]] = []

    def write(self, tag: str, message: str, priority: str = "I", pid: int = 0, tid: int | None = None,
              buffer: str = "main", uid: int = 1000) -> LogEntry:
        priority = priority.upper()[:1] or "I"
        if priority not in "VDIWEF":
            raise ValueError(f"log priority {priority!r}: use one of V D I W E F")
        if buffer not in self._rings:
            raise ValueError(f"log buffer {buffer!r}: use one of {', '.join(BUFFERS)}")
        with self._cond:
            self._seq += 1
            entry = LogEntry(buffer, self._seq, time.time_ns(), pid, pid if tid is None else tid, uid,
                             priority, tag, message)
            self._rings[buffer].append(entry)
            self._cond.notify_all()
        for listener in list(self.listeners):
            listener(entry)
        return entry

    def clear(self, buffers: tuple[str, ...] | list[str] = BUFFERS) -> None:
        with self._cond:
            for name in buffers:
                self._rings[name].clear()

    def entries(self, buffers: tuple[str, ...] | list[str] = BUFFERS, after: int = 0) -> list[LogEntry]:
        """Entries of `buffers` with seq > after, in arrival order."""
        with self._cond:
            picked = [e for name in buffers for e in self._rings[name] if e.seq > after]
        picked.sort(key=lambda e: e.seq)
        return picked

    def wait_for_more(self, after: int, timeout: float) -> None:
        with self._cond:
            if self._seq <= after:
                self._cond.wait(timeout)

    @property
    def last_seq(self) -> int:
        with self._cond:
            return self._seq

    def size(self, buffer: str) -> int:
        with self._cond:
            return sum(len(e.tag) + len(e.message) + 30 for e in self._rings[buffer])


# -- formats (liblog's logprint.cpp layouts) ------------------------------------------------
def _stamp(entry: LogEntry, year: bool = False, usec: bool = False, epoch: bool = False) -> str:
    sec, nsec = entry.clock
    frac = f"{nsec // 1000:06d}" if usec else f"{nsec // 1_000_000:03d}"  # truncated, as logprint.cpp
    if epoch:
        return f"{sec:>5}.{frac}"
    tm = time.gmtime(sec)  # the phone's zone is persist.sys.timezone=UTC
    return time.strftime("%Y-%m-%d %H:%M:%S" if year else "%m-%d %H:%M:%S", tm) + "." + frac


def format_entry(entry: LogEntry, verb: str = "threadtime", adverbs: frozenset[str] = frozenset()) -> str:
    """One entry as logcat prints it (with the trailing newline)."""
    stamp = _stamp(entry, "year" in adverbs, "usec" in adverbs, "epoch" in adverbs)
    p, tag, msg = entry.priority, entry.tag, entry.message
    if verb == "threadtime":
        prefix = f"{stamp} {entry.pid:5d} {entry.tid:5d} {p} {tag:<8}: "
    elif verb == "time":
        prefix = f"{stamp} {p}/{tag:<8}({entry.pid:5d}): "
    elif verb == "brief":
        prefix = f"{p}/{tag:<8}({entry.pid:5d}): "
    elif verb == "tag":
        prefix = f"{p}/{tag:<8}: "
    elif verb == "process":
        return "".join(f"{p}({entry.pid:5d}) {line}  ({tag})\n" for line in msg.split("\n"))
    elif verb == "thread":
        prefix = f"{p}({entry.pid:5d}:{entry.tid:5d}) "
    elif verb == "raw":
        prefix = ""
    elif verb == "long":
        return f"[ {stamp} {entry.pid:5d}:{entry.tid:5d} {p}/{tag:<8} ]\n{msg}\n\n"
    else:
        raise ValueError(verb)
    # Multi-line messages repeat the prefix on each line, as logcat does.
    return "".join(prefix + line + "\n" for line in msg.split("\n"))


VERBS = ("brief", "long", "process", "raw", "tag", "thread", "threadtime", "time")
ADVERBS = ("color", "descriptive", "epoch", "monotonic", "printable", "uid", "usec", "UTC", "year", "zone")


class TagFilter:
    """`Tag:P *:S` filter specs (android_log_addFilterRule); default `*:V`."""

    def __init__(self) -> None:
        self.default = "V"
        self.rules: dict[str, str] = {}

    def add(self, spec: str) -> bool:
        tag, _, prio = spec.partition(":")
        if not _:
            prio = "D" if tag == "*" else "V"  # '*' alone means '*:D', a bare tag means 'tag:V'
        prio = prio.upper()
        if len(prio) != 1 or prio not in PRIORITIES:
            return False
        if tag == "*":
            self.default = prio
        else:
            self.rules[tag] = prio
        return True

    def allows(self, entry: LogEntry) -> bool:
        wanted = self.rules.get(entry.tag, self.default)
        return PRIORITIES.index(entry.priority) >= PRIORITIES.index(wanted)


def _parse_time(text: str) -> float | None:
    """logcat -t/-T times: 'MM-DD hh:mm:ss.mmm', 'YYYY-MM-DD hh:mm:ss.mmm' or 'sssss.mmm' (UTC)."""
    head, _, frac = text.strip().partition(".")
    if re.fullmatch(r"\d{2}-\d{2} .*", head):
        head = f"{time.gmtime().tm_year}-{head}"
    try:
        seconds = calendar.timegm(time.strptime(head, "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None
    return seconds + (float("0." + frac) if frac.isdigit() else 0.0)


USAGE = "Usage: logcat [OPTION]... [FILTERSPEC]...\n\nRun 'logcat --help' for the options.\n"


@applet("logcat")
def logcat(ctx: Context, argv: list[str]) -> int:
    logs: LogBuffers = phone_of(ctx).system.logcat
    buffers: list[str] = []
    verb, adverbs = "threadtime", set()
    dump = clear = silent = dividers = binary = False
    tail: int | None = None
    since: float | None = None
    pid: int | None = None
    regex: re.Pattern | None = None
    max_count = 0
    specs: list[str] = []
    args = list(argv[1:])
    i = 0

    def value() -> str | None:
        nonlocal i
        arg = args[i]
        if arg.startswith("--") and "=" in arg:
            return arg.split("=", 1)[1]
        if not arg.startswith("--") and len(arg) > 2:
            return arg[2:]
        i += 1
        return args[i] if i < len(args) else None

    while i < len(args):
        arg = args[i]
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
        if name in ("-d",):
            dump = True
            if len(arg) > 2:  # bundled flags such as -dv are rare; honour -d and re-read the rest
                args.insert(i + 1, "-" + arg[2:])
        elif name in ("-c", "--clear"):
            clear = True
        elif name == "-s":
            silent = True
        elif name in ("-D", "--dividers"):
            dividers = True
        elif name in ("-B", "--binary"):
            binary = True
            if arg.startswith("-B") and len(arg) > 2:  # -Bd
                args.insert(i + 1, "-" + arg[2:])
        elif name in ("-b", "--buffer"):
            for part in (value() or "").split(","):
                if part == "all":
                    buffers.extend(BUFFERS)
                elif part == "default":
                    buffers.extend(DEFAULT_BUFFERS)
                elif part in BUFFERS:
                    buffers.append(part)
                elif part in ("kernel", "security", "stats"):
                    continue  # empty on this phone
                else:
                    ctx.stderr.write(f"logcat: Unknown buffer '{part}'.\n".encode())
                    return 1
        elif name in ("-v", "--format"):
            for word in (value() or "").split(","):
                word = word.strip()
                if word in VERBS:
                    verb = word
                elif word in ADVERBS:
                    adverbs.add(word)
                else:
                    ctx.stderr.write(f"logcat: Invalid parameter \"{word}\" to -v.\n".encode())
                    return 1
        elif name in ("-t", "-T"):
            text = value() or ""
            if name == "-t":
                dump = True
            if text.isdigit():
                tail = int(text)
            else:
                since = _parse_time(text)
                if since is None:
                    ctx.stderr.write(f"logcat: -{name[1]} \"{text}\" not in time format\n".encode())
                    return 1
        elif name == "--pid":
            text = value() or ""
            if not text.isdigit():
                ctx.stderr.write(f"logcat: --pid {text} is not a valid pid.\n".encode())
                return 1
            pid = int(text)
        elif name in ("-e", "--regex"):
            regex = re.compile(value() or "")
        elif name in ("-m", "--max-count"):
            max_count = int(value() or "0")
        elif name in ("-g", "--buffer-size"):
            for b in buffers or list(DEFAULT_BUFFERS):
                ctx.out(f"{b}: ring buffer is 256 KiB ({logs.size(b) // 1024} KiB consumed), "
                        f"max entry is 5120 B, max payload is 4068 B\n")
            return 0
        elif name in ("-h", "--help"):
            ctx.out(USAGE)
            return 0
        elif arg.startswith("-") and arg != "-":
            ctx.stderr.write(f"logcat: invalid option -- '{arg.lstrip('-')[:1]}'\n{USAGE}".encode())
            return 1
        else:
            specs.append(arg)
        i += 1

    buffers = list(dict.fromkeys(buffers or DEFAULT_BUFFERS))
    if clear:
        logs.clear(buffers)
        return 0

    tag_filter = TagFilter()
    if silent:
        tag_filter.default = "S"
    if not specs and "ANDROID_LOG_TAGS" in ctx.env:
        specs = ctx.env["ANDROID_LOG_TAGS"].split()
    for spec in specs:
        if not tag_filter.add(spec):
            ctx.stderr.write(f"logcat: Invalid filter expression '{spec}'\n".encode())
            return 1

    printed: set[str] = set()
    last_buffer: list[str] = [""]
    count = [0]

    def emit(entry: LogEntry) -> bool:
        """Print one entry; False once -m is reached. Binary output is logd's records as they are:
        logcat applies its tag filters, regex and dividers to text only."""
        if pid is not None and entry.pid != pid:
            return True
        if binary:
            ctx.stdout.write(binary_entry(entry))
            count[0] += 1
            return not (max_count and count[0] >= max_count)
        if not tag_filter.allows(entry):
            return True
        if regex is not None and not regex.search(entry.message):
            return True
        if entry.buffer != last_buffer[0]:
            if entry.buffer not in printed or dividers:
                word = "switch to" if entry.buffer in printed else "beginning of"
                ctx.out(f"--------- {word} {entry.buffer}\n")
            printed.add(entry.buffer)
            last_buffer[0] = entry.buffer
        ctx.out(format_entry(entry, verb, frozenset(adverbs)))
        count[0] += 1
        return not (max_count and count[0] >= max_count)

    start_seq = logs.last_seq
    backlog = logs.entries(buffers)
    if since is not None:
        backlog = [e for e in backlog if e.time >= since]
    if tail is not None:
        backlog = [e for e in backlog if binary or tag_filter.allows(e)][-tail:] if tail else []
    try:
        if not dump and not binary:
            # Streaming readers (Appium's logcat capture) wait for a first line; logcat prints the
            # buffer header at once, before any entry arrives.
            ctx.out(f"--------- beginning of {buffers[0]}\n")
            printed.add(buffers[0])
            last_buffer[0] = buffers[0]
            ctx.stdout.flush()
        for entry in backlog:
            if not emit(entry):
                return 0
        if dump:
            return 0
        seen = max([start_seq] + [e.seq for e in backlog])
        while not ctx.cancelled.is_set():
            logs.wait_for_more(seen, 0.2)
            for entry in logs.entries(buffers, after=seen):
                seen = entry.seq
                if not emit(entry):
                    return 0
            ctx.stdout.flush()
    except BrokenPipe:
        return 141
    return 0


LOG_PRIORITIES = {"v": "V", "d": "D", "i": "I", "w": "W", "e": "E", "f": "F"}


@applet("log")
def log(ctx: Context, argv: list[str]) -> int:
    """toybox `log [-t TAG] [-p PRI] MESSAGE...`: one line into the main buffer (tag "log", priority I)."""
    tag, priority, args = "log", "I", list(argv[1:])
    while args and args[0].startswith("-") and len(args[0]) > 1:
        flag = args.pop(0)
        if flag == "--":
            break
        if flag[1] not in "tp":
            return ctx.fail(f"Unknown option '{flag[1]}' (see \"log --help\")")
        value = flag[2:] or (args.pop(0) if args else None)
        if value is None:
            return ctx.fail(f"Missing argument to -{flag[1]} (see \"log --help\")")
        if flag[1] == "t":
            tag = value
        elif value[:1].lower() in LOG_PRIORITIES:
            priority = LOG_PRIORITIES[value[:1].lower()]
        else:
            return ctx.fail(f"bad -p '{value}'")
    shell_pid = getattr(ctx.shell, "pid", 0)
    phone_of(ctx).system.logcat.write(tag, " ".join(args), priority, shell_pid, uid=2000)
    return 0
