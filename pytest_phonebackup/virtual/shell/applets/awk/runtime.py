"""Running a parsed awk program over its input the way one-true-awk does: variables and arrays,
the BEGIN / rules / END cycle over ARGV's files and assignments, statements and expressions,
and the builtin functions. Fatal errors raise `AwkError`; warnings go to stderr and go on.
"""

from __future__ import annotations

import errno
import math
import re
import time
from typing import Any

from regex import Pattern

from ...api import Context
from ...streams import BytesInput
from ..regex import RegexError, compile_posix
from .functions import Random, ipow, substitute, substr
from .lexer import unescape
from .parser import Function, Node, Program
from .records import Record, RecordReader, split_text
from .redirects import Redirects, run_command
from .values import (
    UNINIT,
    AwkArray,
    AwkError,
    StrNum,
    Uninit,
    Value,
    c_int,
    compare,
    is_numeric,
    looks_numeric,
    number_text,
    sprintf,
    to_bool,
    to_num,
    to_str,
)

ASSIGNMENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*=", re.DOTALL)
ERE_SPECIAL = b".[]()*+?{}|^$\\"


class Next(Exception):
    pass


class NextFile(Exception):
    pass


class LoopBreak(Exception):
    pass


class LoopContinue(Exception):
    pass


class Exit(Exception):
    def __init__(self, status: int):
        self.status = status


class Return(Exception):
    def __init__(self, value: Value):
        self.value = value


class Pending(Uninit):
    """An uninitialised argument of a function call: if the function uses it as an array, the
    caller's variable becomes that array."""

    __slots__ = ("scope", "name")

    def __init__(self, scope: dict[str, Any] | None, name: str):
        self.scope, self.name = scope, name


def awk_regex_text(pattern: bytes) -> bytes:
    """An awk regular expression in the POSIX syntax `compile_posix` reads: awk's own escapes
    (\\/ \\" \\ooo \\xhh \\f \\r \\v \\a \\b) become the bytes they name, other letters lose the backslash."""
    out = bytearray()
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c != 92 or i + 1 >= len(pattern):
            out.append(c)
            i += 1
            continue
        d = pattern[i + 1]
        if d in b"nt" or d in ERE_SPECIAL:
            out += pattern[i:i + 2]
            i += 2
            continue
        literal = unescape(pattern[i:i + 4])
        consumed = 2
        if d in b"01234567":
            consumed = 1 + len(re.match(rb"[0-7]{1,3}", pattern[i + 1:i + 4]).group(0))  # type: ignore[union-attr]
        elif d == ord("x") and re.match(rb"[0-9A-Fa-f]", pattern[i + 2:i + 3]):
            consumed = 2 + len(re.match(rb"[0-9A-Fa-f]{1,2}", pattern[i + 2:i + 4]).group(0))  # type: ignore[union-attr]
        byte = literal[0] if literal[:1] != b"\\" else d
        if byte in ERE_SPECIAL:
            out.append(92)
        out.append(byte)
        i += consumed
    return bytes(out)


def change_case(text: bytes, upper: bool) -> bytes:
    """toupper/tolower through towupper/towlower in the phone's UTF-8 locale."""
    try:
        chars = text.decode("utf-8")
    except UnicodeDecodeError:
        raise AwkError(f"illegal byte sequence {text.decode('utf-8', 'surrogateescape')}") from None
    changed = (c.upper() if upper else c.lower() for c in chars)
    return "".join(c if len(c) == 1 else o for c, o in zip(changed, chars, strict=True)).encode("utf-8")


