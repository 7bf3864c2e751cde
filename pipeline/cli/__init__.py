"""The ``policytag`` command: a thin layer over the library.

Subcommands live in their own modules and are imported only when used, so
``policytag tag`` does not pay for pandas or matplotlib.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback
import warnings
from typing import Any

import click

from ..errors import EXIT_INTERRUPTED, EXIT_USAGE, PolicytagError, describe_os_error, printable

# command name -> "module:function" inside policytag.cli
COMMANDS: dict[str, str] = {
    "segment": "segment:segment",
    "lexicon": "lexicon:lexicon",
    "train": "model:train",
    "evaluate": "model:evaluate",
    "suggest": "model:suggest",
    "bootstrap": "model:bootstrap",
    "agreement": "agreement:agreement",
    "tag": "tag:tag",
    "stats": "stats:stats",
    "report": "report:report",
    "indicators": "indicators:indicators",
    "kwic": "kwic:kwic",
    "dfm": "dfm:dfm",
    "reuse": "reuse:reuse",
    "diff": "diff:diff",
    "keyness": "keyness:keyness",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(__name__):
                return None  # command not built into this version
            raise
        return getattr(mod, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML file overriding the defaults.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="policytag")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """policytag: find policy phrases in people's congress standing-committee work
    reports (人大常委会工作报告) and tag each paragraph by function.

    \b
    Example:
      policytag segment examples/report.txt -o paragraphs.jsonl
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["debug"] = debug
    if ctx.invoked_subcommand not in OWN_START_UP:
        start_up_done()


# Commands that call start_up_done() themselves, once their tables are built (tag: at its first result).
OWN_START_UP = {"tag"}
_QUIET = {"gc_off": False}


def quiet_start() -> None:
    """The cyclic garbage collector off while this process starts (imports, lexicon, matcher, model and
    region tables, the first batch): that makes ~150k objects that live on and almost no cyclic garbage,
    and the collector's passes over them were ≈10 ms, 4 % of tagging one report in a fresh process."""
    if gc.isenabled():
        gc.disable()
        _QUIET["gc_off"] = True


def start_up_done() -> None:
    """The collector on again, if quiet_start turned it off; what start-up made is frozen (``gc.freeze``),
    or the first collection would walk all of it."""
    if _QUIET["gc_off"]:
        _QUIET["gc_off"] = False
        gc.freeze()
        gc.enable()


# Warnings libraries give that say nothing to a user of policytag: silenced. Any other warning becomes
# one "policytag: note:" line instead of a Python warning with a source line.
HARMLESS_WARNINGS = [
    (UserWarning, r"No artists with labels found to put in legend"),  # matplotlib, a chart with nothing to draw
    (UserWarning, r"Workbook contains no default style"),  # openpyxl, xlsx files written by other programs
    (UserWarning, r"(Data Validation|Conditional Formatting) extension is not supported"),  # openpyxl
    (FutureWarning, r""),  # pandas/numpy announcing changes: for developers, not users
    (DeprecationWarning, r""),
]


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    text = str(message).strip().splitlines()
    click.echo(f"policytag: note: {printable(text[0] if text else category.__name__)}", err=True)


def _route_warnings() -> None:
    warnings.showwarning = _show_warning
    for category, pattern in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern, category=category)


# Thread pools of the BLAS and OpenMP libraries numpy, scipy and scikit-learn load. Nothing policytag
# runs uses them (classify gathers and adds weights, no matrix products), yet OpenBLAS starts a thread
# per core when numpy is imported, ≈60 ms CPU in each process (the CLI and each --jobs worker). A
# value the user sets wins.
THREAD_KNOBS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def one_thread_per_library() -> None:
    """Ask the BLAS/OpenMP libraries for one thread, before numpy is imported (workers inherit it)."""
    for knob in THREAD_KNOBS:
        os.environ.setdefault(knob, "1")


# glibc's malloc hands every block over 128 KB to mmap and gives it back at free, then raises that limit
# to the largest block freed so far; the batch arrays (a few hundred KB to a few MB, made and freed per
# batch) kept crossing it, and the page faults of memory handed back and taken again were half of a
# run's system time (10 MB of reports: 0.19 → 0.09 s sys, 4-6 % of the CPU, paired; peak RSS the same
# within 1.5 MiB, also for one 20 MB document). Fixed limits keep such blocks in the heap. A value the
# user sets wins; workers inherit the environment, which glibc reads when a process starts.
MALLOC_KNOBS = {"MALLOC_MMAP_THRESHOLD_": 64 << 20, "MALLOC_TRIM_THRESHOLD_": 128 << 20}
_MALLOPT = {"MALLOC_TRIM_THRESHOLD_": -1, "MALLOC_MMAP_THRESHOLD_": -3}  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD


def steady_malloc() -> None:
    """Fixed glibc malloc thresholds for this process (``mallopt``) and its workers (environment)."""
    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # not glibc (macOS, musl): nothing to set
        return
    if not glibc:
        return
    import ctypes

    libc = ctypes.CDLL(None)
    for knob, value in MALLOC_KNOBS.items():
        if knob not in os.environ:  # set by the user: glibc read it at start
            libc.mallopt(_MALLOPT[knob], value)
            os.environ[knob] = str(value)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and turns every failure into one line and an exit code.

    Run as the process's own command (``argv`` None: the ``policytag`` script, ``python -m policytag``)
    it also sets ``THREAD_KNOBS`` and ``MALLOC_KNOBS`` and keeps the garbage collector quiet while it
    starts; called from a program with a list it leaves the environment, malloc and the collector alone.
    """
    if argv is None:
        one_thread_per_library()
        steady_malloc()
        quiet_start()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    with warnings.catch_warnings():  # the routing ends with the command (main is also called in-process)
        _route_warnings()
        _run(argv, debug)


def _run(argv: list[str] | None, debug: bool) -> None:
    try:
        code: Any = cli.main(args=argv, prog_name="policytag", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("policytag: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PolicytagError as exc:
        click.echo(f"policytag: error: {printable(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("policytag: interrupted; no partial output was written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # an output that cannot be written (read-only folder, disk full, ...)
        where = exc.filename if exc.filename is not None else "standard output"
        click.echo(f"policytag: error: {describe_os_error(exc, where)}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # the last guard: never a traceback as the interface
        if debug:
            traceback.print_exc()
        click.echo(f"policytag: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else 0)
