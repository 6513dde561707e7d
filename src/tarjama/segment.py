"""Sentence segmentation for Arabic news text.

The article is normalised (``tarjama.normalise``), cut into paragraphs at blank lines
and into lines at single line breaks; a sentence never crosses a line break, so the line
layout of the source survives translation. Within a line, a sentence ends after
``. ! ? ؟ …`` (and runs of them) followed by whitespace or the line end, with closing
quotes and brackets attached, unless:

* the stop sits inside a quotation (``«…»``, ``“…”``, ``„…“``, ``"…"``, ``”…”``); a
  quotation that never closes ends at the line end;
* the word before it is an abbreviation or an initial (``د.``, ``U.S.``, ``أ.ف.ب.``), or
  an ambiguous abbreviation (``إلخ.``) not followed by a sentence start;
* it follows a list number at the start of the line (``1.``).

Decimals, thousands, URLs, e-mail addresses and file names never split because their
dots are not followed by whitespace. The rules' word lists live in
``tarjama/data/segmentation.toml``.

Sentences longer than the model's comfortable input are cut into units at clause
boundaries (``؛ ،`` then ``:`` then before the conjunction ``و``, then at any space);
they stay one sentence.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from .document import Article, Paragraph, QuotePart, Sentence
from .languages import ar, source_language
from .markdown import code_lines, inline_markup, masked, prefix_length
from .normalise import normalise

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TokenCounter = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_CANDIDATE = re.compile(r"(?:\.{2,}|[.!?؟…])+[\"'»”“’)\]]*(?=\s|$)")
_SPACED_CLOSER = re.compile(r"\s+[\"»”“]")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"\s*[\"'«“”(\[]*(\S+)")
_INITIALS = re.compile(r"^(?:\w\.)+\w$")


@dataclass(frozen=True)
class Rules:
    """Word lists of the segmenter (see ``tarjama/data/segmentation.toml``)."""

    version: str
    abbreviations: frozenset[str]
    ambiguous: frozenset[str]
    year_markers: frozenset[str]
    sentence_starters: frozenset[str]
    min_words_quoted_sentence: int

    @classmethod
    def load(cls, text: str) -> Rules:
        data = tomllib.loads(text)
        return cls(
            version=str(data["version"]),
            abbreviations=frozenset(data["abbreviations"]),
            ambiguous=frozenset(data["ambiguous"]),
            year_markers=frozenset(data["year_markers"]),
            sentence_starters=frozenset(data["sentence_starters"]),
            min_words_quoted_sentence=int(data["min_words_quoted_sentence"]),
        )


@cache
def default_rules(language: str = ar.CODE) -> Rules:
    """The packaged rules of the source language ``language`` (its ``SEGMENTATION_RULES``)."""
    rules = source_language(language).SEGMENTATION_RULES
    return Rules.load(resources.files("tarjama").joinpath(rules).read_text("utf-8"))


@dataclass(frozen=True)
class Quotation:
    """A quotation in a line: ``line[start:end]``, its marks included.

    ``closed`` is false for a quotation that never closes; it then runs to the line end,
    or, for ``"``, to the last word before the next opening ``"``.
    """

    start: int
    end: int
    closed: bool


def _at_word_start(line: str, i: int) -> bool:
    """Whether ``line[i]`` starts a word: after a space, an opening mark, or a one-letter
    Arabic prefix (``و”لا”``, ``ب"التسلط"``)."""
    before = line[i - 1] if i else " "
    if before.isspace() or before in "([{«“:،,—-":
        return True
    return before in "وفبلك" and (i == 1 or line[i - 2].isspace())


def _straight_quote_opens(line: str, i: int, is_open: bool) -> bool:
    """Whether the ``"`` at ``line[i]`` opens a quotation, judged by the spaces around it."""
    before = line[i - 1] if i else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    if _at_word_start(line, i) and not after.isspace():
        return True
    if not before.isspace() and (after.isspace() or after in ".,،؛;:!?؟)]}»”"):
        return False
    return not is_open


def quotations(line: str) -> list[Quotation]:
    """Every quotation of ``line``, in order of their opening marks.

    Marks: ``«…»``, ``“…”``, ``„…“``, ``"…"``, and ``”…”`` (a ``”`` after a space with
    nothing open opens a quotation, as Arabic news often writes). A stray closing mark
    is ignored. Quotations nest.

    Example:
        >>> [line[q.start:q.end] for line in ['قال «نعم» و"لا'] for q in quotations(line)]
        ['«نعم»', '"لا']
    """
    stack: list[tuple[str, int]] = []
    found: list[Quotation] = []

    def close(mark_index: int, end: int, closed: bool) -> None:
        while len(stack) > mark_index:
            _, start = stack.pop()
            found.append(Quotation(start, end, closed and len(stack) == mark_index))

    def innermost(marks: str) -> int | None:
        return next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] in marks), None)

    for i, ch in enumerate(line):
        if ch in "«„":
            stack.append((ch, i))
        elif ch == "»" and (k := innermost("«")) is not None:
            close(k, i + 1, True)
        elif ch == "“":
            if stack and stack[-1][0] == "„":
                close(len(stack) - 1, i + 1, True)
            else:
                stack.append((ch, i))
        elif ch == "”":
            if (k := innermost("“”")) is not None:
                close(k, i + 1, True)
            elif _at_word_start(line, i):
                stack.append((ch, i))
        elif ch == '"':
            k = innermost('"')
            if _straight_quote_opens(line, i, k is not None):
                if k is not None:  # the open one never closed: it ends at its last word
                    close(k, len(line[:i].rstrip()), False)
                stack.append((ch, i))
            elif k is not None:
                close(k, i + 1, True)
    close(0, len(line), False)
    return sorted(found, key=lambda q: q.start)


