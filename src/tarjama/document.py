"""The data model every stage shares: an article made of paragraphs made of sentences,
and its translation made of sentence translations.

Spans are character offsets (Unicode code points) into the article's original text as
decoded from its file, so ``article.original[s.start:s.end]`` is always the sentence as
the file has it. ``Sentence.text`` is the normalised form the model sees.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover
    from enum import Enum

    class StrEnum(str, Enum):
        def __str__(self) -> str:
            return str(self.value)


@dataclass(frozen=True)
class QuotePart:
    """The part of a quotation that lies in one sentence, in ``Sentence.text`` offsets.

    A quotation usually lies whole in its sentence (``opens`` and ``closes`` both
    true). A quotation of several sentences, or one that never closes, leaves a part in
    each sentence it touches: only the first part opens it, only the last closes it.
    ``start``/``end`` include the marks the part has.
    """

    start: int
    end: int
    opens: bool
    closes: bool


@dataclass(frozen=True)
class Sentence:
    """One sentence of the source.

    Attributes:
        paragraph: index of its paragraph in the article.
        index: index of the sentence within its paragraph.
        start: start of its span in the original text.
        end: end (exclusive) of its span in the original text.
        text: the normalised sentence (``tarjama.normalise`` of the source span): what
            is translated.
        units: the pieces sent to the model, in order. One piece (``text``) unless the
            sentence was longer than the model's comfortable input and was split at
            clause boundaries; the pieces' translations are joined with a space.
        quotes: the quotations (or parts of quotations) in the sentence, in order.
        markup: spans of ``text`` that are markup to carry through untranslated
            (Markdown inline code, link targets, HTML tags).
    """

    paragraph: int
    index: int
    start: int
    end: int
    text: str
    units: tuple[str, ...]
    quotes: tuple[QuotePart, ...] = ()
    markup: tuple[tuple[int, int], ...] = ()

    @property
    def was_split(self) -> bool:
        return len(self.units) > 1


@dataclass(frozen=True)
class Paragraph:
    """A block of lines separated from its neighbours by blank lines."""

    index: int
    start: int
    end: int
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Article:
    """A segmented article.

    Attributes:
        original: the text as decoded from the file, untouched.
        paragraphs: its paragraphs, in order.
        name: where it came from (a relative path; ``a/b.jsonl#3`` for a JSON Lines
            record), for messages and outputs.
        file: in a folder run, the input file it was read from (its relative name).
        record: the number of its record in a JSON Lines file; ``None`` otherwise.
    """

    original: str
    paragraphs: tuple[Paragraph, ...]
    name: str = "<text>"
    file: str | None = None
    record: int | None = None

    @property
    def sentences(self) -> Iterator[Sentence]:
        for paragraph in self.paragraphs:
            yield from paragraph.sentences

    def source(self, sentence: Sentence) -> str:
        """The sentence exactly as the original text has it."""
        return self.original[sentence.start : sentence.end]


class Flag(StrEnum):
    """What a quality check found in a sentence's translation: each is a name in the
    alignment record's ``flags`` and is counted in the manifest. This is their one list:
    a new check adds its flag here, with a line saying what it means.
    """

    QUOTE_MISMATCH = "quote_mismatch"
    """The English does not hold the source's quotations, in order."""
    NAME_MISSING = "name_missing"
    """A glossary name of the source is not in its English form."""
    NAME_INCONSISTENT = "name_inconsistent"
    """A name rendered differently elsewhere in the same article."""
    MARKUP_MISMATCH = "markup_mismatch"
    """The markup of the source (Markdown code, links, HTML tags) is not all in the English."""
    REPETITION = "repetition"
    """The output loops (an n-gram repeated back to back)."""
    LENGTH_RATIO = "length_ratio"
    """The output is far shorter or longer than the source predicts (``[quality] length_ratio_*``)."""
    UNTRANSLATED = "untranslated"
    """Arabic letters left in the English."""
    TRUNCATED = "truncated"
    """The output hit the length cap."""
    EMPTY = "empty"
    """The model returned nothing (the source is kept in its place)."""
    NOT_ARABIC = "not_arabic"
    """The article is mostly not Arabic: copied unchanged, not translated."""
    LOW_CONFIDENCE = "low_confidence"
    """The model's score of the translation is below ``[quality] min_score``."""


