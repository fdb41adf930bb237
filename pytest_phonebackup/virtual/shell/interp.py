"""Runs parsed command lines the way Android's mksh does: expansion (parameters, command
substitution, arithmetic, field splitting, globs against the phone's storage), redirections
through `Storage`, pipelines whose stages run concurrently over bounded pipes, and the
shell's own builtins (cd, export, exit, ...). Applets are looked up in the shell's own `Applets`.
Not for output formats of applets, and never touches host paths directly.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import random
import re
import stat as statmod
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..permissions import ROOT, SHELL, User
from ..procfs import ADBD_PID
from . import parser as p
from .api import Applets, Context
from .patterns import GLOB_CHARS, translate
from .streams import BrokenPipe, BytesInput, BytesOutput, EmptyInput, Input, NullOutput, Output, Pipe

if TYPE_CHECKING:
    from ..permissions import UserStorage
    from .device import Device

log = logging.getLogger(__name__)

SH = "/system/bin/sh"  # the name mksh prefixes its messages with on Android
NOT_FOUND = 127
SIGPIPE_STATUS = 141  # 128 + SIGPIPE: a writer whose reader went away
MAX_CALL_DEPTH = 100  # function nesting; mksh would crash, we report it instead
APPLET_DIRS = ("/system/bin/", "/system/xbin/", "/vendor/bin/", "/bin/", "/usr/bin/")
# POSIX special builtins: mksh stops a script when one of them fails (bad redirection, bad operand).
SPECIAL_BUILTINS = {".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return",
                    "set", "shift", "times", "trap", "unset"}
# Commands mksh runs itself on Android (their applets here report errors with mksh's prefix).
MKSH_BUILTIN_APPLETS = {"echo", "print", "test", "[", "true", "false", "kill", "ulimit", "umask"}
# What `command -v`/`-V` and `type` call the rest of mksh's builtins, and its two built-in aliases.
MKSH_OTHER_BUILTINS = {"alias", "unalias", "bg", "fg", "jobs", "bind", "builtin", "fc", "getopts", "let",
                       "rename", "suspend", "whence", "typeset", "read", "wait", "cd", "chdir", "pwd",
                       "realpath", "command", "source"}
MKSH_ALIASES = {"type": "\\\\builtin whence -v", "hash": "\\\\builtin alias -t", "local": "\\\\builtin typeset",
                "history": "\\\\builtin fc -l", "r": "\\\\builtin fc -e -", "login": "\\\\builtin exec login",
                "nohup": "nohup ", "autoload": "\\\\builtin typeset -fu", "functions": "\\\\builtin typeset -f",
                "integer": "\\\\builtin typeset -i"}
IFS_WHITESPACE = re.compile(r"[ \t\n]+")


class ExitShell(Exception):
    def __init__(self, status: int):
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int):
        self.kind = kind  # 'break' | 'continue'
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, status: int):
        self.status = status


class ShellError(Exception):
    """An error the shell reports as `/system/bin/sh: message` (a non-interactive shell then stops)."""

    def __init__(self, message: str, status: int = 1, fatal: bool = True):
        super().__init__(message)
        self.status = status
        self.fatal = fatal


class CommandCancelled(Exception):
    """The client went away or the phone shut down."""


@dataclass
class IO:
    stdin: Input
    stdout: Output
    stderr: Output


class FileOutput:
    """A redirection target on the phone's storage (counts bytes against its capacity)."""

    def __init__(self, writer):
        self._writer = writer

    def write(self, data: bytes) -> int:
        return self._writer.write(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._writer.close()


class FileInput:
    def __init__(self, handle):
        self._handle = handle

    def read(self, n: int = -1) -> bytes:
        return self._handle.read(n)

    def readline(self) -> bytes:
        return self._handle.readline()

    def fileno(self) -> int:
        """For fstat(2) of a redirected file (`split -n 3 < FILE` asks its size)."""
        return int(self._handle.fileno())

    def __iter__(self):
        return iter(self._handle)

    def close(self) -> None:
        self._handle.close()


class Interp:
    """One shell: variables, positional parameters, functions, current folder, last status."""

    def __init__(self, phone: Device, env: dict[str, str], cwd: str = "/", name: str = SH,
                 args: list[str] | None = None, cancelled: threading.Event | None = None,
                 applets: Applets | None = None):
        self.phone = phone
        #: The commands this shell runs: its own table (a copy of the phone's unless given).
        self.applets = applets if applets is not None else phone.applets.copy()
        self.vars: dict[str, str] = dict(env)
        self.exported: set[str] = set(env)
        self.cwd = cwd
        self.name = name  # $0
        self.args: list[str] = list(args or [])
        self.functions: dict[str, p.Node] = {}
        self.status = 0
        self.pid = phone.kernel.new_pid()
        self.last_bg_pid = 0
        self.cancelled = cancelled or threading.Event()
        self.call_depth = 0
        self.loop_depth = 0  # loops around the running command in this function (break/continue)
        self.background: list[threading.Thread] = []
        self.jobs: dict[int, int] = {}  # background pid -> exit status
        self.traps: dict[str, str] = {}  # 'EXIT' -> command run when the shell ends
        self.ppid = ADBD_PID  # adbd starts the shells of `adb shell`
        self.vars.setdefault("IFS", " \t\n")
        self.vars["PWD"] = cwd

    #: Set by `run-as`: the app user the commands run as; otherwise adbd's (root or shell).
    run_as: User | None = None

    @property
    def user(self) -> User:
        if self.run_as is not None:
            return self.run_as
        return ROOT if self.phone.root else SHELL

    @property
    def uid(self) -> int:
        return self.user.uid

    @property
    def storage(self) -> UserStorage:
        """The phone's files as this shell's user may use them."""
        return self.phone.storage.as_user(self.user)

    # -- entry points --------------------------------------------------------------------------
    def run(self, command: str, stdin: Input | None = None, stdout: Output | None = None,
            stderr: Output | None = None, cancelled: threading.Event | None = None) -> int:
        """Parse and run a command line; returns its exit status (the `Shell.run` contract)."""
        io = IO(stdin or EmptyInput(), stdout or NullOutput(), stderr or NullOutput())
        if cancelled is not None:
            self.cancelled = cancelled
        try:
            tree = p.parse(command)
        except p.ShellSyntaxError as exc:
            self.say(io, str(exc))
            return 1
        except RecursionError:
            self.say(io, "syntax error: nested too deeply")
            return 1
        try:
            with self.phone.kernel.running("sh", [self.name, "-c", command], self.ppid, self.pid, self.uid, "S"):
                self.status = self.execute(tree, io)
        except ExitShell as exc:
            self.status = exc.status
        except ReturnFromFunction as exc:
            self.status = exc.status
        except LoopControl:
            pass
        except ShellError as exc:
            self.say(io, str(exc))
            self.status = exc.status
        except CommandCancelled:
            self.status = 130
        except RecursionError:
            self.say(io, "too much recursion")
            self.status = 1
        self.run_exit_trap(io)
        for thread in self.background:
            thread.join()
        return self.status

    def run_exit_trap(self, io: IO) -> None:
        action = self.traps.pop("EXIT", None)
        if not action:
            return
        saved = self.status
        try:
            self.execute(p.parse(action), io)
        except (ExitShell, ShellError, p.ShellSyntaxError, LoopControl, ReturnFromFunction):
            pass
        self.status = saved

    def run_argv(self, argv: list[str], stdin: Input, stdout: Output, stderr: Output,
                 cwd: str | None = None, user: User | None = None) -> int:
        """Run one command from an argv (no parsing): for `xargs`, `find -exec`, `env CMD`;
        as another user for `run-as`."""
        sub = self.subshell()
        if cwd is not None:
            sub.cwd = cwd
        if user is not None:
            sub.run_as = user
        try:
            return sub.dispatch(argv, IO(stdin, stdout, stderr), {})
        except ExitShell as exc:
            return exc.status
        except ShellError as exc:
            sub.say(IO(stdin, stdout, stderr), str(exc))
            return exc.status

    def say(self, io: IO, message: str) -> None:
        try:
            io.stderr.write(f"{SH}: {message}\n".encode("utf-8", "surrogateescape"))
        except OSError:
            pass

    def subshell(self) -> Interp:
        sub = Interp.__new__(Interp)
        sub.__dict__.update(self.__dict__)
        sub.vars = dict(self.vars)
        sub.exported = set(self.exported)
        sub.args = list(self.args)
        sub.functions = dict(self.functions)
        sub.background = []
        sub.jobs = {}
        sub.traps = {}
        return sub

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in self.vars.items() if k in self.exported}
        env["PWD"] = self.cwd
        return env

    # -- commands ------------------------------------------------------------------------------
    def execute(self, node: p.Node, io: IO) -> int:
        if self.cancelled.is_set():
            raise CommandCancelled()
        method = getattr(self, "exec_" + type(node).__name__.lower())
        status = method(node, io)
        self.status = status
        return status

    def exec_sequence(self, node: p.Sequence, io: IO) -> int:
        status = 0
        for item in node.items:
            status = self.execute(item, io)
        return status

    def exec_andor(self, node: p.AndOr, io: IO) -> int:
        status = self.execute(node.first, io)
        for op, item in node.rest:
            if (op == "&&") == (status == 0):
                status = self.execute(item, io)
        return status

    def exec_pipeline(self, node: p.Pipeline, io: IO) -> int:
        if node.timed:
            return self.time_pipeline(node, io)
        if len(node.commands) == 1:
            status = self.execute(node.commands[0], io)
        else:
            status = self.run_pipeline(node.commands, io)
        return (1 if status == 0 else 0) if node.negate else status

    def time_pipeline(self, node: p.Pipeline, io: IO) -> int:
        """mksh's `time PIPELINE` (c_ksh.c timex): real, user and system time as `0m00.00s`, to the
        shell's stderr whatever the pipeline redirects; bare `time` gives the shell's own times."""
        started, cpu = time.monotonic(), time.thread_time()
        status = 0
        if node.commands:
            status = self.exec_pipeline(p.Pipeline(node.commands, node.negate), io)
        real, user = time.monotonic() - started, time.thread_time() - cpu

        def shown(seconds: float) -> str:
            centis = int(seconds * 100)
            if node.posix:
                return f"{centis // 100}.{centis % 100:02d}"
            return f"{centis // 6000:5d}m{centis // 100 % 60:02d}.{centis % 100:02d}s"

        if node.posix:
            line = f"user {shown(user)}\nsys {shown(0)}\n"
            if node.commands:
                line = f"real {shown(real)}\n{line}"
        else:
            line = f"{shown(user)} user {shown(0)} system\n"
            if node.commands:
                line = f"{shown(real)} real {line}"
        try:
            io.stderr.write(line.encode())
        except OSError:
            pass
        return status

    def run_pipeline(self, commands: list[p.Node], io: IO) -> int:
        """Every stage runs at once, joined by bounded pipes, so data streams through."""
        pipes = [Pipe(1 << 16) for _ in commands[:-1]]
        threads = []
        statuses: list[int] = [0] * len(commands)

        def stage(index: int, sub: Interp, stage_io: IO) -> None:
            try:
                statuses[index] = sub.run_stage(commands[index], stage_io)
            finally:
                if index < len(pipes):
                    pipes[index].close_write()
                if index > 0:
                    pipes[index - 1].close_read()

        for index in range(len(commands) - 1):
            stage_io = IO(io.stdin if index == 0 else pipes[index - 1], pipes[index], io.stderr)
            thread = threading.Thread(target=stage, args=(index, self.subshell(), stage_io),
                                      name=f"sh-pipe-{index}", daemon=True)
            thread.start()
            threads.append(thread)
        last = len(commands) - 1
        try:
            stage(last, self, IO(pipes[-1], io.stdout, io.stderr))
        finally:
            for thread in threads:
                thread.join()
        return statuses[last]

    def run_stage(self, node: p.Node, io: IO) -> int:
        try:
            return self.execute(node, io)
        except ExitShell as exc:
            return exc.status
        except BrokenPipe:
            return SIGPIPE_STATUS
        except ShellError as exc:
            self.say(io, str(exc))
            return exc.status

    def exec_group(self, node: p.Group, io: IO) -> int:
        if not node.subshell:
            return self.execute(node.body, io)
        sub = self.subshell()
        try:
            return sub.execute(node.body, io)
        except ExitShell as exc:
            return exc.status
        except ShellError as exc:
            sub.say(io, str(exc))
            return exc.status

    def exec_compound(self, node: p.Compound, io: IO) -> int:
        opened: list = []
        try:
            new_io = self.apply_redirects(node.redirects, io, opened)
        except ShellError as exc:
            self.say(io, str(exc))
            return exc.status
        try:
            return self.execute(node.body, new_io)
        finally:
            close_all(opened)

    def exec_if(self, node: p.If, io: IO) -> int:
        for cond, body in node.branches:
            if self.execute(cond, io) == 0:
                return self.execute(body, io)
        if node.otherwise is not None:
            return self.execute(node.otherwise, io)
        return 0

    def exec_for(self, node: p.For, io: IO) -> int:
        items = list(self.args) if node.items is None else self.expand_words(node.items, io)
        self.loop_depth += 1
        try:
            return self.run_for(node, items, io)
        finally:
            self.loop_depth -= 1

    def run_for(self, node: p.For, items: list[str], io: IO) -> int:
        status = 0
        for value in items:
            self.vars[node.name] = value
            try:
                status = self.execute(node.body, io)
            except LoopControl as ctl:
                if ctl.levels > 1:
                    ctl.levels -= 1
                    raise
                if ctl.kind == "break":
                    break
        return status

    def exec_while(self, node: p.While, io: IO) -> int:
        self.loop_depth += 1
        try:
            return self.run_while(node, io)
        finally:
            self.loop_depth -= 1

    def run_while(self, node: p.While, io: IO) -> int:
        status = 0
        while True:
            cond = self.execute(node.cond, io)
            if (cond == 0) == node.until:
                break
            try:
                status = self.execute(node.body, io)
            except LoopControl as ctl:
                if ctl.levels > 1:
                    ctl.levels -= 1
                    raise
                if ctl.kind == "break":
                    break
        return status

    def exec_case(self, node: p.Case, io: IO) -> int:
        subject = self.expand_string(node.subject, io)
        for patterns, body in node.arms:
            for pattern in patterns:
                chars = self.expand_chars(pattern, io)
                if re.fullmatch(translate(chars), subject, re.S):
                    return self.execute(body, io)
        return 0

    def exec_background(self, node: p.Background, io: IO) -> int:
        sub = self.subshell()
        pid = random.randint(2000, 32000)

        def run() -> None:
            try:
                self.jobs[pid] = sub.execute(node.body, io)
            except ExitShell as exc:
                self.jobs[pid] = exc.status
            except Exception:  # noqa: BLE001 - a background job's failure only sets its status
                self.jobs[pid] = 1

        thread = threading.Thread(target=run, name=f"sh-bg-{pid}", daemon=True)
        self.jobs[pid] = 0
        self.background.append(thread)
        self.last_bg_pid = pid
        thread.start()
        return 0

    def exec_funcdef(self, node: p.FuncDef, io: IO) -> int:
        self.functions[node.name] = node.body
        return 0

    def exec_simple(self, node: p.Simple, io: IO) -> int:
        self.cmdsub_status: int | None = None
        try:
            argv = self.expand_words(node.words, io)
            assigns = {name: self.expand_string(self.expand_tilde(word), io) for name, word in node.assigns}
        except ShellError as exc:
            if exc.fatal:
                raise
            self.say(io, str(exc))
            return exc.status
        opened: list = []
        try:
            try:
                new_io = self.apply_redirects(node.redirects, io, opened)
            except ShellError as exc:
                self.say(io, str(exc))
                if argv and argv[0] in SPECIAL_BUILTINS:
                    self.say(io, "redirection failure")
                    raise ExitShell(1) from None  # fatal, as for mksh
                return exc.status
            if argv == ["exec"]:
                # `exec 2>&1` alone: the redirections stay for the rest of this shell.
                io.stdin, io.stdout, io.stderr = new_io.stdin, new_io.stdout, new_io.stderr
                opened.clear()
                return 0
            if not argv:
                self.vars.update(assigns)
                for name in assigns:
                    if "a" in self.vars.get("-", ""):
                        self.exported.add(name)
                return self.cmdsub_status or 0
            return self.dispatch(argv, new_io, assigns)
        finally:
            close_all(opened)

    def dispatch(self, argv: list[str], io: IO, assigns: dict[str, str]) -> int:
        name = argv[0]
        if name in self.functions:
            return self.call_function(name, argv, io, assigns)
        builtin = BUILTINS.get(name)
        if builtin is not None:
            saved = {k: self.vars.get(k) for k in assigns}
            self.vars.update(assigns)
            try:
                return builtin(self, argv, io)
            except ShellError as exc:
                # Said through the builtin's own redirections; a failing builtin ends the script.
                self.say(io, str(exc))
                raise ExitShell(exc.status) from None
            finally:
                if name not in ("export", "exec"):
                    for key, value in saved.items():
                        if value is None:
                            self.vars.pop(key, None)
                        else:
                            self.vars[key] = value
        return self.dispatch_applet(argv, io, assigns)

    def dispatch_applet(self, argv: list[str], io: IO, assigns: dict[str, str]) -> int:
        name = argv[0]
        func = self.lookup_applet(name)
        if func is None:
            self.say(io, f"{name}: inaccessible or not found")
            return NOT_FOUND
        env = self.environment() | assigns
        ctx = Context(self.phone, io.stdin, io.stdout, io.stderr, env, self.cwd, posixpath.basename(name),
                      self, self.cancelled)
        try:
            with self.phone.kernel.running(posixpath.basename(name), argv, ppid=self.pid, uid=self.uid):
                return func(ctx, [posixpath.basename(name)] + argv[1:]) or 0
        except BrokenPipe:
            return SIGPIPE_STATUS
        except (ExitShell, LoopControl, ReturnFromFunction, CommandCancelled):
            raise
        except OSError as exc:
            # A write to a redirection failed (ENOSPC, /dev/full): toybox reports it like this.
            prefix = f"{SH}: " if ctx.argv0 in MKSH_BUILTIN_APPLETS else ""
            message = f"{prefix}{ctx.argv0}: write: {exc.strerror or exc}\n"
            try:
                io.stderr.write(message.encode())
            except OSError:
                pass
            return 1

    def lookup_applet(self, name: str):
        if "/" in name:
            for folder in APPLET_DIRS:
                if name.startswith(folder) and "/" not in name[len(folder):]:
                    return self.applets.get(name[len(folder):])
            return None
        return self.applets.get(name)

    def call_function(self, name: str, argv: list[str], io: IO, assigns: dict[str, str]) -> int:
        if self.call_depth >= MAX_CALL_DEPTH:
            raise ShellError(f"{name}: function nested too deeply")
        saved_args, saved_loops = self.args, self.loop_depth
        self.args = argv[1:]
        self.vars.update(assigns)
        self.call_depth += 1
        self.loop_depth = 0  # break/continue do not reach the caller's loops
        try:
            return self.execute(self.functions[name], io)
        except ReturnFromFunction as ret:
            return ret.status
        finally:
            self.call_depth -= 1
            self.args, self.loop_depth = saved_args, saved_loops

    # -- redirections --------------------------------------------------------------------------
    def apply_redirects(self, redirects: list[p.Redirect], io: IO, opened: list) -> IO:
        fds: dict[int, object] = {0: io.stdin, 1: io.stdout, 2: io.stderr}
        storage = self.storage
        for r in redirects:
            if r.op == "<<":
                body = self.expand_string(r.heredoc or p.Word(), io) if r.heredoc else ""
                fds[r.fd] = BytesInput(body.encode("utf-8", "surrogateescape"))
                continue
            target = self.expand_string(r.target, io)
            if r.op in (">&", "<&"):
                if target == "-":
                    fds[r.fd] = NullOutput() if r.op == ">&" else EmptyInput()
                elif target.isdigit() and int(target) in fds:
                    fds[r.fd] = fds[int(target)]
                else:
                    raise ShellError(f"{target}: bad file descriptor" if target.isdigit()
                                     else f"{target}: illegal file descriptor name", fatal=False)
                continue
            if r.op == "<":
                try:
                    handle = FileInput(storage.open_read(target, self.cwd))
                except OSError as exc:
                    raise ShellError(f"{target}: open: {os.strerror(exc.errno or errno.EIO)}",
                                     fatal=False) from None
                opened.append(handle)
                fds[r.fd] = handle
                continue
            try:
                writer = storage.open_write(target, self.cwd, append=(r.op == ">>"))
            except OSError as exc:
                raise ShellError(f"{target}: create: {os.strerror(exc.errno or errno.EIO)}",
                                 fatal=False) from None
            output = FileOutput(writer)
            opened.append(output)
            fds[r.fd] = output
        return IO(fds[0], fds[1], fds[2])  # type: ignore[arg-type]

    # -- expansion -----------------------------------------------------------------------------
    def expand_words(self, words: list[p.Word], io: IO) -> list[str]:
        out: list[str] = []
        for word in words:
            out.extend(self.expand_fields(word, io))
        return out

    def expand_fields(self, word: p.Word, io: IO) -> list[str]:
        """Parameter/command/arithmetic expansion, field splitting, then globbing."""
        fields: list[list[tuple[str, bool]]] = [[]]
        keep: list[bool] = [False]  # a field with a quoted part survives even when empty
        word = self.expand_tilde(word)

        def new_field() -> None:
            fields.append([])
            keep.append(False)

        for part in word.parts:
            if isinstance(part, p.Lit):
                fields[-1].extend((c, part.quoted) for c in part.text)
                keep[-1] = keep[-1] or part.quoted
                continue
            if isinstance(part, p.Param) and part.name in "@*" and not part.op and not part.length:
                values = list(self.args)
                if part.quoted and part.name == "@":
                    for n, value in enumerate(values):
                        if n:
                            new_field()
                        fields[-1].extend((c, True) for c in value)
                        keep[-1] = True
                    continue
                if part.quoted:
                    sep = self.vars.get("IFS", " ")[:1]
                    fields[-1].extend((c, True) for c in sep.join(values))
                    keep[-1] = True
                    continue
                text = " ".join(values)
            else:
                text = self.expand_part(part, io)
            if part.quoted:
                fields[-1].extend((c, True) for c in text)
                keep[-1] = True
                continue
            pieces = IFS_WHITESPACE.split(text)
            for n, piece in enumerate(pieces):
                if n:
                    new_field()
                fields[-1].extend((c, False) for c in piece)
        result: list[str] = []
        for chars, kept in zip(fields, keep, strict=True):
            if not chars and not kept:
                continue
            if any(c in GLOB_CHARS and not quoted for c, quoted in chars):
                matched = self.glob(chars)
                if matched:
                    result.extend(matched)
                    continue
            result.append("".join(c for c, _ in chars))
        return result

    def expand_tilde(self, word: p.Word) -> p.Word:
        """A leading unquoted `~` or `~/...` is $HOME (mksh leaves `~user` to the user database)."""
        first = word.parts[0] if word.parts else None
        if not isinstance(first, p.Lit) or first.quoted or not first.text.startswith("~"):
            return word
        if len(first.text) > 1 and first.text[1] != "/":
            return word
        home = p.Lit(self.vars.get("HOME", "/"), quoted=True)
        return p.Word([home, p.Lit(first.text[1:])] + word.parts[1:])

    def expand_string(self, word: p.Word, io: IO) -> str:
        """Expansion without field splitting or globbing (assignments, redirect targets, case)."""
        return "".join(c for c, _ in self.expand_chars(word, io))

    def expand_chars(self, word: p.Word, io: IO) -> list[tuple[str, bool]]:
        chars: list[tuple[str, bool]] = []
        for part in word.parts:
            if isinstance(part, p.Lit):
                chars.extend((c, part.quoted) for c in part.text)
            else:
                chars.extend((c, True) for c in self.expand_part(part, io))
        return chars

    def expand_part(self, part: p.Part, io: IO) -> str:
        if isinstance(part, p.Param):
            return self.expand_param(part, io)
        if isinstance(part, p.CmdSub):
            return self.command_substitution(part.body, io)
        if isinstance(part, p.Arith):
            return str(arith(self.expand_string(part.expr, io), self))
        return part.text  # type: ignore[union-attr]

    def param_value(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(self.args))
        if name == "!":
            return str(self.last_bg_pid) if self.last_bg_pid else ""
        if name == "-":
            return self.vars.get("-", "")
        if name in "@*":
            return " ".join(self.args)
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.name
            return self.args[index - 1] if index <= len(self.args) else None
        if name == "PWD":
            return self.cwd
        if name == "PPID":
            return str(self.ppid)
        if name == "RANDOM":
            return str(random.randint(0, 32767))
        return self.vars.get(name)

    def expand_param(self, part: p.Param, io: IO) -> str:
        value = self.param_value(part.name)
        if part.length:
            return str(len(value or ""))
        op = part.op
        if not op:
            return value or ""
        unset = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return self.expand_string(part.arg, io) if unset and part.arg else (value or "")
        if op in (":=", "="):
            if unset:
                value = self.expand_string(part.arg, io) if part.arg else ""
                self.vars[part.name] = value
            return value or ""
        if op in (":+", "+"):
            return "" if unset else (self.expand_string(part.arg, io) if part.arg else "")
        if op in (":?", "?"):
            if unset:
                message = self.expand_string(part.arg, io) if part.arg and part.arg.parts else None
                raise ShellError(f"{part.name}: {message or 'parameter null or not set'}")
            return value or ""
        # Pattern removal: #, ##, %, %%
        value = value or ""
        chars = self.expand_chars(part.arg, io) if part.arg else []
        regex = re.compile(translate(chars), re.S)
        candidates = range(len(value) + 1)
        if op in ("#", "##"):
            order = candidates if op == "#" else reversed(candidates)
            for cut in order:
                if regex.fullmatch(value[:cut]):
                    return value[cut:]
        else:
            order = reversed(candidates) if op == "%" else candidates
            for cut in order:
                if regex.fullmatch(value[cut:]):
                    return value[:cut]
        return value

    def command_substitution(self, body: p.Node, io: IO) -> str:
        out = BytesOutput()
        sub = self.subshell()
        try:
            status = sub.execute(body, IO(io.stdin, out, io.stderr))
        except ExitShell as exc:
            status = exc.status
        except ShellError as exc:
            sub.say(io, str(exc))
            status = exc.status
        # $? keeps the previous command's status until this command finishes; an assignment-only
        # command (`x=$(false)`) takes the substitution's status as its own.
        self.cmdsub_status = status
        return out.getvalue().decode("utf-8", "surrogateescape").rstrip("\n")

    def glob(self, chars: list[tuple[str, bool]]) -> list[str]:
        """Expand a pattern against the phone's storage; [] when nothing matches."""
        components: list[list[tuple[str, bool]]] = [[]]
        for c, quoted in chars:
            if c == "/" :
                components.append([])
            else:
                components[-1].append((c, quoted))
        absolute_path = not components[0]
        prefixes = ["/" if absolute_path else ""]
        storage = self.storage
        parts = components[1:] if absolute_path else components
        for n, comp in enumerate(parts):
            last = n == len(parts) - 1
            if not comp:
                prefixes = [pre + ("" if last else "") for pre in prefixes]
                if not last:
                    continue
                prefixes = [pre if pre.endswith("/") else pre + "/" for pre in prefixes]
                continue
            text = "".join(c for c, _ in comp)
            if not any(c in GLOB_CHARS and not quoted for c, quoted in comp):
                prefixes = [join(pre, text) for pre in prefixes]
                continue
            regex = re.compile(translate(comp, slash_special=True), re.S)
            dot_ok = comp[0][0] == "."
            found = []
            for pre in prefixes:
                try:
                    entries = storage.listdir(pre or ".", self.cwd)
                except OSError:
                    continue
                for entry in entries:
                    if entry.name.startswith(".") and not dot_ok:
                        continue
                    if regex.fullmatch(entry.name):
                        if not last:
                            try:
                                if not statmod.S_ISDIR(storage.stat(join(pre, entry.name), self.cwd).st_mode):
                                    continue
                            except OSError:
                                continue
                        found.append(join(pre, entry.name))
            prefixes = found
            if not prefixes:
                return []
        results = []
        for path in prefixes:
            try:
                storage.lstat(path.rstrip("/") or "/", self.cwd)
                results.append(path)
            except OSError:
                continue
        return sorted(results, key=lambda s: s.encode("utf-8", "surrogateescape"))


