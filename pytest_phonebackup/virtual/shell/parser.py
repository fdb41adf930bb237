"""Parses mksh command lines into a small syntax tree (lists, pipelines, if/for/while, words made
of quoted and unquoted parts). Error texts follow mksh's (`syntax error: unexpected 'fi'`).
Not for running anything: `interp` walks the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_DEPTH = 200  # nesting deeper than this is refused, so hostile input cannot exhaust the stack
OPERATORS = ("&&", "||", ";;", ">>", "<<-", "<<", ">&", "<&", ">|", "<>", ";", "&", "|", "<", ">", "(", ")")
RESERVED = {"if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while", "until", "case",
            "esac", "{", "}", "!", "function"}
NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
NAME_CHARS = NAME_START + "0123456789"
SPECIAL_PARAMS = "?$#@*!-0123456789"


class ShellSyntaxError(Exception):
    """A command line mksh would refuse; str() is the text after `/system/bin/sh: `."""


# -- words ---------------------------------------------------------------------------------
@dataclass
class Lit:
    text: str
    quoted: bool = False


@dataclass
class Param:
    name: str
    quoted: bool = False
    op: str = ""  # '', ':-', '-', ':=', '=', ':+', '+', ':?', '?', '#' (length), '%', '%%', '#', '##'
    arg: Word | None = None
    length: bool = False


@dataclass
class CmdSub:
    body: Node
    quoted: bool = False


@dataclass
class Arith:
    expr: Word
    quoted: bool = False


Part = Lit | Param | CmdSub | Arith


@dataclass
class Word:
    parts: list[Part] = field(default_factory=list)

    def literal(self) -> str | None:
        """The word's text if it is made of plain, unquoted characters only (reserved words)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        return None

    def is_quoted(self) -> bool:
        return any(getattr(p, "quoted", False) for p in self.parts)


# -- commands ------------------------------------------------------------------------------
@dataclass
class Redirect:
    fd: int
    op: str  # '<', '>', '>>', '>|', '<>', '>&', '<&', '<<'
    target: Word
    heredoc: Word | None = None  # '<<': the body (expanded unless the delimiter was quoted)


@dataclass
class Simple:
    assigns: list[tuple[str, Word]]
    words: list[Word]
    redirects: list[Redirect]


@dataclass
class Pipeline:
    commands: list[Node]
    negate: bool = False
    timed: bool = False  # mksh's `time` reserved word: the pipeline's times go to stderr
    posix: bool = False  # `time -p` (only before one simple command, as mksh's timex reads it)


@dataclass
class AndOr:
    first: Node
    rest: list[tuple[str, Node]]  # ('&&' | '||', pipeline)


@dataclass
class Sequence:
    items: list[Node]


@dataclass
class If:
    branches: list[tuple[Node, Node]]  # (condition, body)
    otherwise: Node | None


@dataclass
class For:
    name: str
    items: list[Word] | None  # None: "$@"
    body: Node


@dataclass
class While:
    cond: Node
    body: Node
    until: bool = False


@dataclass
class Case:
    subject: Word
    arms: list[tuple[list[Word], Node]]


@dataclass
class Group:
    body: Node
    subshell: bool = False


@dataclass
class Compound:
    """A compound command with redirections (`{ ...; } >out`, `while ...; done <in`)."""

    body: Node
    redirects: list[Redirect]


@dataclass
class Background:
    """`cmd &`: runs alongside the rest of the script."""

    body: Node


@dataclass
class FuncDef:
    name: str
    body: Node


Node = Simple | Pipeline | AndOr | Sequence | If | For | While | Case | Group | Compound | FuncDef | Background


def parse(source: str) -> Node:
    """Parse a whole command line (or script)."""
    return Parser(source).parse_program()


