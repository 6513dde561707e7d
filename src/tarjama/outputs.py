"""The output folder of ``tarjama translate``, owned here: its file names, its manifest and
its alignment files, for every module that writes or reads them (folder runs, the review
page, evaluation, export, ``scripts/check_outputs.py``).

Layout: the input ``a/b.txt`` gives ``a/b.en.txt``, the translation (``.md`` and ``.jsonl``
inputs keep their suffix: ``a/b.en.md``, ``a/b.en.jsonl``), and ``a/b.align.jsonl``, one
JSON record per sentence; ``manifest.json`` says how each file was made.

Example:
    >>> from pathlib import PurePosixPath
    >>> output_names(PurePosixPath("news/b.md"))
    (PurePosixPath('news/b.en.md'), PurePosixPath('news/b.align.jsonl'))
    >>> translation_stem("news/b.en.jsonl"), input_name("news/b.en.md")
    ('news/b', 'news/b.md')
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError
from .jsonl import json_lines
from .write import write_json

# the mark of a translation: a/b.txt -> a/b.en.txt
TRANSLATION_MARK = ".en"
ALIGNMENT_SUFFIX = ".align.jsonl"
MANIFEST = "manifest.json"
# the suffixes of the inputs (tarjama.read finds these), which their translations keep
TEXT_SUFFIXES = (".txt", ".md", ".jsonl")
# a file whose stem ends so is an output (b.en.txt, b.align.jsonl), never an input
_OUTPUT_STEM_MARKS = (TRANSLATION_MARK, ALIGNMENT_SUFFIX.removesuffix(".jsonl"))


def output_names(name: PurePosixPath) -> tuple[PurePosixPath, PurePosixPath]:
    """The translation's and the alignment's names for the input ``name``."""
    stem = name.with_suffix("")
    translation = stem.with_name(f"{stem.name}{TRANSLATION_MARK}{name.suffix or '.txt'}")
    return translation, stem.with_name(f"{stem.name}{ALIGNMENT_SUFFIX}")


def is_output(path: PurePosixPath | Path) -> bool:
    """Whether ``path`` is named as an output (``b.en.txt``, ``b.align.jsonl``)."""
    return path.stem.endswith(_OUTPUT_STEM_MARKS)


def translation_stem(name: str) -> str | None:
    """``a/b.en.txt`` -> ``a/b``: the input's name without its suffix; ``None`` when
    ``name`` is not a translation's."""
    for suffix in TEXT_SUFFIXES:
        ending = TRANSLATION_MARK + suffix
        if name.endswith(ending) and len(name) > len(ending):
            return name[: -len(ending)]
    return None


def input_name(output: str) -> str:
    """``a/b.en.txt`` -> ``a/b.txt``: the input's name of a translation's (as it is when it
    is not one)."""
    path = PurePosixPath(output.replace("\\", "/"))
    stem = translation_stem(path.name)
    return str(path.with_name(stem + path.suffix)) if stem is not None else str(path)


def alignment_of(translation: Path) -> Path | None:
    """The alignment file beside a translation file (``None`` when it is not one)."""
    stem = translation_stem(translation.name)
    return translation.with_name(stem + ALIGNMENT_SUFFIX) if stem is not None else None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an output folder; ``None`` when there is none.

    Raises:
        InputError: it cannot be read, is not JSON or is not a JSON object.
    """
    path = folder / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(str(path), f"cannot be read ({error})") from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(str(path), f"is not JSON ({error}); run tarjama translate again to rewrite it") from None
    if not isinstance(manifest, dict):
        raise InputError(str(path), "is not a tarjama manifest (not a JSON object)")
    return manifest


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write (atomically) the manifest of an output folder; its path."""
    path = folder / MANIFEST
    write_json(path, manifest)
    return path


def read_alignment(path: Path) -> list[dict[str, Any]]:
    """The records of an alignment file, one JSON object per line.

    Raises:
        InputError: it cannot be read, or a line is not a JSON object (the line number).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(str(path), f"cannot be read ({error})") from None
    records = []
    for number, line in json_lines(text):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(str(path), f"line {number} is not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise InputError(str(path), f"line {number} is not a JSON object")
        records.append(record)
    return records