class Interpreter:
    def __init__(self, ctx: Context, program: Program, argv: list[bytes], assignments: list[bytes]):
        self.ctx = ctx
        self.program = program
        self.regexes: dict[bytes, Pattern[bytes]] = {}
        self.record = Record(self.regex)
        self.redirects = Redirects(ctx)
        self.random = Random(1)
        self.previous_seed = 1.0
        self.frame: dict[str, Any] | None = None
        self.range_active = [False] * program.ranges
        self.phase = "BEGIN"
        self.globals: dict[str, Any] = {
            "FS": b" ", "OFS": b" ", "ORS": b"\n", "RS": b"\n", "NR": 0.0, "FNR": 0.0, "SUBSEP": b"\x1c",
            "FILENAME": b"", "RSTART": 0.0, "RLENGTH": 0.0, "CONVFMT": b"%.6g", "OFMT": b"%.6g",
            "ARGC": float(len(argv)),
        }
        environ = AwkArray()
        for key, value in ctx.env.items():
            environ.set(key.encode("utf-8", "surrogateescape"), StrNum(value.encode("utf-8", "surrogateescape")))
        self.globals["ENVIRON"] = environ
        args = AwkArray()
        for i, arg in enumerate(argv):
            args.set(b"%d" % i, StrNum(arg))
        self.globals["ARGV"] = args
        for assignment in assignments:
            self.command_assignment(assignment)
        self.arg_index = 1
        self.reader: RecordReader | None = None
        self.used_file = False
        self.done_input = False

    # -- the cycle ----------------------------------------------------------------------------
    def run(self) -> int:
        status = 0
        try:
            try:
                for action in self.program.begin:
                    self.block(action)
                if self.program.rules or self.program.end:
                    self.phase = "main"
                    self.main_loop()
            except Exit as exc:
                status = exc.status
            self.phase = "END"
            try:
                for action in self.program.end:
                    self.block(action)
            except Exit as exc:
                status = exc.status
        except (Next, NextFile, LoopBreak, LoopContinue):
            raise AwkError(f"illegal break, continue, next or nextfile from {self.phase}") from None
        finally:
            self.redirects.close_all()
        return status

    def main_loop(self) -> None:
        while True:
            record = self.next_main_record()
            if record is None:
                return
            self.set_record(record)
            try:
                for pattern, action in self.program.rules:
                    if pattern is None or self.matches(pattern):
                        if action is None:
                            self.print_values([self.record.get(0, self.convfmt())], None, None)
                        else:
                            self.block(action)
            except Next:
                continue
            except NextFile:
                self.reader = None

    def matches(self, pattern: Node) -> bool:
        if pattern[0] == "expr":
            return to_bool(self.eval(pattern[1]))
        _, first, last, slot = pattern
        if not self.range_active[slot]:
            if not to_bool(self.eval(first)):
                return False
            self.range_active[slot] = True
        if to_bool(self.eval(last)):
            self.range_active[slot] = False
        return True

    def set_record(self, text: bytes) -> None:
        text = text.split(b"\0", 1)[0]  # one-true-awk keeps records as C strings
        rs = self.get_scalar("RS")
        self.record.set(text, self.string(self.get_scalar("FS")), self.string(rs) == b"")

    def next_main_record(self) -> bytes | None:
        """The next record of the main input, moving through ARGV; bumps NR and FNR."""
        while True:
            if self.reader is None and not self.open_next_input():
                return None
            assert self.reader is not None
            record = self.reader.read(self.string(self.get_scalar("RS")), self.regex)
            if record is not None:
                self.globals["NR"] = to_num(self.globals["NR"]) + 1
                self.globals["FNR"] = to_num(self.globals["FNR"]) + 1
                return record
            self.reader = None

    def open_next_input(self) -> bool:
        if self.done_input:
            return False
        args = self.globals["ARGV"]
        while self.arg_index < to_num(self.globals["ARGC"]):
            key = b"%d" % self.arg_index
            self.arg_index += 1
            arg = self.string(args.values.get(key, b""))
            if not arg:
                continue
            if ASSIGNMENT.match(arg):
                self.command_assignment(arg)
                continue
            self.used_file = True
            self.globals["FILENAME"] = StrNum(arg)
            self.globals["FNR"] = 0.0
            if arg == b"-":
                self.reader = RecordReader(self.ctx.stdin)
                return True
            try:
                stream = self.ctx.storage.open_read(arg.decode("utf-8", "surrogateescape"), self.ctx.cwd)
            except OSError as exc:
                if exc.errno != errno.EISDIR:
                    raise AwkError(f"can't open file {arg.decode('utf-8', 'surrogateescape')}") from None
                self.reader = RecordReader(BytesInput(b""))  # a folder reads as empty
                return True
            self.redirects.input_files[b"\0main%d" % self.arg_index] = stream
            self.reader = RecordReader(stream)
            return True
        self.done_input = True
        if self.used_file:
            return False
        self.used_file = True
        self.reader = RecordReader(self.ctx.stdin)
        return True

    def command_assignment(self, text: bytes) -> None:
        name, _, value = text.partition(b"=")
        self.globals[name.decode()] = StrNum(unescape(value))

    # -- variables ----------------------------------------------------------------------------
    def convfmt(self) -> bytes:
        return self.string(self.globals["CONVFMT"], b"%.6g")

    def ofs(self) -> bytes:
        return self.string(self.globals["OFS"])

    def string(self, value: Value, convfmt: bytes | None = None) -> bytes:
        return to_str(value, convfmt or (self.convfmt() if isinstance(value, float) else b"%.6g"))

    def scope(self, name: str) -> dict[str, Any]:
        if self.frame is not None and name in self.frame:
            return self.frame
        return self.globals

    def get_scalar(self, name: str) -> Value:
        if name == "NF":
            return float(self.record.nf())
        value = self.scope(name).get(name, UNINIT)
        if isinstance(value, AwkArray):
            raise AwkError(f"can't read value of {name}; it's an array name.")
        return UNINIT if isinstance(value, Pending) else value

    def set_scalar(self, name: str, value: Value) -> None:
        scope = self.scope(name)
        if isinstance(scope.get(name), AwkArray):
            raise AwkError(f"can't assign to {name}; it's an array name.")
        if isinstance(value, Pending):
            value = UNINIT
        if name == "NF":
            self.record.set_nf(max(0, c_int(to_num(value))), self.ofs(), self.convfmt())
        scope[name] = value

    def get_array(self, name: str) -> AwkArray:
        scope = self.scope(name)
        value = scope.get(name)
        if isinstance(value, AwkArray):
            return value
        if value is not None and not isinstance(value, Uninit):
            raise AwkError(f"can't assign to {name}; it's an array name.")
        array = AwkArray()
        self._bind(value, array)
        scope[name] = array
        return array

    def _bind(self, value: Any, array: AwkArray) -> None:
        while isinstance(value, Pending) and value.scope is not None:
            outer = value.scope.get(value.name)
            value.scope[value.name] = array
            value = outer

    def subscript(self, subs: list[Node]) -> bytes:
        if len(subs) == 1:
            return self.string(self.eval(subs[0]))
        subsep = self.string(self.globals["SUBSEP"])
        return subsep.join(self.string(self.eval(s)) for s in subs)

    def field_index(self, node: Node) -> int:
        index = c_int(to_num(self.eval(node)))
        if index < 0:
            raise AwkError(f"trying to access out of range field {index}")
        return index

    def assign(self, target: Node, value: Value) -> Value:
        kind = target[0]
        if kind == "var":
            self.set_scalar(target[1], value)
        elif kind == "field":
            self.record.put(self.field_index(target[1]), value, self.ofs(), self.convfmt())
        else:
            self.get_array(target[1]).set(self.subscript(target[2]), value)
        return value

    def regex(self, pattern: bytes) -> Pattern[bytes]:
        compiled = self.regexes.get(pattern)
        if compiled is None:
            try:
                compiled = compile_posix(awk_regex_text(pattern), extended=True)
            except RegexError as exc:
                raise AwkError(f"syntax error in regular expression {pattern.decode('utf-8', 'surrogateescape')}: {exc}") from None
            self.regexes[pattern] = compiled
        return compiled

    def regex_of(self, node: Node) -> Pattern[bytes]:
        if node[0] == "regex":
            return self.regex(node[1])
        return self.regex(self.string(self.eval(node)))

    def warn(self, message: str) -> None:
        self.ctx.stderr.write(f"awk: {message}\n source line number 1\n".encode("utf-8", "surrogateescape"))

    # -- statements ---------------------------------------------------------------------------
    def block(self, statements: list[Node]) -> None:
        for stmt in statements:
            self.execute(stmt)

    def execute(self, stmt: Node) -> None:
        kind = stmt[0]
        if kind == "expr":
            self.eval(stmt[1])
        elif kind == "print":
            if stmt[1]:
                values = [self.eval(arg) for arg in stmt[1]]
            else:
                values = [self.record.get(0, self.convfmt())]
            self.print_values(values, stmt[2], stmt[3])
        elif kind == "printf":
            values = [self.eval(arg) for arg in stmt[1]]
            text = sprintf(self.string(values[0]), values[1:], self.convfmt())
            self.write(text, stmt[2], stmt[3])
        elif kind == "block":
            self.block(stmt[1])
        elif kind == "if":
            branch = stmt[2] if to_bool(self.eval(stmt[1])) else stmt[3]
            if branch is not None:
                self.execute(branch)
        elif kind == "while":
            while to_bool(self.eval(stmt[1])):
                if self.loop_body(stmt[2]):
                    break
        elif kind == "do":
            while True:
                if self.loop_body(stmt[1]) or not to_bool(self.eval(stmt[2])):
                    break
        elif kind == "for":
            _, init, cond, step, body = stmt
            if init is not None:
                self.eval(init)
            while cond is None or to_bool(self.eval(cond)):
                if self.loop_body(body):
                    break
                if step is not None:
                    self.eval(step)
        elif kind == "forin":
            _, var, name, body = stmt
            array = self.get_array(name)
            for key in list(array.keys()):
                if key not in array:
                    continue
                self.set_scalar(var, StrNum(key))
                if self.loop_body(body):
                    break
        elif kind == "break":
            raise LoopBreak
        elif kind == "continue":
            raise LoopContinue
        elif kind == "next":
            raise Next
        elif kind == "nextfile":
            raise NextFile
        elif kind == "exit":
            raise Exit(0 if stmt[1] is None else c_int(to_num(self.eval(stmt[1]))) & 0xFF)
        elif kind == "return":
            raise Return(UNINIT if stmt[1] is None else self.eval(stmt[1]))
        elif kind == "delete":
            array = self.get_array(stmt[1])
            if stmt[2] is None:
                array.clear()
            else:
                array.delete(self.subscript(stmt[2]))
        else:  # pragma: no cover - the parser makes no other statement
            raise AssertionError(kind)

    def loop_body(self, body: Node | None) -> bool:
        """Run one iteration; True when it broke out of the loop."""
        if body is None:
            return False
        try:
            self.execute(body)
        except LoopBreak:
            return True
        except LoopContinue:
            pass
        return False

    def print_values(self, values: list[Value], redirect: str | None, target: Node | None) -> None:
        ofmt = self.string(self.globals["OFMT"])
        texts = [number_text(v, ofmt) if isinstance(v, float) else self.string(v) for v in values]
        self.write(self.ofs().join(texts) + self.string(self.globals["ORS"]), redirect, target)

    def write(self, data: bytes, redirect: str | None, target: Node | None) -> None:
        if redirect is None or target is None:
            self.ctx.stdout.write(data)
            return
        self.redirects.output(redirect, self.string(self.eval(target))).write(data)

    # -- expressions --------------------------------------------------------------------------
    def eval(self, node: Node) -> Value:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            return node[1]
        if kind == "var":
            return self.get_scalar(node[1])
        if kind == "field":
            return self.record.get(self.field_index(node[1]), self.convfmt())
        if kind == "index":
            return self.get_array(node[1]).get(self.subscript(node[2]))
        if kind == "paren":
            return self.eval(node[1])
        if kind == "concat":
            return self.string(self.eval(node[1])) + self.string(self.eval(node[2]))
        if kind == "binop":
            return self.arithmetic(node[1], to_num(self.eval(node[2])), to_num(self.eval(node[3])))
        if kind == "cmp":
            result = compare(self.eval(node[2]), self.eval(node[3]), self.convfmt())
            op = node[1]
            return float({"<": result < 0, "<=": result <= 0, "==": result == 0, "!=": result != 0,
                          ">": result > 0, ">=": result >= 0}[op])
        if kind == "assign":
            return self.assignment(node)
        if kind == "regex":
            return float(self.regex(node[1]).search(self.string(self.record.get(0, self.convfmt())))
                         is not None)
        if kind == "match":
            text = self.string(self.eval(node[2]))
            found = self.regex_of(node[3]).search(text) is not None
            return float(found != node[1])
        if kind == "and":
            return float(to_bool(self.eval(node[1])) and to_bool(self.eval(node[2])))
        if kind == "or":
            return float(to_bool(self.eval(node[1])) or to_bool(self.eval(node[2])))
        if kind == "not":
            return float(not to_bool(self.eval(node[1])))
        if kind == "neg":
            return -to_num(self.eval(node[1])) + 0.0
        if kind == "pos":
            return to_num(self.eval(node[1]))
        if kind == "cond":
            return self.eval(node[2] if to_bool(self.eval(node[1])) else node[3])
        if kind == "in":
            key = self.subscript(node[1])
            return float(key in self.get_array(node[2]))
        if kind == "preinc":
            return self.assign(node[2], to_num(self.eval(node[2])) + node[1])
        if kind == "postinc":
            old = to_num(self.eval(node[2]))
            self.assign(node[2], old + node[1])
            return old
        if kind == "group":
            return self.string(self.eval(node[1][0]))
        if kind == "call":
            return self.call(node[1], node[2])
        if kind == "builtin":
            return self.builtin(node[1], node[2])
        if kind == "getline":
            return self.getline(node[1], node[2], node[3])
        raise AssertionError(kind)  # pragma: no cover

    def arithmetic(self, op: str, x: float, y: float, assigning: bool = False) -> float:
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                raise AwkError("division by zero in /=" if assigning else "division by zero")
            return x / y
        if op == "%":
            if y == 0:
                raise AwkError("division by zero in %=" if assigning else "division by zero in mod")
            return math.fmod(x, y)
        if y >= 0 and y == int(y) and y < 2**31:
            return ipow(x, int(y))
        try:
            return math.pow(x, y)
        except (ValueError, OverflowError):
            self.warn("pow argument out of domain" if x < 0 else "pow result out of range")
            return 1.0

    def assignment(self, node: Node) -> Value:
        _, op, target, expr = node
        value = self.eval(expr)
        if op == "=":
            if isinstance(value, Pending):
                value = UNINIT
            return self.assign(target, value)
        current = to_num(self.eval(target))
        return self.assign(target, self.arithmetic(op[0], current, to_num(value), assigning=True))

    def call(self, name: str, args: list[Node]) -> Value:
        function: Function | None = self.program.functions.get(name)
        if function is None:
            raise AwkError(f"calling undefined function {name}")
        frame: dict[str, Any] = {}
        for i, param in enumerate(function.params):
            if i >= len(args):
                frame[param] = Pending(None, param)
                continue
            arg = args[i]
            if arg[0] == "var":
                scope = self.scope(arg[1])
                current = scope.get(arg[1], UNINIT)
                if isinstance(current, AwkArray):
                    frame[param] = current
                    continue
                if isinstance(current, Uninit):
                    frame[param] = Pending(scope, arg[1])
                    continue
            frame[param] = self.eval(arg)
        for extra in args[len(function.params):]:
            self.eval(extra)
        saved, self.frame = self.frame, frame
        try:
            self.block(function.body)
        except Return as exc:
            return exc.value
        finally:
            self.frame = saved
        return UNINIT

    def getline(self, kind: str, target: Node | None, source: Node | None) -> Value:
        if kind == "plain":
            if self.phase == "END":
                return 0.0
            record = self.next_main_record()
        else:
            assert source is not None
            name = self.string(self.eval(source))
            reader = self.redirects.file_input(name) if kind == "file" else self.redirects.command_input(name)
            if reader is None:
                return -1.0
            record = reader.read(self.string(self.get_scalar("RS")), self.regex)
        if record is None:
            return 0.0
        if target is None:
            self.set_record(record)
        else:
            self.assign(target, StrNum(record))
        return 1.0

    # -- builtin functions --------------------------------------------------------------------
    def builtin(self, name: str, args: list[Node]) -> Value:
        if name == "length":
            if not args:
                return float(len(self.string(self.record.get(0, self.convfmt()))))
            if len(args) > 1:
                self.warn("warning: function has too many arguments")
            arg = args[0]
            if arg[0] == "var" and isinstance(self.scope(arg[1]).get(arg[1]), AwkArray):
                return float(len(self.get_array(arg[1])))
            return float(len(self.string(self.eval(arg))))
        if name in ("sub", "gsub"):
            pattern = self.regex_of(args[0])
            replacement = self.string(self.eval(args[1]))
            target = args[2] if len(args) > 2 else ("field", ("num", 0.0))
            text = self.string(self.eval(target))
            result, count = substitute(pattern, replacement, text, name == "gsub")
            if count:
                self.assign(target, result)
            return float(count)
        if name == "split":
            return self.split(args)
        if name == "match":
            found = self.regex_of(args[1]).search(self.string(self.eval(args[0])))
            start, length = (found.start() + 1, found.end() - found.start()) if found else (0, -1)
            self.globals["RSTART"], self.globals["RLENGTH"] = float(start), float(length)
            return float(start)
        values = [self.eval(arg) for arg in args]
        if name == "substr":
            if len(values) < 2:
                raise AwkError("substr needs two arguments")
            return substr(self.string(values[0]), to_num(values[1]),
                          to_num(values[2]) if len(values) > 2 else None)
        if name == "index":
            return float(self.string(values[0]).find(self.string(values[1])) + 1)
        if name == "sprintf":
            return sprintf(self.string(values[0]), values[1:], self.convfmt()) if values else b""
        if name in ("tolower", "toupper"):
            return change_case(self.string(values[0]), name == "toupper")
        if name == "system":
            self.ctx.stdout.flush()
            return float(run_command(self.ctx, self.string(values[0]), self.ctx.stdin, self.ctx.stdout))
        if name == "close":
            return float(self.redirects.close(self.string(values[0])))
        if name == "fflush":
            self.ctx.stdout.flush()
            return 0.0
        if name == "rand":
            return self.random.rand()
        if name == "srand":
            previous = self.previous_seed
            seed = to_num(values[0]) if values else float(int(time.time()))
            self.previous_seed = seed
            self.random.seed(c_int(seed) & 0xFFFFFFFF)
            return previous
        return self.math(name, [to_num(v) for v in values])

    def math(self, name: str, x: list[float]) -> float:
        if name == "int":
            return float(math.trunc(x[0])) if math.isfinite(x[0]) else x[0]
        if name == "atan2":
            return math.atan2(x[0], x[1])
        if name in ("sin", "cos"):
            return math.sin(x[0]) if name == "sin" else math.cos(x[0])
        if name == "sqrt" and x[0] < 0 or name == "log" and x[0] < 0:
            self.warn(f"{name} argument out of domain")
            return 1.0
        if name == "log" and x[0] == 0:
            self.warn("log result out of range")
            return 1.0
        if name == "sqrt":
            return math.sqrt(x[0])
        if name == "log":
            return math.log(x[0])
        try:
            return math.exp(x[0])
        except OverflowError:
            self.warn("exp result out of range")
            return 1.0

    def split(self, args: list[Node]) -> Value:
        text = self.string(self.eval(args[0]))
        if args[1][0] != "var":
            raise AwkError("split: second argument must be an array name")
        array = self.get_array(args[1][1])
        if len(args) > 2 and args[2][0] == "regex":
            separator = args[2][1]
            pieces = split_text(text, b"  " + separator, lambda _: self.regex(separator), True) if text else []
        else:
            separator = self.string(self.eval(args[2])) if len(args) > 2 else self.string(self.get_scalar("FS"))
            pieces = split_text(text, separator, self.regex, True)
        array.clear()
        for i, piece in enumerate(pieces, 1):
            array.set(b"%d" % i, StrNum(piece))
        return float(len(pieces))


__all__ = ["Interpreter", "AwkError", "is_numeric", "looks_numeric"]