class Parser:
    def __init__(self, source: str):
        self.s = source
        self.i = 0
        self.depth = 0
        self.pending_heredocs: list[tuple[Redirect, str, bool, bool]] = []

    # -- characters ----------------------------------------------------------------------
    def peek(self, n: int = 0) -> str:
        j = self.i + n
        return self.s[j] if j < len(self.s) else ""

    def startswith(self, text: str) -> bool:
        return self.s.startswith(text, self.i)

    def skip_blanks(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and self.peek(1) == "\n":
                self.i += 2
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def operator(self) -> str | None:
        """The operator at the cursor (after blanks), without consuming it; '\\n' counts."""
        self.skip_blanks()
        if self.peek() == "\n":
            return "\n"
        for op in OPERATORS:
            if self.startswith(op):
                return op
        return None

    def take(self, op: str) -> bool:
        if self.operator() == op:
            self.i += len(op)
            if op == "\n":
                self.read_heredocs()
            return True
        return False

    def unexpected(self) -> ShellSyntaxError:
        self.skip_blanks()
        if self.i >= len(self.s):
            return ShellSyntaxError("syntax error: unexpected EOF")
        op = self.operator()
        if op == "\n":
            return ShellSyntaxError("syntax error: unexpected newline")
        if op:
            return ShellSyntaxError(f"syntax error: unexpected '{op}'")
        save = self.i
        word = self.read_word()
        self.i = save
        text = word.literal() if word else None
        return ShellSyntaxError(f"syntax error: unexpected '{text or self.peek()}'")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ShellSyntaxError("syntax error: nested too deeply")

    # -- lists ---------------------------------------------------------------------------
    def parse_program(self) -> Node:
        node = self.parse_list(stop=())
        self.skip_newlines()
        if self.i < len(self.s):
            raise self.unexpected()
        return node

    def skip_newlines(self) -> None:
        while self.take("\n"):
            pass

    def at_reserved(self, words: tuple[str, ...]) -> str | None:
        self.skip_blanks()
        save = self.i
        word = self.read_word()
        self.i = save
        text = word.literal() if word else None
        return text if text in words else None

    def parse_list(self, stop: tuple[str, ...], closing: str | None = None) -> Node:
        """Commands separated by ; & and newlines, up to a reserved word in `stop` or `closing`."""
        self.enter()
        items: list[Node] = []
        while True:
            self.skip_newlines()
            if self.i >= len(self.s) or self.at_reserved(stop):
                break
            op = self.operator()
            if op == ")" and closing == ")":
                break
            if op and op != "(":
                raise self.unexpected()
            items.append(self.parse_and_or())
            if self.take("&"):
                items[-1] = Background(items[-1])
                self.take("\n")
                continue
            if self.take(";") or self.take("\n"):
                continue
            break
        self.depth -= 1
        return items[0] if len(items) == 1 else Sequence(items)

    def parse_and_or(self) -> Node:
        first = self.parse_pipeline()
        rest: list[tuple[str, Node]] = []
        while True:
            op = self.operator()
            if op not in ("&&", "||"):
                break
            self.i += 2
            self.skip_newlines()
            rest.append((op, self.parse_pipeline()))
        return AndOr(first, rest) if rest else first

    def parse_pipeline(self) -> Node:
        timed = bool(self.at_reserved(("time",)))
        if timed:
            self.read_word()
            self.skip_blanks()
            if self.i >= len(self.s) or self.s[self.i] == "\n" or self.operator() in (";", "&", "&&", "||", ")"):
                return Pipeline([], timed=True)  # bare `time`: the shell's own times
            if self.at_reserved(("-p",)):
                save = self.i
                self.read_word()
                self.skip_blanks()
                if self.i >= len(self.s) or self.s[self.i] == "\n" or self.operator() in (";", "&", "&&", "||", ")"):
                    return Pipeline([], timed=True, posix=True)
                self.i = save
        negate = False
        while self.at_reserved(("!",)):
            self.skip_blanks()
            self.i += 1
            negate = not negate
        commands = [self.parse_command()]
        while self.operator() == "|":
            self.i += 1
            self.skip_newlines()
            commands.append(self.parse_command())
        if len(commands) == 1 and not negate and not timed:
            return commands[0]
        posix = False
        if timed and len(commands) == 1 and isinstance(commands[0], Simple) and commands[0].words \
                and commands[0].words[0].literal() == "-p":
            posix = True
            commands[0].words.pop(0)
        return Pipeline(commands, negate, timed, posix)

    # -- commands ------------------------------------------------------------------------
    def parse_command(self) -> Node:
        self.enter()
        try:
            op = self.operator()
            if op == "(":
                self.i += 1
                body = self.parse_list(stop=(), closing=")")
                if not self.take(")"):
                    if self.i >= len(self.s):
                        raise ShellSyntaxError("syntax error: unmatched '('")
                    raise self.unexpected()
                return self.with_redirects(Group(body, subshell=True))
            if op is not None:
                raise self.unexpected()
            word = self.at_reserved(("if", "for", "while", "until", "case", "{", "function"))
            if word:
                self.read_word()
                node = getattr(self, "parse_" + {"{": "brace"}.get(word, word))()
                return self.with_redirects(node) if not isinstance(node, FuncDef) else node
            bad = self.at_reserved(("then", "elif", "else", "fi", "do", "done", "esac", "}", "in"))
            if bad:
                raise ShellSyntaxError(f"syntax error: unexpected '{bad}'")
            return self.parse_simple()
        finally:
            self.depth -= 1

    def with_redirects(self, node: Node) -> Node:
        redirects = []
        while (r := self.read_redirect()) is not None:
            redirects.append(r)
        return Compound(node, redirects) if redirects else node

    def expect_word(self, word: str, opener: str) -> None:
        self.skip_newlines()
        if not self.at_reserved((word,)):
            if self.i >= len(self.s):
                raise ShellSyntaxError(f"syntax error: unmatched '{opener}'")
            raise self.unexpected()
        self.read_word()

    def parse_if(self) -> Node:
        branches = []
        otherwise = None
        while True:
            cond = self.parse_list(stop=("then",))
            self.expect_word("then", "if")
            body = self.parse_list(stop=("elif", "else", "fi"))
            branches.append((cond, body))
            kind = self.at_reserved(("elif", "else", "fi"))
            if kind is None:
                if self.i >= len(self.s):
                    raise ShellSyntaxError("syntax error: unmatched 'if'")
                raise self.unexpected()
            self.read_word()
            if kind == "elif":
                continue
            if kind == "else":
                otherwise = self.parse_list(stop=("fi",))
                self.expect_word("fi", "if")
            return If(branches, otherwise)

    def parse_for(self) -> Node:
        self.skip_blanks()
        word = self.read_word()
        name = word.literal() if word else None
        if not name or any(c not in NAME_CHARS for c in name) or name[0] not in NAME_START:
            raise self.unexpected() if word is None else ShellSyntaxError("for: bad identifier")
        self.skip_newlines()
        items: list[Word] | None = None
        if self.at_reserved(("in",)):
            self.read_word()
            items = []
            while True:
                self.skip_blanks()
                if self.operator() is not None:
                    break
                w = self.read_word()
                if w is None:
                    break
                items.append(w)
            if not (self.take(";") or self.take("\n")):
                if self.i >= len(self.s):
                    raise ShellSyntaxError("syntax error: unmatched 'for'")
                raise self.unexpected()
        else:
            self.take(";")
        self.expect_word("do", "for")
        body = self.parse_list(stop=("done",))
        self.expect_word("done", "for")
        return For(name, items, body)

    def parse_while(self, until: bool = False) -> Node:
        keyword = "until" if until else "while"
        cond = self.parse_list(stop=("do",))
        self.expect_word("do", keyword)
        body = self.parse_list(stop=("done",))
        self.expect_word("done", keyword)
        return While(cond, body, until)

    def parse_until(self) -> Node:
        return self.parse_while(until=True)

    def parse_brace(self) -> Node:
        body = self.parse_list(stop=("}",))
        self.expect_word("}", "{")
        return Group(body)

    def parse_case(self) -> Node:
        self.skip_blanks()
        subject = self.read_word()
        if subject is None:
            raise self.unexpected()
        self.expect_word("in", "case")
        arms: list[tuple[list[Word], Node]] = []
        while True:
            self.skip_newlines()
            if self.at_reserved(("esac",)):
                self.read_word()
                return Case(subject, arms)
            if self.i >= len(self.s):
                raise ShellSyntaxError("syntax error: unmatched 'case'")
            self.take("(")
            patterns = []
            while True:
                self.skip_blanks()
                w = self.read_word()
                if w is None:
                    raise self.unexpected()
                patterns.append(w)
                if not self.take("|"):
                    break
            if not self.take(")"):
                raise self.unexpected()
            body = self.parse_list(stop=("esac",), closing=None) if not self.peek_double_semi() else Sequence([])
            arms.append((patterns, body))
            if not self.take(";;"):
                self.skip_newlines()
                if not self.at_reserved(("esac",)):
                    if self.i >= len(self.s):
                        raise ShellSyntaxError("syntax error: unmatched 'case'")
                    raise self.unexpected()

    def peek_double_semi(self) -> bool:
        self.skip_newlines()
        return self.operator() == ";;"

    def parse_function(self) -> Node:
        self.skip_blanks()
        word = self.read_word()
        name = word.literal() if word else None
        if not name:
            raise self.unexpected()
        if self.take("("):
            if not self.take(")"):
                raise self.unexpected()
        self.skip_newlines()
        return FuncDef(name, self.parse_command())

    def parse_simple(self) -> Node:
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        while True:
            r = self.read_redirect()
            if r is not None:
                redirects.append(r)
                continue
            op = self.operator()
            if op is not None:
                if op == "(" and len(words) == 1 and not assigns and words[0].literal():
                    # name() { ...; }: a function definition
                    self.i += 1
                    if not self.take(")"):
                        raise self.unexpected()
                    self.skip_newlines()
                    return FuncDef(words[0].literal() or "", self.parse_command())
                break
            self.skip_blanks()
            if self.i >= len(self.s):
                break
            start = self.i
            word = self.read_word()
            if word is None:
                break
            assign = self.assignment(word) if not words else None
            if assign is not None:
                assigns.append(assign)
            else:
                words.append(word)
            if self.i == start:
                break
        if not assigns and not words and not redirects:
            raise self.unexpected()
        return Simple(assigns, words, redirects)

    @staticmethod
    def assignment(word: Word) -> tuple[str, Word] | None:
        first = word.parts[0] if word.parts else None
        if not isinstance(first, Lit) or first.quoted or "=" not in first.text:
            return None
        name, _, rest = first.text.partition("=")
        if not name or name[0] not in NAME_START or any(c not in NAME_CHARS for c in name):
            return None
        value = ([Lit(rest)] if rest else []) + word.parts[1:]
        return name, Word(value)

    def read_redirect(self) -> Redirect | None:
        self.skip_blanks()
        j = self.i
        while j < len(self.s) and self.s[j].isdigit():
            j += 1
        fd_text = self.s[self.i:j]
        for op in (">>", "<<-", "<<", ">&", "<&", ">|", "<>", "<", ">"):
            if self.s.startswith(op, j):
                break
        else:
            return None
        if fd_text and len(fd_text) > 1:
            return None
        fd = int(fd_text) if fd_text else (0 if op[0] == "<" else 1)
        self.i = j + len(op)
        self.skip_blanks()
        target = self.read_word()
        if target is None:
            raise self.unexpected()
        redirect = Redirect(fd, "<<" if op.startswith("<<") else op, target)
        if op.startswith("<<"):
            delim = "".join(p.text for p in target.parts if isinstance(p, Lit))
            self.pending_heredocs.append((redirect, delim, target.is_quoted(), op == "<<-"))
        return redirect

    def read_heredocs(self) -> None:
        """Read the bodies of `<<` documents that start after the newline just consumed."""
        pending, self.pending_heredocs = self.pending_heredocs, []
        for redirect, delim, quoted, strip_tabs in pending:
            lines = []
            while True:
                if self.i >= len(self.s):
                    break
                end = self.s.find("\n", self.i)
                line = self.s[self.i:] if end < 0 else self.s[self.i:end]
                self.i = len(self.s) if end < 0 else end + 1
                if strip_tabs:
                    line = line.lstrip("\t")
                if line == delim:
                    break
                lines.append(line + "\n")
            body = "".join(lines)
            if quoted:
                redirect.heredoc = Word([Lit(body, quoted=True)])
            else:
                redirect.heredoc = Parser(body).read_double_quoted_text(body)

    # -- words ---------------------------------------------------------------------------
    def read_word(self) -> Word | None:
        """One word at the cursor, or None at an operator, newline or the end."""
        parts: list[Part] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                parts.append(Lit("".join(buf)))
                buf.clear()

        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\n;&|<>()":
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    self.i += 2
                    continue
                flush()
                if self.i + 1 >= len(self.s):
                    self.i += 1
                    parts.append(Lit("\\", quoted=True))
                    continue
                parts.append(Lit(self.s[self.i + 1], quoted=True))
                self.i += 2
            elif c == "'":
                end = self.s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError("no closing quote")
                flush()
                parts.append(Lit(self.s[self.i + 1:end], quoted=True))
                self.i = end + 1
            elif c == '"':
                flush()
                self.i += 1
                parts.extend(self.read_double_quoted())
            elif c == "$":
                flush()
                parts.append(self.read_dollar(quoted=False))
            elif c == "`":
                flush()
                parts.append(self.read_backticks(quoted=False))
            else:
                buf.append(c)
                self.i += 1
        flush()
        if self.i == start:
            return None
        return Word(parts)

    def read_double_quoted(self) -> list[Part]:
        """Parts of a "..." string; the cursor is after the opening quote."""
        parts: list[Part] = []
        buf: list[str] = []
        while True:
            if self.i >= len(self.s):
                raise ShellSyntaxError("no closing quote")
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                break
            if c == "\\" and self.peek(1) in '$`"\\\n':
                if self.peek(1) != "\n":
                    buf.append(self.peek(1))
                self.i += 2
            elif c in "$`":
                if buf:
                    parts.append(Lit("".join(buf), quoted=True))
                    buf = []
                parts.append(self.read_dollar(quoted=True) if c == "$" else self.read_backticks(quoted=True))
            else:
                buf.append(c)
                self.i += 1
        if buf or not parts:
            parts.append(Lit("".join(buf), quoted=True))
        return parts

    def read_double_quoted_text(self, text: str) -> Word:
        """A here-document body: expansions as in double quotes, but quotes are plain text."""
        parts: list[Part] = []
        buf: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and self.peek(1) in "$`\\\n":
                if self.peek(1) != "\n":
                    buf.append(self.peek(1))
                self.i += 2
            elif c in "$`":
                if buf:
                    parts.append(Lit("".join(buf), quoted=True))
                    buf = []
                parts.append(self.read_dollar(quoted=True) if c == "$" else self.read_backticks(quoted=True))
            else:
                buf.append(c)
                self.i += 1
        if buf:
            parts.append(Lit("".join(buf), quoted=True))
        return Word(parts)

    def read_backticks(self, quoted: bool) -> Part:
        self.i += 1
        buf = []
        while True:
            if self.i >= len(self.s):
                raise ShellSyntaxError("no closing quote")
            c = self.s[self.i]
            if c == "`":
                self.i += 1
                break
            if c == "\\" and self.peek(1) in "$`\\":
                buf.append(self.peek(1))
                self.i += 2
                continue
            buf.append(c)
            self.i += 1
        sub = Parser("".join(buf))
        sub.depth = self.depth + 1
        return CmdSub(sub.parse_program(), quoted)

    def read_dollar(self, quoted: bool) -> Part:
        """`$name`, `${...}`, `$(...)`, `$((...))` or a lone `$`; the cursor is on the `$`."""
        self.i += 1
        c = self.peek()
        if self.startswith("(("):
            return self.read_arith(quoted)
        if c == "(":
            self.i += 1
            self.enter()
            body = self.parse_list(stop=(), closing=")")
            self.depth -= 1
            if not self.take(")"):
                if self.i >= len(self.s):
                    raise ShellSyntaxError("syntax error: unmatched '('")
                raise self.unexpected()
            return CmdSub(body, quoted)
        if c == "{":
            return self.read_braced(quoted)
        if c and c in SPECIAL_PARAMS:
            self.i += 1
            return Param(c, quoted)
        if c and c in NAME_START:
            j = self.i
            while j < len(self.s) and self.s[j] in NAME_CHARS:
                j += 1
            name = self.s[self.i:j]
            self.i = j
            return Param(name, quoted)
        return Lit("$", quoted=True)

    def read_arith(self, quoted: bool) -> Part:
        self.i += 2
        depth = 0
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0 and self.peek(1) == ")":
                    text = self.s[start:self.i]
                    self.i += 2
                    return Arith(Parser(text).read_double_quoted_text(text), quoted)
                depth -= 1
            self.i += 1
        raise ShellSyntaxError("syntax error: unmatched '('")

    def read_braced(self, quoted: bool) -> Part:
        self.i += 1  # the '{'
        length = False
        if self.peek() == "#" and self.peek(1) not in ("}", ""):
            length = True
            self.i += 1
        j = self.i
        if self.peek() and self.peek() in SPECIAL_PARAMS:
            j += 1
        else:
            while j < len(self.s) and self.s[j] in NAME_CHARS:
                j += 1
        name = self.s[self.i:j]
        self.i = j
        if self.i >= len(self.s):
            raise ShellSyntaxError("no closing quote")
        if not name:
            raise ShellSyntaxError(f"${{{self.s[self.i:].split('}')[0]}}}: bad substitution")
        if self.peek() == "}":
            self.i += 1
            return Param(name, quoted, length=length)
        op = ""
        for candidate in (":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"):
            if self.startswith(candidate):
                op = candidate
                break
        if not op or length:
            raise ShellSyntaxError(f"${{{name}{self.s[self.i:].split('}')[0]}}}: bad substitution")
        self.i += len(op)
        arg = self.read_braced_arg()
        return Param(name, quoted, op, arg)

    def read_braced_arg(self) -> Word:
        parts: list[Part] = []
        buf: list[str] = []
        while True:
            if self.i >= len(self.s):
                raise ShellSyntaxError("no closing quote")
            c = self.s[self.i]
            if c == "}":
                self.i += 1
                break
            if c == "\\" and self.i + 1 < len(self.s):
                if buf:
                    parts.append(Lit("".join(buf)))
                    buf = []
                parts.append(Lit(self.s[self.i + 1], quoted=True))
                self.i += 2
            elif c == "'":
                end = self.s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError("no closing quote")
                if buf:
                    parts.append(Lit("".join(buf)))
                    buf = []
                parts.append(Lit(self.s[self.i + 1:end], quoted=True))
                self.i = end + 1
            elif c == '"':
                if buf:
                    parts.append(Lit("".join(buf)))
                    buf = []
                self.i += 1
                parts.extend(self.read_double_quoted())
            elif c in "$`":
                if buf:
                    parts.append(Lit("".join(buf)))
                    buf = []
                parts.append(self.read_dollar(False) if c == "$" else self.read_backticks(False))
            else:
                buf.append(c)
                self.i += 1
        if buf:
            parts.append(Lit("".join(buf)))
        return Word(parts)
