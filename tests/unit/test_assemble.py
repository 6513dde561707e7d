from __future__ import annotations

import pytest

from tarjama.assemble import assemble
from tarjama.segment import Segmenter


def _layout(text: str) -> list[list[int]]:
    """Paragraphs as lists of line counts: the structure a translation must keep."""
    return [[1 for _ in block.splitlines()] for block in text.replace("\r\n", "\n").split("\n\n")]


@pytest.mark.parametrize(
    "original",
    [
        "عنوان\n\nجملة أولى. جملة ثانية.\n\nفقرة ثالثة؟ نعم!\n",
        "عنوان\r\n\r\nجملة أولى. جملة ثانية.\r\nسطر ثان في الفقرة نفسها\r\n",
        "\n\nسطر\n\n\n\nسطر بعد أسطر فارغة\n\n",
        "قال.وأضاف",
    ],
)
def test_layout_kept(original: str) -> None:
    article = Segmenter().segment(original)
    translations = [f"S{i}" for i, _ in enumerate(article.sentences)]
    text, spans = assemble(article, translations)
    assert _layout(text.strip()) == _layout(original.strip())
    assert [text[s:e] for s, e in spans] == translations
    assert ("\r\n" in text) == ("\r\n" in original)


def test_touching_sentences_get_a_space() -> None:
    article = Segmenter().segment("جملة أولى. جملة ثانية.")
    assert assemble(article, ["One.", "Two."])[0] == "One. Two."


def test_invisible_marks_between_sentences_dropped() -> None:
    article = Segmenter().segment("جملة.\u200f\u00a0جملة.")
    assert assemble(article, ["A.", "B."])[0] == "A. B."


def test_translation_with_line_break_is_refused() -> None:
    article = Segmenter().segment("سطر\nسطر")
    with pytest.raises(ValueError, match="must be one line"):
        assemble(article, ["one\ntwo", "three"])


def test_wrong_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="1 translations for 2 sentences"):
        assemble(Segmenter().segment("أ.\nب."), ["x"])
