"""scripts/make_tiny_model.py builds models that the real loading code accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tarjama import Translator

from ..conftest import ROOT, SEED, load_script, shared_data, transliterate


def _make(out: Path, *flags: str) -> None:
    command = [sys.executable, str(ROOT / "scripts" / "make_tiny_model.py"), str(out), "--corpus", str(SEED), *flags]
    subprocess.run(command, check=True, capture_output=True)


def test_tiny_model_script_writes_a_loadable_marian_model(tmp_path: Path) -> None:
    _make(tmp_path / "m", "--steps", "3")
    translator = Translator(model_name=str(tmp_path / "m"), model_device="cpu", decoding_beams=1)
    assert translator.backend.model.config.model_type == "marian"
    assert translator.backend.tokenizer.tokenize("قال 3.5") == ["▁", "ق", "ا", "ل", "▁", "3", ".", "5"]
    (english,) = translator.translate_sentences(["قال"])  # three training steps: any string
    assert isinstance(english, str)


def test_denoiser_learns_from_no_held_apart_sentence(tmp_path: Path) -> None:
    """``--denoise`` writes a word-piece model that loads, and learns from ANT sentences of
    eval_confidence.py's training part only."""
    data = shared_data("ant-news-sample", "txt")
    script = load_script("make_tiny_model")
    evaluate = load_script("eval_confidence")
    training = set(script.training_sentences(data, []))
    parts = {name: {" ".join(s.split()) for s in texts} for name, texts in evaluate.clean_sentences(data).items()}
    assert parts["training"] <= training
    assert not training & (parts["development"] | parts["held_apart"])
    _make(tmp_path / "d", "--denoise", "--steps", "3")
    translator = Translator(model_name=str(tmp_path / "d"), model_device="cpu", decoding_beams=1)
    assert len(translator.backend.tokenizer.tokenize("قال الوزير")) <= 4  # word pieces, not letters


@pytest.mark.slow
def test_full_size_has_the_architecture_of_opus_mt_ar_en(tmp_path: Path) -> None:
    _make(tmp_path / "big", "--full-size")
    translator = Translator(model_name=str(tmp_path / "big"), model_device="cpu", decoding_beams=1)
    config = translator.backend.model.config
    assert (config.d_model, config.encoder_layers, config.decoder_layers) == (512, 6, 6)
    assert (config.encoder_ffn_dim, config.vocab_size, config.max_position_embeddings) == (2048, 62802, 512)
    parameters = sum(p.numel() for p in translator.backend.model.parameters())
    assert 76e6 < parameters < 78e6
    assert translator.backend.max_input_tokens == 510


def test_transliteration_table_keeps_latin_and_digits() -> None:
    assert transliterate("قال 10 Microsoft، ٣٫٥؟") == "qAl 10 Microsoft, 3٫5?"


def test_eval_confidence_reports_auc_by_kind_on_held_apart_sentences(tmp_path: Path) -> None:
    data = shared_data()
    out = tmp_path / "confidence.json"
    script = ROOT / "scripts" / "eval_confidence.py"
    command = [sys.executable, str(script), "--per-kind", "6", "--data", str(data), "--json", str(out)]
    command += ["--model", str(ROOT / "tests" / "fixtures" / "tiny-translit")]
    subprocess.run(command, check=True, capture_output=True)
    report = json.loads(out.read_text(encoding="utf-8"))
    held = report["held_apart"]
    assert 0.0 <= held["auc_all"] <= 1.0
    assert set(held["auc_by_kind"]) == {"shuffled", "latin", "cut", "repeated"}
    assert held["scores"]["clean"]["n"] == 6
    assert set(report["thresholds_on_held_apart"]) == {"youden", "clean_p5", "default_min_score"}
    evaluate = load_script("eval_confidence")
    assert evaluate.auc([0.0, -0.1], [-1.0, -2.0]) == 1.0
    assert evaluate.auc([-1.0], [-1.0]) == 0.5
    assert evaluate.auc([-3.0, -1.0], [-2.0]) == 0.5
    assert evaluate.paired_wins([0.0, -1.0, -3.0], [-1.0, -1.0, -2.0]) == 0.5
    parts = evaluate.clean_sentences(data / "ant-news-sample" / "txt")
    assert len(parts["development"]) > 200 and len(parts["held_apart"]) > 300
