"""Writing outputs: the English text, the alignment (JSON Lines) and the run manifest.

Every file is written atomically (a temporary file in the same folder, then a rename),
so an output is either complete or absent.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .translator import ArticleTranslation


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def output_names(name: PurePosixPath) -> tuple[PurePosixPath, PurePosixPath]:
    """``a/b.txt`` -> ``(a/b.en.txt, a/b.align.jsonl)``."""
    stem = name.with_suffix("")
    return stem.with_name(f"{stem.name}.en{name.suffix or '.txt'}"), stem.with_name(f"{stem.name}.align.jsonl")


def alignment_records(result: ArticleTranslation) -> list[dict[str, Any]]:
    """One record per sentence: where it is in the source and in the translation."""
    return [
        {
            "paragraph": item.sentence.paragraph,
            "sentence": item.sentence.index,
            "source": item.source,
            "source_span": [item.sentence.start, item.sentence.end],
            "translation": item.translation,
            "target_span": list(item.target_span),
            "units": list(item.sentence.units) if item.sentence.was_split else None,
            "flags": list(item.flags),
        }
        for item in result.sentences
    ]


def write_article(result: ArticleTranslation, out_dir: Path, name: PurePosixPath) -> tuple[Path, Path]:
    """Write the translation and its alignment under ``out_dir``; return both paths."""
    text_name, align_name = output_names(name)
    text_path, align_path = out_dir / text_name, out_dir / align_name
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in alignment_records(result))
    atomic_write(align_path, "".join(lines))
    atomic_write(text_path, result.text)
    return text_path, align_path


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
