"""Tagging many inputs: in this process, in a local process pool, or on Dask.

Workers read their own documents and send back finished records (plain dicts),
never token lists or models: shipping less between processes is what makes
more processes pay (see FACTS.md). Results always come back in input order,
and a bad input comes back as its error, exactly as in a single process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .config import Config
from .errors import InputError, PolicytagError

Result = tuple[str, list[dict[str, Any]] | InputError]

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


def tag_one(source: str, config: Config, sidecar: dict[str, dict] | None = None) -> Result:
    """Tag one input; an input problem is returned, not raised."""
    tagger = _tagger_for(config)
    try:
        doc = tagger.read(source)
        if sidecar:
            from .meta import apply_sidecar

            apply_sidecar(doc, sidecar)
        return source, [p.to_dict() for p in tagger.tag_document(doc)]
    except InputError as exc:
        return source, exc
    except PolicytagError:
        raise
    except Exception as exc:  # a file that breaks a stage must not stop the run
        return source, InputError(source, f"could not be processed ({type(exc).__name__}: {exc})")


def tag_many(
    sources: Iterable[str],
    config: Config,
    jobs: int = 1,
    backend: str = "loky",
    sidecar: dict[str, dict] | None = None,
) -> Iterator[Result]:
    """Yield ``(source, records or error)`` for every input, in input order."""
    sources = list(sources)
    if jobs == 1 and backend != "dask":
        for source in sources:
            yield tag_one(source, config, sidecar)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend=None if backend == "dask" else backend, return_as="generator")
    yield from parallel(delayed(tag_one)(s, config, sidecar) for s in sources)