def _enclosing(line: str, quotes: list[Quotation]) -> list[int]:
    """For each character, the index in ``quotes`` of the innermost one holding it, or -1.
    A quotation's closing mark counts as outside it."""
    owner = [-1] * len(line)
    for k, q in enumerate(quotes):  # sorted by start: an inner quotation paints over its outer one
        owner[q.start : q.end - 1] = [k] * (q.end - 1 - q.start)
    return owner


class Segmenter:
    """Splits articles into paragraphs and sentences.

    Args:
        rules: word lists; the packaged ones by default.
        max_input_tokens: sentences counting more tokens than this are cut into units
            at clause boundaries. ``None`` never cuts.
        count_tokens: how a piece of text is counted, normally the model tokenizer's
            length. Defaults to whitespace words.
        language: the source language (``tarjama.languages``): its letters, clause cuts
            and, unless ``rules`` are given, its rules.

    Example:
        >>> seg = Segmenter()
        >>> [s.text for s in seg.segment("قال د. أحمد إن النمو بلغ 3.5%. وأضاف: «لا.»").sentences]
        ['قال د. أحمد إن النمو بلغ 3.5%.', 'وأضاف: «لا.»']
    """

    def __init__(
        self,
        rules: Rules | None = None,
        max_input_tokens: int | None = None,
        count_tokens: TokenCounter | None = None,
        language: str = ar.CODE,
    ) -> None:
        self.language = source_language(language)
        self.rules = rules or default_rules(language)
        self.max_input_tokens = max_input_tokens
        self.count_tokens = count_tokens or (lambda text: len(text.split()))

    @property
    def version(self) -> str:
        return f"tarjama-rules-{self.rules.version}"

    def segment(self, original: str, name: str = "<text>", markdown: bool = False) -> Article:
        """Segment a whole article. Spans refer to ``original``.

        With ``markdown``, fenced code is skipped, block markers (``#``, ``>``, ``-``,
        ``1.``) stay out of sentences and inline markup is recorded on each sentence.
        """
        norm = normalise(original)
        code = _code_line_starts(norm.text) if markdown else set()
        paragraphs: list[Paragraph] = []
        for start, end in _blocks(norm.text):
            sentences: list[Sentence] = []
            for line_start, line_end in _lines(norm.text, start, end):
                if line_start in code:
                    continue
                if markdown:
                    line_start += prefix_length(norm.text[line_start:line_end])
                line = norm.text[line_start:line_end]
                markup = inline_markup(line) if markdown else []
                quotes = quotations(masked(line, markup))  # marks inside markup are not quotations
                outer = _outermost(quotes)
                ends = [q.end for q in outer]
                for s, e in self._split(line, quotes):
                    o_start, o_end = norm.original_span(line_start + s, line_start + e)
                    text = line[s:e]
                    sentences.append(
                        Sentence(
                            len(paragraphs),
                            len(sentences),
                            o_start,
                            o_end,
                            text,
                            tuple(self.units(text)),
                            tuple(_quote_parts(outer, ends, s, e)),
                            tuple((a - s, b - s) for a, b in markup if s <= a and b <= e),
                        )
                    )
            o_start, o_end = norm.original_span(start, end)
            paragraphs.append(Paragraph(len(paragraphs), o_start, o_end, tuple(sentences)))
        return Article(original, tuple(paragraphs), name)

    def split_line(self, line: str) -> list[tuple[int, int]]:
        """Sentence spans of one line (no line breaks in it), whitespace trimmed."""
        return self._split(line, quotations(line))

    def _split(self, line: str, all_quotes: list[Quotation]) -> list[tuple[int, int]]:
        quotes = [q for q in all_quotes if q.closed]
        owner = _enclosing(line, quotes)
        closing = {q.end for q in quotes}
        spans = []
        start = 0
        for match in _CANDIDATE.finditer(line):
            end = match.end()
            spaced = _SPACED_CLOSER.match(line, end)  # "الأمر. ”": the mark still belongs here
            if spaced and spaced.end() in closing:
                end = spaced.end()
            inside = owner[end - 1]
            if inside >= 0 and not self._ends_quoted_sentence(line, quotes[inside], start, end):
                continue
            if self._ends_sentence(line, start, match):
                spans.append((start, end))
                start = end
        spans.append((start, len(line)))
        return [trimmed for s, e in spans if (trimmed := _trim(line, s, e))]

    def _ends_quoted_sentence(self, line: str, quote: Quotation, start: int, end: int) -> bool:
        """A stop inside a closed quotation ends a sentence only when the quotation holds
        full sentences on both sides of it; a short quotation is never cut."""
        least = self.rules.min_words_quoted_sentence
        before = line[max(start, quote.start + 1) : end]
        after = line[end : quote.end - 1]
        return len(before.split()) >= least and len(after.split()) >= least

    def _ends_sentence(self, line: str, start: int, match: re.Match[str]) -> bool:
        stop = match.group()
        if not stop.startswith(".") or stop.startswith(".."):
            return True
        before = _WORD_BEFORE.search(line, start, match.start())
        if before is None:  # a stop after a space: "الاثنين ."
            return True
        word = before.group(1).lstrip("\"'«“”(")
        rules = self.rules
        if word.isdigit() and not line[start : before.start()].strip():
            return False  # a list number: "1. ..."
        if word in rules.abbreviations or _INITIALS.match(word):
            return False
        if len(word) == 1 and (word.isupper() or self.language.LETTER.match(word)):  # an initial: "د." "J."
            if word in rules.year_markers and _number_before(line, before.start()):
                return self._starts_sentence(line, match.end())
            return False
        if word in rules.ambiguous or (word in rules.year_markers and _number_before(line, before.start())):
            return self._starts_sentence(line, match.end())
        return True

    def _starts_sentence(self, line: str, position: int) -> bool:
        following = _NEXT_WORD.match(line, position)
        if following is None:
            return True
        word = following.group(1)
        return (
            word in self.rules.sentence_starters
            or (word.startswith(self.language.CONJUNCTION) and len(word) > 2)
            or word[0].isupper()
        )

    def units(self, text: str) -> list[str]:
        """``text`` cut into pieces within ``max_input_tokens`` (one piece when it fits)."""
        if self.max_input_tokens is None or self.count_tokens(text) <= self.max_input_tokens:
            return [text]
        return list(self._cut(text, 0))

    def _cut(self, text: str, level: int) -> Iterator[str]:
        limit = self.max_input_tokens
        assert limit is not None
        if level == len(self.language.CLAUSE_CUTS):  # one word longer than the limit: characters
            size = max(1, len(text) * limit // max(1, self.count_tokens(text)))
            yield from (text[i : i + size] for i in range(0, len(text), size))
            return
        pieces = _split_after(text, self.language.CLAUSE_CUTS[level])
        merged: list[str] = []
        for piece in pieces:
            if merged and self.count_tokens(merged[-1] + piece) <= limit:
                merged[-1] += piece
            else:
                merged.append(piece)
        for piece in merged:
            piece = piece.strip()
            if self.count_tokens(piece) <= limit:
                yield piece
            else:
                yield from self._cut(piece, level + 1)


def _outermost(quotes: list[Quotation]) -> list[Quotation]:
    """The quotations not inside another (``quotes`` sorted by start); they do not
    overlap, so their ends increase too."""
    outer: list[Quotation] = []
    for q in quotes:
        if not outer or q.start >= outer[-1].end:
            outer.append(q)
    return outer


def _quote_parts(outer: list[Quotation], ends: list[int], start: int, end: int) -> Iterator[QuotePart]:
    """The parts of the outermost quotations (``ends``: their ends) that fall in
    ``line[start:end]``, in offsets relative to ``start``."""
    for q in outer[bisect_right(ends, start) :]:
        if q.start >= end:
            break
        if q.end <= start:
            continue
        opens, closes = q.start >= start, q.closed and q.end <= end
        yield QuotePart(max(q.start, start) - start, min(q.end, end) - start, opens, closes)


def _code_line_starts(text: str) -> set[int]:
    """Offsets of the lines of ``text`` that are fenced code (Markdown)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    lines = text.split("\n")
    return {starts[i] for i in code_lines(lines)}


def _split_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    cuts = [m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if a < b]


def _number_before(line: str, position: int) -> bool:
    return bool(re.search(r"[0-9٠-٩]\s*$", line[:position]))


def _trim(line: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blocks of non-blank lines."""
    spans = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for match in re.finditer(r"[^\n]+", text[start:end]):
        if trimmed := _trim(text, start + match.start(), start + match.end()):
            yield trimmed


def segment_lines(text: str, segmenter: Segmenter | None = None) -> Sequence[list[str]]:
    """Sentences of ``text``, a list per paragraph (what ``tarjama segment`` prints)."""
    article = (segmenter or Segmenter()).segment(text)
    return [[article.source(s) for s in p.sentences] for p in article.paragraphs]
