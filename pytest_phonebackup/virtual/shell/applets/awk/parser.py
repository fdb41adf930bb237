"""The awk grammar (POSIX, as one-true-awk's awkgram.y accepts it) over `lexer` tokens, building a
`Program` of nested tuples: ("kind", ...) for each expression and statement. Running them is
`runtime`'s business; this module only knows shapes and precedence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .lexer import AwkSyntaxError, Lexer, Token

Node = tuple[Any, ...]

ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "^=", "**="}
COMPARISONS = {"<", "<=", "!=", "==", ">", ">="}
# Tokens that can start the right operand of a concatenation.
CONCAT_START = {"NUMBER", "STRING", "NAME", "FUNC_NAME", "BUILTIN", "$", "(", "++", "--"}
LVALUES = {"var", "field", "index"}


@dataclass
class Function:
    name: str
    params: list[str]
    body: list[Node]


@dataclass
class Program:
    begin: list[list[Node]] = field(default_factory=list)
    end: list[list[Node]] = field(default_factory=list)
    #: (pattern, action): pattern None (every record), ("expr", e) or ("range", e1, e2, slot);
    #: action None prints the record.
    rules: list[tuple[Node | None, list[Node] | None]] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    ranges: int = 0


class Parser:
    def __init__(self, source: bytes):
        self.source = source
        self.lex = Lexer(source)
        self.tok = self.lex.next()
        self.depth = 0

    # -- tokens -------------------------------------------------------------------------------
    def advance(self) -> Token:
        token = self.tok
        self.tok = self.lex.next()
        return token

    def at(self, *kinds: str) -> bool:
        return self.tok.kind in kinds

    def peek(self) -> Token:
        saved = self.lex.pos, self.lex.line
        token = self.lex.next()
        self.lex.pos, self.lex.line = saved
        return token

    def error(self) -> AwkSyntaxError:
        return AwkSyntaxError("syntax error", self.lex.pos, self.tok.line)

    def expect(self, kind: str) -> Token:
        if not self.at(kind):
            raise self.error()
        return self.advance()

    def newlines(self) -> None:
        while self.at("NEWLINE"):
            self.advance()

    def terminators(self) -> None:
        while self.at("NEWLINE", ";"):
            self.advance()

    # -- program ------------------------------------------------------------------------------
    def program(self) -> Program:
        prog = Program()
        self.terminators()
        while not self.at("EOF"):
            self.item(prog)
            self.terminators()
        return prog

    def item(self, prog: Program) -> None:
        if self.at("function"):
            self.advance()
            if not self.at("NAME", "FUNC_NAME"):
                raise self.error()
            name = self.advance().value.decode()
            self.expect("(")
            params: list[str] = []
            while not self.at(")"):
                params.append(self.expect("NAME").value.decode())
                if self.at(","):
                    self.advance()
                    self.newlines()
                elif not self.at(")"):
                    raise self.error()
            self.advance()
            self.newlines()
            prog.functions[name] = Function(name, params, self.block())
        elif self.at("BEGIN", "END"):
            which = prog.begin if self.advance().kind == "BEGIN" else prog.end
            if not self.at("{"):
                raise self.error()
            which.append(self.block())
        elif self.at("{"):
            prog.rules.append((None, self.block()))
        else:
            pattern: Node = ("expr", self.expr())
            if self.at(","):
                self.advance()
                self.newlines()
                pattern = ("range", pattern[1], self.expr(), prog.ranges)
                prog.ranges += 1
            prog.rules.append((pattern, self.block() if self.at("{") else None))

    def block(self) -> list[Node]:
        self.expect("{")
        self.depth += 1
        body: list[Node] = []
        self.terminators()
        while not self.at("}"):
            if self.at("EOF"):
                raise self.error()
            stmt = self.statement()
            if stmt is not None:
                body.append(stmt)
            self.terminators()
        self.advance()
        self.depth -= 1
        return body

    # -- statements ---------------------------------------------------------------------------
    def simple_end(self) -> None:
        if self.at(";", "NEWLINE"):
            self.advance()
        elif not self.at("}", "EOF"):
            raise self.error()

    def body(self) -> Node | None:
        """The statement a loop or `if` controls (`;` alone is an empty one)."""
        if self.at(";"):
            self.advance()
            return None
        self.newlines()
        return self.statement()

    def statement(self) -> Node | None:
        kind = self.tok.kind
        if kind == "{":
            return ("block", self.block())
        if kind == ";":
            self.advance()
            return None
        if kind == "if":
            self.advance()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            then = self.body()
            saved = self.lex.pos, self.lex.line, self.tok
            self.newlines()
            if self.at("else"):
                self.advance()
                self.newlines()
                return ("if", cond, then, self.body())
            self.lex.pos, self.lex.line, self.tok = saved
            return ("if", cond, then, None)
        if kind == "while":
            self.advance()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            return ("while", cond, self.body())
        if kind == "do":
            self.advance()
            self.newlines()
            loop_body = self.statement()
            self.terminators()
            self.expect("while")
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            self.simple_end()
            return ("do", loop_body, cond)
        if kind == "for":
            return self.for_statement()
        if kind in ("break", "continue", "next", "nextfile"):
            self.advance()
            self.simple_end()
            return (kind,)
        if kind in ("exit", "return"):
            self.advance()
            value = None if self.at(";", "NEWLINE", "}", "EOF") else self.expr()
            self.simple_end()
            return (kind, value)
        if kind == "delete":
            self.advance()
            name = self.expect("NAME").value.decode()
            subs = None
            if self.at("["):
                self.advance()
                subs = self.expr_list()
                self.expect("]")
            self.simple_end()
            return ("delete", name, subs)
        if kind in ("print", "printf"):
            stmt = self.print_statement()
            self.simple_end()
            return stmt
        stmt = ("expr", self.expr())
        self.simple_end()
        return stmt

    def for_statement(self) -> Node:
        self.advance()
        self.expect("(")
        if self.at("NAME") and self.peek().kind == "in":
            saved = self.lex.pos, self.lex.line, self.tok
            var = self.advance().value.decode()
            self.advance()
            if self.at("NAME"):
                array = self.advance().value.decode()
                if self.at(")"):
                    self.advance()
                    return ("forin", var, array, self.body())
            self.lex.pos, self.lex.line, self.tok = saved
        init = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        cond = None if self.at(";") else self.expr()
        self.expect(";")
        self.newlines()
        step = None if self.at(")") else self.expr()
        self.expect(")")
        return ("for", init, cond, step, self.body())

    def print_statement(self) -> Node:
        kind = self.advance().kind
        args: list[Node] = []
        if not self.at(";", "NEWLINE", "}", ">", ">>", "|", "EOF"):
            args = self.expr_list(no_gt=True)
            if len(args) == 1 and args[0][0] == "group":
                args = list(args[0][1])
        if kind == "printf" and not args:
            raise self.error()
        redirect, target = None, None
        if self.at(">", ">>", "|"):
            redirect = self.advance().kind
            target = self.postfix()
        return (kind, args, redirect, target)

    # -- expressions, lowest precedence first -------------------------------------------------
    def expr_list(self, no_gt: bool = False) -> list[Node]:
        items = [self.expr(no_gt)]
        while self.at(","):
            self.advance()
            self.newlines()
            items.append(self.expr(no_gt))
        return items

    def expr(self, no_gt: bool = False) -> Node:
        left = self.ternary(no_gt)
        if self.tok.kind in ASSIGN_OPS and left[0] in LVALUES:
            op = self.advance().kind
            self.newlines()
            return ("assign", "^=" if op == "**=" else op, left, self.expr(no_gt))
        return left

    def ternary(self, no_gt: bool) -> Node:
        cond = self.logical_or(no_gt)
        if not self.at("?"):
            return cond
        self.advance()
        self.newlines()
        yes = self.expr(no_gt)
        self.newlines()
        self.expect(":")
        self.newlines()
        return ("cond", cond, yes, self.expr(no_gt))

    def logical_or(self, no_gt: bool) -> Node:
        left = self.logical_and(no_gt)
        while self.at("||"):
            self.advance()
            self.newlines()
            left = ("or", left, self.logical_and(no_gt))
        return left

    def logical_and(self, no_gt: bool) -> Node:
        left = self.membership(no_gt)
        while self.at("&&"):
            self.advance()
            self.newlines()
            left = ("and", left, self.membership(no_gt))
        return left

    def membership(self, no_gt: bool) -> Node:
        left = self.matching(no_gt)
        while self.at("in"):
            self.advance()
            left = ("in", [left], self.expect("NAME").value.decode())
        return left

    def matching(self, no_gt: bool) -> Node:
        left = self.comparison(no_gt)
        while self.at("~", "!~"):
            negate = self.advance().kind == "!~"
            left = ("match", negate, left, self.comparison(no_gt))
        return left

    def comparison(self, no_gt: bool) -> Node:
        left = self.piped_getline(no_gt)
        # in a print list only a parenthesised comparison is one
        if self.tok.kind in COMPARISONS and not no_gt:
            op = self.advance().kind
            left = ("cmp", op, left, self.piped_getline(no_gt))
        return left

    def piped_getline(self, no_gt: bool) -> Node:
        left = self.concat(no_gt)
        while self.at("|") and self.peek().kind == "getline":
            self.advance()
            self.advance()
            left = ("getline", "cmd", self.lvalue(), left)
        return left

    def concat(self, no_gt: bool) -> Node:
        left = self.additive()
        while self.tok.kind in CONCAT_START:
            left = ("concat", left, self.additive())
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.advance().kind
            left = ("binop", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.advance().kind
            left = ("binop", op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.at("!"):
            self.advance()
            return ("not", self.unary())
        if self.at("-"):
            self.advance()
            return ("neg", self.unary())
        if self.at("+"):
            self.advance()
            return ("pos", self.unary())
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.at("^", "**"):
            self.advance()
            return ("binop", "^", base, self.unary())
        return base

    def postfix(self) -> Node:
        value = self.primary()
        if value[0] in LVALUES and self.at("++", "--"):
            return ("postinc", 1.0 if self.advance().kind == "++" else -1.0, value)
        return value

    def lvalue(self) -> Node | None:
        if self.at("$"):
            self.advance()
            return ("field", self.field_operand())
        if self.at("NAME"):
            return self.name()
        return None

    def name(self) -> Node:
        name = self.advance().value.decode()
        if self.at("["):
            self.advance()
            subs = self.expr_list()
            self.expect("]")
            return ("index", name, subs)
        return ("var", name)

    def field_operand(self) -> Node:
        if self.at("++", "--"):
            delta = 1.0 if self.advance().kind == "++" else -1.0
            target = self.lvalue()
            if target is None:
                raise self.error()
            return ("preinc", delta, target)
        if self.at("-"):
            self.advance()
            return ("neg", self.field_operand())
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        kind = tok.kind
        if kind == "NUMBER":
            self.advance()
            return ("num", float(tok.value))
        if kind == "STRING":
            self.advance()
            return ("str", tok.value)
        if kind in ("/", "/="):
            ere = self.lex.regex(tok)
            self.tok = self.lex.next()
            return ("regex", ere.value)
        if kind == "(":
            self.advance()
            self.newlines()
            items = self.expr_list()
            self.newlines()
            self.expect(")")
            if len(items) > 1:
                if self.at("in"):
                    self.advance()
                    return ("in", items, self.expect("NAME").value.decode())
                return ("group", items)
            return ("paren", items[0])
        if kind == "$":
            self.advance()
            return ("field", self.field_operand())
        if kind in ("++", "--"):
            self.advance()
            target = self.lvalue()
            if target is None:
                raise self.error()
            return ("preinc", 1.0 if kind == "++" else -1.0, target)
        if kind == "NAME":
            return self.name()
        if kind == "FUNC_NAME":
            name = self.advance().value.decode()
            return ("call", name, self.arguments())
        if kind == "BUILTIN":
            name = self.advance().value.decode()
            if self.at("("):
                return ("builtin", name, self.arguments())
            if name != "length":
                raise self.error()
            return ("builtin", name, [])
        if kind == "getline":
            self.advance()
            target = self.lvalue()
            if self.at("<"):
                self.advance()
                return ("getline", "file", target, self.unary_operand())
            return ("getline", "plain", target, None)
        if kind in ("-", "+", "!"):
            return self.unary()
        raise self.error()

    def unary_operand(self) -> Node:
        """The file of `getline < file`: one primary, so `getline < f > 0` compares the result."""
        return self.postfix()

    def arguments(self) -> list[Node]:
        self.expect("(")
        self.newlines()
        args: list[Node] = [] if self.at(")") else self.expr_list()
        self.newlines()
        self.expect(")")
        return args


def parse(source: bytes) -> Program:
    """The program `source`, or AwkSyntaxError."""
    return Parser(source).program()
