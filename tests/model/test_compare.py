"""evaluate --compare of a clearly better system: the human reference against the tiny
model's output (a transliteration, far from English) on NTREX-128 lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.cli import main

from ..conftest import shared_data


def test_the_reference_is_clearly_better_than_the_tiny_model(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ntrex = shared_data("ntrex128")
    arabic = (ntrex / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()[:80]
    english = (ntrex / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()[:80]
    translator = Translator(model_name=str(tiny_model), model_device="cpu", decoding_beams=1, cache_enabled=False)
    (tmp_path / "tiny.txt").write_text("\n".join(translator.translate_sentences(arabic)) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\n".join(english) + "\n", encoding="utf-8")
    (tmp_path / "human.txt").write_text("\n".join(english) + "\n", encoding="utf-8")
    args = ["evaluate", "--compare", str(tmp_path / "tiny.txt"), str(tmp_path / "human.txt")]
    assert main([*args, "--ref", str(tmp_path / "ref.txt"), "--bootstrap", "1000"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("BLEU ", "TER "))}
    bleu, ter = rows["BLEU"], rows["TER"]
    assert float(bleu[2]) == 100.0 and float(bleu[1]) < 10
    assert float(bleu[3]) > 90 and bleu[-2:] == ["<=0.0010", "*"]
    low, high = (float(x.strip("[],")) for x in bleu[4:6])
    assert 0 < low <= float(bleu[3]) <= high
    assert float(ter[3]) < 0 and ter[-1] == "*"
