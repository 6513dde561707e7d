#!/usr/bin/env python
"""Does the model's score separate broken input from clean Arabic? ROC AUC on a held-apart set.

Clean sentences are real ANT news sentences (``../shared/data/ant-news-sample/txt``, cut
by tarjama's segmenter, 6 to 40 words). The articles are split by a hash of their name:
half are *held apart*; of the other half, one part (*training*) is what the tiny
denoiser learns from, the other (*development*) chooses thresholds. The held-apart
articles, never looked at while choosing, give the AUC and how each threshold does.
Broken inputs are made from the clean sentences of each part, one kind at a time:

* ``shuffled``: the sentence's words in a random order;
* ``latin``: English text fed to the model (NTREX-128 English lines, 6 to 40 words);
* ``cut``: the sentence cut in the middle of a word, somewhere in its second half;
* ``repeated``: one word of the sentence repeated five times in a row.

Each sentence is translated alone by the backend (``Backend.translate_batch`` in
batches; no cache), and its ``Hypothesis.score`` is the signal: clean should score
higher. AUC is the probability that a random clean sentence outscores a random broken
one (ties count half), per kind and over all kinds together. The threshold reported
is the one that, on the development part, maximises Youden's J (true-positive rate on
broken minus false-positive rate on clean); also reported, the development part's 5th
percentile of clean scores (flags 5% of clean sentences), and what each of these and
the default ``[quality] min_score`` flag on the held-apart articles.

The default ``--model`` is the tiny denoiser (tests/fixtures/tiny-denoise,
``scripts/make_tiny_model.py --denoise``), which learned from no development or
held-apart sentence. The tiny transliterator (tests/fixtures/tiny-translit) learned from
every ANT line, held-apart ones included, so with it the clean sentences are training text.

    python scripts/eval_confidence.py [--model DIR] [--backend transformers|ct2] [--per-kind 200]
        [--json confidence.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from tarjama.backends import Backend, load_backend
from tarjama.config import MIN_SCORE
from tarjama.segment import Segmenter

HERE = Path(__file__).resolve().parent.parent
DATA = HERE.parent / "shared" / "data"
KINDS = ("shuffled", "latin", "cut", "repeated")
PARTS = ("training", "development", "held_apart")


def clean_sentences(ant: Path) -> dict[str, list[str]]:
    """ANT sentences of 6 to 40 words by part (``training``, ``development``,
    ``held_apart``), split by a hash of the article's name, so no article is in two."""
    segmenter = Segmenter()
    parts: dict[str, list[str]] = {part: [] for part in PARTS}
    for path in sorted(ant.rglob("*.txt")):
        name = path.relative_to(ant).as_posix()
        article = segmenter.segment(path.read_text(encoding="utf-8"), name)
        parts[part_of(name)] += [s.text for s in article.sentences if 6 <= len(s.text.split()) <= 40]
    return parts


def part_of(name: str) -> str:
    """The part an ANT article (its path under ``txt/``) belongs to: half of the articles
    are held apart; of the other half, one half is for a model to learn from
    (``training``, scripts/make_tiny_model.py --denoise), the other (``development``),
    unseen by that model too, is for choosing a threshold."""
    digest = hashlib.sha256(name.encode()).digest()
    if digest[0] % 2 == 0:
        return "held_apart"
    return "development" if digest[1] % 2 else "training"


