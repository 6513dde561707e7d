"""The score as a confidence signal, on the tiny denoiser (tests/fixtures/tiny-denoise).

The denoiser (``scripts/make_tiny_model.py --denoise``) learned to give back real Arabic
sentences, half of them handed to it noised, from the development half of
``scripts/eval_confidence.py``'s ANT split only. These tests feed it held-apart ANT
sentences, which it never saw, and broken forms of them: a model that learned what a
sentence looks like must be less sure of its output for the broken ones.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tarjama.backends import load_backend

from ..conftest import load_script, shared_data

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sets() -> dict[str, list[str]]:
    evaluate = load_script("eval_confidence")
    parts = evaluate.clean_sentences(shared_data("ant-news-sample", "txt"))
    english = shared_data("ntrex128", "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    rng = random.Random(5)
    clean = rng.sample(parts["held_apart"], 40)
    latin = [line for line in english if 6 <= len(line.split()) <= 40]
    broken = {kind: [evaluate.broken(kind, s, rng, latin) for s in clean] for kind in ("shuffled", "latin")}
    return {"clean": clean} | broken


def test_unseen_clean_sentences_outscore_their_broken_forms(tiny_denoiser: Path, sets: dict[str, list[str]]) -> None:
    backend = load_backend("transformers", model=str(tiny_denoiser), device="cpu", beams=1, dtype="float32")
    evaluate = load_script("eval_confidence")
    clean, shuffled, latin = (evaluate.scores(backend, sets[name]) for name in ("clean", "shuffled", "latin"))
    # measured on 150 held-apart sentences (scripts/results/confidence.json): a sentence
    # outscores its shuffled form 76% of the time; any clean one outscores Latin text 95%
    assert evaluate.paired_wins(clean, shuffled) > 0.6
    assert sum(clean) / len(clean) > sum(shuffled) / len(shuffled)
    assert evaluate.auc(clean, latin) > 0.85


def test_greedy_scores_in_mixed_batches_are_transformers_own(tiny_denoiser: Path, sets: dict[str, list[str]]) -> None:
    """Greedy scores of a batch whose outputs end at different steps (clean, shuffled and
    Latin input together) are the mean of transformers' own token log-probabilities
    (``compute_transition_scores``) over each output's tokens: finite, whatever the batch.
    A finished row goes on picking padding, and its -inf log-probability had made NaN
    scores of whole batches (-inf * 0)."""
    import torch

    from tarjama.backends.base import output_cap

    backend = load_backend("transformers", model=str(tiny_denoiser), device="cpu", beams=1, dtype="float32")
    batch = [sets[kind][i] for i in range(3) for kind in ("clean", "shuffled", "latin")]
    ours = [h.score for h in backend.translate_batch(batch)]
    inputs = backend.tokenizer(batch, return_tensors="pt", padding=True)
    cap = output_cap(int(inputs["attention_mask"].sum(dim=1).max()), 2.0, 16, backend.max_input_tokens)
    with torch.inference_mode():
        output = backend.model.generate(
            **inputs, num_beams=1, do_sample=False, max_new_tokens=cap, return_dict_in_generate=True, output_scores=True
        )
    steps = backend.model.compute_transition_scores(output.sequences, output.scores, normalize_logits=True)
    tokens = output.sequences[:, 1:]
    used = tokens != backend.tokenizer.pad_token_id
    theirs = (torch.where(used, steps, 0.0).sum(dim=1) / used.sum(dim=1)).tolist()
    assert len(set(used.sum(dim=1).tolist())) > 1  # the outputs end at different steps
    assert all(score is not None for score in ours)
    assert ours == pytest.approx(theirs, abs=1e-4)
