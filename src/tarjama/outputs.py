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

import errno
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError, OutputError
from .jsonl import json_lines
from .write import write_json

logger = logging.getLogger(__name__)

# the mark of a translation: a/b.txt -> a/b.en.txt
TRANSLATION_MARK = ".en"
ALIGNMENT_SUFFIX = ".align.jsonl"
MANIFEST = "manifest.json"
# held (flock) by the run writing the folder; a second run waits for it
LOCK = ".tarjama.lock"
# each output's digest, appended as it is written: a run killed before its manifest
# recorded a file still shows the next run that tarjama wrote its outputs
JOURNAL = ".tarjama.written"
# the files a run keeps in the output folder for itself: not outputs
RUN_FILES = frozenset({LOCK, JOURNAL})
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
    files = manifest.get("files", [])
    if not isinstance(files, list):
        raise InputError(str(path), "its files is not a list: not a tarjama manifest; run tarjama translate again")
    manifest["files"] = [entry for number, entry in enumerate(files, 1) if _valid_entry(entry, number, path)]
    return manifest


def _valid_entry(entry: Any, number: int, path: Path) -> bool:
    """Whether a manifest's file entry has what readers use; a warning when it has not."""
    if not isinstance(entry, dict):
        problem = "not an object"
    elif "name" in entry and not isinstance(entry["name"], str):
        problem = "no name"
    else:
        needed = ("status", *(("output", "alignment") if entry.get("status") == "done" else ()))
        problem = next((f"no {key}" for key in needed if not isinstance(entry.get(key), str)), "")
    if problem:
        logger.warning("%s: file entry %d is not a tarjama entry (%s); left out", path, number, problem)
    return not problem


def digest(data: bytes) -> dict[str, Any]:
    """What the manifest records of an output written: its SHA-256 and size."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


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


@contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """Create the output folder if need be and hold its lock while the block runs.

    A second run on the same folder waits (saying so) until the first is done, so two
    runs never write the same files at once; the lock goes with the process, so a
    killed run leaves none behind.

    Raises:
        OutputError: the folder is a file, cannot be created or is not writable, or its
            manifest is not a file.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(str(folder), "is a file, not a folder; choose another output folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise OutputError(str(folder), _cannot_write(error)) from None
    manifest = folder / MANIFEST
    try:
        if manifest.exists() and not manifest.is_file():
            raise OutputError(str(manifest), "is not a file; move it away so that the manifest can be written")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "?"
            logger.warning("%s: waiting for another tarjama run (process %s) to finish with it", folder, holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)  # a killed run leaves its process id
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)  # for the message of a run that waits
        try:
            yield
        finally:
            os.ftruncate(handle, 0)
    finally:
        os.close(handle)  # releases the lock


def _cannot_write(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"is not writable ({error.strerror}); choose another output folder"
    return f"cannot be used as the output folder ({error.strerror})"


def journal_written(folder: Path, written: dict[str, dict[str, Any]]) -> None:
    """Append the digests of outputs about to be written (``{relative name: digest}``)."""
    with open(folder / JOURNAL, "a", encoding="utf-8") as journal:
        journal.write("".join(json.dumps({"name": name, **value}) + "\n" for name, value in written.items()))


def read_journal(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The digests the journal lists for each output, oldest first."""
    try:
        text = (folder / JOURNAL).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    written: dict[str, list[dict[str, Any]]] = {}
    for line in text.split("\n"):
        try:
            record = json.loads(line)
            value = {"sha256": str(record["sha256"]), "size": int(record["size"])}
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill
        written.setdefault(str(record["name"]), []).append(value)
    return written


def clear_journal(folder: Path) -> None:
    """Remove the journal once the manifest records everything in it."""
    (folder / JOURNAL).unlink(missing_ok=True)
