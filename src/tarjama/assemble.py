"""Reassembly: the translation laid out exactly like the source.

The output is the original text with each sentence span replaced by its translation.
What lies between sentences (spaces, line breaks in their original style, blank lines)
is kept, minus invisible marks; two sentences that touched in the source
(``قال.وأضاف``) get one space between them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .document import Article
from .normalise import clean_layout


def assemble(article: Article, translations: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """The translated article and the span of each sentence's translation in it.

    Args:
        article: the segmented source.
        translations: one per sentence of the article, in order, each on one line.

    Returns:
        The text, and for each sentence the ``(start, end)`` of its translation.
    """
    sentences = list(article.sentences)
    if len(translations) != len(sentences):
        raise ValueError(f"{len(translations)} translations for {len(sentences)} sentences")
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    previous_end = 0
    for sentence, translation in zip(sentences, translations, strict=True):
        gap = clean_layout(article.original[previous_end : sentence.start])
        if not gap and spans:
            gap = " "
        if "\n" in translation or "\r" in translation:
            raise ValueError(f"a translation must be one line, not {translation!r}")
        parts += (gap, translation)
        start = length + len(gap)
        length = start + len(translation)
        spans.append((start, length))
        previous_end = sentence.end
    parts.append(clean_layout(article.original[previous_end:]))
    return "".join(parts), spans
