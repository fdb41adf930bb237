"""The phone's small utilities: date, sleep, test/[ (mksh's builtin), true, false, id, whoami,
env, printenv, uname, which, mktemp, nproc. They answer as an Android emulator's shell user would (or root
after `adb root`); file checks go through the phone's storage, never the host's.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat as statmod
import time
from datetime import datetime, timedelta, timezone, tzinfo

from ...procfs import cpu_count, kernel_identity
from ..api import Context, applet
from .options import UsageError, parse

SHELL_NAME = "/system/bin/sh"


@applet("true")
def true(ctx: Context, argv: list[str]) -> int:
    return 0


@applet("false")
def false(ctx: Context, argv: list[str]) -> int:
    return 1


# -- sleep ------------------------------------------------------------------------------------
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@applet("sleep")
def sleep(ctx: Context, argv: list[str]) -> int:
    """Waits on the cancel event, so a client that goes away (or a stopping phone) ends it."""
    if len(argv) < 2:
        return ctx.fail("Needs 1 argument (see \"sleep --help\")")
    total = 0.0
    for text in argv[1:]:
        found = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+|inf(?:inity)?)([smhd]?)", text, re.I)
        if not found:
            return ctx.fail(f"Not a number '{text}'")
        total += float(found.group(1)) * _UNITS[found.group(2).lower()]
    if total == float("inf"):
        ctx.cancelled.wait()
    else:
        ctx.cancelled.wait(total)
    return 0


# -- test / [ (mksh builtin) --------------------------------------------------------------------
class _TestError(Exception):
    """A test syntax error; `bare` messages are printed without the `test: ` part, as mksh does."""

    def __init__(self, message: str, bare: bool = False):
        super().__init__(message)
        self.bare = bare


_UNARY_FILE = set("bcdefghkLprsStuwxGNO")
_BINARY = {"=", "==", "!=", "<", ">", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef"}


class _TestExpr:
    """mksh's test: ! -a -o ( ) with POSIX's rules for up to four arguments."""

    def __init__(self, ctx: Context, args: list[str]):
        self.ctx = ctx
        self.args = args
        self.pos = 0

    def evaluate(self) -> bool:
        if not self.args:
            return False
        result = self._or()
        if self.pos < len(self.args):
            raise _TestError(f"{self.args[self.pos]}: unexpected operator/operand")
        return result

    def _peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.args[index] if index < len(self.args) else None

    def _or(self) -> bool:
        result = self._and()
        while self._peek() == "-o" and self.pos + 1 < len(self.args):
            self.pos += 1
            right = self._and()
            result = result or right
        return result

    def _and(self) -> bool:
        result = self._not()
        while self._peek() == "-a" and self.pos + 1 < len(self.args):
            self.pos += 1
            right = self._not()
            result = result and right
        return result

    def _not(self) -> bool:
        left = len(self.args) - self.pos
        if self._peek() == "!" and left > 1 and not (left == 3 and self._peek(1) in _BINARY
                                                      and self._peek(1) not in ("-a", "-o")):
            self.pos += 1
            return not self._not()
        return self._primary()

    def _primary(self) -> bool:
        token = self._peek()
        if token is None:
            raise _TestError("expression expected")
        left = len(self.args) - self.pos
        if left >= 3 and self._peek(1) in _BINARY:
            self.pos += 3
            return self._binary(token, self.args[self.pos - 2], self.args[self.pos - 1])
        if token == "(" and left >= 2:
            self.pos += 1
            result = self._or()
            if self._peek() != ")":
                raise _TestError(") expected" if self._peek() is None else
                                 f"{self._peek()}: unexpected operator/operand")
            self.pos += 1
            return result
        if left >= 2 and re.fullmatch(r"-[a-zA-Z]", token) and self._peek(1) not in ("-a", "-o") \
                or (left == 2 and re.fullmatch(r"-[a-zA-Z]", token)):
            self.pos += 2
            return self._unary(token, self.args[self.pos - 1])
        if left == 2 and self._peek(1) in _BINARY:
            raise _TestError(f"{self._peek(1)}: missing second argument")
        self.pos += 1
        return token != ""

    def _unary(self, op: str, operand: str) -> bool:
        if op == "-z":
            return operand == ""
        if op == "-n":
            return operand != ""
        if op == "-t":
            return False  # adb shell without a pty: no descriptor is a terminal
        if op == "-o":
            return False
        if op[1] not in _UNARY_FILE:
            raise _TestError(f"{op}: unexpected operator/operand")
        storage = self.ctx.storage
        try:
            st = storage.lstat(operand, self.ctx.cwd) if op in ("-h", "-L") else storage.stat(operand, self.ctx.cwd)
        except (OSError, ValueError):
            return False
        mode = st.st_mode
        kind = op[1]
        if kind == "e":
            return True
        checks = {
            "f": statmod.S_ISREG(mode), "d": statmod.S_ISDIR(mode), "b": statmod.S_ISBLK(mode),
            "c": statmod.S_ISCHR(mode), "p": statmod.S_ISFIFO(mode), "S": statmod.S_ISSOCK(mode),
            "h": statmod.S_ISLNK(mode), "L": statmod.S_ISLNK(mode), "s": st.st_size > 0,
            "u": bool(mode & statmod.S_ISUID), "g": bool(mode & statmod.S_ISGID),
            "k": bool(mode & statmod.S_ISVTX), "N": st.st_mtime > st.st_atime,
        }
        if kind in checks:
            return checks[kind]
        if kind in "OG":
            return True  # the phone's files belong to whoever is asking
        bit = {"r": 4, "w": 2, "x": 1}[kind]
        if self.ctx.phone.root:
            return kind != "x" or bool(mode & 0o111) or statmod.S_ISDIR(mode)
        return bool(mode & (bit << 6))

    def _integer(self, text: str) -> int:
        body = text.strip()
        if body == "":
            return 0
        if re.fullmatch(r"[+-]?\d+", body):
            return int(body)
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", body):
            variables = getattr(self.ctx.shell, "vars", None) or self.ctx.env
            value = variables.get(body, "")
            return int(value) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else 0
        if re.fullmatch(r"[+-]?\d+[A-Za-z_]\w*", body) or getattr(self.ctx.shell, "vars", None) is None:
            raise _TestError(f"{body}: bad number: Invalid argument", bare=True)
        # mksh evaluates -eq operands as arithmetic expressions over the shell's variables
        from ..interp import ShellError, arith

        try:
            return arith(body, self.ctx.shell)
        except ShellError as exc:
            raise _TestError(str(exc), bare=True) from None

    def _binary(self, left: str, op: str, right: str) -> bool:
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left.encode("utf-8", "surrogateescape") < right.encode("utf-8", "surrogateescape")
        if op == ">":
            return left.encode("utf-8", "surrogateescape") > right.encode("utf-8", "surrogateescape")
        if op in ("-nt", "-ot", "-ef"):
            return self._file_compare(left, op, right)
        a, b = self._integer(left), self._integer(right)
        return {"-eq": a == b, "-ne": a != b, "-gt": a > b, "-ge": a >= b, "-lt": a < b,
                "-le": a <= b}[op]

    def _file_compare(self, left: str, op: str, right: str) -> bool:
        def stat(path: str):
            try:
                return self.ctx.storage.stat(path, self.ctx.cwd)
            except OSError:
                return None

        a, b = stat(left), stat(right)
        if op == "-ef":
            return bool(a and b and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino))
        if op == "-nt":
            return bool(a and (not b or a.st_mtime_ns > b.st_mtime_ns))
        return bool(b and (not a or a.st_mtime_ns < b.st_mtime_ns))


@applet("test", "[")
def test(ctx: Context, argv: list[str]) -> int:
    """On a phone `test` and `[` are mksh builtins: errors read `/system/bin/sh: test: ...`, status 2."""
    name = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if name == "[":
        if not args or args[-1] != "]":
            ctx.stderr.write(f"{SHELL_NAME}: [: missing ]\n".encode())
            return 2
        args = args[:-1]
    try:
        return 0 if _TestExpr(ctx, args).evaluate() else 1
    except _TestError as exc:
        prefix = f"{SHELL_NAME}: " if exc.bare else f"{SHELL_NAME}: {name}: "
        ctx.stderr.write((prefix + str(exc) + "\n").encode("utf-8", "surrogateescape"))
        return 2


# -- who am I ---------------------------------------------------------------------------------
# The supplementary groups of adbd's shell on Android 14 (AID_* from android_filesystem_config.h).
SHELL_GROUPS = [(2000, "shell"), (1004, "input"), (1007, "log"), (1011, "adb"), (1015, "sdcard_rw"),
                (1028, "sdcard_r"), (1078, "ext_data_rw"), (1079, "ext_obb_rw"), (3001, "net_bt_admin"),
                (3002, "net_bt"), (3003, "inet"), (3006, "net_bw_stats"), (3009, "readproc"),
                (3011, "uhid"), (3012, "readtracefs")]


def _identity(ctx: Context) -> tuple[tuple[int, str], tuple[int, str], list[tuple[int, str]], str]:
    uid = ctx.shell.uid if ctx.shell is not None else (0 if ctx.phone.root else 2000)
    if uid == 0:
        return (0, "root"), (0, "root"), [(0, "root")] + SHELL_GROUPS[1:], "u:r:su:s0"
    if uid == 2000:
        return (2000, "shell"), (2000, "shell"), list(SHELL_GROUPS), "u:r:shell:s0"
    # run-as: the app's user, its inet and everybody groups, its cache and shared-cache groups
    # (AID_CACHE_GID_START 20000, AID_SHARED_GID_START 50000) and untrusted_app's MLS categories
    app_id = uid - 10000
    name = (uid, f"u0_a{app_id}")
    groups = [name, (3003, "inet"), (9997, "everybody"), (20000 + app_id, f"u0_a{app_id}_cache"),
              (50000 + app_id, f"all_a{app_id}")]
    return name, name, groups, f"u:r:untrusted_app:s0:c{app_id & 0xFF},c{256 + (app_id >> 8)},c512,c768"


@applet("id")
def id_(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "nGgruZ")
    except UsageError as exc:
        return ctx.fail(str(exc))
    user, group, groups, context = _identity(ctx)
    if opts.operands:
        name = opts.operands[0]
        known = {"root": (0, "root"), "shell": (2000, "shell"), "0": (0, "root"), "2000": (2000, "shell")}
        if name not in known:
            return ctx.fail(f"unknown user '{name}'")
        user = group = known[name]
        groups = [(0, "root")] + SHELL_GROUPS[1:] if user[0] == 0 else list(SHELL_GROUPS)
        context = ""
    show = "n" in opts
    if "Z" in opts:
        ctx.out(context + "\n")
        return 0
    if "u" in opts or "g" in opts:
        pair = user if "u" in opts else group
        ctx.out(f"{pair[1] if show else pair[0]}\n")
        return 0
    if "G" in opts:
        ctx.out(" ".join(g[1] if show else str(g[0]) for g in groups) + "\n")
        return 0
    text = (f"uid={user[0]}({user[1]}) gid={group[0]}({group[1]}) groups="
            + ",".join(f"{g[0]}({g[1]})" for g in groups))
    if context:
        text += f" context={context}"
    ctx.out(text + "\n")
    return 0


@applet("whoami")
def whoami(ctx: Context, argv: list[str]) -> int:
    ctx.out(_identity(ctx)[0][1] + "\n")
    return 0


@applet("env")
def env(ctx: Context, argv: list[str]) -> int:
    """env [-i] [-u NAME] [NAME=VALUE...] [COMMAND...]: runs an applet with a changed environment."""
    args = argv[1:]
    values = dict(ctx.env)
    null = False
    while args and args[0].startswith("-") and args[0] != "-":
        flag = args.pop(0)
        if flag == "--":
            break
        if flag in ("-i", "--ignore-environment"):
            values = {}
        elif flag in ("-0", "--null"):
            null = True
        elif flag == "-u" or flag.startswith("-u"):
            name = flag[2:] or (args.pop(0) if args else "")
            if not name:
                return ctx.fail("Missing argument to -u (see \"env --help\")")
            values.pop(name, None)
        else:
            return ctx.fail(f"Unknown option '{flag[1:2]}' (see \"env --help\")")
    if args and args[0] == "-":
        values = {}
        args.pop(0)
    while args and "=" in args[0] and not args[0].startswith("="):
        key, _, value = args.pop(0).partition("=")
        values[key] = value
    if not args:
        end = "\0" if null else "\n"
        ctx.out("".join(f"{k}={v}{end}" for k, v in values.items()))
        return 0
    command = args[0]
    name = command.rsplit("/", 1)[-1] if command.startswith("/system/bin/") else command
    from .text.printing import TOYBOX_BINARIES

    # env executes the program, never a shell builtin: `env echo` is toybox's echo
    func = TOYBOX_BINARIES.get(name) or ctx.applets.get(name)
    if func is None:
        return ctx.fail(f"exec {command}: No such file or directory", 127)
    from ..api import Context as AppletContext

    child = AppletContext(ctx.phone, ctx.stdin, ctx.stdout, ctx.stderr, values, ctx.cwd, command,
                          ctx.shell, ctx.cancelled)
    return func(child, args)


@applet("printenv")
def printenv(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "0", "", {"null": "0"})
    except UsageError as exc:
        return ctx.fail(str(exc))
    end = "\0" if "0" in opts else "\n"
    if not opts.operands:
        ctx.out("".join(f"{k}={v}{end}" for k, v in ctx.env.items()))
        return 0
    status = 0
    for name in opts.operands:
        if name in ctx.env:
            ctx.out(ctx.env[name] + end)
        else:
            status = 1
    return status


# -- uname, nproc -----------------------------------------------------------------------------
@applet("uname")
def uname(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "snrvmoap", "", {"all": "a", "kernel-name": "s", "nodename": "n",
                                            "kernel-release": "r", "kernel-version": "v",
                                            "machine": "m", "operating-system": "o"})
    except UsageError as exc:
        return ctx.fail(str(exc))
    if opts.operands:
        return ctx.fail("Max 0 arguments (see \"uname --help\")")
    info = kernel_identity(ctx.phone.props) | {"o": "Toybox"}
    wanted = [k for k in "snrvmo" if k in opts or "a" in opts] or (["s"] if "p" not in opts else [])
    fields = [info[k] for k in wanted]
    if "p" in opts:
        fields.append("unknown")
    ctx.out(" ".join(fields) + "\n")
    return 0


@applet("nproc")
def nproc(ctx: Context, argv: list[str]) -> int:
    ctx.out(f"{cpu_count(ctx.phone.props)}\n")
    return 0


# -- which, mktemp ----------------------------------------------------------------------------
def _executable(ctx: Context, path: str) -> bool:
    try:
        st = ctx.storage.stat(path, ctx.cwd)
    except OSError:
        return False
    return statmod.S_ISREG(st.st_mode) and bool(st.st_mode & 0o111)


@applet("which")
def which(ctx: Context, argv: list[str]) -> int:
    """Applets live in /system/bin; other PATH folders are searched in the phone's storage."""
    try:
        opts = parse(argv, "a")
    except UsageError as exc:
        return ctx.fail(str(exc))
    status = 0
    for name in opts.operands:
        if "/" in name:
            if _executable(ctx, name):
                ctx.out(name + "\n")
            else:
                status = 1
            continue
        found = False
        for folder in ctx.env.get("PATH", "").split(":"):
            path = (folder or ".").rstrip("/") + "/" + name
            if (folder == "/system/bin" and name in ctx.applets) or _executable(ctx, path):
                ctx.out(path + "\n")
                found = True
                if "a" not in opts:
                    break
        if not found:
            status = 1
    return status


