"""The Translator's text methods under misuse: any iterable, streaming, clear TypeErrors (issue 13)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from ..oracle import transliterate


@pytest.fixture
def translator(fake_backend):
    from tarjama import Translator

    return Translator(backend=fake_backend, cache_enabled=False, batching_window_sentences=16)


def test_translate_sentences_takes_a_generator(translator) -> None:
    sentences = [f"قال الوزير {n}." for n in range(40)]
    expected = [transliterate(s) for s in sentences]
    assert translator.translate_sentences(sentences) == expected
    assert translator.translate_sentences(tuple(sentences)) == expected
    assert list(translator.translate_sentences(s for s in sentences)) == expected


def test_translate_sentences_streams_a_window_at_a_time(translator) -> None:
    pulled = 0

    def many() -> Iterator[str]:
        nonlocal pulled
        for n in range(1_000_000):
            pulled += 1
            yield f"نعم {n}."

    first = list(itertools.islice(translator.translate_sentences(many()), 20))
    assert first == [transliterate(f"نعم {n}.") for n in range(20)]
    assert pulled <= 2 * 16 + 1  # two windows read, not a million sentences


@pytest.mark.parametrize("bad", ["قال الوزير.", b"\xd9\x82", None], ids=["str", "bytes", "None"])
def test_translate_sentences_wants_an_iterable_of_texts(translator, bad: object) -> None:
    with pytest.raises(TypeError, match=f"sentences must be an iterable of str, not {type(bad).__name__}"):
        translator.translate_sentences(bad)


def test_translate_sentences_rejects_an_item_that_is_not_text(translator) -> None:
    with pytest.raises(TypeError, match=r"sentence 1 must be a str, not bytes"):
        translator.translate_sentences(["نعم.", b"\xd9\x84"])
    with pytest.raises(TypeError, match=r"sentence 2 must be a str, not NoneType"):
        list(translator.translate_sentences(iter(["نعم.", "لا.", None])))


@pytest.mark.parametrize("bad", [b"\xd9\x82", None, ["قال."]], ids=["bytes", "None", "list"])
def test_translate_wants_text(translator, bad: object) -> None:
    with pytest.raises(TypeError, match=f"text must be a str, not {type(bad).__name__}"):
        translator.translate(bad)


@pytest.mark.parametrize("bad", [b"in", None], ids=["bytes", "None"])
def test_translate_folder_wants_paths(translator, tmp_path, bad: object) -> None:
    with pytest.raises(TypeError, match=f"inputs must be a list of files and folders, not {type(bad).__name__}"):
        translator.translate_folder(bad, tmp_path / "out")


def test_translate_folder_takes_one_path(translator, tmp_path) -> None:
    (tmp_path / "a.txt").write_text("نعم.", encoding="utf-8")
    report = translator.translate_folder(str(tmp_path / "a.txt"), tmp_path / "out")
    assert report.ok and (tmp_path / "out" / "a.en.txt").read_text(encoding="utf-8") == transliterate("نعم.")
