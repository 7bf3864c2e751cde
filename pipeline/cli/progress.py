"""Progress bars for long commands: on a terminal only, ``--progress/--no-progress`` to force.

Every long command (tag, stats, report, indicators, train) takes the same option
and draws the same tqdm bar on stderr, so a pipe or a log file never fills with
bar updates. Library functions report progress through a plain callback
(``stage, done, total``); a ``Steps`` bar is such a callback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def progress_option(func: F) -> F:
    """The ``--progress/--no-progress`` option (default: on when stderr is a terminal)."""
    return click.option("--progress/--no-progress", default=None,
                        help="Progress bar (default: on when stderr is a terminal).")(func)


def shown(enabled: bool | None) -> bool:
    return sys.stderr.isatty() if enabled is None else enabled


class _NoBar:
    """What a disabled bar does (nothing), without importing tqdm: a fifth of a one-report run's imports."""

    def __init__(self, total: int | None) -> None:
        self.total, self.n = total, 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def reset(self, total: int | None = None) -> None:
        self.total, self.n = total, 0

    def set_description_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def progress_bar(total: int | None, enabled: bool | None, unit: str, desc: str | None = None) -> Any:
    """A tqdm bar on stderr; disabled (drawing nothing) unless ``shown(enabled)``."""
    if not shown(enabled):
        return _NoBar(total)
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not shown(enabled), file=sys.stderr,
                dynamic_ncols=True, leave=False)


class Steps:
    """One bar for a command made of stages (read, count, draw ...); the description names the stage.

    Library functions report ``progress(stage, done, total)``; a ``Steps`` is such a callable.

    >>> with Steps(False) as steps:
    ...     steps("read", 1, 2); steps("read", 2, 2); steps("draw", 1, 3)
    """

    def __init__(self, enabled: bool | None, unit: str = "step") -> None:
        self.bar = progress_bar(None, enabled, unit)
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int | None = None) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.set_description_str(stage, refresh=False)
            self.bar.reset(total=total)  # shows the new stage at 0
        elif total is not None and total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def clear(self) -> None:
        """Wipe the bar before a message line, so the two do not share a line."""
        self.bar.clear()

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
