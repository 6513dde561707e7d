"""Quality flags for a translated sentence, and name consistency across an article.

The flags and what each means are listed once, in ``tarjama.document.Flag``.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import fsum
from typing import Any

from .document import Flag, Rendering
from .languages import ar

_LETTER = re.compile(r"[^\W\d_]")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Za-z][a-z]+)*\b(?!['’]\w)")  # not "Didn't"
# spellings of one name share most of their letters (Ghani, Qaani: 0.6)
MIN_SPELLING_SIMILARITY = 0.6
_FIRST_WORD = re.compile(r"^\W*\w+")


@dataclass(frozen=True)
class Thresholds:
    """When ``length_ratio`` fires: English characters per source character outside
    [low, high], for sources of at least ``min_chars`` characters."""

    low: float = 0.35
    high: float = 3.0
    min_chars: int = 20


def repetition(text: str, longest: int = 6) -> bool:
    """Whether ``text`` loops: a word repeated 4 times in a row, or an n-gram of 2 to
    ``longest`` words 3 times in a row.

    Example:
        >>> repetition("the war of the war of the war of the war")
        True
        >>> repetition("he said that that was all")
        False
    """
    words = text.lower().split()
    for n in range(1, longest + 1):
        needed = 4 if n == 1 else 3
        for start in range(len(words) - n * needed + 1):
            gram = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == gram for k in range(1, needed)):
                return True
    return False


def length_ratio(source: str, translation: str, thresholds: Thresholds = Thresholds()) -> bool:
    if len(source) < thresholds.min_chars:
        return False
    ratio = len(translation) / len(source)
    return not thresholds.low <= ratio <= thresholds.high


def untranslated(translation: str) -> bool:
    return ar.LETTER_RUN.search(translation) is not None


def arabic_share(text: str) -> float:
    """The share of Arabic letters among the letters of ``text`` (1.0 when it has none,
    so an empty text is not taken for another language)."""
    letters = len(_LETTER.findall(text))
    return len(ar.LETTER.findall(text)) / letters if letters else 1.0


def sentence_flags(source: str, translation: str, thresholds: Thresholds = Thresholds()) -> list[Flag]:
    """The flags that can be judged from the sentence pair alone."""
    flags = []
    if repetition(translation):
        flags.append(Flag.REPETITION)
    if length_ratio(source, translation, thresholds):
        flags.append(Flag.LENGTH_RATIO)
    if untranslated(translation):
        flags.append(Flag.UNTRANSLATED)
    return flags


def score_summary(scores: Sequence[float]) -> dict[str, Any] | None:
    """The mean and 5th percentile (linear interpolation between the sorted scores, as
    numpy's default) of sentence scores, and how many there are; ``None`` for none.

    Example:
        >>> score_summary([-0.5, -0.1, -0.2, -2.0, -0.3])
        {'sentences': 5, 'mean': -0.62, 'p5': -1.7}
    """
    if not scores:
        return None
    count = len(scores)
    position = 0.05 * (count - 1)
    low = int(position)
    high = min(low + 1, count - 1)
    # the lowest 5% only, not a sorted copy of all: a folder run's totals hold every score
    # of its files in an array, and a list of them as Python floats would take 4 times its room
    ordered = heapq.nsmallest(high + 1, scores)
    p5 = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return {"sentences": count, "mean": round(fsum(scores) / count, 6), "p5": round(p5, 6)}


def skeleton(name: str) -> str:
    """A rough consonant skeleton of a Latin rendering of an Arabic name, so that
    Ghani, Qaani and Ghaani (or Kadhimi and Kazemi) meet: vowels dropped, letters that
    render the same Arabic sound merged.

    Example:
        >>> skeleton("Ghani") == skeleton("Qaani") == skeleton("Ghaani")
        True
        >>> skeleton("Iran") == skeleton("Iraq")
        False
    """
    s = name.lower()
    for old, new in (("gh", "q"), ("kh", "q"), ("dh", "z"), ("th", "z"), ("sh", "s"), ("ph", "f"), ("ou", "u")):
        s = s.replace(old, new)
    s = s.translate(str.maketrans("gkcdtvw", "qqqzzfu"))
    s = re.sub(r"[aeiouy'\- ]", "", s)
    return re.sub(r"(.)\1+", r"\1", s)


def shape(word: str) -> str:
    """The word's pattern of consonant (``C``) and vowel (``V``) runs (``y`` after the
    first letter is a vowel): spellings of one transliterated name keep it (Ghani,
    Qaani: ``CVCV``), a name and a different word with the same consonants do not (Ford,
    Friday; Wales, Welsh).

    Example:
        >>> shape("Kadhimi") == shape("Kazemi"), shape("Wales") == shape("Welsh")
        (True, False)
    """
    s = word[:1].lower() + word[1:].lower().replace("y", "a")
    return re.sub(r"(.)\1+", r"\1", "".join("V" if ch in "aeiou" else "C" for ch in s if ch.isalpha()))


def inconsistent_renderings(translations: Iterable[str], min_length: int = 4) -> list[Rendering]:
    """Groups of capitalised words (not sentence-initial) of an article that share a
    consonant skeleton and a consonant-vowel shape but are spelled differently: the same
    name rendered several ways. A word the article also writes in lowercase is a common
    word ("live", "street"), not a name."""
    # a headline in title case capitalises common words: it says nothing about names
    texts = [t for t in translations if not _title_case(t)]
    lowercase = {w for text in texts for w in re.findall(r"\b[a-z][a-z]+\b", text)}
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for text in texts:
        first = _FIRST_WORD.match(text)
        skip = first.end() if first else 0
        for match in _CAPITALISED.finditer(text):
            word = match.group()
            if match.start() < skip or len(word) < min_length or word.lower() in lowercase:
                continue
            if len(skeleton(word)) >= 2:
                groups[(skeleton(word), shape(word))][word] += 1
    renderings = []
    for counts in groups.values():
        # "Iraq" and "Iraqi", "Iran" and "Iranian": a name and its adjective, not two spellings
        spellings = {w: n for w, n in counts.items() if not any(w != u and w.startswith(u) for u in counts)}
        preferred = Rendering(spellings).preferred
        spellings = {w: n for w, n in spellings.items() if _alike(w, preferred) >= MIN_SPELLING_SIMILARITY}
        if len(spellings) > 1:
            renderings.append(Rendering(spellings))
    return renderings


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _title_case(text: str) -> bool:
    """Whether most longer words of ``text`` are capitalised (a headline in title case)."""
    words = re.findall(r"[^\W\d_]{4,}", text)[1:]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def mentions(text: str, words: Iterable[str]) -> bool:
    """Whether ``text`` has any of ``words`` as a whole word."""
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) for word in words)