def join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else prefix + "/" + name


def absolute(cwd: str, path: str) -> str:
    return path if path.startswith("/") else posixpath.join(cwd, path)


def close_all(handles: list) -> None:
    for handle in handles:
        try:
            handle.close()
        except OSError:
            pass


# -- arithmetic ----------------------------------------------------------------------------
_ARITH_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|"
                          r"(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()<>!~&|^?:]))")
_BINARY = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7, "<=": 7,
           ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10}


def arith(text: str, interp: Interp, depth: int = 0) -> int:
    """$((...)): C-like integer arithmetic over shell variables."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _ARITH_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ShellError(f"{text}: unexpected '{text[pos:].strip()[:1]}'")
        number, name, op = m.groups()
        tokens.append(("n", number) if number else ("v", name) if name else ("o", op))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    index = 0

    def value_of(name: str) -> int:
        raw = interp.vars.get(name, "") or "0"
        try:
            return int(raw, 0) if raw.lower().startswith("0x") else int(raw)
        except ValueError:
            if depth > 10:
                raise ShellError(f"{name}: expression recurses on parameter") from None
            return arith(raw, interp, depth + 1)

    def primary() -> int:
        nonlocal index
        if index >= len(tokens):
            raise ShellError(f"{text}: unexpected end of expression")
        kind, tok = tokens[index]
        index += 1
        if kind == "n":
            return int(tok, 16) if tok.lower().startswith("0x") else int(tok)
        if kind == "v":
            return value_of(tok)
        if tok == "(":
            result = expression(0)
            if index >= len(tokens) or tokens[index][1] != ")":
                raise ShellError(f"{text}: missing )")
            index += 1
            return result
        if tok == "-":
            return -primary()
        if tok == "+":
            return primary()
        if tok == "!":
            return int(not primary())
        if tok == "~":
            return ~primary()
        raise ShellError(f"{text}: unexpected '{tok}'")

    def expression(min_prec: int) -> int:
        nonlocal index
        left = primary()
        while index < len(tokens):
            kind, tok = tokens[index]
            if kind == "o" and tok == "?" and min_prec == 0:
                index += 1
                a = expression(0)
                index += 1  # ':'
                b = expression(0)
                left = a if left else b
                continue
            prec = _BINARY.get(tok) if kind == "o" else None
            if prec is None or prec <= min_prec:
                break
            index += 1
            right = expression(prec)
            left = _apply(tok, left, right, text)
        return left

    if not tokens:
        return 0
    result = expression(0)
    if index != len(tokens):
        raise ShellError(f"{text}: unexpected '{tokens[index][1]}'")
    return result


def _apply(op: str, a: int, b: int, text: str) -> int:
    if op in "/%" and b == 0:
        raise ShellError(f"{text}: zero divisor")
    if op == "/":
        return abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
    if op == "%":
        return a - b * _apply("/", a, b, text)
    return {
        "||": lambda: int(bool(a) or bool(b)), "&&": lambda: int(bool(a) and bool(b)),
        "|": lambda: a | b, "^": lambda: a ^ b, "&": lambda: a & b, "==": lambda: int(a == b),
        "!=": lambda: int(a != b), "<": lambda: int(a < b), ">": lambda: int(a > b),
        "<=": lambda: int(a <= b), ">=": lambda: int(a >= b), "<<": lambda: a << b,
        ">>": lambda: a >> b, "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
    }[op]()


# -- builtins (mksh's own commands: they change the shell itself) ------------------------------
def _cd(sh: Interp, argv: list[str], io: IO) -> int:
    args = [a for a in argv[1:] if a not in ("-L", "-P")]
    printed = False  # ksh shows where `cd -` and `cd OLD NEW` went
    if len(args) > 2:
        sh.say(io, "cd: too many arguments")
        return 2
    if len(args) == 2:
        # ksh's `cd OLD NEW`: replace OLD in the current folder's path.
        if args[0] not in sh.cwd:
            sh.say(io, "cd: bad substitution")
            return 2
        args, printed = [sh.cwd.replace(args[0], args[1], 1)], True
    target = args[0] if args else sh.vars.get("HOME", "/")
    if target == "-":
        if "OLDPWD" not in sh.vars:
            sh.say(io, "cd: no OLDPWD")
            return 2
        target, printed = sh.vars["OLDPWD"], True
    storage = sh.storage
    new = posixpath.normpath(absolute(sh.cwd, target))
    new = "/" + new.lstrip("/")
    try:
        st = storage.stat(new, "/")
    except OSError as exc:
        # mksh names the folder it tried, made absolute.
        sh.say(io, f"cd: {new}: {os.strerror(exc.errno or errno.ENOENT)}")
        return 2
    if not statmod.S_ISDIR(st.st_mode):
        sh.say(io, f"cd: {new}: {os.strerror(errno.ENOTDIR)}")
        return 2
    sh.vars["OLDPWD"] = sh.cwd
    sh.cwd = new
    sh.vars["PWD"] = new
    if printed:
        io.stdout.write((new + "\n").encode("utf-8", "surrogateescape"))
    return 0


def _pwd(sh: Interp, argv: list[str], io: IO) -> int:
    if [a for a in argv[1:] if a not in ("-L", "-P")]:
        sh.say(io, "pwd: too many arguments")
        return 1
    cwd = sh.cwd
    if "-P" in argv[1:]:
        cwd = sh.storage.resolve(cwd, "/").device
    io.stdout.write((cwd + "\n").encode("utf-8", "surrogateescape"))
    return 0


def _export(sh: Interp, argv: list[str], io: IO) -> int:
    args = [a for a in argv[1:] if a != "-p"]
    if not args:
        for key in sorted(sh.exported):
            if key in sh.vars:
                io.stdout.write(f"export {key}={quote(sh.vars[key])}\n".encode("utf-8", "surrogateescape"))
        return 0
    for arg in args:
        name, eq, value = arg.partition("=")
        if not is_name(name):
            raise ShellError(f"export: {arg}: not an identifier")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    return 0


def is_name(text: str) -> bool:
    return bool(text) and (text[0].isalpha() or text[0] == "_") and all(c.isalnum() or c == "_" for c in text)


def _unset(sh: Interp, argv: list[str], io: IO) -> int:
    status = 0
    for name in argv[1:]:
        if name in ("-v", "-f"):
            continue
        if not is_name(name):
            prefix = re.match(r"[A-Za-z_][A-Za-z0-9_]*", name)
            if prefix:
                name = prefix.group(0)  # mksh unsets the name and ignores what trails it
            else:
                # Digits are positional parameters (read-only); mksh names the first bad character.
                sh.say(io, f"read-only: {name if name.isdigit() else name[:1] if name[:1].isalnum() is False else ''}")
                status = 1
                continue
        sh.vars.pop(name, None)
        sh.exported.discard(name)
        sh.functions.pop(name, None)
    return status


def _number(sh: Interp, name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ShellError(f"{name}: bad number: {text}") from None


def _exit(sh: Interp, argv: list[str], io: IO) -> int:
    if len(argv) > 2:
        raise ShellError("exit: too many arguments")
    raise ExitShell(_number(sh, "exit", argv[1]) & 0xFF if len(argv) > 1 else sh.status)


def _return(sh: Interp, argv: list[str], io: IO) -> int:
    raise ReturnFromFunction(_number(sh, "return", argv[1]) & 0xFF if len(argv) > 1 else sh.status)


def _break(sh: Interp, argv: list[str], io: IO) -> int:
    if sh.loop_depth == 0:
        sh.say(io, f"{argv[0]}: can't {argv[0]}")
        return 0
    raise LoopControl(argv[0], _number(sh, argv[0], argv[1]) if len(argv) > 1 else 1)


def _exec(sh: Interp, argv: list[str], io: IO) -> int:
    if len(argv) == 1:
        return 0
    raise ExitShell(sh.dispatch(argv[1:], io, {}))


def _set(sh: Interp, argv: list[str], io: IO) -> int:
    args = argv[1:]
    if not args:
        for key in sorted(sh.vars):
            io.stdout.write(f"{key}={quote(sh.vars[key])}\n".encode("utf-8", "surrogateescape"))
        return 0
    while args and args[0].startswith(("-", "+")) and args[0] != "--":
        flag = args.pop(0)
        current = set(sh.vars.get("-", ""))
        if flag.startswith("-"):
            current |= set(flag[1:])
        else:
            current -= set(flag[1:])
        sh.vars["-"] = "".join(sorted(current))
    if args and args[0] == "--":
        args.pop(0)
        sh.args = args
    elif args:
        sh.args = args
    return 0


def _shift(sh: Interp, argv: list[str], io: IO) -> int:
    if len(argv) > 1 and argv[1].startswith("-"):
        raise ShellError(f"shift: {argv[1]}: unknown option")
    n = arith(argv[1], sh) if len(argv) > 1 else 1  # the count is an arithmetic expression
    if n > len(sh.args):
        raise ShellError("shift: nothing to shift")
    sh.args = sh.args[n:]
    return 0


def _read(sh: Interp, argv: list[str], io: IO) -> int:
    raw = False
    names = []
    for arg in argv[1:]:
        if arg == "-r":
            raw = True
        elif not arg.startswith("-"):
            names.append(arg)
    names = names or ["REPLY"]
    for name in names:
        if not (name[:1].isalpha() or name[:1] == "_"):
            sh.say(io, f"read: read-only: {name}")  # mksh's words for a name it cannot assign
            return 2
    line = b""
    while True:
        chunk = io.stdin.readline()
        if not chunk:
            break
        line += chunk
        if raw or not line.endswith(b"\\\n"):
            break
        line = line[:-2]
    if not line:
        for name in names:
            sh.vars[name] = ""
        return 1
    text = line.decode("utf-8", "surrogateescape").rstrip("\n")
    if not raw:
        text = re.sub(r"\\(.)", r"\1", text)
    if names == ["REPLY"]:
        sh.vars["REPLY"] = text
        return 0
    fields = text.strip(" \t").split(None, len(names) - 1) if text.strip() else []
    for n, name in enumerate(names):
        sh.vars[name] = fields[n] if n < len(fields) else ""
    if len(fields) == len(names):
        sh.vars[names[-1]] = sh.vars[names[-1]].rstrip(" \t")
    return 0


def _eval(sh: Interp, argv: list[str], io: IO) -> int:
    tree = p.parse(" ".join(argv[1:]))
    return sh.execute(tree, io)


def _colon(sh: Interp, argv: list[str], io: IO) -> int:
    return 0


def _local(sh: Interp, argv: list[str], io: IO) -> int:
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        sh.vars[name] = value if eq else sh.vars.get(name, "")
    return 0


def _wait(sh: Interp, argv: list[str], io: IO) -> int:
    for thread in sh.background:
        thread.join()
    sh.background.clear()
    if len(argv) > 1:
        pid = _number(sh, "wait", argv[-1])
        return sh.jobs.get(pid, 127)
    return 0


def _command(sh: Interp, argv: list[str], io: IO) -> int:
    """`command -v NAME` / `command -V NAME` (what scripts use to probe for tools), or run NAME
    skipping shell functions."""
    args = argv[1:]
    mode = ""
    while args and args[0] in ("-v", "-V", "-p"):
        mode = args.pop(0) if args[0] != "-p" else mode
        if mode == "" and args and args[0] == "-p":
            args.pop(0)
    if not mode:
        if not args:
            return 0
        builtin = BUILTINS.get(args[0])
        return builtin(sh, args, io) if builtin else sh.dispatch_applet(args, io, {})
    status = 0
    for name in args:
        if name in MKSH_ALIASES:
            value = MKSH_ALIASES[name]
            text = f"alias {name}='{value}'" if mode == "-v" else f"{name} is an alias for '{value}'"
        elif name in sh.functions:
            text = name if mode == "-v" else f"{name} is a function"
        elif name in SPECIAL_BUILTINS:
            text = name if mode == "-v" else f"{name} is a special shell builtin"
        elif name in BUILTINS or name in MKSH_BUILTIN_APPLETS or name in MKSH_OTHER_BUILTINS:
            text = name if mode == "-v" else f"{name} is a shell builtin"
        elif sh.lookup_applet(name) is not None:
            path = name if "/" in name else "/system/bin/" + name
            text = path if mode == "-v" else f"{name} is a tracked alias for {path}"
        else:
            status = 1
            if mode == "-V":
                io.stdout.write(f"{name} not found\n".encode("utf-8", "surrogateescape"))
            continue
        io.stdout.write((text + "\n").encode("utf-8", "surrogateescape"))
    return status


def _type(sh: Interp, argv: list[str], io: IO) -> int:
    return _command(sh, ["command", "-V"] + argv[1:], io)


def _trap(sh: Interp, argv: list[str], io: IO) -> int:
    """Only the EXIT trap matters to a non-interactive phone shell; signals are accepted and ignored."""
    args = argv[1:]
    if not args:
        for name, action in sh.traps.items():
            io.stdout.write(f"trap -- {quote_always(action)} {name}\n".encode("utf-8", "surrogateescape"))
        return 0
    action, signals = args[0], args[1:]
    for signal in signals:
        key = "EXIT" if signal in ("0", "EXIT") else signal
        if action == "-":
            sh.traps.pop(key, None)
        elif key == "EXIT":
            sh.traps[key] = action
    return 0


def _source(sh: Interp, argv: list[str], io: IO) -> int:
    if len(argv) < 2:
        sh.say(io, f"{argv[0]}: missing argument")
        return 1
    path = argv[1]
    try:
        with sh.storage.open_read(path, sh.cwd) as handle:
            text = handle.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        sh.say(io, f"{argv[0]}: {path}: {os.strerror(exc.errno or errno.ENOENT)}")
        return 1
    saved = sh.args
    if len(argv) > 2:
        sh.args = argv[2:]
    try:
        return sh.execute(p.parse(text), io)
    except ReturnFromFunction as ret:
        return ret.status
    finally:
        sh.args = saved


def quote_always(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _realpath(sh: Interp, argv: list[str], io: IO) -> int:
    """mksh's own `realpath PATH`: one operand, the last component may be missing."""
    args = argv[1:]
    if args and args[0].startswith("-") and args[0] != "-":
        return sh.dispatch_applet(argv, io, {})  # options: toybox's realpath takes over
    if len(args) != 1:
        sh.say(io, "realpath: syntax error")
        return 1
    path = args[0]
    full = absolute(sh.cwd, path).rstrip("/") or "/"
    parent, base = posixpath.split(full)
    storage = sh.storage
    try:
        resolved = storage.resolve(parent or "/", "/")
        if not statmod.S_ISDIR(os.lstat(resolved.host).st_mode):
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        if base in ("", ".", ".."):
            result = storage.resolve(full, "/").device
        else:
            result = storage.resolve(posixpath.join(resolved.device, base), "/").device
    except OSError as exc:
        sh.say(io, f"realpath: {path}: {os.strerror(exc.errno or errno.ENOENT)}")
        return 2
    io.stdout.write((result + "\n").encode("utf-8", "surrogateescape"))
    return 0


def quote(value: str) -> str:
    if value and all(c.isalnum() or c in "@%+=:,./-_" for c in value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


BUILTINS = {
    "cd": _cd, "chdir": _cd, "pwd": _pwd, "export": _export, "unset": _unset, "exit": _exit,
    "return": _return, "break": _break, "continue": _break, "exec": _exec, "set": _set,
    "shift": _shift, "read": _read, "eval": _eval, ":": _colon, "local": _local, "typeset": _local,
    "wait": _wait, "realpath": _realpath, "command": _command, "type": _type, "whence": _type,
    "trap": _trap, ".": _source, "source": _source,
}