# flags that --retry-flagged tries to mend with safer decoding
RETRYABLE = frozenset(
    {Flag.REPETITION, Flag.LENGTH_RATIO, Flag.UNTRANSLATED, Flag.TRUNCATED, Flag.QUOTE_MISMATCH, Flag.NAME_MISSING}
)


@dataclass(frozen=True)
class QuoteAlignment:
    """A source quotation (or part of one) and its English counterpart, each as a span
    relative to the sentence's normalised text and to its translation. ``short``: a
    quotation of a few words that English may print without marks, so an unmatched one
    is no failure."""

    source_span: tuple[int, int]
    target_span: tuple[int, int] | None
    short: bool = False


@dataclass(frozen=True)
class NameAlignment:
    """A glossary name and where it is in the translation; ``rendering`` is the English
    form found there (the canonical one or an accepted variant)."""

    source_span: tuple[int, int]
    arabic: str
    english: str
    type: str
    target_span: tuple[int, int] | None
    rendering: str | None = None

    @property
    def found(self) -> bool:
        return self.target_span is not None


@dataclass(frozen=True)
class Rendering:
    """Capitalised renderings in an article that look like one name written several ways."""

    variants: dict[str, int]

    @property
    def preferred(self) -> str:
        return max(self.variants.items(), key=lambda item: (item[1], item[0]))[0]


@dataclass(frozen=True)
class SentenceTranslation:
    """A source sentence, its translation and where both sit in their texts.

    ``quotes`` and ``names`` pair each source quotation and glossary name with its
    English counterpart (spans relative to ``sentence.text`` and ``translation``);
    ``method`` says how the translation was made: ``whole``, ``substituted`` (a name's
    rendering fixed in place), ``constrained`` (translated again with names and marks
    written into the source), ``rebuilt`` (translated in pieces around quotations and
    names; only with ``repair = "rebuild"``) or ``retried``.

    ``score`` is the model's confidence in the translation that was kept (see
    ``Hypothesis.score``): for a whole or substituted sentence, the model's score of its
    sentence (a name put in does not change it); for a constrained one, the score of its
    second translation; for a sentence translated in pieces (cut for length, rebuilt
    around quotations and names, or retried that way), the lowest score of its pieces,
    since it is only as sure as its weakest part. ``None`` when no model made it: text
    copied unchanged, or the source kept for an empty output.
    """

    sentence: Sentence
    source: str
    translation: str
    target_span: tuple[int, int]
    flags: tuple[Flag, ...] = ()
    quotes: tuple[QuoteAlignment, ...] = ()
    names: tuple[NameAlignment, ...] = ()
    method: str = "whole"
    score: float | None = None


@dataclass(frozen=True)
class ArticleTranslation:
    """A translated article: the English text, the sentence alignment, and the names
    rendered more than one way in it."""

    article: Article
    text: str
    sentences: tuple[SentenceTranslation, ...]
    renderings: tuple[Rendering, ...] = ()

    def names_summary(self) -> dict[str, dict[str, Any]]:
        """Per English glossary form: its Arabic forms seen, type, and how often it was
        found in the English or missed."""
        summary: dict[str, dict[str, Any]] = {}
        for item in self.sentences:
            for name in item.names:
                entry = summary.setdefault(name.english, {"type": name.type, "arabic": [], "found": 0, "missing": 0})
                if name.arabic not in entry["arabic"]:
                    entry["arabic"].append(name.arabic)
                entry["found" if name.found else "missing"] += 1
        return summary
