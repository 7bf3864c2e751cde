"""policytag: policy phrases and paragraph functions in people's congress work reports.

Stages, one module each: ``read`` → ``segment`` → ``tokenize`` → ``match`` → ``classify``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(config_path=None, **overrides):  # noqa: ANN001, ANN201 - re-exported with full hints in tagger
    """Load the default pipeline: ``pipeline.load().tag("report.txt")``."""
    from .tagger import load as _load

    return _load(config_path, **overrides)
