"""Reading translations and references into documents, pairing them, and the scoring mode."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EvaluationError
from ..jsonl import json_lines
from ..languages import ar
from ..outputs import TEXT_SUFFIXES, alignment_of, read_alignment, translation_stem
from ..read import read_text

MODES = ("auto", "sentence", "document")
DOCUMENT_IDS = "DOCUMENT_IDS.tsv"

_REFERENCE_MARKS = (".ref.en", ".en", "")  # a/b.ref.en.txt is preferred to a/b.en.txt, then a/b.txt
_LATIN_LETTER = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class DocumentText:
    """One document of translations or references, as it is scored.

    Attributes:
        path: the file it was read from (for a line-aligned file, that whole file).
        lines: its non-blank lines, whitespace collapsed: the segments of sentence mode.
    """

    path: Path
    lines: tuple[str, ...]

    @property
    def document(self) -> str:
        """The whole text on one line: the segment of document mode."""
        return " ".join(self.lines)

    def segments(self, mode: str) -> tuple[str, ...]:
        """What is scored in ``mode``: the lines (``sentence``) or the whole (``document``)."""
        return self.lines if mode == "sentence" else (self.document,)


@dataclass(frozen=True)
class DocumentPair:
    """A translated document and its reference."""

    name: str
    translation: DocumentText
    reference: DocumentText


def read_line_aligned(
    path: str | Path, document_ids: str | Path, encoding: str | None = None
) -> dict[str, DocumentText]:
    """The documents of a line-aligned file, grouped by the ids of ``document_ids``.

    Args:
        path: one segment per line.
        document_ids: one document id per line of ``path`` (the first tab-separated field),
            as NTREX-128's ``DOCUMENT_IDS.tsv``.

    Returns:
        Document id -> its lines, in the order the ids first appear.

    Raises:
        EvaluationError: a file is missing, the line counts differ, or a line or id is empty.
        InputError: a file cannot be read as text.
    """
    path, ids_path = _existing_file(Path(path)), _existing_file(Path(document_ids))
    lines = _file_lines(read_text(path, encoding))
    ids = [line.split("\t")[0].strip() for line in _file_lines(read_text(ids_path, encoding))]
    if len(lines) != len(ids):
        raise EvaluationError(
            str(path), f"has {len(lines)} lines but {ids_path} has {len(ids)} document ids; they must be line-aligned"
        )
    grouped: dict[str, list[str]] = {}
    for number, (document, line) in enumerate(zip(ids, lines, strict=True), 1):
        if not document:
            raise EvaluationError(str(ids_path), f"line {number} has no document id")
        segment = " ".join(line.split())
        if not segment:
            raise EvaluationError(
                str(path), f"line {number} (document {document}) is empty; every line must hold a segment"
            )
        grouped.setdefault(document, []).append(segment)
    return {document: DocumentText(path, tuple(segments)) for document, segments in grouped.items()}


def read_translations(
    path: str | Path, document_ids: str | Path | None = None, *, jsonl_field: str = "text"
) -> dict[str, DocumentText]:
    """The translated documents to score, by document name.

    Args:
        path: a ``tarjama translate`` output folder (its ``*.en.txt``, ``*.en.md`` and
            ``*.en.jsonl`` files), one translation file, or with ``document_ids`` a
            line-aligned file.
        document_ids: document ids, one per line of ``path``.
        jsonl_field: the field of JSON Lines records that holds the text.

    Returns:
        Document name (``a/b`` for ``a/b.en.txt``, ``a/b#N`` for record N of
        ``a/b.en.jsonl``) -> its text. A translation with an alignment file beside it is
        read line by line through the alignment.

    Raises:
        EvaluationError: no translation, an empty translation, or an alignment that does
            not match its translation.
        InputError: a file cannot be read as text.
    """
    path = Path(path)
    if document_ids is not None:
        return read_line_aligned(path, document_ids)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and translation_stem(p.name) is not None)
        if not files:
            raise EvaluationError(
                str(path),
                "holds no translations (*.en.txt, *.en.md, *.en.jsonl); give the -o folder of tarjama translate",
            )
    else:
        files = [_existing_file(path)]
    documents: dict[str, DocumentText] = {}
    for file in files:
        name = _translation_name(file.relative_to(path).as_posix() if path.is_dir() else file.name)
        if file.suffix == ".jsonl":
            documents.update(_read_jsonl_translations(file, name, jsonl_field))
        else:
            documents[name] = _read_translation(file)
    return documents


def read_references(
    path: str | Path, document_ids: str | Path | None = None, *, jsonl_field: str = "text", encoding: str | None = None
) -> dict[str, DocumentText]:
    """The English references, by document name.

    Args:
        path: a folder of references named like the translations (``a/b.ref.en.txt``,
            ``a/b.en.txt`` or ``a/b.txt``; ``.md`` and ``.jsonl`` alike, each JSON Lines
            record a document ``a/b#N``), one reference file, a line-aligned file with
            ``document_ids``, or a folder with ``DOCUMENT_IDS.tsv`` and one ``*.eng.txt``.
        document_ids: document ids, one per line of ``path``.
        jsonl_field: the field of JSON Lines records that holds the text.
        encoding: read the files with this encoding instead of detecting it.

    Returns:
        Document name -> its reference, in the order of the reference set.

    Raises:
        EvaluationError: no reference, an empty one, or one in Arabic (the source given by mistake).
        InputError: a file cannot be read as text.
    """
    path = Path(path)
    if document_ids is not None:
        documents = read_line_aligned(path, document_ids, encoding)
    elif path.is_dir() and (path / DOCUMENT_IDS).is_file():
        english = one_file(path, (".eng.txt", ".en.txt"), "English", f"--ref FILE --doc-ids {path / DOCUMENT_IDS}")
        documents = read_line_aligned(english, path / DOCUMENT_IDS, encoding)
    elif path.is_dir():
        documents = _reference_folder(path, jsonl_field, encoding)
    else:
        documents = _read_references(_existing_file(path), _reference_name(path.name)[1], jsonl_field, encoding)
    for document in documents.values():
        check_english(document)
    return documents


def _existing_file(path: Path) -> Path:
    if path.is_dir():
        raise EvaluationError(str(path), "is a folder; a file is needed here")
    if not path.is_file():
        raise EvaluationError(str(path), "no such file or folder")
    return path


def _translation_name(relative: str) -> str:
    stem = translation_stem(relative)
    if stem is not None:
        return stem
    return relative.rsplit(".", 1)[0] if "." in relative.rsplit("/", 1)[-1] else relative


def _reference_name(relative: str) -> tuple[int, str]:
    """(preference rank, document name) of a reference file's relative name."""
    for rank, mark in enumerate(_REFERENCE_MARKS):
        for suffix in TEXT_SUFFIXES:
            ending = mark + suffix
            if relative.endswith(ending) and len(relative) > len(ending):
                return rank, relative[: -len(ending)]
    return len(_REFERENCE_MARKS), relative


def _read_translation(path: Path) -> DocumentText:
    text = read_text(path)
    if not text.strip():
        raise EvaluationError(str(path), "is empty: there is no translation to score")
    alignment = alignment_of(path)
    if alignment is None or not alignment.is_file():
        return DocumentText(path, _lines(text))
    return DocumentText(path, _aligned_lines(text, path, alignment, read_alignment(alignment)))


def _read_jsonl_translations(path: Path, name: str, field: str) -> dict[str, DocumentText]:
    """Each record of a translated JSON Lines file as the document ``name#N``, read
    through its alignment records (those with ``record`` N) when there is an alignment."""
    alignment = alignment_of(path)
    by_record: dict[object, list[dict[str, Any]]] = {}
    if alignment is not None and alignment.is_file():
        for record in read_alignment(alignment):
            by_record.setdefault(record.get("record"), []).append(record)
    documents = {}
    for number, text in enumerate(_jsonl_texts(path, field)):
        records = by_record.get(number)
        lines = _lines(text) if alignment is None or records is None else _aligned_lines(text, path, alignment, records)
        documents[f"{name}#{number}"] = DocumentText(path, lines)
    return documents


def _jsonl_texts(path: Path, field: str, encoding: str | None = None) -> list[str]:
    """The ``field`` of each record of a JSON Lines file."""
    texts = []
    for number, line in json_lines(read_text(path, encoding)):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvaluationError(str(path), f"line {number} is not JSON ({error.msg})") from None
        value = record.get(field) if isinstance(record, dict) else None
        if not isinstance(value, str):
            raise EvaluationError(
                str(path), f"line {number} has no text field {field!r} (choose one with --jsonl-field)"
            )
        texts.append(value)
    if not texts:
        raise EvaluationError(str(path), "holds no JSON records")
    return texts


def _aligned_lines(text: str, path: Path, alignment: Path, records: list[dict[str, Any]]) -> tuple[str, ...]:
    """The translation line by line as its alignment maps the sentences; a line's sentences joined."""
    by_line: dict[int, list[str]] = {}
    breaks = [match.end() for match in _LINE_BREAK.finditer(text)]  # where each line after the first starts
    for number, record in enumerate(records, 1):
        try:
            start, end = record["target_span"]
            translation = record["translation"]
            found = text[start:end]
        except (ValueError, KeyError, TypeError) as error:
            raise EvaluationError(str(alignment), f"line {number} is not an alignment record ({error})") from None
        if found != translation:
            raise EvaluationError(
                str(alignment),
                f"line {number}: target_span [{start}, {end}] does not hold its translation in {path}; "
                "the two files are not from the same run",
            )
        # a translation has the lines of its source, so a sentence's line is its source line
        by_line.setdefault(bisect.bisect_right(breaks, start), []).append(translation)
    return tuple(" ".join(" ".join(parts).split()) for _, parts in sorted(by_line.items()))


_LINE_BREAK = re.compile(r"\r\n?|\n")


def _file_lines(text: str) -> list[str]:
    """Lines as reading the file line by line gives them (LF, CRLF or CR).

    Not ``str.splitlines``, which also breaks at U+2028, form feeds and the like, and would
    count lines that sacrebleu and ``wc -l`` do not.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _lines(text: str) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in _file_lines(text) if line.strip())


def _reference_folder(folder: Path, jsonl_field: str, encoding: str | None) -> dict[str, DocumentText]:
    found: dict[str, tuple[int, Path]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES):
        rank, name = _reference_name(path.relative_to(folder).as_posix())
        if name not in found or rank < found[name][0]:
            found[name] = (rank, path)
    if not found:
        raise EvaluationError(str(folder), "holds no references (*.txt, *.md, *.jsonl)")
    documents: dict[str, DocumentText] = {}
    for name, (_, path) in found.items():
        documents.update(_read_references(path, name, jsonl_field, encoding))
    return documents


def _read_references(path: Path, name: str, jsonl_field: str, encoding: str | None) -> dict[str, DocumentText]:
    """The reference document ``name`` of a file; each record ``name#N`` of a JSON Lines one."""
    if path.suffix != ".jsonl":
        return {name: _read_reference(path, encoding)}
    texts = _jsonl_texts(path, jsonl_field, encoding)
    return {f"{name}#{n}": DocumentText(path, _lines(text)) for n, text in enumerate(texts)}


def _read_reference(path: Path, encoding: str | None) -> DocumentText:
    text = read_text(path, encoding)
    if not text.strip():
        raise EvaluationError(str(path), "is empty: a reference must hold the English text")
    return DocumentText(path, _lines(text))


def check_english(reference: DocumentText) -> None:
    text = reference.document
    if len(ar.LETTER.findall(text)) > len(_LATIN_LETTER.findall(text)):
        raise EvaluationError(
            str(reference.path),
            "is Arabic, not English; a reference must be the English translation (is it the source?)",
        )


def one_file(folder: Path, suffixes: tuple[str, ...], language: str, option: str) -> Path:
    candidates = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffixes))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        patterns = ", ".join(f"*{s}" for s in suffixes)
        raise EvaluationError(
            str(folder), f"needs exactly one {language} file ({patterns}), found: {found}; name it with {option}"
        )
    return candidates[0]


