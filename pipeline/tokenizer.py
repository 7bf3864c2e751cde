"""Stage: tokenize. Word segmentation behind one small interface.

>>> tok = get_tokenizer("jieba")            # jieba's algorithm, served by jieba-rs (rjieba)
>>> tok.tokenize("听取和审议专项工作报告")
['听取', '和', '审议', '专项', '工作', '报告']

Backends: ``jieba`` (default; rjieba, the Rust port, which gives jieba's tokens at
~20x the speed), ``jieba-py`` (the Python package), ``pkuseg`` and ``spacy``
(spaCy's ``zh`` language with the jieba segmenter). All work offline. Given a
lexicon, every form of it (quotes removed) is added to the segmenter's dictionary so
policy phrases stay whole; ``split_terms`` lists the ones a backend still splits.
Whitespace-only tokens are dropped by every backend. Heavy libraries are imported
only when their backend is asked for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from .errors import ConfigError

if TYPE_CHECKING:
    from .lexicon import Lexicon

BACKENDS = ("jieba", "jieba-py", "pkuseg", "spacy")
USER_WORD_FREQ = 20000  # high enough that a user word beats its pieces in jieba's DAG
# Only these can be one jieba token: jieba cuts text into blocks of this class first.
_WORDLIKE = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
INSTALL = {
    "jieba-py": "pip install 'policytag[jieba]'",
    "pkuseg": "pip install numpy cython wheel setuptools && pip install --no-build-isolation pkuseg",
    "spacy": "pip install 'policytag[spacy]'",
}


class Tokenizer(Protocol):
    name: str

    def tokenize(self, text: str) -> list[str]: ...


def lexicon_words(lexicon: Lexicon | None) -> list[str]:
    """Every form of the lexicon that a segmenter can hold as one word (no quotes, no punctuation)."""
    if lexicon is None:
        return []
    from .lexicon import QUOTES, SPACES, simplify_forms

    table = {ord(c): None for c in QUOTES + SPACES}
    forms = simplify_forms([f.translate(table) for e in lexicon for f in e.literal_forms])
    return sorted({f for f in forms if len(f) >= 2 and _WORDLIKE.fullmatch(f)})


def _words(tokens: object) -> list[str]:
    return [t for t in tokens if t.strip()]  # type: ignore[attr-defined]


class RJiebaTokenizer:
    """jieba's algorithm in Rust (rjieba); one private dictionary per instance."""

    name = "jieba"

    def __init__(self, words: list[str], hmm: bool = True) -> None:
        import rjieba

        self.hmm = hmm
        self._jieba = rjieba.Jieba()
        for word in words:
            self._jieba.add_word(word, USER_WORD_FREQ, None)

    def tokenize(self, text: str) -> list[str]:
        return _words(self._jieba.cut(text, self.hmm))


class JiebaPyTokenizer:
    """The Python jieba package (slow to start: ~1 s to load its dictionary)."""

    name = "jieba-py"

    def __init__(self, words: list[str], hmm: bool = True) -> None:
        jieba = _import("jieba", "jieba-py")
        import logging

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
        self.hmm = hmm
        self._jieba = jieba.Tokenizer()
        for word in words:
            self._jieba.add_word(word, USER_WORD_FREQ)

    def tokenize(self, text: str) -> list[str]:
        return _words(self._jieba.lcut(text, HMM=self.hmm))


class PkusegTokenizer:
    """pkuseg's default model (bundled with pkuseg 0.0.25, offline); ``hmm`` does not apply."""

    name = "pkuseg"

    def __init__(self, words: list[str], hmm: bool = True) -> None:
        pkuseg = _import("pkuseg", "pkuseg")
        self._seg = pkuseg.pkuseg(user_dict=words or "default")

    def tokenize(self, text: str) -> list[str]:
        return _words(self._seg.cut(text))


class SpacyTokenizer:
    """spaCy ``zh`` with the jieba segmenter (works offline). spaCy calls the global jieba
    module, so lexicon words are added there, and jieba's HMM is always on."""

    name = "spacy"

    def __init__(self, words: list[str], hmm: bool = True) -> None:
        spacy = _import("spacy", "spacy")
        jieba = _import("jieba", "spacy")
        import logging

        jieba.setLogLevel(logging.WARNING)
        for word in words:
            jieba.add_word(word, USER_WORD_FREQ)
        self._nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

    def tokenize(self, text: str) -> list[str]:
        return _words(t.text for t in self._nlp.make_doc(text))


def _import(module: str, backend: str):  # noqa: ANN202 - returns a module
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"tokenizer {backend!r} needs the {module} package; install it with: "
                          f"{INSTALL[backend]}") from None


_CLASSES = {"jieba": RJiebaTokenizer, "jieba-py": JiebaPyTokenizer, "pkuseg": PkusegTokenizer,
            "spacy": SpacyTokenizer}


def get_tokenizer(name: str = "jieba", lexicon: Lexicon | None = None, hmm: bool = True) -> Tokenizer:
    """A tokenizer by backend name; lexicon forms are added to its dictionary."""
    cls = _CLASSES.get(name)
    if cls is None:
        raise ConfigError(f"unknown tokenizer {name!r}; use one of: {', '.join(BACKENDS)}")
    return cls(lexicon_words(lexicon), hmm=hmm)


def split_terms(tokenizer: Tokenizer, lexicon: Lexicon) -> list[str]:
    """Lexicon forms that ``tokenizer`` still cuts into several tokens when given alone."""
    return [w for w in lexicon_words(lexicon) if len(tokenizer.tokenize(w)) > 1]