_TEMP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@applet("mktemp")
def mktemp(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "dqtu", "p", {"directory": "d", "quiet": "q", "dry-run": "u", "tmpdir": "p"})
        if len(opts.operands) > 1:
            raise UsageError("Max 1 argument (see \"mktemp --help\")")
    except UsageError as exc:
        return ctx.fail(str(exc))
    template = opts.operands[0] if opts.operands else None
    tmpdir = ctx.env.get("TMPDIR", "")
    folder = opts.get("p")
    if not folder or ("t" in opts and tmpdir):
        folder = tmpdir
    if not folder:
        folder = "/data/local/tmp"
    if template is None:
        template = "tmp.XXXXXXXXXX"
    else:
        if template.startswith("/") and opts.get("p"):
            return ctx.fail("-p + /template")
        if "p" not in opts and "t" not in opts:
            folder = None
    path = f"{folder}/{template}" if folder else template
    if not path.endswith("XXX"):
        return ctx.fail(f"need XXX: {os.strerror(errno.ENOENT)}")  # toybox's stale errno, as printed
    stem = path.rstrip("X")
    width = len(path) - len(stem)
    if width < 6 and "u" not in opts:
        # bionic's mkstemp/mkdtemp want at least six X's
        if "q" in opts:
            return 1
        kind = "directory" if "d" in opts else "file"
        return ctx.fail(f"Failed to create {kind} {path}: {os.strerror(errno.EINVAL)}")
    for _ in range(100):
        candidate = stem + "".join(secrets.choice(_TEMP_CHARS) for _ in range(width))
        if "u" in opts:
            ctx.out(candidate + "\n")
            return 0
        try:
            if "d" in opts:
                ctx.storage.mkdir(candidate, ctx.cwd, 0o700)
            else:
                if ctx.storage.exists(candidate, ctx.cwd) or _is_link(ctx, candidate):
                    continue
                with ctx.storage.open_write(candidate, ctx.cwd, mode=0o600):
                    pass
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                continue
            if "q" in opts:
                return 1
            kind = "directory" if "d" in opts else "file"
            return ctx.fail(f"Failed to create {kind} {path}: {exc.strerror}")
        ctx.out(candidate + "\n")
        return 0
    return 1 if "q" in opts else ctx.fail(f"Failed to create file {path}: File exists")


