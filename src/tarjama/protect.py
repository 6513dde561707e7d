"""Keeping quotations and glossary names aligned between the Arabic and the English.

The model is trusted first and checked; where it fails, the pipeline places the marks
and the names itself. For each sentence, in order:

1. **Whole sentence.** The model's translation is kept when it holds the source's
   quotation marks in the expected number and order (they are then rewritten as the
   configured English marks) and every glossary name of the source in its English form.
2. **Name substitution.** A missing name is translated alone; where that rendering
   appears in the translation, it is replaced by the glossary's English form.
3. **Rebuild.** The sentence is cut at its quotations and names: the text between them
   and each quotation's content are translated as separate units, names take their
   glossary form, and the pipeline joins the pieces with the English marks around each
   quotation.
4. Whatever still fails is flagged (``quote_mismatch``, ``name_missing``).

Every round pools the sentences of a whole window into shared batches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .document import Sentence
from .glossary import Glossary, NameMatch

Translate = Callable[[Sequence[str]], list[str]]

_MARK = re.compile('["“”«»„‟]')
# English for the one-letter prefixes Arabic attaches to a name, for rebuilt sentences
PREFIX_ENGLISH = {
    "": "", "و": "and", "ف": "so", "ب": "in", "ل": "to", "ك": "like",
    "وب": "and in", "ول": "and to", "وك": "and like", "فب": "so in", "فل": "so to",
}  # fmt: skip
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%"})
_NO_SPACE_BEFORE = re.compile(r"^[.,;:!?%)\]]")  # "](target)" too


@dataclass(frozen=True)
class QuoteAlignment:
    """A source quotation (or part of one) and its English counterpart, each as a span
    relative to the sentence's normalised text and to its translation."""

    source_span: tuple[int, int]
    target_span: tuple[int, int] | None


@dataclass(frozen=True)
class NameAlignment:
    source_span: tuple[int, int]
    arabic: str
    english: str
    type: str
    target_span: tuple[int, int] | None

    @property
    def found(self) -> bool:
        return self.target_span is not None


@dataclass
class Protected:
    """A sentence's translation after the quotation and name checks."""

    translation: str
    method: str = "whole"  # whole | substituted | rebuilt
    quotes: list[QuoteAlignment] = field(default_factory=list)
    names: list[NameAlignment] = field(default_factory=list)
    markup_kept: bool = True
    # the Arabic units a rebuilt sentence was translated from, in order
    units: tuple[str, ...] = ()

    def names_found(self, name: NameMatch) -> bool:
        return _name_pattern(name.entry.english).search(self.translation) is not None

    @property
    def flags(self) -> list[str]:
        flags = []
        if any(q.target_span is None for q in self.quotes):
            flags.append("quote_mismatch")
        if any(not n.found for n in self.names):
            flags.append("name_missing")
        if not self.markup_kept:
            flags.append("markup_mismatch")
        return flags


@dataclass(frozen=True)
class Piece:
    """A piece of a rebuilt sentence: Arabic ``text`` to translate, a ``fixed`` English
    string, or an ``open``/``close`` quotation mark."""

    kind: str
    value: str = ""


