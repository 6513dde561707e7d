"""Keeping quotations and glossary names aligned between the Arabic and the English.

The model is trusted first and checked; a repair is tried only where a check fails,
least damage first. For each sentence:

1. **Check the whole sentence.** Its quotations are found the way English writes them
   (straight, curly or single marks) and matched to the source's by order and length,
   allowing a translator to merge or split them (``match_quotations``); a short source
   quotation (a name, a title, a term: at most ``short_quote_words`` words) may come
   out without marks, as English style has it. A glossary name counts when any of its
   accepted English forms is there (``tarjama.glossary.english_pattern``). Matched
   double marks are written as the configured English marks; with ``names =
   "canonical"`` an accepted variant is rewritten as the canonical form.
2. **Edit in place** (``repair`` ``edit`` or ``rebuild``): a missing name's wrong
   rendering (found as the model's translation of the name alone) is replaced by the
   accepted form nearest to it.
   Method ``substituted``.
3. **Translate again under a constraint** (``edit`` or ``rebuild``): the sentence goes
   to the model once more with its names' English written into the Arabic and
   the quotation marks written as English marks. The result is kept only if it passes
   every check and stays close to the model's first translation. Method
   ``constrained``.
4. **Rebuild** (only ``repair = "rebuild"``, or a sentence whose markup the model lost):
   the sentence is cut at its quotations, names and markup, the pieces are translated
   separately and joined with the marks, names and markup put in. Method ``rebuilt``.

A sentence that still fails keeps the model's translation (with the edits of step 2)
and gets its flag (``quote_mismatch``, ``name_missing``). Every round pools the
sentences of a whole window into shared batches.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .config import REPAIRS, Repair
from .document import Flag, NameAlignment, QuoteAlignment, QuotePart, Sentence
from .glossary import Entry, Glossary, NameMatch, english_pattern, fold_latin
from .languages import ar
from .quality import sentence_flags

Translate = Callable[[Sequence[str]], list[str]]

_MARK = re.compile('["“”«»„‟]')
_DOUBLE_MARKS = '"“”«»„‟'
_WORD = re.compile(r"\w+")
# English for the one-letter prefixes Arabic attaches to a name, for rebuilt sentences
PREFIX_ENGLISH = ar.ATTACHED_PREFIXES
_LATIN_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%"})
_NO_SPACE_BEFORE = re.compile(r"^(?:[.,;:?%)\]]|!(?!\[))")  # "](target)" too, but not an image's "!["
# a constrained retranslation must stay this close to the first (word sequence similarity,
# the names it was given left out): it mends the names and marks, it does not rewrite the rest
MIN_CONSTRAINED_SIMILARITY = 0.75


@dataclass
class Protected:
    """A sentence's translation after the quotation and name checks."""

    translation: str
    method: str = "whole"  # whole | substituted | constrained | rebuilt
    quotes: list[QuoteAlignment] = field(default_factory=list)
    names: list[NameAlignment] = field(default_factory=list)
    markup_kept: bool = True
    # the Arabic units a rebuilt (or constrained) sentence was translated from, in order
    units: tuple[str, ...] = ()

    @property
    def flags(self) -> list[Flag]:
        flags = []
        if any(q.target_span is None and not q.short for q in self.quotes):
            flags.append(Flag.QUOTE_MISMATCH)
        if any(not n.found for n in self.names):
            flags.append(Flag.NAME_MISSING)
        if not self.markup_kept:
            flags.append(Flag.MARKUP_MISMATCH)
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
        repair: ``off`` (check and flag only), ``edit`` (steps 2 and 3) or ``rebuild``
            (step 4 as well).
        canonical_names: rewrite an accepted variant of a name as its canonical form.
        short_quote_words: quotations of at most this many words may lose their marks.
    """

    def __init__(
        self,
        glossary: Glossary | None,
        marks: str,
        translate: Translate,
        cut: Callable[[str], list[str]],
        *,
        repair: Repair = "edit",
        canonical_names: bool = False,
        short_quote_words: int = 3,
    ) -> None:
        if len(marks) != 2:
            raise ValueError(f"quote marks must be two characters (opening, closing), not {marks!r}")
        if repair not in REPAIRS:
            raise ValueError(f"repair must be one of {', '.join(REPAIRS)}, not {repair!r}")
        self.glossary = glossary
        self.open_mark, self.close_mark = marks[0], marks[1]
        self.translate = translate
        self.cut = cut
        self.repair = repair
        self.canonical_names = canonical_names
        self.short_quote_words = short_quote_words

    def names(self, sentence: Sentence) -> list[NameMatch]:
        """Glossary names of the sentence; a match that spans a quotation mark
        (``جوهرة "اف ام"``) or lies in markup is left out."""
        if not self.glossary:
            return []
        return [
            n
            for n in self.glossary.find(sentence.text)
            if not _MARK.search(sentence.text, n.start, n.end)
            and not any(a < n.end and n.start < b for a, b in sentence.markup)
        ]

    def protect(self, sentences: Sequence[Sentence], translations: Sequence[str]) -> list[Protected]:
        """Checked (and where needed repaired) translations, one per sentence."""
        names = [self.names(s) for s in sentences]
        results = [self._check(s, t, n, "whole") for s, t, n in zip(sentences, translations, names, strict=True)]
        if self.repair == "off":
            return results
        self._substitute(sentences, names, results)
        self._constrained(sentences, names, results)
        # markup must come through whatever the level: a sentence that lost it is rebuilt
        failing = [i for i, r in enumerate(results) if r.flags and (self.repair == "rebuild" or not r.markup_kept)]
        if failing:
            rebuilt = self._rebuild([sentences[i] for i in failing], [names[i] for i in failing])
            for i, result in zip(failing, rebuilt, strict=True):
                if len(result.flags) < len(results[i].flags):
                    results[i] = result
        return results

    def _check(self, sentence: Sentence, translation: str, names: list[NameMatch], method: str) -> Protected:
        if self.canonical_names:
            translation = _canonical(sentence, translation, names)
        translation, quotes = self._place_marks(sentence, translation)
        return Protected(
            translation, method, quotes, _find_names(sentence, translation, names), _markup_kept(sentence, translation)
        )

    def _place_marks(self, sentence: Sentence, translation: str) -> tuple[str, list[QuoteAlignment]]:
        """Match the source's quotations to the translation's and write the matched
        double marks as the configured English ones, hugging their quotation."""
        source = list(sentence.quotes)
        if not source:
            return translation, []
        # the middle sentence of a longer quotation has no marks of its own: it is all quoted
        marked = [q for q in source if q.opens or q.closes]
        english = english_quotations(translation, _markup_spans(sentence, translation))
        ratio = (len(_WORD.findall(translation)) + 1) / (len(sentence.text.split()) + 1)
        matched = match_quotations(
            [_words(sentence.text[q.start : q.end]) for q in marked],
            [_words(translation[a:b]) for a, b in english],
            ratio,
            [self._short(sentence, q) for q in marked],
        )
        found = {id(q): (english[m[0]][0], english[m[1]][1]) for q, m in zip(marked, matched, strict=True) if m}
        spans = [found.get(id(q)) if q in marked else (0, len(translation)) for q in source]
        text, spans = self._english_marks(translation, spans)
        return text, [
            QuoteAlignment((q.start, q.end), span, self._short(sentence, q))
            for q, span in zip(source, spans, strict=True)
        ]

    def _short(self, sentence: Sentence, quote: QuotePart) -> bool:
        return quote.opens and quote.closes and _words(sentence.text[quote.start : quote.end]) <= self.short_quote_words

    def _english_marks(
        self, text: str, spans: list[tuple[int, int] | None]
    ) -> tuple[str, list[tuple[int, int] | None]]:
        """``text`` with the double marks at the ends of ``spans`` written as the configured
        marks, no space inside them; the spans moved to match."""
        edits: dict[int, str] = {}
        for span in dict.fromkeys(s for s in spans if s and s[1] > s[0]):
            start, end = span
            if text[start] in _DOUBLE_MARKS:
                edits[start] = "open"
            if text[end - 1] in _DOUBLE_MARKS and end - 1 != start:
                edits[end - 1] = "close"
        if not edits:
            return text, spans
        drop: set[int] = set()
        for position, role in edits.items():
            step = 1 if role == "open" else -1
            k = position + step
            while 0 <= k < len(text) and text[k].isspace() and k not in edits:
                drop.add(k)
                k += step
        out: list[str] = []
        index = []
        for k, ch in enumerate(text):
            index.append(len(out))
            if k not in drop:
                out.append({"open": self.open_mark, "close": self.close_mark}.get(edits.get(k, ""), ch))
        index.append(len(out))

        def moved(span: tuple[int, int]) -> tuple[int, int]:
            start, end = span
            if end <= start:
                return index[start], index[start]
            return index[start], index[end - 1] + (end - 1 not in drop)

        return "".join(out), [moved(span) if span else None for span in spans]

    def _substitute(
        self, sentences: Sequence[Sentence], names: list[list[NameMatch]], results: list[Protected]
    ) -> None:
        """Step 2: replace the model's own rendering of a missing name by the nearest
        accepted form. A name found only where an earlier name of the sentence was found
        ("anti-Erdogen ... Erdogan's": one mention misspelt) counts as missing here. A
        name that was found is mended too where the model's rendering of it, capitalised
        and spelt nearly like an accepted form, stands elsewhere in the sentence ("Tromp
        met ... the Trump Organization")."""
        work = [(i, n, own) for i, r in enumerate(results) for n, own in zip(names[i], _unshared(r.names), strict=True)]
        if not work:
            return
        forms = list(dict.fromkeys(n.arabic for _, n, _ in work))
        renderings = dict(zip(forms, self.translate(forms), strict=True))
        changed = set()
        for i, name, found in work:
            taken = [a.target_span for a in results[i].names if a.target_span] if found else []
            edited = _respelled(
                sentences[i], results[i].translation, renderings[name.arabic], name.entry, self.canonical_names, taken
            )
            if edited is not None:
                results[i].translation = edited
                changed.add(i)
        for i in changed:
            results[i] = self._check(sentences[i], results[i].translation, names[i], "substituted")

    def _constrained(
        self, sentences: Sequence[Sentence], names: list[list[NameMatch]], results: list[Protected]
    ) -> None:
        """Step 3: the failing sentences translated again with their names' English and
        English quote marks written into the Arabic; kept only if every check passes."""
        failing = [
            i for i, r in enumerate(results) if r.flags and not set(r.flags) - {Flag.QUOTE_MISMATCH, Flag.NAME_MISSING}
        ]
        if not failing:
            return
        # cut as the first translation was: the whole of an over-long sentence would be cut
        # short by the model, and a translation that lost its last words can look close
        # enough to the first to be kept
        sources = [self._constraint(sentences[i], names[i], results[i]) for i in failing]
        for i, (units, english) in zip(failing, self._in_units(sources), strict=True):
            again = self._check(sentences[i], english, names[i], "constrained")
            again.units = units
            if (
                not again.flags
                and _plain_flags(sentences[i], again.translation) <= _plain_flags(sentences[i], results[i].translation)
                and _similarity(_without_names(again), results[i].translation) >= MIN_CONSTRAINED_SIMILARITY
            ):
                results[i] = again

    def _constraint(self, sentence: Sentence, names: list[NameMatch], result: Protected) -> str:
        """The sentence with its names in English (as found, or the canonical form; an
        attached prefix said in English too) and its quotation marks as English marks."""
        edits: list[tuple[int, int, str]] = []
        for name, aligned in zip(names, result.names, strict=True):
            prefix = _attached_prefix(sentence.text, name.start)
            said = PREFIX_ENGLISH.get(prefix, "")
            english = " ".join(w for w in (said, aligned.rendering or name.entry.english) if w)
            edits.append((name.start - len(prefix) if prefix in PREFIX_ENGLISH else name.start, name.end, english))
        for q in sentence.quotes:
            if q.opens:
                edits.append((q.start, q.start + 1, self.open_mark))
            if q.closes:
                edits.append((q.end - 1, q.end, self.close_mark))
        text, position = "", 0
        for start, end, value in sorted(edits):
            if start < position:
                continue
            text += sentence.text[position:start] + value
            position = end
        return text + sentence.text[position:]

    def _rebuild(self, sentences: list[Sentence], names: list[list[NameMatch]]) -> list[Protected]:
        """Step 3: translate the pieces between quotations and names separately."""
        plans = [plan(s, n) for s, n in zip(sentences, names, strict=True)]
        translated = iter(self._in_units([p.value for pieces in plans for p in pieces if p.kind == "text"]))
        results = []
        for sentence, pieces, sentence_names in zip(sentences, plans, names, strict=True):
            texts = {j: next(translated) for j, p in enumerate(pieces) if p.kind == "text"}
            # the pipeline places the marks in a rebuilt sentence: the model's own go
            english = [Piece(p.kind, _MARK.sub("", texts[j][1])) if j in texts else p for j, p in enumerate(pieces)]
            result = self._join(sentence, english, sentence_names)
            result.units = tuple(unit for units, _ in texts.values() for unit in units)
            results.append(result)
        return results

    def _in_units(self, texts: list[str]) -> list[tuple[tuple[str, ...], str]]:
        """Each text cut into the units the model takes, translated (all units in one
        call, which pools and de-duplicates them) and joined again: its units and its
        English."""
        cut = [self.cut(text) for text in texts]
        translated = iter(self.translate([unit for units in cut for unit in units]))
        return [(tuple(units), " ".join(next(translated) for _ in units)) for units in cut]

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
            QuoteAlignment((q.start, q.end), spans[k] if k < len(spans) else None, self._short(sentence, q))
            for k, q in enumerate(sentence.quotes)
        ]
        found = [
            NameAlignment(
                (n.start, n.end), n.arabic, n.entry.english, n.entry.type, span, n.entry.english if span else None
            )
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
        attached = _attached_prefix(sentence.text, n.start)
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
    if ar.LETTER.search(text):
        return [Piece("text", text.strip())]
    return [Piece("fixed", text.strip().translate(_LATIN_PUNCTUATION))]


def _markup_kept(sentence: Sentence, translation: str) -> bool:
    """Whether every piece of markup of the sentence is in the translation, in order."""
    return len(_markup_spans(sentence, translation)) == len(sentence.markup)


def _markup_spans(sentence: Sentence, translation: str) -> list[tuple[int, int]]:
    """Where the sentence's markup is in the translation, in order, as far as it is found."""
    spans, position = [], 0
    for start, end in sentence.markup:
        found = translation.find(sentence.text[start:end], position)
        if found < 0:
            break
        spans.append((found, found + end - start))
        position = found + end - start
    return spans


def _plain_flags(sentence: Sentence, translation: str) -> set[str]:
    return set(sentence_flags(without_markup(sentence, sentence.text), without_markup(sentence, translation)))


def without_markup(sentence: Sentence, text: str) -> str:
    """``text`` (the sentence or its translation) with the sentence's markup taken out,
    as far as it is there: a link target may hold Arabic that is rightly not translated."""
    for start, end in reversed(_markup_spans(sentence, text)):
        text = text[:start] + " " + text[end:]
    return text


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def english_quotations(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans (marks included) of the outermost quotations of an English ``text``, in order.

    Any English mark counts: ``"…"``, ``“…”``, ``‘…’``, ``'…'`` (an apostrophe inside or at
    the end of a word is not a mark), and ``«…»``. A quotation still open at the end runs
    to the end; a closing mark with nothing open closes a quotation that began before the
    sentence. Marks inside ``skip`` spans (markup) are ignored.

    Example:
        >>> text = "Jones 'furious' after the deal, they said: “We don't know.”"
        >>> [text[a:b] for a, b in english_quotations(text)]
        ["'furious'", "“We don't know.”"]
    """
    blocked = {k for a, b in skip for k in range(a, b)}
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []

    def close(kind: str, end: int) -> bool:
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == kind:
                spans.append((stack[k][1], end))
                del stack[k:]
                return True
        return False

    for i, ch in enumerate(text):
        if i in blocked or ch not in "\"“”«»„‟‘’'":
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        opener = (before.isspace() or before in '([{—–-/:"“‘') and not after.isspace()
        closer = not before.isspace() and (after.isspace() or after in ".,;:!?)]}—–-\"”'’")
        if ch in "“«„‟":
            stack.append(("double", i))
        elif ch in "”»":
            if close("double", i + 1):
                continue
            if ch == "”" and before.isspace():  # ” … ”, as Arabic news writes it
                stack.append(("double", i))
            else:
                spans.append((0, i + 1))
        elif ch == '"':
            if any(kind == "double" for kind, _ in stack) and not (opener and not closer):
                close("double", i + 1)
            elif opener or not closer:
                stack.append(("double", i))
            else:
                spans.append((0, i + 1))
        elif before.isalnum() and after.isalnum():
            continue  # don't, people's
        elif ch == "‘" or (ch == "'" and opener and not closer):
            stack.append(("single", i))
        elif closer and not close("single", i + 1) and before in ".,!?" and not stack:
            spans.append((0, i + 1))  # 'a quotation that began in an earlier sentence.'
    for kind, start in stack:
        # an unclosed single mark is an apostrophe ('90s) unless it opens the sentence or a clause
        if kind == "double" or not text[:start].strip() or text[:start].rstrip().endswith((":", ",")):
            spans.append((start, len(text)))
    spans.sort(key=lambda span: (span[0], -span[1]))
    outermost: list[tuple[int, int]] = []
    for span in spans:
        if not outermost or span[0] >= outermost[-1][1]:
            outermost.append(span)
    return outermost


# a quotation pair whose lengths differ more than this factor (after the sentence's own
# English/Arabic length ratio) is not the same quotation
_MAX_LENGTH_FACTOR = math.log(4)


def match_quotations(
    source: Sequence[int], english: Sequence[int], ratio: float, short: Sequence[bool]
) -> list[tuple[int, int] | None]:
    """Align source quotations with English ones, in order, by their lengths in words.

    A translator may merge two quotations into one or split one in two, so up to two
    source quotations may share one English quotation and one source quotation may map
    to two English ones. A short source quotation may stay unmatched cheaply; a long one
    only when nothing fits. Returns, per source quotation, the first and last index of
    its English quotations, or ``None``.

    Example:
        >>> match_quotations([12, 1], [13], 1.1, [False, True])
        [(0, 0), None]
    """
    inf = float("inf")
    rows, columns = len(source), len(english)
    cost = [[inf] * (columns + 1) for _ in range(rows + 1)]
    back: dict[tuple[int, int], tuple[int, int, bool]] = {}
    cost[0][0] = 0.0
    for i in range(rows + 1):
        for j in range(columns + 1):
            here = cost[i][j]
            if here == inf:
                continue
            steps: list[tuple[int, int, float, bool]] = []
            if i < rows:
                steps.append((1, 0, 0.5 if short[i] else 8.0, False))
            if j < columns:
                steps.append((0, 1, 1.0, False))
            for a, b in ((1, 1), (2, 1), (1, 2)):
                if i + a <= rows and j + b <= columns:
                    gap = abs(math.log((sum(english[j : j + b]) + 1) / (ratio * sum(source[i : i + a]) + 1)))
                    if gap <= _MAX_LENGTH_FACTOR:
                        steps.append((a, b, gap + 0.5 * (a + b - 2), True))
            for a, b, step, matched in steps:
                if here + step < cost[i + a][j + b]:
                    cost[i + a][j + b] = here + step
                    back[(i + a, j + b)] = (a, b, matched)
    result: list[tuple[int, int] | None] = [None] * rows
    i, j = rows, columns
    while i or j:
        a, b, matched = back[(i, j)]
        i, j = i - a, j - b
        if matched:
            for k in range(i, i + a):
                result[k] = (j, j + b - 1)
    return result


def _search(pattern: re.Pattern[str], sentence: Sentence, translation: str, start: int = 0) -> re.Match[str] | None:
    """The first match of ``pattern`` in the folded ``translation`` from ``start`` that is
    not inside the sentence's markup (a name in a URL is not the name)."""
    markup = _markup_spans(sentence, translation)
    for match in pattern.finditer(fold_latin(translation), start):
        if not any(a < match.end() and match.start() < b for a, b in markup):
            return match
    return None


def _find_names(sentence: Sentence, translation: str, names: list[NameMatch]) -> list[NameAlignment]:
    """Where an accepted English form of each name is in ``translation``, in order of the
    names (a name found earlier may be found again: "Iraq ... Iraq")."""
    found = []
    position = 0
    for name in names:
        pattern = english_pattern(name.entry.forms)
        match = _search(pattern, sentence, translation, position) or _search(pattern, sentence, translation)
        span = match.span() if match else None
        if match:
            position = match.end()
        rendering = translation[slice(*span)] if span else None
        found.append(
            NameAlignment((name.start, name.end), name.arabic, name.entry.english, name.entry.type, span, rendering)
        )
    return found


def _unshared(names: list[NameAlignment]) -> list[bool]:
    """For each name, whether it was found at a span no earlier name of the sentence has."""
    seen: set[tuple[int, int]] = set()
    unshared = []
    for name in names:
        unshared.append(name.target_span is not None and name.target_span not in seen)
        if name.target_span is not None:
            seen.add(name.target_span)
    return unshared


def _canonical(sentence: Sentence, translation: str, names: list[NameMatch]) -> str:
    """``translation`` with each name's accepted variant rewritten as its canonical form."""
    for name in names:
        if _search(english_pattern((name.entry.english,)), sentence, translation):
            continue
        match = _search(english_pattern(name.entry.forms), sentence, translation)
        if match:
            translation = translation[: match.start()] + name.entry.english + translation[match.end() :]
    return translation


# a rendering mended beside a name already found must be spelt nearly like an accepted form
MIN_MISSPELLING_SIMILARITY = 0.6


def _respelled(
    sentence: Sentence,
    translation: str,
    alone: str,
    entry: Entry,
    canonical: bool,
    taken: Sequence[tuple[int, int]] = (),
) -> str | None:
    """``translation`` with the model's rendering of a name (its translation of the name
    alone) replaced by the accepted form nearest to it, or ``None`` where that rendering
    is not in the translation (outside markup). With ``taken`` (the spans of names found
    already), only a capitalised rendering outside them that is spelt nearly like an
    accepted form is replaced: a misspelling beside the name, not another word."""
    alone = alone.strip(" .،,;:\"'“”")
    if not _WORD.search(alone):
        return None
    pattern, position = english_pattern((alone,)), 0
    while match := _search(pattern, sentence, translation, position):
        position = match.end()
        start, end = match.span()
        written = translation[start:end]
        if english_pattern(entry.forms).fullmatch(fold_latin(written)):
            continue  # already an accepted form
        nearest = max(entry.forms, key=lambda f: _similarity(f, written, words=False))
        if taken and (
            any(a < end and start < b for a, b in taken)
            or not written[:1].isupper()
            or _similarity(nearest, written, words=False) < MIN_MISSPELLING_SIMILARITY
        ):
            continue
        return translation[:start] + (entry.english if canonical else nearest) + translation[end:]
    return None


def _without_names(result: Protected) -> str:
    """The translation with the names found in it taken out."""
    text = result.translation
    for span in sorted({n.target_span for n in result.names if n.target_span}, reverse=True):
        text = text[: span[0]] + " " + text[span[1] :]
    return text


def _similarity(a: str, b: str, words: bool = True) -> float:
    """How alike two texts are (0-1): their lowercased words (or letters) in sequence."""
    if words:
        return difflib.SequenceMatcher(None, _WORD.findall(a.lower()), _WORD.findall(b.lower())).ratio()
    return difflib.SequenceMatcher(None, fold_latin(a).lower(), fold_latin(b).lower()).ratio()


def _attached_prefix(text: str, start: int) -> str:
    """The Arabic letters attached right before ``start`` (a name's prefix)."""
    prefix = re.search(f"[{ar.LETTERS}]*$", text[:start])
    return prefix.group() if prefix else ""