def _is_link(ctx: Context, path: str) -> bool:
    try:
        ctx.storage.lstat(path, ctx.cwd)
        return True
    except OSError:
        return False


# -- date -------------------------------------------------------------------------------------
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]


def _zone(ctx: Context, utc: bool) -> tzinfo:
    if utc:
        return timezone.utc
    name = ctx.env.get("TZ") or ctx.phone.props.get("persist.sys.timezone", "") or "UTC"
    if name in ("UTC", "GMT", "UTC0", "GMT0", ":UTC"):
        return timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name.lstrip(":"))
    except Exception:  # noqa: BLE001 - an unknown zone name means UTC, as in bionic
        return timezone.utc


def _offset(moment: datetime, colon: bool) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{':' if colon else ''}{minutes % 60:02d}"


def strftime(fmt: str, moment: datetime, nanos: int = 0) -> str:
    """bionic's strftime for the codes toybox documents, plus %N and %:z."""
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%" or i + 1 >= len(fmt):
            out.append(c)
            i += 1
            continue
        code = fmt[i + 1]
        i += 2
        if code == ":" and fmt[i:i + 1] == "z":
            out.append(_offset(moment, True))
            i += 1
            continue
        # glibc's flags and field width: %-d, %_d, %05d, %^a
        found = re.match(r"([-_0^#]*)(\d*)(.?)", fmt[i - 1:])
        assert found is not None  # every part of the pattern is optional: it matches any text
        flags, width, code = found.group(1), found.group(2), found.group(3)
        i += found.end() - 1
        if not code:
            out.append("%" + flags + width)
            continue
        out.append(_flagged(_code(code, moment, nanos), code, flags, int(width or 0)))
    return "".join(out)


