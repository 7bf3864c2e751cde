"""Tagging many inputs: in this process, in a local process pool, or on Dask.

Workers read their own documents and send back each one's records as a single
block of JSON lines, never dicts, token lists or models: the parent then only
appends blocks, in input order, and the less the parent does the more a second
process pays (measured in bench/). Results always come back in input order,
and a bad input comes back as its error, exactly as in a single process.
Standard input (``-``) cannot be read by a worker: the parent reads it and
ships its bytes with the task.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .config import Config
from .errors import InputError, PolicytagError

# (source, records or the input's error); records are dicts, or with ``encoded=True`` one
# block of JSON lines (``pipeline.write.encode``)
Result = tuple[str, list[dict[str, Any]] | bytes | InputError]

_WORKER_TAGGER: dict[str, Any] = {}


def _tagger_for(config: Config):  # noqa: ANN202
    """One Tagger per process and config, built on the first document."""
    import json

    from .tagger import Tagger

    key = json.dumps(config, sort_keys=True, ensure_ascii=False)
    if key not in _WORKER_TAGGER:
        _WORKER_TAGGER.clear()
        _WORKER_TAGGER[key] = Tagger(config)
    return _WORKER_TAGGER[key]


def _read(tagger, source: str, data: bytes | None):  # noqa: ANN001, ANN202
    if data is None:
        return tagger.read(source)
    from .read import make_doc_id, read_bytes

    doc = read_bytes(data, source, tagger.config)
    doc.doc_id = make_doc_id("stdin", data)  # as read_stdin names it
    return doc


def tag_one(source: str, config: Config, sidecar: dict[str, dict] | None = None,
            data: bytes | None = None, encoded: bool = False) -> Result:
    """Tag one input (``data``: its bytes, already read); an input problem is returned, not raised.

    With ``encoded`` the records come back as one block of JSON lines (``pipeline.write.encode``).
    """
    tagger = _tagger_for(config)
    try:
        doc = _read(tagger, source, data)
        if sidecar:
            from .meta import apply_sidecar

            apply_sidecar(doc, sidecar)
        records = [p.to_dict() for p in tagger.tag_document(doc)]
        if encoded:
            from .write import encode

            return source, encode(records)
        return source, records
    except InputError as exc:
        return source, exc
    except PolicytagError:
        raise
    except Exception as exc:  # a file that breaks a stage must not stop the run
        return source, InputError(source, f"could not be processed ({type(exc).__name__}: {exc})")


class Workers:
    """Where documents are tagged: this process, a local loky pool, or Dask (a context manager).

    The pool starts on ``__enter__`` and each worker builds its tagger at once, so
    workers start up while the caller is still loading the model and listing the
    inputs (start-up is ≈0.3 s, a seventh of a two-process run on 20 MB of reports).
    ``tag`` may be called more than once; results come back in input order.

    >>> from pipeline.config import load_config
    >>> with Workers(load_config(), jobs=1) as workers:
    ...     [type(r).__name__ for _, r in workers.tag(["no/such/file.txt"])]
    ['InputError']
    """

    def __init__(self, config: Config, jobs: int = 1, backend: str = "loky") -> None:
        self.config, self.jobs, self.backend = config, jobs, backend
        self._parallel: Any = None
        self._warming: Iterator[Any] | None = None

    @property
    def local(self) -> bool:
        """Whether the workers are processes on this machine (so they share its files)."""
        return self.backend != "dask"

    def __enter__(self) -> Workers:
        if self.jobs == 1 and self.local:
            return self
        from joblib import Parallel, delayed

        self._parallel = Parallel(n_jobs=self.jobs, backend=self.backend if self.local else None,
                                  return_as="generator")
        self._parallel.__enter__()
        if self.local:  # a Dask worker may serve other clients: build its tagger with the first document
            self._warming = self._parallel(delayed(warm_up)(self.config) for _ in range(self.jobs))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._parallel is not None:
            self._warming = None
            self._parallel.__exit__(*exc)
            self._parallel = None

    def tag(self, sources: Iterable[str], sidecar: dict[str, dict] | None = None,
            encoded: bool = False) -> Iterator[Result]:
        """Yield ``(source, records or error)`` for every input, in input order (see ``tag_one``)."""
        sources = list(sources)
        if self._parallel is None:
            for source in sources:
                yield tag_one(source, self.config, sidecar, encoded=encoded)
            return
        from joblib import delayed

        if self._warming is not None:  # one run at a time per pool: let the warm-up finish
            for _ in self._warming:
                pass
            self._warming = None
        stdin = _stdin_bytes() if "-" in sources else None
        yield from self._parallel(
            delayed(tag_one)(s, self.config, sidecar, stdin if s == "-" else None, encoded) for s in sources
        )


def warm_up(config: Config) -> None:
    """Build this process's tagger for ``config`` now, every component the run will use."""
    _tagger_for(config).warm_up()


def tag_many(
    sources: Iterable[str],
    config: Config,
    jobs: int = 1,
    backend: str = "loky",
    sidecar: dict[str, dict] | None = None,
    encoded: bool = False,
) -> Iterator[Result]:
    """Yield ``(source, records or error)`` for every input, in input order (a one-off ``Workers``)."""
    with Workers(config, jobs, backend) as workers:
        yield from workers.tag(sources, sidecar, encoded)


def _stdin_bytes() -> bytes | None:
    """Standard input, read here in the parent; a read error is left for ``tag_one`` to report."""
    import sys

    try:
        return sys.stdin.buffer.read()
    except (OSError, AttributeError, ValueError):
        return None
