"""Writing outputs: the English text, the alignment (JSON Lines) and JSON files (the manifest's
owner, names and readers are in ``tarjama.outputs``).

Every file is written atomically (a temporary file in the same folder, then a rename),
so an output is either complete or absent.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from .document import ArticleTranslation
from .normalise import NormalisedText, normalise


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so that readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it owner-only; outputs are for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def alignment_records(result: ArticleTranslation) -> list[dict[str, Any]]:
    """One record per sentence: where it is in the source and in the translation.

    Quotation and name spans are relative to the record's ``source`` and
    ``translation`` strings.
    """
    records = []
    for item in result.sentences:
        norm = normalise(item.source)  # the sentence's text, with a map back to the source

        def source_span(span: tuple[int, int], norm: NormalisedText = norm) -> list[int]:
            return list(norm.original_span(*span))

        records.append(
            {
                "paragraph": item.sentence.paragraph,
                "sentence": item.sentence.index,
                "source": item.source,
                "source_span": [item.sentence.start, item.sentence.end],
                "translation": item.translation,
                "target_span": list(item.target_span),
                "units": list(item.sentence.units) if item.sentence.was_split else None,
                "flags": list(item.flags),
                "method": item.method,
                "score": item.score,
                "quotes": [
                    {
                        "source_span": source_span(q.source_span),
                        "target_span": list(q.target_span) if q.target_span else None,
                    }
                    for q in item.quotes
                ],
                "names": [
                    {
                        "source": n.arabic,
                        "source_span": source_span(n.source_span),
                        "english": n.english,
                        "type": n.type,
                        "target_span": list(n.target_span) if n.target_span else None,
                        "rendering": n.rendering,
                        "found": n.found,
                    }
                    for n in item.names
                ],
            }
        )
    return records


def write_article(result: ArticleTranslation, text_path: Path, align_path: Path) -> None:
    """Write the translation and its alignment (names: ``tarjama.outputs.output_names``)."""
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in alignment_records(result))
    atomic_write(align_path, "".join(lines))
    atomic_write(text_path, result.text)


def write_records(
    results: list[ArticleTranslation], records: list[dict[str, Any]], field: str, text_path: Path, align_path: Path
) -> None:
    """JSON Lines: each input record with its ``field`` translated (the other fields as
    they were), and the alignment records of all of them with a ``record`` index."""
    lines = [
        json.dumps({**record, field: result.text}, ensure_ascii=False) + "\n"
        for record, result in zip(records, results, strict=True)
    ]
    aligned = [
        json.dumps({"record": number, **alignment}, ensure_ascii=False) + "\n"
        for number, result in enumerate(results)
        for alignment in alignment_records(result)
    ]
    atomic_write(align_path, "".join(aligned))
    atomic_write(text_path, "".join(lines))


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
