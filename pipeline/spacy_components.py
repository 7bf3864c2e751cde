"""spaCy components: policy terms as ``doc.spans`` and paragraph functions as ``doc.cats``.

Both are found by name once policytag is installed (entry points in the
``spacy_factories`` group), so no import of ``pipeline`` is needed:

>>> import spacy
>>> nlp = spacy.blank("zh")                      # character segmenter, works offline
>>> _ = nlp.add_pipe("policy_terms")
>>> _ = nlp.add_pipe("policy_functions")
>>> doc = nlp("全面落实代表联系群众制度，推进“双联”工作。")
>>> [(s.text, s.label_, s._.canonical, s._.quoted) for s in doc.spans["policy_terms"]]
[('代表联系群众', '代表工作', '代表联系群众', False), ('“双联”工作', '代表工作', '双联', True)]
>>> max(doc.cats, key=doc.cats.get), doc._.policy_labels
('代表工作', ['代表工作'])

``policy_terms`` matches the normalized text (traditional → simplified, full-width
digits, quotes and line breaks seen through), but spans index ``doc.text`` itself.
``policy_functions`` expects one paragraph per Doc, like ``policytag tag``.
Show the terms with displaCy: ``displacy.render(doc, style="span",
options={"spans_key": "policy_terms"})``.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from .classify import load_model
from .lexicon import DEFAULT_LEXICON, load_lexicon
from .match import Matcher
from .normalize import normalize
from .record import MappedText, Paragraph, Term

SPANS_KEY = "policy_terms"

# Span attributes: the canonical lexicon form and whether the writer put the phrase in quotes.
for _name in ("canonical", "quoted", "dictionary"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
# Labels over the model's per-label thresholds (doc.cats holds every probability).
if not Doc.has_extension("policy_labels"):
    Doc.set_extension("policy_labels", default=None)


class PolicyTerms:
    """Finds lexicon phrases; assigns ``doc.spans[spans_key]`` (label = lexicon category).

    Each span carries ``span._.canonical``, ``span._.quoted`` and ``span._.dictionary`` (also in
    ``span.id_``, which stays right when one phrase counts in two dictionaries: spaCy shares
    extension attributes between spans with the same offsets); its
    label is the lexicon category (the user's, e.g. ``经济/营商环境``). ``lexicon`` is a name, a
    path in any dictionary format, or a list of them (several dictionaries; ``+FILE`` adds to
    the shipped one). Matching uses
    the project's Aho-Corasick ``Matcher`` on ``policytag.normalize``'d text, so
    results are those of ``policytag tag``; a match that ends inside a token is
    widened to whole tokens (``alignment_mode="expand"``).
    """

    def __init__(self, lexicon: str | list[str] = DEFAULT_LEXICON, spans_key: str = SPANS_KEY,
                 overlaps: bool = False) -> None:
        self.spans_key = spans_key
        self.matcher = Matcher(load_lexicon(lexicon), overlaps=overlaps)

    def find(self, text: str) -> list[Term]:
        """Terms in ``text``; their start/end index ``text`` itself."""
        return self.matcher.match_text(normalize(text), text)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for term in self.find(doc.text):
            # span.id_ keeps the dictionary per span: extension attributes are shared by spans with equal offsets
            span = doc.char_span(term.start, term.end, label=term.category, alignment_mode="expand",
                                 span_id=term.dictionary or 0)
            if span is None:  # only whitespace under the match; cannot happen with a real phrase
                continue
            span._.canonical = term.canonical
            span._.quoted = term.quoted
            span._.dictionary = term.dictionary
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


class PolicyFunctions:
    """Paragraph functions; assigns ``doc.cats`` ({label: probability}) and ``doc._.policy_labels``.

    The lexicon categories of the terms count as features, as in ``policytag tag``:
    they are taken from ``doc.spans[spans_key]`` when ``policy_terms`` ran
    before, else matched here with the default lexicon.
    """

    def __init__(self, model: str = "default", spans_key: str = SPANS_KEY, lexicon: str = DEFAULT_LEXICON) -> None:
        self.classifier = load_model(model)
        self.spans_key = spans_key
        self.lexicon = lexicon
        self._terms: PolicyTerms | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    def _paragraph(self, doc: Doc) -> Paragraph:
        if self.spans_key in doc.spans:
            terms = [Term(s.text, s._.canonical or s.text, s.label_, bool(s._.quoted), s.start_char, s.end_char)
                     for s in doc.spans[self.spans_key]]
        else:
            if self._terms is None:
                self._terms = PolicyTerms(self.lexicon, self.spans_key)
            terms = self._terms.find(doc.text)
        body = normalize(doc.text).strip()
        if not body.text:
            body = MappedText.identity("")
        return Paragraph(doc_id="", path="", index=0, body=body, terms=terms)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Any, batch_size: int = 256) -> Any:
        """Classify docs in batches (what ``nlp.pipe`` calls)."""
        for batch in minibatch(docs, size=batch_size):
            yield from self._annotate(list(batch))

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        paragraphs = list(self.classifier.pipe([self._paragraph(d) for d in docs]))
        for doc, p in zip(docs, paragraphs, strict=True):
            doc.cats = {label: float(p.scores[label]) for label in self.labels}
            doc._.policy_labels = list(p.labels)
        return docs


@Language.factory(
    "policy_terms",
    assigns=["doc.spans"],
    default_config={"lexicon": DEFAULT_LEXICON, "spans_key": SPANS_KEY, "overlaps": False},
)
def make_policy_terms(nlp: Language, name: str, lexicon: str | list[str], spans_key: str,
                      overlaps: bool) -> PolicyTerms:
    """Factory of ``nlp.add_pipe("policy_terms", config={"lexicon": "my_terms.yaml"})``."""
    return PolicyTerms(lexicon, spans_key, overlaps)


@Language.factory(
    "policy_functions",
    assigns=["doc.cats"],
    default_config={"model": "default", "spans_key": SPANS_KEY, "lexicon": DEFAULT_LEXICON},
)
def make_policy_functions(nlp: Language, name: str, model: str, spans_key: str, lexicon: str) -> PolicyFunctions:
    """Factory of ``nlp.add_pipe("policy_functions", config={"model": "path/to/model"})``."""
    return PolicyFunctions(model, spans_key, lexicon)


__all__ = ["PolicyFunctions", "PolicyTerms", "make_policy_functions", "make_policy_terms"]
