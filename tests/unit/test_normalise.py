from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarjama.normalise import INVISIBLE, clean_layout, normalise

GOLDEN = [
    ("قال الوزير", "قال الوزير"),
    ("قال\u200f الوزير", "قال الوزير"),  # right-to-left mark
    ("\u202bقال\u202c", "قال"),  # embedding controls
    ("\u2067قال\u2069 \u061c", "قال "),  # isolates, Arabic letter mark
    ("الوزيـــر", "الوزير"),  # tatweel
    ("صفر\u200b\u200cواحد", "صفرواحد"),  # zero-width space and non-joiner
    ("\ufeffنص", "نص"),  # stray BOM
    ("10\u00a0كم", "10 كم"),  # no-break space
    ("a\u202fb\u2009c", "a b c"),  # narrow and thin spaces
    ("سطر\r\nسطر\rسطر\n", "سطر\nسطر\nسطر\n"),  # CRLF and CR
    ("\ufefb", "\u0644\u0627"),  # presentation-form ligature lam-alef
    ("\ufe8d\ufe91", "\u0627\u0628"),  # presentation forms of alef and beh
    ("Microsoft 3.5", "Microsoft 3.5"),
]


@pytest.mark.parametrize(("original", "expected"), GOLDEN)
def test_golden(original: str, expected: str) -> None:
    assert normalise(original).text == expected


def test_unchanged_text_maps_to_itself() -> None:
    result = normalise("نص عادي")
    assert result.original_span(0, 2) == (0, 2)
    assert result.original_span(3, 7) == (3, 7)


def test_span_maps_back_over_removed_characters() -> None:
    original = "\u200fقال الوزيـــر\r\nالجديد"
    result = normalise(original)
    start = result.text.index("الوزير")
    s, e = result.original_span(start, start + len("الوزير"))
    assert original[s:e] == "الوزيـــر"
    s, e = result.original_span(result.text.index("الجديد"), len(result.text))
    assert original[s:e] == "الجديد"


def test_clean_layout_keeps_line_endings_and_drops_marks() -> None:
    assert clean_layout("\u200f\r\n\r\n\u00a0") == "\r\n\r\n "


@given(st.text(alphabet=st.sampled_from(list("اب تث\n\r.«»") + list(INVISIBLE) + ["\u00a0", "\ufefb"])))
def test_every_character_maps_into_the_original(original: str) -> None:
    result = normalise(original)
    assert len(result.offsets) == len(result.text) + 1
    assert list(result.offsets) == sorted(result.offsets)
    assert result.offsets[-1] == len(original)
    for i, ch in enumerate(result.text):
        source = original[result.offsets[i]]
        assert ch == source or ch in (" ", "\n") or source in "\ufefb"
