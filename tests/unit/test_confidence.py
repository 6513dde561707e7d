"""Model confidence: each sentence's score follows what was kept, fires ``low_confidence``
below ``[quality] min_score``, and is summarised in the manifest (fake backends with
known scores; the real backends' scores are tested in test_model and test_ct2)."""

from __future__ import annotations

import json
import math
from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarjama import Translator
from tarjama.backends import Backend, Hypothesis
from tarjama.config import Settings
from tarjama.errors import ConfigError
from tarjama.quality import score_summary

from ..conftest import transliterate
from ..fakes import UNSURE, word_score


class Scored(Backend):
    """Transliterates, with a score that follows the text (see ``word_score``)."""

    name = "scored"

    def __init__(self, drop_quotes: bool = False) -> None:
        self.drop_quotes = drop_quotes
        self.seen: list[str] = []

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        self.seen += sentences
        out = []
        for s in sentences:
            text = transliterate(s)
            if self.drop_quotes:
                text = "".join(ch for ch in text if ch not in '«»“”"')
            out.append(Hypothesis(text, score=word_score(s)))
        return out


def translator(backend: Backend | None = None, **overrides: object) -> Translator:
    settings = {"cache_enabled": False, "quality_default_glossary": False, **overrides}
    return Translator(backend=backend or Scored(), **settings)


def test_whole_sentence_gets_the_models_score() -> None:
    (item,) = translator().translate("قال الوزير إن الاجتماع انتهى.").sentences
    assert item.method == "whole"
    assert item.score == pytest.approx(word_score("قال الوزير إن الاجتماع انتهى."))
    assert "low_confidence" not in item.flags


def test_low_confidence_fires_below_min_score_only() -> None:
    result = translator(quality_min_score=-1.0).translate("قال الوزير كلاما غامضا. ثم غادر القاعة.")
    unsure, sure = result.sentences
    assert unsure.score is not None and unsure.score < -1.0
    assert "low_confidence" in unsure.flags
    assert sure.score is not None and sure.score > -1.0
    assert "low_confidence" not in sure.flags
    # a threshold below every score flags nothing
    relaxed = translator(quality_min_score=-100.0).translate("قال الوزير كلاما غامضا.")
    assert all("low_confidence" not in s.flags for s in relaxed.sentences)


def test_min_score_may_be_negative_but_must_be_a_number() -> None:
    assert Settings().merged({"quality": {"min_score": -2}}).quality.min_score == -2.0
    with pytest.raises(ConfigError, match="min_score"):
        Settings().merged({"quality": {"min_score": "low"}})


def test_sentence_cut_for_length_gets_its_weakest_piece() -> None:
    words = " ".join(["كلمة"] * 30)
    text = f"{words}، {UNSURE} {words}."
    backend = Scored()
    t = translator(backend, segmentation_max_input_tokens=40)
    (item,) = t.translate(text).sentences
    assert item.sentence.was_split
    pieces = [word_score(u) for u in item.sentence.units]
    assert item.score == pytest.approx(min(pieces))


def test_rebuilt_sentence_gets_the_lowest_score_of_the_pieces_kept() -> None:
    # the model drops the quotation marks: with repair = "rebuild", the sentence is rebuilt from pieces
    t = translator(Scored(drop_quotes=True), quality_names=False, quality_repair="rebuild")
    (item,) = t.translate(f"قال الرجل «{UNSURE} هو الأمر كله» ثم غادر.").sentences
    assert item.method == "rebuilt"
    pieces = {"قال الرجل", f"{UNSURE} هو الأمر كله", "ثم غادر."}
    assert item.score == pytest.approx(min(word_score(p) for p in pieces))
    assert item.score != pytest.approx(word_score(item.sentence.text))


def test_copied_and_empty_sentences_have_no_score() -> None:
    copied = translator().translate("This article is written in English.").sentences[0]
    assert copied.score is None and "low_confidence" not in copied.flags

    class Empty(Scored):
        def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
            return [Hypothesis("", score=-9.0) for _ in sentences]

    (empty,) = translator(Empty(), quality_names=False).translate("قال الوزير.").sentences
    assert "empty" in empty.flags and empty.score is None and "low_confidence" not in empty.flags


def test_backend_without_scores_flags_nothing() -> None:
    class Unscored(Scored):
        def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
            return [Hypothesis(transliterate(s)) for s in sentences]

    (item,) = translator(Unscored(), quality_min_score=-0.0001).translate("قال الوزير.").sentences
    assert item.score is None and "low_confidence" not in item.flags


def test_alignment_records_and_manifest_carry_the_scores(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان\n\nقال الوزير كلاما غامضا. ثم غادر.\n", encoding="utf-8")
    (folder / "b.txt").write_text("عنوان آخر طويل\n\nوأضاف أن الوفد سيعود غدا.\n", encoding="utf-8")
    manifest = translator().translate_folder([folder], tmp_path / "out").manifest
    every: list[float] = []
    for entry in manifest["files"]:
        records = [json.loads(line) for line in (tmp_path / "out" / entry["alignment"]).open(encoding="utf-8")]
        scores = [r["score"] for r in records]
        assert all(isinstance(s, float) for s in scores)
        assert entry["scores"]["mean"] == pytest.approx(np.mean(scores), abs=1e-6)
        assert entry["scores"]["p5"] == pytest.approx(np.percentile(scores, 5), abs=1e-6)
        assert entry["scores"]["sentences"] == len(scores)
        every += scores
    totals = manifest["totals"]["scores"]
    assert totals["mean"] == pytest.approx(np.mean(every), abs=1e-6)
    assert totals["p5"] == pytest.approx(np.percentile(every, 5), abs=1e-6)
    # a rerun resumes both files and still sums their scores up
    again = translator().translate_folder([folder], tmp_path / "out").manifest
    assert again["totals"]["resumed"] == 2
    assert again["totals"]["scores"] == manifest["totals"]["scores"]


def test_score_summary_of_nothing_is_none() -> None:
    assert score_summary([]) is None
    assert score_summary([-0.5]) == {"sentences": 1, "mean": -0.5, "p5": -0.5}


@given(st.lists(st.floats(min_value=-50, max_value=0, allow_nan=False), min_size=1, max_size=300))
def test_score_summary_from_an_array_is_that_of_the_sorted_list(scores: list[float]) -> None:
    """A folder run hands its totals every score in an array (issue 15: memory); the
    summary reads the lowest 5% from it without sorting a copy, to the same result."""
    summary = score_summary(array("d", scores))
    ordered = sorted(scores)
    assert summary is not None and summary["sentences"] == len(scores)
    assert summary["mean"] == round(math.fsum(ordered) / len(ordered), 6)
    assert summary["p5"] == pytest.approx(np.percentile(ordered, 5), abs=1e-6)
