#!/usr/bin/env python
"""Check the structural guarantees of a `tarjama translate` output folder.

For every file of the manifest: the English has as many paragraphs and lines per
paragraph as the source, every alignment span read back from the original gives the
recorded source sentence, and every target span gives the recorded translation.

    python scripts/check_outputs.py OUTDIR

Prints one line per problem and a summary; exits 1 if any check failed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tarjama.outputs import read_alignment, read_manifest

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def layout(text: str) -> list[int]:
    """Lines per paragraph, paragraphs being blocks separated by blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [len(block.split("\n")) for block in _PARAGRAPH_BREAK.split(text)] if text else []


def check_file(original: str, english: str, records: list[dict]) -> list[str]:
    """Problems found for one translated file (empty when all is well)."""
    problems = []
    if layout(original) != layout(english):
        problems.append(f"layout {layout(original)} != {layout(english)}")
    for r in records:
        start, end = r["source_span"]
        if original[start:end] != r["source"]:
            problems.append(f"source span {start}:{end} does not read back")
        start, end = r["target_span"]
        if english[start:end] != r["translation"]:
            problems.append(f"target span {start}:{end} does not read back")
    return problems


def check_folder(out: Path) -> tuple[int, list[str]]:
    """Number of files checked and the problems found, each prefixed with its file."""
    manifest = read_manifest(out)
    if manifest is None:
        return 0, [f"{out}: no manifest.json: not a tarjama translate output folder"]
    problems, checked = [], 0
    for entry in manifest["files"]:
        if entry["status"] != "done":
            problems.append(f"{entry['input']}: status {entry['status']}: {entry.get('error')}")
            continue
        original = Path(entry["input"]).read_text(encoding="utf-8-sig")
        english = (out / entry["output"]).read_text(encoding="utf-8")
        records = read_alignment(out / entry["alignment"])
        problems += [f"{entry['input']}: {p}" for p in check_file(original, english, records)]
        checked += 1
    return checked, problems


def main() -> None:
    checked, problems = check_folder(Path(sys.argv[1]))
    for problem in problems:
        print(problem)
    print(f"{checked} files checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