def _flagged(text: str, code: str, flags: str, width: int) -> str:
    numeric = text.strip().lstrip("+-").isdigit() and code not in "%nt"
    if "-" in flags and numeric:
        text = text.strip().lstrip("0") or "0"
    elif "_" in flags and numeric:
        stripped = text.strip().lstrip("0") or "0"
        text = stripped.rjust(len(text))
    elif "0" in flags and numeric:
        text = text.replace(" ", "0")
    if "^" in flags:
        text = text.upper()
    if width and len(text) < width and "-" not in flags:
        fill = "0" if numeric and "_" not in flags else " "
        text = text.strip().rjust(width, fill) if numeric else text.rjust(width, fill)
    return text


def _code(code: str, m: datetime, nanos: int) -> str:
    hour12 = m.hour % 12 or 12
    simple = {
        "%": "%", "n": "\n", "t": "\t", "S": f"{m.second:02d}", "M": f"{m.minute:02d}",
        "m": f"{m.month:02d}", "H": f"{m.hour:02d}", "I": f"{hour12:02d}", "k": f"{m.hour:2d}",
        "l": f"{hour12:2d}", "p": "AM" if m.hour < 12 else "PM", "P": "am" if m.hour < 12 else "pm",
        "y": f"{m.year % 100:02d}", "Y": str(m.year), "C": f"{m.year // 100:02d}",
        "a": _DAYS[m.weekday()][:3], "A": _DAYS[m.weekday()], "u": str(m.isoweekday()),
        "w": str(m.isoweekday() % 7), "b": _MONTHS[m.month - 1][:3], "h": _MONTHS[m.month - 1][:3],
        "B": _MONTHS[m.month - 1], "j": f"{m.timetuple().tm_yday:03d}", "d": f"{m.day:02d}",
        "e": f"{m.day:2d}", "N": f"{nanos:09d}", "z": _offset(m, False), "s": str(int(m.timestamp())),
        "G": str(m.isocalendar()[0]), "g": f"{m.isocalendar()[0] % 100:02d}",
        "V": f"{m.isocalendar()[1]:02d}",
        "U": f"{(m.timetuple().tm_yday + 6 - m.isoweekday() % 7) // 7:02d}",
        "W": f"{(m.timetuple().tm_yday + 6 - (m.weekday())) // 7:02d}",
    }
    if code in simple:
        return simple[code]
    if code == "Z":
        return m.tzname() or "UTC"
    composite = {"F": "%Y-%m-%d", "R": "%H:%M", "T": "%H:%M:%S", "D": "%m/%d/%y", "r": "%I:%M:%S %p",
                 "x": "%m/%d/%y", "X": "%H:%M:%S", "c": "%a %b %e %H:%M:%S %Y"}
    if code in composite:
        return strftime(composite[code], m, nanos)
    return "%" + code


