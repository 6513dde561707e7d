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
import tempfile
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError, OutputError
from .jsonl import dumps, json_lines
from .write import atomic_write

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


def write_manifest(folder: Path, manifest: dict[str, Any], files: Iterable[str] | None = None) -> Path:
    """Write (atomically) the manifest of an output folder; its path.

    Args:
        folder: the output folder.
        manifest: the manifest; without ``files``, its ``"files"`` list is written as is.
        files: the file entries, each encoded by ``entry_text``, written as the
            ``"files"`` list (``manifest["files"]`` only says where it goes): the text
            is the same as for the entries themselves, without holding them all.
    """
    path = folder / MANIFEST
    atomic_write(path, _manifest_chunks(manifest, files))
    return path


def entry_text(entry: dict[str, Any]) -> str:
    """A manifest's file entry as ``write_manifest`` writes it in the files list."""
    return dumps(entry, indent=2).replace("\n", "\n    ")  # a newline in a string is escaped


def _manifest_chunks(manifest: dict[str, Any], files: Iterable[str] | None) -> Iterator[str]:
    """The text of ``dumps(manifest, indent=2)`` and a newline, piece by piece, with
    ``files`` (encoded entries) as the files list."""
    separator = "{"
    for key, value in manifest.items():
        yield f"{separator}\n  {dumps(key)}: "
        separator = ","
        if key == "files" and files is not None:
            yield from _list_chunks(files)
        elif key == "files":
            yield from _list_chunks(entry_text(entry) for entry in value)
        else:
            yield dumps(value, indent=2).replace("\n", "\n  ")
    yield "{}\n" if separator == "{" else "\n}\n"


def _list_chunks(items: Iterable[str]) -> Iterator[str]:
    separator = "["
    for item in items:
        yield f"{separator}\n    "
        yield item
        separator = ","
    yield "[]" if separator == "[" else "\n  ]"


class ManifestFiles:
    """The files list of the manifest a folder run writes: the entries an earlier run
    left (held as read) and this run's, kept on disk as they are recorded.

    This run's entries go, encoded once (``entry_text``), to a temporary file in the
    output folder (``.tarjama-XXXXXXXX.tmp``, removed by ``close``, or by the next run's
    ``tarjama.write.remove_temporaries`` after a kill): a run's memory does not grow
    with its files' entries, and each rewrite of the manifest copies text rather than
    encoding every entry again. An entry takes the place of the earlier run's entry of
    the same name, or of this run's; new names follow in the order first recorded.
    ``add`` may be called from another thread than ``texts``.
    """

    def __init__(self, folder: Path, previous: dict[str, dict[str, Any]]) -> None:
        self.previous = previous
        handle, path = tempfile.mkstemp(prefix=".tarjama-", suffix=".tmp", dir=folder)
        self.path = Path(path)
        self._handle: int | None = handle
        self._slots: dict[str, int] = {}  # name -> its place in the arrays
        self._offsets = array("q")
        self._sizes = array("q")
        self._end = 0
        self.lock = threading.RLock()

    def add(self, name: str, entry: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        """Record this run's ``entry`` for ``name``: its slot (a number, the same for a
        name recorded again) and the entry it replaces, if this run recorded one."""
        data = entry_text(entry).encode("utf-8")
        with self.lock:
            os.pwrite(self._fd(), data, self._end)
            slot = self._slots.get(name)
            replaced = None
            if slot is None:
                slot = self._slots[name] = len(self._offsets)
                self._offsets.append(self._end)
                self._sizes.append(len(data))
            else:
                replaced = json.loads(self._text(slot))
                self._offsets[slot], self._sizes[slot] = self._end, len(data)
            self._end += len(data)
        return slot, replaced

    def texts(self) -> Iterator[str]:
        """The encoded entries in the manifest's order; hold ``lock`` while iterating."""
        for name, entry in self.previous.items():
            slot = self._slots.get(name)
            yield entry_text(entry) if slot is None else self._text(slot)
        for name, slot in self._slots.items():
            if name not in self.previous:
                yield self._text(slot)

    def entries(self) -> Iterator[dict[str, Any]]:
        """The entries in the manifest's order, decoded one at a time."""
        with self.lock:
            for text in self.texts():
                yield json.loads(text)

    def close(self) -> None:
        """Remove the temporary file."""
        with self.lock:
            if self._handle is not None:
                os.close(self._handle)
                self._handle = None
                self.path.unlink(missing_ok=True)

    def _fd(self) -> int:
        if self._handle is None:
            raise ValueError("the manifest's files are closed")
        return self._handle

    def _text(self, slot: int) -> str:
        size = self._sizes[slot]
        data = os.pread(self._fd(), size, self._offsets[slot])
        if len(data) != size:
            raise OSError(f"{self.path}: cut short")
        return data.decode("utf-8")


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


def read_journal(folder: Path, only: set[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The digests the journal lists for each output (of those named ``only``, when
    given), oldest first."""
    written: dict[str, list[dict[str, Any]]] = {}
    try:
        with open(folder / JOURNAL, encoding="utf-8", newline="\n") as journal:  # line by line: it lists every output
            for line in journal:
                try:
                    record = json.loads(line)
                    name = str(record["name"])
                    value = {"sha256": str(record["sha256"]), "size": int(record["size"])}
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill
                if only is None or name in only:
                    written.setdefault(name, []).append(value)
    except FileNotFoundError:
        pass  # no journal: no run was killed before its manifest caught up
    return written


def clear_journal(folder: Path) -> None:
    """Remove the journal once the manifest records everything in it."""
    (folder / JOURNAL).unlink(missing_ok=True)
