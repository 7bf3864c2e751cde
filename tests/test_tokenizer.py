"""Tokenizers: lexicon terms stay whole, split-term report, backends and their install messages."""

from __future__ import annotations

import sys

import pytest

from policytag.errors import ConfigError
from policytag.lexicon import Entry, Lexicon
from policytag.tokenizer import get_tokenizer, lexicon_words, split_terms

LONG = "民生实事项目人大代表票决制"


def lexicon() -> Lexicon:
    return Lexicon([Entry(LONG, "代表工作", ("“票决制”",), "d"), Entry("一府一委两院", "监督", (), "d"),
                    Entry("双联", "代表工作", ("常委会组成人员联系代表、代表联系群众",), "d")])


def test_lexicon_words_drop_quotes_and_forms_with_punctuation() -> None:
    words = lexicon_words(lexicon())
    assert "票决制" in words and LONG in words
    assert not any("、" in w for w in words)  # jieba cuts at punctuation whatever its dictionary says


def test_lexicon_terms_stay_whole_with_the_default_backend() -> None:
    text = f"全面推行{LONG}，支持一府一委两院工作"
    assert LONG not in get_tokenizer("jieba").tokenize(text)
    tokens = get_tokenizer("jieba", lexicon=lexicon()).tokenize(text)
    assert LONG in tokens and "一府一委两院" in tokens


def test_split_terms_reports_what_a_tokenizer_still_cuts() -> None:
    assert LONG in split_terms(get_tokenizer("jieba"), lexicon())
    assert split_terms(get_tokenizer("jieba", lexicon=lexicon()), lexicon()) == []


def test_whitespace_tokens_are_dropped_and_hmm_is_honoured() -> None:
    tok = get_tokenizer("jieba", hmm=False)
    assert " " not in tok.tokenize("人大 代表\n联络站") and tok.name == "jieba"


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown tokenizer 'hanlp'"):
        get_tokenizer("hanlp")


@pytest.mark.parametrize(("backend", "module", "command"), [
    ("pkuseg", "pkuseg", "pip install --no-build-isolation pkuseg"),
    ("spacy", "spacy", "pip install 'policytag[spacy]'"),
    ("jieba-py", "jieba", "pip install 'policytag[jieba]'"),
])
def test_missing_optional_backend_names_the_install_command(monkeypatch: pytest.MonkeyPatch, backend: str,
                                                            module: str, command: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ConfigError, match="install") as err:
        get_tokenizer(backend)
    assert command in str(err.value)


def test_rjieba_gives_python_jiebas_tokens() -> None:
    pytest.importorskip("jieba")
    text = f"常委会坚持{LONG}，听取和审议专项工作报告，开展执法检查和专题询问。"
    for lex in (None, lexicon()):
        for hmm in (True, False):
            rs = get_tokenizer("jieba", lexicon=lex, hmm=hmm).tokenize(text)
            assert rs == get_tokenizer("jieba-py", lexicon=lex, hmm=hmm).tokenize(text)


@pytest.mark.slow
def test_spacy_backend_uses_jieba_offline_and_keeps_terms() -> None:
    pytest.importorskip("spacy")
    tok = get_tokenizer("spacy", lexicon=lexicon())
    assert LONG in tok.tokenize(f"推行{LONG}") and tok.name == "spacy"


@pytest.mark.slow
def test_pkuseg_backend_keeps_user_words() -> None:
    pytest.importorskip("pkuseg")
    tok = get_tokenizer("pkuseg", lexicon=lexicon())
    assert LONG in tok.tokenize(f"推行{LONG}") and tok.name == "pkuseg"
