"""Writing outputs: the English text, the alignment (JSON Lines) and JSON files (the manifest's
owner, names and readers are in ``tarjama.outputs``).

Every file is written atomically (a temporary file in the same folder, then a rename),
so an output is either complete or absent.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from .document import ArticleTranslation
from .jsonl import JsonRecord, dump_chunks, dumps
from .normalise import NormalisedText, normalise

# temporary files are named .tarjama-XXXXXXXX.tmp (mkstemp's 8 characters): short, so a
# long output name still fits, and recognisable, so only they are ever removed
_TEMPORARY = re.compile(r"\.tarjama-[a-z0-9_]{8}\.tmp")


def atomic_write(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8; a string or its pieces) to ``path`` so that readers never
    see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tarjama-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it owner-only; outputs are for sharing
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename in (None, temporary):
            error.filename = str(path)  # the file the caller asked for, not the temporary one
        raise


def remove_temporaries(folder: Path) -> int:
    """Remove the temporary files that ``atomic_write`` left under ``folder`` (a run was
    killed mid-write) and no other file; the number removed. Call it only while no other
    process writes there (``tarjama.folder`` holds the output folder's lock)."""
    removed = 0
    for path in folder.rglob(".tarjama-*.tmp"):
        if _TEMPORARY.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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


def article_texts(result: ArticleTranslation) -> tuple[str, str]:
    """The translation and its alignment (JSON Lines), as written to the files
    ``tarjama.outputs.output_names`` gives."""
    return result.text, "".join(dumps(record) + "\n" for record in alignment_records(result))


def records_texts(results: list[ArticleTranslation], records: list[JsonRecord]) -> tuple[str, str]:
    """JSON Lines: each input record with its text field translated and every other
    field as it was; and the alignment records of all of them with a ``record`` index."""
    lines = [record.with_text(dumps(result.text)) + "\n" for record, result in zip(records, results, strict=True)]
    aligned = [
        dumps({"record": number, **alignment}) + "\n"
        for number, result in enumerate(results)
        for alignment in alignment_records(result)
    ]
    return "".join(lines), "".join(aligned)


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, chain(dump_chunks(data, indent=2), ["\n"]))