class Protector:
    """Runs the checks and repairs of the module docstring over a window of sentences.

    Args:
        glossary: the names to enforce (``None``: quotations only).
        marks: the English opening and closing marks, e.g. ``"“”"`` or ``'""'``.
        translate: translates a list of Arabic texts (pooled and batched by the caller).
        cut: cuts an over-long piece into units the model handles (the segmenter's).
    """

    def __init__(
        self,
        glossary: Glossary | None,
        marks: str,
        translate: Translate,
        cut: Callable[[str], list[str]],
    ) -> None:
        if len(marks) != 2:
            raise ValueError(f"quote marks must be two characters (opening, closing), not {marks!r}")
        self.glossary = glossary
        self.open_mark, self.close_mark = marks[0], marks[1]
        self.translate = translate
        self.cut = cut

    def names(self, sentence: Sentence) -> list[NameMatch]:
        """Glossary names of the sentence; a match that spans a quotation mark
        (``جوهرة "اف ام"``) is left out, the quotation wins."""
        if not self.glossary:
            return []
        return [n for n in self.glossary.find(sentence.text) if not _MARK.search(sentence.text, n.start, n.end)]

    def protect(self, sentences: Sequence[Sentence], translations: Sequence[str]) -> list[Protected]:
        """Checked (and where needed repaired) translations, one per sentence."""
        names = [self.names(s) for s in sentences]
        results = [self._check(s, t, n, "whole") for s, t, n in zip(sentences, translations, names, strict=True)]
        self._substitute(sentences, names, results)
        failing = [i for i, r in enumerate(results) if r.flags]
        if failing:
            rebuilt = self._rebuild([sentences[i] for i in failing], [names[i] for i in failing])
            for i, result in zip(failing, rebuilt, strict=True):
                if len(result.flags) < len(results[i].flags):
                    results[i] = result
        return results

    def _check(self, sentence: Sentence, translation: str, names: list[NameMatch], method: str) -> Protected:
        translation, quotes = self._place_marks(sentence, translation)
        return Protected(
            translation, method, quotes, _find_names(translation, names), _markup_kept(sentence, translation)
        )

    def _place_marks(self, sentence: Sentence, translation: str) -> tuple[str, list[QuoteAlignment]]:
        """Rewrite the model's quotation marks as English ones when there are exactly as
        many as the source's quotations need; else report the quotations unplaced."""
        roles = [role for q in sentence.quotes for role in (("open",) * q.opens + ("close",) * q.closes)]
        found = [m.start() for m in _MARK.finditer(translation)]
        if len(found) != len(roles):
            return translation, [QuoteAlignment((q.start, q.end), None) for q in sentence.quotes]
        # English marks hug their quotation: no space after an opening one, or before a closing one
        text, positions, previous, last = "", [], "", 0
        for position, role in zip(found, roles, strict=True):
            between = translation[last:position]
            between = between.lstrip() if previous == "open" else between
            text += between.rstrip() if role == "close" else between
            positions.append(len(text))
            text += self.open_mark if role == "open" else self.close_mark
            previous, last = role, position + 1
        text += translation[last:].lstrip() if previous == "open" else translation[last:]
        marks = iter(positions)
        quotes = []
        for q in sentence.quotes:
            start = next(marks) if q.opens else 0
            end = next(marks) + 1 if q.closes else len(text)
            quotes.append(QuoteAlignment((q.start, q.end), (start, end)))
        return text, quotes

    def _substitute(
        self, sentences: Sequence[Sentence], names: list[list[NameMatch]], results: list[Protected]
    ) -> None:
        """Step 2: replace the model's own rendering of a missing name by its English form."""
        missing = [(i, n) for i, r in enumerate(results) for n in names[i] if not r.names_found(n)]
        if not missing:
            return
        forms = list(dict.fromkeys(n.arabic for _, n in missing))
        renderings = dict(zip(forms, self.translate(forms), strict=True))
        changed = set()
        for i, name in missing:
            rendering = renderings[name.arabic].strip(" .،,")
            if not rendering:
                continue
            pattern = re.compile(re.escape(rendering), re.I)
            replaced, count = pattern.subn(name.entry.english, results[i].translation, count=1)
            if count:
                results[i].translation = replaced
                changed.add(i)
        for i in changed:
            results[i] = self._check(sentences[i], results[i].translation, names[i], "substituted")

    def _rebuild(self, sentences: list[Sentence], names: list[list[NameMatch]]) -> list[Protected]:
        """Step 3: translate the pieces between quotations and names separately."""
        plans = [plan(s, n) for s, n in zip(sentences, names, strict=True)]
        units = {
            unit: None for pieces in plans for piece in pieces if piece.kind == "text" for unit in self.cut(piece.value)
        }
        # the pipeline places the marks in a rebuilt sentence: the model's own go
        translated = {unit: _MARK.sub("", text) for unit, text in zip(units, self.translate(list(units)), strict=True)}
        results = []
        for sentence, pieces, sentence_names in zip(sentences, plans, names, strict=True):
            english = [
                Piece(p.kind, " ".join(translated[u] for u in self.cut(p.value))) if p.kind == "text" else p
                for p in pieces
            ]
            result = self._join(sentence, english, sentence_names)
            result.units = tuple(u for p in pieces if p.kind == "text" for u in self.cut(p.value))
            results.append(result)
        return results

    def _join(self, sentence: Sentence, pieces: list[Piece], names: list[NameMatch]) -> Protected:
        text, previous = "", ""
        opened: list[int] = []
        spans: list[tuple[int, int]] = []
        name_spans: list[tuple[int, int]] = []
        for piece in pieces:
            value = {"open": self.open_mark, "close": self.close_mark}.get(piece.kind, piece.value.strip())
            if not value:
                continue
            glue = not (text == "" or previous == "open" or piece.kind == "close" or text.endswith(("[", "(", "`")))
            if piece.kind != "open" and _NO_SPACE_BEFORE.match(value):
                glue = False
            text += " " * glue
            previous = piece.kind
            if piece.kind == "open":
                opened.append(len(text))
            if piece.kind == "name":
                name_spans.append((len(text), len(text) + len(value)))
            text += value
            if piece.kind == "close":
                spans.append((opened.pop() if opened else 0, len(text)))
        spans += [(start, len(text)) for start in opened]
        spans.sort()
        quotes = [
            QuoteAlignment((q.start, q.end), spans[k] if k < len(spans) else None)
            for k, q in enumerate(sentence.quotes)
        ]
        found = [
            NameAlignment((n.start, n.end), n.arabic, n.entry.english, n.entry.type, span)
            for n, span in zip(names, name_spans, strict=True)
        ]
        return Protected(text, "rebuilt", quotes, found)


