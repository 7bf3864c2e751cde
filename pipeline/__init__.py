"""policytag: policy phrases and paragraph functions in people's congress work reports.

Stages, one module each: ``read`` → ``segment`` → ``tokenize`` → ``match`` → ``classify``.
"""

from __future__ import annotations

__version__ = "0.1.0"