def _parse_date(text: str, zone: tzinfo, now: datetime) -> tuple[datetime, int]:
    """toybox's input formats: @EPOCH[.FRAC], YYYY-MM-DD[ T]hh:mm[:ss], hh:mm[:ss], MMDDhhmm[[CC]YY][.ss]."""
    body = text.strip()
    found = re.fullmatch(r"@(-?\d+)(?:\.(\d{1,9}))?", body)
    if found:
        nanos = int((found.group(2) or "0").ljust(9, "0"))
        return datetime.fromtimestamp(int(found.group(1)), zone), nanos
    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", body)
    try:
        if found:
            y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in found.groups())
            return _normalised(y, mo, d, hh, mm, ss, zone), 0
        found = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", body)
        if found:
            hh, mm, ss = (int(g) if g else 0 for g in found.groups())
            return now.replace(hour=hh, minute=mm, second=ss, microsecond=0), 0
        found = re.fullmatch(r"(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:\.(\d\d))?", body)
        if found:
            mo, d, hh, mm = (int(g) for g in found.groups()[:4])
            cc, yy, seconds = found.group(5), found.group(6), found.group(7)
            year = now.year
            if cc and yy:
                year = int(cc + yy)
            elif cc:
                year = 1900 + int(cc) + (100 if int(cc) < 69 else 0)
            return _normalised(year, mo, d, hh, mm, int(seconds or 0), zone), 0
    except (ValueError, OverflowError):
        pass
    raise UsageError(f"bad date {text}")


