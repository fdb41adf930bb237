"""Where awk's print and getline go besides stdin and stdout: files opened by name and kept open
until close(), commands run in the phone's shell for `print | "cmd"` and `"cmd" | getline`.
Output piped to a command is collected and handed to it when closed (or when awk ends), which
is when one-true-awk's buffered pipe reaches it too.
"""

from __future__ import annotations

from typing import Any

from ...api import Context
from ...streams import BytesInput, BytesOutput, EmptyInput
from .records import RecordReader
from .values import AwkError


def run_command(ctx: Context, command: bytes, stdin: Any, stdout: Any) -> int:
    """`sh -c command` in the phone's shell, as popen() and system() do."""
    argv = ["sh", "-c", command.decode("utf-8", "surrogateescape")]
    if ctx.shell is None:
        return 127
    return ctx.shell.run_argv(argv, stdin, stdout, ctx.stderr, ctx.cwd)


class PipedOutput:
    def __init__(self, ctx: Context, command: bytes):
        self.ctx, self.command = ctx, command
        self.data = BytesOutput()

    def write(self, data: bytes) -> None:
        self.data.write(data)

    def close(self) -> int:
        return run_command(self.ctx, self.command, BytesInput(self.data.getvalue()), self.ctx.stdout)


class Redirects:
    """Open output files and pipes, and input files and commands, by the names awk uses."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.outputs: dict[bytes, Any] = {}
        self.inputs: dict[bytes, RecordReader] = {}
        self.input_files: dict[bytes, Any] = {}

    def output(self, kind: str, name: bytes) -> Any:
        if name in self.outputs:
            return self.outputs[name]
        if name in (b"/dev/stdout", b"-"):
            return self.ctx.stdout
        if name == b"/dev/stderr":
            return self.ctx.stderr
        if kind == "|":
            self.ctx.stdout.flush()
            out: Any = PipedOutput(self.ctx, name)
        elif name == b"/dev/null":
            out = BytesOutput()
        else:
            try:
                out = self.ctx.storage.open_write(name.decode("utf-8", "surrogateescape"), self.ctx.cwd,
                                                  append=kind == ">>")
            except OSError:
                raise AwkError(f"can't open file {name.decode('utf-8', 'surrogateescape')}") from None
        self.outputs[name] = out
        return out

    def file_input(self, name: bytes) -> RecordReader | None:
        """The reader of `getline < name` (None when the file cannot be opened)."""
        if name not in self.inputs:
            if name in (b"-", b"/dev/stdin"):
                self.inputs[name] = RecordReader(self.ctx.stdin)
                return self.inputs[name]
            try:
                stream = self.ctx.storage.open_read(name.decode("utf-8", "surrogateescape"), self.ctx.cwd)
            except OSError:
                return None
            self.input_files[name] = stream
            self.inputs[name] = RecordReader(stream)
        return self.inputs[name]

    def command_input(self, command: bytes) -> RecordReader:
        """The reader of `command | getline`: the command runs to its end at the first read."""
        if command not in self.inputs:
            out = BytesOutput()
            self.ctx.stdout.flush()
            run_command(self.ctx, command, EmptyInput(), out)
            self.inputs[command] = RecordReader(BytesInput(out.getvalue()))
        return self.inputs[command]

    def close(self, name: bytes) -> int:
        status = -1
        if name in self.outputs:
            status = self._close_output(self.outputs.pop(name))
        if name in self.inputs:
            del self.inputs[name]
            stream = self.input_files.pop(name, None)
            if stream is not None:
                stream.close()
            status = 0
        return status

    def _close_output(self, out: Any) -> int:
        if isinstance(out, PipedOutput):
            out.close()
            return 0
        if out is not self.ctx.stdout and out is not self.ctx.stderr and hasattr(out, "close"):
            out.close()
        return 0

    def close_all(self) -> None:
        for name in list(self.outputs):
            self._close_output(self.outputs.pop(name))
        for stream in self.input_files.values():
            stream.close()
        self.input_files.clear()
        self.inputs.clear()
