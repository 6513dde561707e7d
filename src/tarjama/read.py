"""Finding input files and reading them as text, with errors that name the file."""

from __future__ import annotations

import codecs
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ConfigError, InputError
from .languages import ar
from .outputs import TEXT_SUFFIXES, is_output

logger = logging.getLogger(__name__)


class InputFile:
    """A file to translate and the relative name its outputs take in the output folder.

    ``problem`` says why an input that was found cannot be translated (a folder that
    cannot be listed, a FIFO); the folder run reports it as a failed input.

    Held as strings, each path made when asked: a folder run holds one per input, and
    two path objects take four times their room.
    """

    __slots__ = ("_name", "_path", "problem")

    def __init__(self, path: str | os.PathLike[str], name: str | PurePosixPath, problem: str | None = None) -> None:
        self._path = os.fspath(path)
        self._name = str(name)
        self.problem = problem

    @property
    def path(self) -> Path:
        return Path(self._path)

    @property
    def name(self) -> PurePosixPath:
        return PurePosixPath(self._name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InputFile):
            return NotImplemented
        return (self._path, self._name, self.problem) == (other._path, other._name, other.problem)

    def __hash__(self) -> int:
        return hash((self._path, self._name, self.problem))

    def __repr__(self) -> str:
        return f"InputFile({self._path!r}, {self._name!r}, {self.problem!r})"


def find_inputs(inputs: list[str | Path], exclude: Path | None = None) -> list[InputFile]:
    """Expand files and folders (recursively, ``*.txt``, ``*.md`` and ``*.jsonl``) into
    input files.

    Symbolic links are followed only while they stay inside the folder given. The
    ``exclude`` folder (the output folder) is not read when it lies inside an input
    folder; when it is the input folder or holds it, the outputs there are recognised
    by their names. A file given twice is translated once. Subfolders that cannot be
    listed and files that are not regular files (FIFOs, devices) come back with their
    ``problem``.

    Raises:
        InputError: an input does not exist or is not a regular file, or two inputs
            would write the same output.
    """
    found: list[InputFile] = []
    excluded = exclude.resolve() if exclude else None
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found.extend(_walk(path, excluded))
        elif path.is_file():
            found.append(InputFile(path, PurePosixPath(path.name)))
        elif path.exists():
            raise InputError(str(path), f"is not a regular file ({_kind(path)})")
        else:
            raise InputError(str(path), "no such file or folder")
    # keyed by strings, not paths: a folder of 10,000 files should not cost megabytes here
    unique: dict[str, InputFile] = {}
    for item in found:  # the same file given twice (or by a folder and by name) is one input
        unique.setdefault(os.path.realpath(item.path), item)
    seen: dict[str, str] = {}
    for item in unique.values():
        if item.problem:
            continue
        stem = str(item.name.with_suffix(""))  # b.txt and b.md would both write b.align.jsonl
        if stem in seen:
            raise InputError(
                str(item.path), f"would write the same outputs as {seen[stem]} ({stem}.*); pass them separately"
            )
        seen[stem] = str(item.path)
    return list(unique.values())


def _walk(root: Path, excluded: Path | None) -> list[InputFile]:
    real_root = root.resolve()
    if excluded is not None and (excluded == real_root or real_root.is_relative_to(excluded)):
        excluded = None  # the outputs are beside the inputs: their names tell them apart
    files: list[InputFile] = []

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename)
        name = PurePosixPath(folder.relative_to(root).as_posix())
        files.append(InputFile(folder, name, f"cannot be read: {error.strerror}"))

    def outside(path: Path) -> None:
        relative = PurePosixPath(path.relative_to(root).as_posix())
        files.append(InputFile(path, relative, f"skipped: it links outside {root} (not followed)"))

    for folder, subfolders, names in os.walk(root, onerror=unreadable):
        here = Path(folder)
        kept = []
        for name in sorted(subfolders):
            place = _place(here / name, real_root, excluded)
            if place == "outside":
                outside(here / name)
            elif place == "inside":
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(names):
            path = here / name
            if path.suffix not in TEXT_SUFFIXES or is_output(path):
                continue
            place = _place(path, real_root, excluded)
            if place == "outside":
                outside(path)
            elif place == "inside":
                files.append(InputFile(path, PurePosixPath(path.relative_to(root).as_posix()), _not_regular(path)))
    return files


