"""policytag: policy phrases and paragraph functions in people's congress work reports.

Stages, one module each: ``read`` → ``segment`` → ``tokenize`` → ``match`` → ``classify``.

>>> import policytag
>>> tagger = policytag.load()                      # shipped lexicon and model
>>> records = tagger.tag("examples/report.txt")   # doctest: +SKIP
>>> records = tagger.tag_text("常委会开展专题询问。")
>>> records[0]["terms"][0]["canonical"], records[0]["labels"]
('专题询问', ['监督'])

spaCy users: ``nlp.add_pipe("policy_terms")`` and ``nlp.add_pipe("policy_functions")``
(see ``policytag.spacy_components``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Tagger", "__version__", "load"]

if TYPE_CHECKING:
    from pathlib import Path

    from .tagger import Tagger


def load(config_path: str | Path | None = None, **overrides: Any) -> Tagger:
    """The default pipeline, optionally with a config file and ``section__key`` overrides.

    ``policytag.load().tag("report.txt")``; ``policytag.load(classify__model="my_model")``.
    """
    from .tagger import load as _load

    return _load(config_path, **overrides)


def __getattr__(name: str) -> Any:
    # Tagger is imported on first use so `import policytag` stays cheap (the CLI imports it too).
    if name == "Tagger":
        from .tagger import Tagger

        return Tagger
    raise AttributeError(f"module 'policytag' has no attribute {name!r}")