def plan(sentence: Sentence, names: list[NameMatch]) -> list[Piece]:
    """The pieces of ``sentence`` cut at its quotation marks and its names."""
    cuts: list[tuple[int, int, Piece]] = []
    for q in sentence.quotes:
        if q.opens:
            cuts.append((q.start, q.start + 1, Piece("open")))
        if q.closes:
            cuts.append((q.end - 1, q.end, Piece("close")))
    for n in names:
        # a prefix attached to the name ("لإيران", "وبغداد") goes with it, said in English
        prefix = re.search(r"[\u0621-\u064a]*$", sentence.text[: n.start])
        attached = prefix.group() if prefix else ""
        if attached in PREFIX_ENGLISH:
            cuts.append((n.start - len(attached), n.start, Piece("fixed", PREFIX_ENGLISH[attached])))
        cuts.append((n.start, n.end, Piece("name", n.entry.english)))
    for start, end in sentence.markup:
        cuts.append((start, end, Piece("fixed", sentence.text[start:end])))
    cuts.sort(key=lambda cut: cut[0])
    pieces: list[Piece] = []
    position = 0
    for start, end, piece in cuts:
        if start < position:  # a name that overlaps a mark: keep the mark
            continue
        pieces += [*_text_piece(sentence.text[position:start]), piece]
        position = end
    pieces += _text_piece(sentence.text[position:])
    return pieces


def _text_piece(text: str) -> list[Piece]:
    """Arabic to translate; punctuation and Latin text are carried through as they are."""
    if not text.strip():
        return []
    if _ARABIC_LETTER.search(text):
        return [Piece("text", text.strip())]
    return [Piece("fixed", text.strip().translate(_LATIN_PUNCTUATION))]


def _markup_kept(sentence: Sentence, translation: str) -> bool:
    """Whether every piece of markup of the sentence is in the translation, in order."""
    position = 0
    for start, end in sentence.markup:
        position = translation.find(sentence.text[start:end], position)
        if position < 0:
            return False
        position += end - start
    return True


def _name_pattern(english: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(english)}(?!\w)", re.I)


def _find_names(translation: str, names: list[NameMatch]) -> list[NameAlignment]:
    """Where each name's English form is in ``translation``, in order of the names."""
    found = []
    position = 0
    for name in names:
        pattern = _name_pattern(name.entry.english)
        match = pattern.search(translation, position) or pattern.search(translation)
        span = match.span() if match else None
        if match:
            position = match.end()
        found.append(NameAlignment((name.start, name.end), name.arabic, name.entry.english, name.entry.type, span))
    return found