def _place(path: Path, real_root: Path, excluded: Path | None) -> str:
    """Where ``path`` leads: ``inside`` the input folder, to the ``output`` folder (never
    read), or ``outside`` (a symbolic link out of the tree, never followed)."""
    real = path.resolve()
    if excluded is not None and real.is_relative_to(excluded):
        return "output"
    return "inside" if real.is_relative_to(real_root) else "outside"


def _not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (reading a FIFO would block), or ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    return None if stat.S_ISREG(mode) else f"skipped: not a regular file ({_kind(path)})"


def _kind(path: Path) -> str:
    mode = path.stat().st_mode
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "not a file")


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read with."""

    text: str
    encoding: str


def check_encoding(encoding: str) -> None:
    """Raise ``ConfigError`` when Python has no codec named ``encoding``."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, windows-1256 or iso-8859-6"
        ) from None


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """The text of a file's bytes (see ``detect``)."""
    return detect(data, source, encoding).text


def detect(data: bytes, source: str, encoding: str | None = None) -> Decoded:
    """Bytes of a text file as text.

    UTF-8 (with or without BOM) and UTF-16 (with a BOM, or without one when the NUL
    bytes show it) are read as such. Bytes that are not UTF-8 but read as Arabic in
    Windows-1256 or ISO-8859-6 are decoded with a warning that names the encoding.

    Raises:
        InputError: the bytes are binary, or text in no encoding tarjama recognises.
    """
    if encoding is not None:
        try:
            return Decoded(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise InputError(source, f"cannot be decoded as {encoding}: {error}") from None
    utf16 = _utf16(data)
    if utf16 is not None:
        try:
            return Decoded(data.decode(utf16), utf16)
        except UnicodeDecodeError as error:
            raise InputError(source, f"looks like UTF-16 but is not valid UTF-16: {error.reason}") from None
    if b"\x00" in data:
        raise InputError(source, "is binary, not text (it contains NUL bytes)")
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as error:
        legacy = _legacy_arabic(data)
        if legacy is None:
            raise InputError(
                source,
                f"is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) and does not read as "
                "Arabic in Windows-1256 or ISO-8859-6; pass --encoding or convert the file to UTF-8",
            ) from None
        logger.warning("%s: not UTF-8; decoded as %s (pass --encoding to choose another)", source, legacy.encoding)
        return legacy


def _utf16(data: bytes) -> str | None:
    """``utf-16`` for bytes with a UTF-16 BOM; for bytes with NUL bytes but no BOM, the
    byte order in which they read as ordinary text (Arabic text in UTF-16 has NUL bytes
    only in its spaces, digits and Latin punctuation)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" not in data or len(data) % 2:
        return None
    best, best_score = None, 0.5
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # the right byte order gives Arabic and ASCII; the wrong one, other scripts
        score = sum(1 for ch in text if ch.isascii() or ar.BLOCK[0] <= ch <= ar.BLOCK[1]) / len(text)
        if score > best_score:
            best, best_score = encoding, score
    return best


def _legacy_arabic(data: bytes) -> Decoded | None:
    """The legacy encoding in which ``data`` reads best as Arabic, if any does: the
    one whose text has the most Arabic letters and the most ``ال``."""
    best: tuple[int, Decoded] | None = None
    for encoding in ar.LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = len(ar.LETTER.findall(text))
        if letters < 0.3 * len(data):
            continue
        score = letters + 10 * text.count(ar.DEFINITE_ARTICLE)
        if best is None or score > best[0]:
            best = (score, Decoded(text, encoding))
    return best[1] if best else None


def read_text(path: Path, encoding: str | None = None) -> str:
    """The text of ``path`` (see ``detect``). Raises ``InputError`` naming the file."""
    return read_file(path, encoding).text


def read_file(path: Path, encoding: str | None = None, data: bytes | None = None) -> Decoded:
    """The text of ``path`` (or of its ``data``, already read) and its encoding (see
    ``detect``). Raises ``InputError`` naming the file."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(str(path), f"cannot be read: {error.strerror}") from None
    return detect(data, str(path), encoding)
