#!/usr/bin/env python
"""Does the model's score separate broken input from clean Arabic? ROC AUC on a held-apart set.

Clean sentences are real ANT news sentences (``../shared/data/ant-news-sample/txt``, cut
by tarjama's segmenter, 6 to 40 words). The articles are split in two by a hash of
their name: the *development* half chooses a threshold, the *held-apart* half, never
looked at while choosing, gives the AUC and how that threshold does. Broken inputs are
made from the clean sentences of each half, one kind at a time:

* ``shuffled``: the sentence's words in a random order;
* ``latin``: English text fed to the model (NTREX-128 English lines, 6 to 40 words);
* ``cut``: the sentence cut in the middle of a word, somewhere in its second half;
* ``repeated``: one word of the sentence repeated five times in a row.

Each sentence is translated alone by the backend (``Backend.translate_batch`` in
batches; no cache), and its ``Hypothesis.score`` is the signal: clean should score
higher. AUC is the probability that a random clean sentence outscores a random broken
one (ties count half), per kind and over all kinds together. The threshold reported
is the one that, on the development half, maximises Youden's J (true-positive rate on
broken minus false-positive rate on clean); also reported, the development half's 5th
percentile of clean scores (flags 5% of clean sentences).

Note: the project's tiny model (the default ``--model``) learned character
transliteration from ANT lines, so the clean sentences are its training text.

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
from tarjama.segment import Segmenter

HERE = Path(__file__).resolve().parent.parent
DATA = HERE.parent / "shared" / "data"
KINDS = ("shuffled", "latin", "cut", "repeated")


def clean_sentences(ant: Path) -> dict[str, list[str]]:
    """ANT sentences of 6 to 40 words by half (``development``, ``held_apart``), each
    half split by a hash of the article's name, so no article is in both."""
    segmenter = Segmenter()
    halves: dict[str, list[str]] = {"development": [], "held_apart": []}
    for path in sorted(ant.rglob("*.txt")):
        name = path.relative_to(ant).as_posix()
        half = "development" if hashlib.sha256(name.encode()).digest()[0] % 2 else "held_apart"
        article = segmenter.segment(path.read_text(encoding="utf-8"), name)
        halves[half] += [s.text for s in article.sentences if 6 <= len(s.text.split()) <= 40]
    return halves


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
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # ranks i+1..j share their mean
        rank_sum += mean_rank * sum(label for _, label in ranked[i:j])
        i = j
    n, m = len(clean), len(bad)
    return (rank_sum - n * (n + 1) / 2) / (n * m)


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


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 6),
        "p5": round(percentile(values, 5), 6),
        "median": round(percentile(values, 50), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(HERE / "tests" / "fixtures" / "tiny-translit"))
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--beams", type=int, default=1)
    parser.add_argument("--per-kind", type=int, default=200, help="clean sentences per half, and broken per kind")
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
    results: dict[str, Any] = {}
    for half, sentences in halves.items():
        clean = rng.sample(sentences, min(args.per_kind, len(sentences)))
        sets = {"clean": clean} | {kind: [broken(kind, s, rng, latin) for s in clean] for kind in KINDS}
        results[half] = {name: scores(backend, texts) for name, texts in sets.items()}
    held, development = results["held_apart"], results["development"]
    every_broken = [s for kind in KINDS for s in held[kind]]
    threshold, j = youden(development["clean"], [s for kind in KINDS for s in development[kind]])
    report = {
        "model": args.model,
        "backend": backend.describe(),
        "clean_source": "ANT news sample (txt), articles split in halves by name hash",
        "held_apart": {
            "auc_all": round(auc(held["clean"], every_broken), 4),
            "auc_by_kind": {kind: round(auc(held["clean"], held[kind]), 4) for kind in KINDS},
            "scores": {name: summary(values) for name, values in held.items()},
        },
        "development": {
            "youden_threshold": threshold,
            "youden_j": round(j, 4),
            "clean_p5": round(percentile(development["clean"], 5), 6),
        },
        "threshold_on_held_apart": {
            "flags_clean": round(sum(s < threshold for s in held["clean"]) / len(held["clean"]), 4),
            "flags_broken": round(sum(s < threshold for s in every_broken) / len(every_broken), 4),
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
