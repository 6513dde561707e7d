"""Unicode clean-up of Arabic text that keeps a map back to the original characters.

What changes, and why:

* bidi controls (U+200E/F, U+061C, U+202A-E, U+2066-9), zero-width characters, the BOM
  and soft hyphens are removed: they are invisible and only confuse tokenizers;
* tatweel (U+0640, ``ـ``) is removed: it stretches a word and carries no meaning;
* Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFC) become the letters they draw;
* non-breaking and other exotic spaces become a plain space;
* CRLF and CR become LF.

Every character of the normalised text remembers the index of the original character it
came from, so a span found in the normalised text maps back to the original exactly.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u0640"
)
SPACES = "\u00a0\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u3000"
# CR LF and a lone CR become LF; invisible marks between CR and LF go with them (the
# output keeps the break and drops the marks: one line break, as here, not two)
_SPECIAL = re.compile(f"\r[{INVISIBLE}]*\n?|[{INVISIBLE}{SPACES}\ufb50-\ufdff\ufe70-\ufefc]")
_INVISIBLE_OR_SPACE = re.compile(f"[{INVISIBLE}]|[{SPACES}]")


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text and, for each of its characters, the index in the original.

    ``offsets`` has one entry more than ``text``: the length of the original, so that
    an end index maps too.
    """

    text: str
    offsets: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` to the span of the original characters it came from."""
        if end <= start:
            position = self.offsets[start]
            return position, position
        return self.offsets[start], self.offsets[end - 1] + 1


def _replacement(match: str) -> str:
    if match[0] == "\r":
        return "\n"
    if match in INVISIBLE:
        return ""
    if match in SPACES:
        return " "
    return unicodedata.normalize("NFKC", match)


def normalise(original: str) -> NormalisedText:
    r"""Normalise ``original`` (see the module docstring).

    Example:
        >>> n = normalise("قال\u200f الوزيـــر\r\n")
        >>> n.text
        'قال الوزير\n'
        >>> n.original_span(4, 10)
        (5, 14)
    """
    if not _SPECIAL.search(original):
        return NormalisedText(original, range(len(original) + 1))
    pieces: list[str] = []
    offsets = array("q")
    position = 0
    for match in _SPECIAL.finditer(original):
        start, end = match.span()
        pieces.append(original[position:start])
        offsets.extend(range(position, start))
        replacement = _replacement(match.group())
        pieces.append(replacement)
        offsets.extend([start] * len(replacement))
        position = end
    pieces.append(original[position:])
    offsets.extend(range(position, len(original) + 1))
    return NormalisedText("".join(pieces), offsets)


def clean_layout(gap: str) -> str:
    """Text between sentences, as it goes to the output: invisible marks dropped,
    exotic spaces made plain, line endings kept as they were."""
    return _INVISIBLE_OR_SPACE.sub(lambda m: "" if m.group() in INVISIBLE else " ", gap)
