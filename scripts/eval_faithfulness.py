#!/usr/bin/env python
"""What the names-and-quotations layer does to a good translation, measured with an oracle.

An oracle backend answers each NTREX-128 Arabic line with its human English reference,
so the reference *is* the model's output. Both tests run ``tarjama translate`` (the CLI,
in this process) on the NTREX articles, one file per article and one line per NTREX line,
and read the alignment files it writes.

* **Keep:** the share of sentences left exactly as the reference (quote-mark style and
  spacing aside), how each was made (``method``) and the flags raised.
* **Repair:** in sentences whose reference holds a glossary name, one such name is
  misspelt the way a model might write it (a transliteration variant: ``dh``→``z``,
  ``q``→``k``, a vowel changed...), both in the sentence and when the name's Arabic form
  is translated alone. Reported: the share restored exactly to the reference, and how
  many sentences were rebuilt from fragments.

Only lines that the segmenter keeps as one sentence can be answered by such an oracle;
the others (a line split in two, or cut into units for length) are left out and
counted. Text the oracle does not know (a fragment, a name alone) is answered with a
Buckwalter transliteration, like a model that does not know the words.

    python scripts/eval_faithfulness.py [--data ../shared/data/ntrex128] [--json faithfulness.json]
        [--config settings.toml]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tarjama.backends import Backend, Hypothesis, register_backend
from tarjama.cli import main as tarjama
from tarjama.glossary import Entry, load_glossary
from tarjama.normalise import normalise

# the Buckwalter transliteration of the tests' fake model, defined once in tests/oracle.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from oracle import transliterate

_NOT_WORD = re.compile(r"[\W_\u064b-\u065f\u0670\u0640]+")
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″"} | {c: "'" for c in "‘’‚‛′"})
# ways a model may spell a transliterated name differently, tried in order on its longest word
_MISSPELLINGS = (
    ("dh", "z"), ("q", "k"), ("kh", "h"), ("gh", "g"), ("ou", "u"), ("sh", "ch"), ("ee", "i"), ("ll", "l"),
    ("ss", "s"), ("mm", "m"), ("tt", "t"), ("y", "i"), ("e", "a"), ("a", "e"), ("i", "e"), ("o", "u"), ("u", "o"),
)  # fmt: skip


def key(text: str) -> str:
    """The oracle's lookup key: the word characters, without diacritics and tatweel."""
    return _NOT_WORD.sub("", text)


def same(a: str, b: str) -> bool:
    """Equal, quote-mark style and spacing aside."""
    return re.sub(r"\s+", "", a.translate(_QUOTES)) == re.sub(r"\s+", "", b.translate(_QUOTES))


class Oracle(Backend):
    """Answers what its table knows (keyed with ``key``), transliterates the rest."""

    name = "oracle"

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        return [Hypothesis(self.table.get(key(s)) or transliterate(s)) for s in sentences]

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": "reference", "device": "cpu", "dtype": "none"}


