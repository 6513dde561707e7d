"""Markdown structure that translation must leave intact.

Only text is translated: fenced code blocks are skipped whole; the markers that start a
line (headings, block quotes, list items) stay out of sentences; and inside a sentence,
inline code, link and image targets, autolinks and HTML tags are carried through
verbatim (``tarjama.protect`` places them when the model does not keep them).
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINE_PREFIX = re.compile(r"^(?: {0,3}>\s?)*(?: {0,3}#{1,6}\s+| {0,3}(?:[-*+]|\d{1,9}[.)])\s+)?")
_INLINE = re.compile(
    r"`[^`]+`"  # inline code
    r"|!?\[|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"  # link and image syntax: "[", "![", "](target)"
    r"|<(?:https?://|mailto:)[^>]+>"  # autolinks
    r"|</?[A-Za-z][^>]*>"  # HTML tags
    r"|\*\*|__"  # strong emphasis markers
)
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
# a link reference definition: [label]: destination "optional title"
_REFERENCE_DEFINITION = re.compile(r"""^ {0,3}\[[^\]]+\]:\s*\S+(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$""")


def code_lines(lines: list[str]) -> set[int]:
    """Indices of the lines inside (and including) fenced code blocks."""
    inside, skipped = None, set()
    for index, line in enumerate(lines):
        fence = _FENCE.match(line)
        if inside is None and fence:
            inside = fence.group(1)
            skipped.add(index)
        elif inside is not None:
            skipped.add(index)
            if line.strip().startswith(inside):
                inside = None
    return skipped


def prefix_length(line: str) -> int:
    """How many characters at the start of ``line`` are block markup (``## ``, ``> ``,
    ``- ``, ``1. ``); a thematic break (``---``) and a link reference definition
    (``[1]: https://x.org "عنوان"``) are markup whole.

    Example:
        >>> prefix_length("## عنوان"), prefix_length("> - بند"), prefix_length("نص")
        (3, 4, 0)
        >>> prefix_length('[1]: https://x.org "عنوان"')
        26
    """
    if _THEMATIC_BREAK.match(line) or _REFERENCE_DEFINITION.match(line):
        return len(line)
    match = _LINE_PREFIX.match(line)
    return match.end() if match else 0


def masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters of ``spans`` replaced by a neutral letter, so that
    quotation marks inside markup (a link title, an attribute value) are not taken for
    quotations; offsets are unchanged."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "x" * (end - start)
    return "".join(chars)


def inline_markup(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` to carry through untranslated.

    Example:
        >>> text = "اقرأ [التقرير](https://a.org/r) و`ls`"
        >>> [text[s:e] for s, e in inline_markup(text)]
        ['[', '](https://a.org/r)', '`ls`']
    """
    return [m.span() for m in _INLINE.finditer(text)]