def broken(kind: str, sentence: str, rng: random.Random, latin: list[str]) -> str:
    words = sentence.split()
    if kind == "shuffled":
        while len(set(words)) > 1 and words == sentence.split():
            rng.shuffle(words)
        return " ".join(words)
    if kind == "latin":
        return rng.choice(latin)
    if kind == "cut":
        at = rng.randrange(len(words) // 2, len(words))
        word = words[at]
        return " ".join([*words[:at], word[: max(1, len(word) // 2)]])
    at = rng.randrange(len(words))
    return " ".join([*words[:at], *[words[at]] * 5, *words[at + 1 :]])


def auc(clean: list[float], bad: list[float]) -> float:
    """P(a clean score > a broken score), ties counted half (the Mann-Whitney U / n m)."""
    ranked = sorted([(s, 1) for s in clean] + [(s, 0) for s in bad])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i + 1  # a NaN equals nothing, itself included: it must still move on
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # ranks i+1..j share their mean
        rank_sum += mean_rank * sum(label for _, label in ranked[i:j])
        i = j
    n, m = len(clean), len(bad)
    return (rank_sum - n * (n + 1) / 2) / (n * m)


def paired_wins(clean: list[float], bad: list[float]) -> float:
    """How often a sentence outscores its own broken form, ties counted half."""
    wins = sum((c > b) + (c == b) / 2 for c, b in zip(clean, bad, strict=True))
    return round(wins / len(bad), 4)


def youden(clean: list[float], bad: list[float]) -> tuple[float, float]:
    """The threshold (flag below it) with the largest TPR - FPR, and that J."""
    best = (float("-inf"), -1.0)
    for threshold in sorted(set(clean + bad)):
        tpr = sum(s < threshold for s in bad) / len(bad)
        fpr = sum(s < threshold for s in clean) / len(clean)
        if tpr - fpr > best[1]:
            best = (threshold, tpr - fpr)
    return best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q / 100 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def scores(backend: Backend, sentences: list[str], batch: int = 32) -> list[float]:
    out: list[float] = []
    for start in range(0, len(sentences), batch):
        for hypothesis in backend.translate_batch(sentences[start : start + batch]):
            if hypothesis.score is None:
                raise SystemExit(f"backend {backend.name} gives no scores")
            out.append(hypothesis.score)
    return out


def flagged(threshold: float, clean: list[float], bad: list[float]) -> dict[str, float]:
    return {
        "flags_clean": round(sum(s < threshold for s in clean) / len(clean), 4),
        "flags_broken": round(sum(s < threshold for s in bad) / len(bad), 4),
    }


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 6),
        "p5": round(percentile(values, 5), 6),
        "median": round(percentile(values, 50), 6),
    }


def shown(path: Path) -> str:
    """The model folder as the report shows it: relative to the repository if inside it."""
    path = path.resolve()
    return path.relative_to(HERE).as_posix() if path.is_relative_to(HERE) else str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(HERE / "tests" / "fixtures" / "tiny-denoise"))
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--beams", type=int, default=1)
    parser.add_argument("--per-kind", type=int, default=200, help="clean sentences per part, and broken per kind")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    halves = clean_sentences(args.data / "ant-news-sample" / "txt")
    english = (args.data / "ntrex128" / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    latin = [line for line in english if 6 <= len(line.split()) <= 40]
    started = time.perf_counter()
    backend = load_backend(args.backend, model=args.model, device="cpu", beams=args.beams, dtype="float32")
    results: dict[str, Any] = {}  # development part, held-apart half
    for half in ("development", "held_apart"):
        sentences = halves[half]
        clean = rng.sample(sentences, min(args.per_kind, len(sentences)))
        sets = {"clean": clean} | {kind: [broken(kind, s, rng, latin) for s in clean] for kind in KINDS}
        results[half] = {name: scores(backend, texts) for name, texts in sets.items()}
    held, development = results["held_apart"], results["development"]
    every_broken = [s for kind in KINDS for s in held[kind]]
    threshold, j = youden(development["clean"], [s for kind in KINDS for s in development[kind]])
    report = {
        "model": shown(Path(args.model)),
        "backend": backend.describe(),
        "clean_source": "ANT news sample (txt), articles split by name hash (development part, held-apart half)",
        "held_apart": {
            "auc_all": round(auc(held["clean"], every_broken), 4),
            "auc_by_kind": {kind: round(auc(held["clean"], held[kind]), 4) for kind in KINDS},
            # each broken form against its own clean sentence (Latin lines are not made from one)
            "paired_wins_by_kind": {kind: paired_wins(held["clean"], held[kind]) for kind in KINDS if kind != "latin"},
            "scores": {name: summary(values) for name, values in held.items()},
        },
        "development": {
            "youden_threshold": threshold,
            "youden_j": round(j, 4),
            "clean_p5": round(percentile(development["clean"], 5), 6),
        },
        # each threshold's share of held-apart sentences flagged (score below it)
        "thresholds_on_held_apart": {
            name: {"value": value} | flagged(value, held["clean"], every_broken)
            for name, value in (
                ("youden", threshold),
                ("clean_p5", percentile(development["clean"], 5)),
                ("default_min_score", MIN_SCORE),
            )
        },
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": os.getloadavg(),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