def load_lines(root: Path) -> list[tuple[str, str, str]]:
    """(document id, Arabic line, English reference) for every NTREX line."""
    ids = [line.split("\t")[0] for line in (root / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").split("\n")]
    arabic = (root / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").split("\n")
    english = (root / "newstest2019-src.eng.txt").read_text(encoding="utf-8").split("\n")
    return [(d, a.strip(), e.strip()) for d, a, e in zip(ids, arabic, english, strict=True) if a.strip()]


def references_of(lines: list[tuple[str, str, str]]) -> dict[str, str]:
    """The oracle's table: each line's key to its reference. A line whose words repeat
    another line's with another reference cannot be answered, and is left out."""
    by_key: dict[str, set[str]] = {}
    for _, arabic, english in lines:
        by_key.setdefault(key(arabic), set()).add(english)
    return {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}


def write_articles(lines: list[tuple[str, str, str]], folder: Path) -> None:
    """One file per article, one line per NTREX line (the article's headline first)."""
    folder.mkdir(parents=True)
    articles: dict[str, list[str]] = {}
    for doc, arabic, _ in lines:
        articles.setdefault(doc, []).append(arabic)
    for doc, text in articles.items():
        (folder / f"{doc}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")


def accepted_forms(entry: Entry) -> tuple[str, ...]:
    return (entry.english, *getattr(entry, "variants", ()))


def misspell(rendering: str, accepted: tuple[str, ...]) -> str | None:
    """``rendering`` with its longest word misspelt the way a model might, or ``None``
    (an acronym, or nothing to change that gives a form the glossary does not accept)."""
    folded = {key(a).lower() for a in accepted}
    for word in sorted(re.findall(r"[^\W\d_]{4,}", rendering), key=len, reverse=True):
        if word.isupper():
            continue
        for old, new in _MISSPELLINGS:
            at = word.find(old, 1)
            if at > 0:
                wrong = rendering.replace(word, word[:at] + new + word[at + len(old) :], 1)
                if key(wrong).lower() not in folded:
                    return wrong
    return None


def repair_table(lines: list[tuple[str, str, str]], table: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """The oracle's table for the Repair test: one glossary name misspelt per sentence that
    has one, and the same misspelling as the translation of that name alone."""
    glossary = load_glossary()
    wrong_table = dict(table)
    alone: dict[str, str] = {}
    chosen: dict[str, Any] = {}
    for _, arabic, reference in lines:
        if table.get(key(arabic)) != reference:
            continue
        for match in glossary.find(normalise(arabic).text):
            forms = accepted_forms(match.entry)
            found = None
            for form in sorted(forms, key=len, reverse=True):
                found = re.search(rf"(?<!\w){re.escape(form)}(?!\w)", reference)
                if found:
                    break
            wrong = misspell(found.group(), forms) if found else None
            if not found or not wrong or alone.get(key(match.arabic), wrong) != wrong:
                continue
            alone[key(match.arabic)] = wrong
            wrong_table[key(arabic)] = reference[: found.start()] + wrong + reference[found.end() :]
            chosen[key(arabic)] = {"name": match.arabic, "reference": found.group(), "misspelt": wrong}
            break
    wrong_table.update(alone)
    return wrong_table, chosen


def run(articles: Path, out: Path, table: dict[str, str], config: Path | None) -> list[dict[str, Any]]:
    """``tarjama translate`` with the oracle; the alignment records of every file."""
    register_backend("oracle", lambda **_: Oracle(table))
    argv = ["translate", str(articles), "-o", str(out), "--backend", "oracle", "--no-cache", "-q"]
    if config:
        argv += ["--config", str(config)]
    code = tarjama(argv)
    if code != 0:
        raise SystemExit(f"tarjama translate exited with {code}")
    return [
        json.loads(line)
        for path in sorted(out.glob("*.align.jsonl"))
        for line in path.read_text(encoding="utf-8").split("\n")
        if line
    ]


def judged(records: list[dict[str, Any]], references: dict[str, str]) -> tuple[list[tuple[dict[str, Any], str]], int]:
    """The records the oracle could answer, with their reference; and how many were left out."""
    kept = [(r, references[key(r["source"])]) for r in records if r["units"] is None and key(r["source"]) in references]
    return kept, len(records) - len(kept)


def keep_test(records: list[dict[str, Any]], references: dict[str, str]) -> dict[str, Any]:
    kept, left_out = judged(records, references)
    changed = [(r, ref) for r, ref in kept if not same(r["translation"], ref)]
    flags = Counter(f for r, _ in kept for f in r["flags"])
    return {
        "sentences": len(kept),
        "left_out": left_out,
        "kept_exactly": len(kept) - len(changed),
        "kept_share": round((len(kept) - len(changed)) / len(kept), 4),
        "methods": dict(Counter(r["method"] for r, _ in kept)),
        "flags": dict(flags),
        "name_inconsistent_share": round(flags["name_inconsistent"] / len(kept), 4),
        "changed": [_example(r, ref) for r, ref in changed],
    }


def repair_test(records: list[dict[str, Any]], references: dict[str, str], chosen: dict[str, Any]) -> dict[str, Any]:
    kept, _ = judged(records, references)
    tested = [(r, ref) for r, ref in kept if key(r["source"]) in chosen]
    failed = [(r, ref) for r, ref in tested if not same(r["translation"], ref)]
    return {
        "sentences": len(tested),
        "restored": len(tested) - len(failed),
        "restored_share": round((len(tested) - len(failed)) / len(tested), 4) if tested else 0.0,
        "rebuilt": sum(r["method"] == "rebuilt" for r, _ in tested),
        "methods": dict(Counter(r["method"] for r, _ in tested)),
        "flags": dict(Counter(f for r, _ in tested for f in r["flags"])),
        "not_restored": [{**_example(r, ref), **chosen[key(r["source"])]} for r, ref in failed],
    }


def _example(record: dict[str, Any], reference: str) -> dict[str, Any]:
    return {
        "source": record["source"],
        "reference": reference,
        "translation": record["translation"],
        "method": record["method"],
        "flags": record["flags"],
    }


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data" / "ntrex128")
    parser.add_argument("--json", type=Path, default=Path("faithfulness.json"))
    parser.add_argument("--config", type=Path, help="tarjama settings file for both runs")
    args = parser.parse_args()

    lines = load_lines(args.data)
    references = references_of(lines)
    wrong, chosen = repair_table(lines, references)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tarjama-faithfulness-") as tmp:
        articles = Path(tmp) / "ntrex"
        write_articles(lines, articles)
        keep = keep_test(run(articles, Path(tmp) / "keep", references, args.config), references)
        repair = repair_test(run(articles, Path(tmp) / "repair", wrong, args.config), references, chosen)
    report = {
        "data": f"NTREX-128 ({args.data})",
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
        "lines": len(lines),
        "keep": keep,
        "repair": repair,
    }
    print(f"NTREX-128: {len(lines)} lines; the oracle answers the {keep['sentences']} kept whole as one sentence")
    print(f"({keep['left_out']} sentences left out: lines the segmenter splits, or that repeat another's words)\n")
    print("| test | sentences | exactly as the reference | rebuilt | methods | flags |")
    print("|---|---|---|---|---|---|")
    print(
        f"| keep | {keep['sentences']} | {keep['kept_exactly']} ({keep['kept_share']:.2%}) | "
        f"{keep['methods'].get('rebuilt', 0)} | {_counts(keep['methods'])} | {_counts(keep['flags'])} |"
    )
    print(
        f"| repair | {repair['sentences']} | {repair['restored']} ({repair['restored_share']:.2%}) | "
        f"{repair['rebuilt']} | {_counts(repair['methods'])} | {_counts(repair['flags'])} |"
    )
    print(f"\nname_inconsistent: {keep['name_inconsistent_share']:.2%} of the reference sentences")
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda item: -item[1])) or "none"


if __name__ == "__main__":
    main()