def _normalised(year: int, month: int, day: int, hour: int, minute: int, second: int, zone: tzinfo) -> datetime:
    """Fields in range as toybox checks them, then mktime()'s arithmetic: February 30th is March 1st."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 60):
        raise ValueError("field out of range")
    base = datetime(year, (month - 1) % 12 + 1, 1)
    naive = base + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    return naive.replace(tzinfo=zone)


@applet("date")
def date(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "u", "dDrs", {"date": "d", "utc": "u", "universal": "u", "reference": "r",
                                         "iso-8601": "I"}, optional="I")
    except UsageError as exc:
        return ctx.fail(str(exc))
    zone = _zone(ctx, "u" in opts)
    now_ns = time.time_ns()
    moment = datetime.fromtimestamp(now_ns // 1_000_000_000, zone)
    nanos = now_ns % 1_000_000_000
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    if "I" in opts:
        resolution = (opts.get("I") if opts.get("I") is not True else "d")[:1]
        formats = {"d": "%F", "h": "%FT%H%:z", "m": "%FT%R%:z", "s": "%FT%T%:z", "n": "%FT%T,%N%:z"}
        if resolution not in formats:
            return ctx.fail(f"bad -I: {opts.get('I')}")
        fmt = formats[resolution]
    try:
        if "d" in opts:
            if "D" in opts:
                parsed = datetime.strptime(opts.get("d"), opts.get("D").lstrip("+"))
                moment, nanos = parsed.replace(tzinfo=zone), 0
            else:
                moment, nanos = _parse_date(opts.get("d"), zone, moment)
        elif "r" in opts:
            try:
                st = ctx.storage.stat(opts.get("r"), ctx.cwd)
            except OSError as exc:
                return ctx.fail(f"Can't stat {opts.get('r')}: {exc.strerror}")
            moment = datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, zone)
            nanos = st.st_mtime_ns % 1_000_000_000
        operands = opts.operands
        setting = opts.get("s")
        if operands and operands[0].startswith("+"):
            fmt = operands[0][1:]
            operands = operands[1:]
        if operands or setting:
            _parse_date(setting or operands[0], zone, moment)
            if not ctx.phone.root:
                return ctx.fail(f"cannot set date: {os.strerror(errno.EPERM)}")
            return ctx.fail("cannot set date: the virtual phone's clock follows the host's")
    except ValueError as exc:
        return ctx.fail(f"bad date {opts.get('d')}" if "d" in opts else str(exc))
    except UsageError as exc:
        return ctx.fail(str(exc))
    ctx.out(strftime(fmt, moment.astimezone(zone), nanos) + "\n")
    return 0
