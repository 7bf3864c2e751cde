"""Errors that reach the user as one clear line, never as a traceback.

Exit codes (documented in the README): 0 every input succeeded, 1 some inputs
failed (the rest are in the output), 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


# C0/C1 control characters and line/paragraph separators: in a file name they would move the cursor,
# recolour or clear the terminal, or fake a line of output
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` for one line on a terminal: control characters escaped (``\\n``, ``\\x1b``), the rest kept.

    >>> printable("a\\x1b[2Jb\\nc.txt")
    'a\\\\x1b[2Jb\\\\nc.txt'
    """
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


class PolicytagError(Exception):
    """A problem the user can fix; the message names what and where."""

    exit_code = EXIT_USAGE


class ConfigError(PolicytagError):
    """Bad configuration, option value, model, lexicon or training data."""


class InputError(PolicytagError):
    """One input (file, line) cannot be processed; the others go on."""

    exit_code = EXIT_SOME_FAILED

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(printable(f"{where}: {message}"))  # names of downloaded files are untrusted

    def __reduce__(self) -> tuple:
        # Rebuilt from its fields, so the error survives the trip back from a worker process.
        return type(self), (self.source, self.message, self.line)


class PolicytagNote(UserWarning):
    """Something done to an input the user should know of (a paragraph cut ...); not an error.

    Raised with ``warnings.warn``: the CLI prints it as one ``policytag: note:`` line.
    """


@contextlib.contextmanager
def notes_to_stderr() -> Iterator[None]:
    """``PolicytagNote`` warnings raised inside as ``policytag: note:`` lines on standard error.

    The CLI routes warnings this way for its own process; worker processes (``--jobs``) do
    not run the CLI, so ``batch.tag_one`` uses this. Other warnings are left as they were.
    """
    with warnings.catch_warnings():
        previous = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
            if issubclass(category, PolicytagNote):
                print(f"policytag: note: {printable(str(message))}", file=sys.stderr, flush=True)
            else:
                previous(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


class OutputError(PolicytagError):
    """An output cannot be written (read-only folder, disk full ...): nothing was written, exit 2."""


def describe_os_error(exc: OSError, path: object = None) -> str:
    """One line for an operating-system error: the path (``path``, else the error's own) and what happened.

    >>> import errno
    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "out.jsonl")
    'out.jsonl: cannot write: No space left on device (errno 28: the disk is full)'
    """
    import errno

    where = path if path is not None else exc.filename
    what = exc.strerror or str(exc)
    hint = {errno.ENOSPC: ": the disk is full", errno.EDQUOT: ": over the disk quota",
            errno.EROFS: ": the folder is on a read-only file system"}.get(exc.errno or 0, "")
    code = f" (errno {exc.errno}{hint})" if exc.errno else ""
    return printable(f"{where}: cannot write: {what}{code}" if where is not None else f"{what}{code}")
