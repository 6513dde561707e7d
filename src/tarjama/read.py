"""Finding input files and reading them as text, with errors that name the file."""

from __future__ import annotations

import codecs
import logging
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InputError

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
OUTPUT_MARK = ".en"  # b.txt -> b.en.txt; such files are outputs, never inputs


@dataclass(frozen=True)
class InputFile:
    """A file to translate and the relative name its outputs take in the output folder."""

    path: Path
    name: PurePosixPath


def find_inputs(inputs: list[str | Path], exclude: Path | None = None) -> list[InputFile]:
    """Expand files and folders (recursively, ``*.txt`` and ``*.md``) into input files.

    Symbolic links are followed only while they stay inside the folder given; the
    ``exclude`` folder (the output folder) is never read.

    Raises:
        InputError: an input does not exist, or two inputs would write the same output.
    """
    found: list[InputFile] = []
    excluded = exclude.resolve() if exclude else None
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found.extend(_walk(path, excluded))
        elif path.is_file():
            found.append(InputFile(path, PurePosixPath(path.name)))
        else:
            raise InputError(str(path), "no such file or folder")
    seen: dict[PurePosixPath, Path] = {}
    for item in found:
        if item.name in seen:
            raise InputError(
                str(item.path), f"would write the same outputs as {seen[item.name]} ({item.name}); pass them separately"
            )
        seen[item.name] = item.path
    return found


def _walk(root: Path, excluded: Path | None) -> list[InputFile]:
    real_root = root.resolve()
    files = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if _inside(here / d, real_root, excluded))
        for name in sorted(names):
            path = here / name
            if path.suffix not in SUFFIXES or path.stem.endswith(OUTPUT_MARK):
                continue
            if not _inside(path, real_root, excluded):
                logger.warning("%s: skipped, it links outside %s", path, root)
                continue
            files.append(InputFile(path, PurePosixPath(path.relative_to(root).as_posix())))
    return files


def _inside(path: Path, real_root: Path, excluded: Path | None) -> bool:
    real = path.resolve()
    if excluded is not None and real.is_relative_to(excluded):
        return False
    return real.is_relative_to(real_root)


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """Bytes of a text file as text: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Raises:
        InputError: the bytes are binary or not in the expected encoding.
    """
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise InputError(source, f"cannot be decoded as {encoding}: {error}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(source, f"has a UTF-16 BOM but is not valid UTF-16: {error.reason}") from None
    if b"\x00" in data:
        raise InputError(source, "is binary, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            source,
            f"is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "pass --encoding (for example windows-1256) or convert the file to UTF-8",
        ) from None


def read_text(path: Path, encoding: str | None = None) -> str:
    """The text of ``path`` (see ``decode``). Raises ``InputError`` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), f"cannot be read: {error.strerror}") from None
    return decode(data, str(path), encoding)
