"""Alignment records with known names, quotations and flags, for the review page's tests.

The seed article's records are given the fake backend's plain transliteration and names,
quotations and flags computed by the test, so that the test knows exactly what the page
must show whatever the pipeline adds. Real articles keep the pipeline's output as it is
(names and quotations included, where it records them) and get the test's own where it
does not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tarjama.cli import main

from .conftest import SEED
from .oracle import transliterate

FAKE = ["--backend", "fake", "--model", "fake-model", "-q"]
# Arabic name -> English form, for the names the tests add to the records
NAMES = {"غاني": "Ghaani", "الكاظمي": "al-Kadhimi", "بغداد": "Baghdad", "تونس": "Tunisia"}
QUOTE = re.compile(r"“[^“”]*”|«[^«»]*»|\"[^\"]*\"")


def translate_with_fake(inputs: list[Path], out: Path) -> Path:
    assert main(["translate", *map(str, inputs), "-o", str(out), *FAKE]) == 0
    return out


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_records(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def occurrences(text: str, word: str) -> list[list[int]]:
    return [[m.start(), m.end()] for m in re.finditer(re.escape(word), text)]


def controlled(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the plain fake backend writes it: transliteration, no additions."""
    kept = {key: record[key] for key in ("paragraph", "sentence", "source", "source_span")}
    return {**kept, "translation": transliterate(" ".join(record["source"].split())), "flags": []}


def decorate(record: dict[str, Any], missing: str | None = None) -> dict[str, Any]:
    """Add names, quotations and flags as the alignment records them (issue 4), where the
    record has none of its own.

    The k-th occurrence of a name in the source is taken to be the k-th occurrence of its
    transliteration (what the fake backend makes of it) or English form in the
    translation. The name ``missing`` is recorded as not found, with ``name_missing``."""
    source, translation = record["source"], record["translation"]
    flags = list(record["flags"])
    if "names" not in record:
        names = []
        for arabic, english in NAMES.items():
            targets = sorted(occurrences(translation, transliterate(arabic)) + occurrences(translation, english))
            for k, span in enumerate(occurrences(source, arabic)):
                found = arabic != missing and k < len(targets)
                name = {"source": arabic, "english": english, "source_span": span, "found": found}
                names.append({**name, "target_span": targets[k] if found else None})
        if not all(name["found"] for name in names):
            flags.append("name_missing")
        record = {**record, "names": names}
    if "quotes" not in record:
        sources = [[m.start(), m.end()] for m in QUOTE.finditer(source)]
        targets = [[m.start(), m.end()] for m in QUOTE.finditer(translation)]
        pairs = zip(sources, targets, strict=False)  # a quotation the English lost has no pair
        record = {**record, "quotes": [{"source_span": s, "target_span": t} for s, t in pairs]}
        if source.count('"') % 2 or any(source.count(a) != source.count(b) for a, b in ("“”", "«»")):
            flags.append("quote_mismatch")
    return {**record, "flags": list(dict.fromkeys(flags))}


@pytest.fixture
def seed_out(tmp_path: Path) -> Path:
    out = translate_with_fake([SEED], tmp_path / "out")
    path = out / "000_4c695357e9463a4d.align.jsonl"
    write_records(path, [decorate(controlled(r), missing="بغداد") for r in read_records(path)])
    return out


def hostile_folder(tmp_path: Path) -> Path:
    """An output folder whose names and texts are markup and script."""
    out = tmp_path / "out"
    out.mkdir()
    name = "<img src=x onerror=window.pwned=2> & co.txt"
    records = [
        {
            "paragraph": 0,
            "sentence": 0,
            "source": "قال: </script><script>window.pwned=1</script> & «نعم»",
            "translation": "He said: <script>window.pwned=3</script> & <!-- “yes”",
            "flags": ["<b>bold</b>"],
        }
    ]
    write_records(out / "hostile.align.jsonl", records)
    manifest = {
        "tarjama": "<i>x</i>",
        "files": [{"output": name.replace(".txt", ".en.txt"), "status": "done", "alignment": "hostile.align.jsonl"}],
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out