def pair_documents(
    translations: Mapping[str, DocumentText],
    references: Mapping[str, DocumentText],
    translations_from: str | Path,
    references_from: str | Path,
) -> list[DocumentPair]:
    """Each translation with its reference, in the order of the references.

    One translation and one reference are paired whatever their names.

    Raises:
        EvaluationError: a translation has no reference, or a reference no translation.
    """
    if len(translations) == 1 and len(references) == 1:
        (name, translation), reference = next(iter(translations.items())), next(iter(references.values()))
        return [DocumentPair(name, translation, reference)]
    if Path(references_from).is_file() and len(references) == 1:
        raise EvaluationError(
            str(references_from),
            f"is one reference but {translations_from} holds {len(translations)} translations; "
            "give a folder of references with the same relative names",
        )
    for name, translation in translations.items():
        if name not in references:
            raise EvaluationError(
                str(translation.path), f"has no reference: {references_from} has no document {name!r}"
            )
    for name, reference in references.items():
        if name not in translations:
            raise EvaluationError(
                str(reference.path),
                f"has no translation: {translations_from} has no document {name!r} (was it translated?)",
            )
    return [DocumentPair(name, translations[name], reference) for name, reference in references.items()]


def choose_mode(pairs: Sequence[DocumentPair], mode: str = "auto", line_aligned: bool = False) -> tuple[str, str]:
    """The scoring mode and why it was chosen.

    Args:
        pairs: the documents.
        mode: ``auto``, ``sentence`` or ``document``.
        line_aligned: the references are line-aligned by construction (document ids), so a
            line count that differs is an error rather than a reason for document mode.

    Returns:
        ``("sentence" | "document", reason)``.

    Raises:
        EvaluationError: sentence mode is required and a document's line counts differ.
    """
    if mode == "document":
        return "document", f"asked for: each of the {counted(len(pairs), 'document')} is one segment"
    mismatched = [p for p in pairs if len(p.translation.lines) != len(p.reference.lines)]
    if not mismatched:
        segments = counted(sum(len(p.reference.lines) for p in pairs), "segment")
        documents = counted(len(pairs), "document")
        return "sentence", f"every reference has one line per source line: {segments} in {documents}"
    first = mismatched[0]
    counts = (
        f"document {first.name!r}: {counted(len(first.reference.lines), 'reference line')} in {first.reference.path}, "
        f"{counted(len(first.translation.lines), 'translated line')} in {first.translation.path}"
    )
    if mode == "sentence" or line_aligned:
        raise EvaluationError(
            str(first.reference.path),
            f"line counts do not match ({counts}); sentence mode needs one reference line per source line",
        )
    more = f", and {len(mismatched) - 1} more" if len(mismatched) > 1 else ""
    return "document", f"the references are not line-aligned with the sources ({counts}{more})"


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def check_options(mode: str, n_bootstrap: int) -> None:
    if mode not in MODES:
        raise ConfigError(f"unknown evaluation mode {mode!r}; known: {', '.join(MODES)}")
    if n_bootstrap < 1:
        raise ConfigError(f"bootstrap resamples must be 1 (none) or more, not {n_bootstrap}")


def document_ids_file(references: Path, document_ids: str | Path | None) -> Path | None:
    if document_ids is not None:
        return Path(document_ids)
    if references.is_dir() and (references / DOCUMENT_IDS).is_file():
        return references / DOCUMENT_IDS
    return None


def load_pairs(
    translations: str | Path,
    references: str | Path,
    document_ids: str | Path | None,
    jsonl_field: str = "text",
    encoding: str | None = None,
) -> list[DocumentPair]:
    """The documents of ``translations`` paired with their references (see ``evaluate``)."""
    translations, references = Path(translations), Path(references)
    if not translations.exists():
        raise EvaluationError(str(translations), "no such file or folder")
    ids = document_ids_file(references, document_ids)
    # a single translation file beside line-aligned references is line-aligned too
    found = read_translations(
        translations, ids if ids is not None and translations.is_file() else None, jsonl_field=jsonl_field
    )
    found_references = read_references(references, document_ids, jsonl_field=jsonl_field, encoding=encoding)
    return pair_documents(found, found_references, translations, references)
