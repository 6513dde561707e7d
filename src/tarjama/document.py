"""The data model every stage shares: an article made of paragraphs made of sentences.

Spans are character offsets (Unicode code points) into the article's original text as
decoded from its file, so ``article.original[s.start:s.end]`` is always the sentence as
the file has it. ``Sentence.text`` is the normalised form the model sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


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
        name: where it came from (a relative path), for messages and outputs.
    """

    original: str
    paragraphs: tuple[Paragraph, ...]
    name: str = "<text>"
    meta: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def sentences(self) -> Iterator[Sentence]:
        for paragraph in self.paragraphs:
            yield from paragraph.sentences

    def source(self, sentence: Sentence) -> str:
        """The sentence exactly as the original text has it."""
        return self.original[sentence.start : sentence.end]
