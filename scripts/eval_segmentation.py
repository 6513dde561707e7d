#!/usr/bin/env python
"""Sentence-boundary precision, recall and F1 on NTREX-128 Arabic, tarjama against peers.

Each NTREX-128 article becomes paragraphs: a line without final punctuation (the headline,
sub-headlines) is a paragraph of its own, and runs of lines that end with a stop are
joined with a space into one paragraph; the joins are the gold sentence boundaries.
Every segmenter splits every paragraph; a boundary is the character offset where a
sentence starts (other than the first of its paragraph).

Peers, run in the same process on the same text:

* pySBD (``language="ar"``);
* the EasyNMT regex for Arabic (``[^!?。.]+[!?。.]*``, from EasyNMT's ``sentence_splitting``);
* a Moses-style splitter (the ``sentence-splitter`` package, a port of Moses'
  ``split-sentences.perl``; it ships no Arabic non-breaking prefixes, so it runs with an
  empty list, as Moses does for a language it does not know);
* NLTK's Punkt, trained unsupervised on the 300 ANT articles (no Arabic model ships).

    python scripts/eval_segmentation.py [--data ../shared/data] [--json segmentation.json]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tarjama.segment import Segmenter

Splitter = Callable[[str], list[str]]


_FINAL = re.compile(r"[.!?؟…][\"'»”)\]]*$")


def ntrex_articles(root: Path) -> list[tuple[str, list[list[str]]]]:
    """(document id, paragraphs) per article; a paragraph is a list of gold sentences.

    A line without final punctuation (the headline, sub-headlines, captions) stands
    alone, as it would on its own line in an article; consecutive lines that end with
    ``. ! ? ؟ …`` (and closing quotes) are joined into one paragraph.
    """
    ids = [line.split("\t")[0] for line in (root / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()]
    lines = (root / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    articles: dict[str, list[list[str]]] = {}
    for doc, line in zip(ids, lines, strict=True):
        paragraphs = articles.setdefault(doc, [[]])
        line = line.strip()
        if _FINAL.search(line):
            paragraphs[-1].append(line)
        else:
            paragraphs += [[line], []]
    return [(doc, [p for p in paragraphs if p]) for doc, paragraphs in articles.items()]


def starts(paragraph: str, sentences: list[str]) -> set[int]:
    """Offsets where the sentences (substrings of ``paragraph``, in order) start, but the first."""
    found, position = [], 0
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        at = paragraph.find(sentence, position)
        if at < 0:  # a splitter that changed the text: align on the next word instead
            at = paragraph.find(sentence.split()[0], position)
        if at >= 0:
            found.append(at)
            position = at + len(sentence)
    return set(found[1:])


def peers(data: Path) -> dict[str, Splitter]:
    import pysbd
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer
    from sentence_splitter import SentenceSplitter

    pysbd_ar = pysbd.Segmenter(language="ar", clean=False)
    easynmt = re.compile(r"[^!?。\.]+[!?。\.]*")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as empty:
        moses = SentenceSplitter(language="ar", non_breaking_prefix_file=empty.name)
    trainer = PunktTrainer()
    trainer.train(
        "\n".join(p.read_text(encoding="utf-8") for p in sorted((data / "ant-news-sample" / "txt").rglob("*.txt")))
    )
    punkt = PunktSentenceTokenizer(trainer.get_params())
    segmenter = Segmenter()
    return {
        "tarjama": lambda text: [text[s:e] for s, e in segmenter.split_line(text)],
        "pysbd (ar)": pysbd_ar.segment,
        "EasyNMT regex": lambda text: easynmt.findall(text),
        "Moses-style (sentence-splitter)": moses.split,
        "NLTK Punkt (trained on ANT)": punkt.tokenize,
    }


def score(gold: int, predicted: int, correct: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def context(text: str, at: int, width: int = 40) -> str:
    return f"{text[max(0, at - width) : at].strip()} ‖ {text[at : at + width].strip()}"


def error_kind(text: str, at: int, missed: bool) -> str:
    """A rough label for a boundary error, for the report."""
    before = text[:at].rstrip()
    if missed:
        if not before or before[-1] not in ".!?؟…\"'»”)":
            return "gold line ends without final punctuation"
        if before[-1] in "\"'»”" or any(q in before[-60:] for q in '«“"'):
            return "boundary inside or at a quotation"
        return "stop not taken as an end"
    if re.search(r"[.!?؟]\s*$", before):
        return "split after a stop inside a gold line (gold line holds two sentences?)"
    return "other"


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="write the results and every error here")
    args = parser.parse_args()

    articles = ntrex_articles(args.data / "ntrex128")
    splitters = peers(args.data)
    results, errors = {}, []
    for name, split in splitters.items():
        gold_total = predicted_total = correct_total = 0
        started = time.perf_counter()
        for doc, paragraphs in articles:
            for sentences in paragraphs:
                text = " ".join(sentences)
                gold = starts(text, sentences)
                predicted = starts(text, split(text))
                gold_total += len(gold)
                predicted_total += len(predicted)
                correct_total += len(gold & predicted)
                if name == "tarjama":
                    errors += [
                        {"doc": doc, "kind": error_kind(text, at, True), "missed": True, "context": context(text, at)}
                        for at in sorted(gold - predicted)
                    ]
                    errors += [
                        {"doc": doc, "kind": error_kind(text, at, False), "missed": False, "context": context(text, at)}
                        for at in sorted(predicted - gold)
                    ]
        results[name] = {
            **score(gold_total, predicted_total, correct_total),
            "gold": gold_total,
            "predicted": predicted_total,
            "correct": correct_total,
            "seconds": round(time.perf_counter() - started, 3),
        }

    width = max(map(len, results))
    print(f"NTREX-128 Arabic: {len(articles)} articles, {results['tarjama']['gold']} gold boundaries")
    print(f"{'segmenter':{width}}  precision  recall     F1")
    for name, r in sorted(results.items(), key=lambda item: -item[1]["f1"]):
        print(f"{name:{width}}  {r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:.4f}")
    kinds = Counter(e["kind"] for e in errors)
    print("\ntarjama's errors by kind:")
    for kind, count in kinds.most_common():
        print(f"  {count:4d}  {kind}")
    report = {
        "data": "NTREX-128 newstest2019-ref.arb.txt",
        "articles": len(articles),
        "results": results,
        "tarjama_errors": {"by_kind": dict(kinds), "items": errors},
    }
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
