"""The data model every stage shares: an article made of paragraphs made of sentences.

Spans are character offsets (Unicode code points) into the article's original text as
decoded from its file, so ``article.original[s.start:s.end]`` is always the sentence as
the file has it. ``Sentence.text`` is the normalised form the model sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sentence:
    """One sentence of the source.

    Attributes:
        paragraph: index of its paragraph in the article.
        index: index of the sentence within its paragraph.
        start: start of its span in the original text.
        end: end (exclusive) of its span in the original text.
        text: the normalised sentence, whitespace collapsed: what is translated.
        units: the pieces sent to the model, in order. One piece (``text``) unless the
            sentence was longer than the model's comfortable input and was split at
            clause boundaries; the pieces' translations are joined with a space.
    """

    paragraph: int
    index: int
    start: int
    end: int
    text: str
    units: tuple[str, ...]

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
