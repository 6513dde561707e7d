"""Exporting the aligned sentence pairs of a translated folder, for building corpora.

``tarjama export OUT -o FILE --format tsv|jsonl|tmx|moses`` reads the alignment files
of a ``tarjama translate -o OUT`` folder (the files its manifest lists as done, in
manifest order) and writes one pair per sentence: the Arabic source, the English, the
document (input file; ``file#N`` for record N of a JSON Lines input), the paragraph and
sentence indexes, the flags and the model's score.

Formats (each written atomically, in UTF-8):

* ``tsv``: a header line, then one pair per line, columns ``document paragraph
  sentence source translation flags score``; a backslash, tab, line feed or carriage
  return inside a field is written ``\\\\``, ``\\t``, ``\\n``, ``\\r``; flags are
  comma-separated; a missing score is an empty field.
* ``jsonl``: one JSON object per pair with the fields above (``flags`` a list,
  ``score`` a number or null).
* ``tmx``: TMX 1.4b, source language ``ar``; each ``<tu>`` holds the document, indexes,
  flags and score as ``<prop type="x-...">`` and two ``<tuv>``. Characters XML 1.0
  cannot hold (most C0 controls) become U+FFFD, and a warning counts them.
* ``moses``: two line-aligned plain-text files, ``FILE.ar`` and ``FILE.en``, one
  sentence per line; line and paragraph separators inside a sentence become spaces, as
  Moses tools need. They hold no document, flags or score.

Filters: ``exclude_flags`` leaves out pairs with any of those flags; ``min_score``
leaves out pairs scored below it and pairs without a score (text copied unchanged, or
made by a backend that gives none), which no model vouched for.

Example:
    >>> from tarjama.export import export
    >>> export("out/", "corpus.tmx", "tmx", exclude_flags=["low_confidence"])  # doctest: +SKIP
    ExportReport(written=152, excluded=9, files=[PosixPath('corpus.tmx')])
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .errors import InputError
from .outputs import MANIFEST, read_alignment, read_manifest
from .version import __version__
from .write import atomic_write

logger = logging.getLogger(__name__)


class ExportFormat(str, Enum):
    """The formats ``tarjama export`` writes."""

    TSV = "tsv"
    JSONL = "jsonl"
    TMX = "tmx"
    MOSES = "moses"


TSV_COLUMNS = ("document", "paragraph", "sentence", "source", "translation", "flags", "score")
# the language codes of the pairs (TMX xml:lang, Moses file suffixes)
SOURCE_LANGUAGE, TARGET_LANGUAGE = "ar", "en"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# characters XML 1.0 cannot hold, even as references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# what str.splitlines() and Moses tools take for a line break, besides \n
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


@dataclass(frozen=True)
class Pair:
    """One aligned sentence: where it is, the Arabic, the English, flags and score."""

    document: str
    paragraph: int
    sentence: int
    source: str
    translation: str
    flags: tuple[str, ...] = ()
    score: float | None = None


@dataclass
class ExportReport:
    """What an export wrote: pairs written and left out by the filters, and the files."""

    written: int = 0
    excluded: int = 0
    files: list[Path] = field(default_factory=list)


def export(
    folder: str | Path,
    output: str | Path,
    format: str | ExportFormat,
    *,
    exclude_flags: Iterable[str] = (),
    min_score: float | None = None,
) -> ExportReport:
    """Write the sentence pairs of a translated folder to ``output``.

    Args:
        folder: the ``-o`` folder of ``tarjama translate``.
        output: the file to write (for ``moses``, the prefix of ``OUTPUT.ar`` and ``OUTPUT.en``).
        format: ``tsv``, ``jsonl``, ``tmx`` or ``moses``.
        exclude_flags: leave out pairs carrying any of these flags.
        min_score: leave out pairs scored below this, and pairs without a score.

    Returns:
        How many pairs were written and left out, and the files written.

    Raises:
        InputError: the folder is not a translated folder, or an alignment file is broken.
        ValueError: ``format`` is not one of the four.
    """
    kind = ExportFormat(format)
    report = ExportReport()
    kept = []
    for pair in folder_pairs(folder):
        if keep(pair, frozenset(exclude_flags), min_score):
            kept.append(pair)
        else:
            report.excluded += 1
    report.written = len(kept)
    output = Path(output)
    if kind is ExportFormat.MOSES:
        report.files = write_moses(kept, output)
    else:
        writer = {ExportFormat.TSV: tsv_text, ExportFormat.JSONL: jsonl_text, ExportFormat.TMX: tmx_text}[kind]
        atomic_write(output, writer(kept))
        report.files = [output]
    return report


def keep(pair: Pair, exclude_flags: frozenset[str], min_score: float | None) -> bool:
    """Whether ``pair`` passes the filters (see the module docstring)."""
    if exclude_flags.intersection(pair.flags):
        return False
    return min_score is None or (pair.score is not None and pair.score >= min_score)


def folder_pairs(folder: str | Path) -> Iterator[Pair]:
    """The pairs of every file a translated folder's manifest lists as done, in order."""
    root = Path(folder)
    manifest = read_manifest(root)
    if manifest is None:
        raise InputError(str(root / MANIFEST), "cannot be read (no such file); give the -o folder of tarjama translate")
    for entry in manifest.get("files") or []:
        if not isinstance(entry, dict) or entry.get("status") != "done":
            continue
        name = str(entry.get("name") or entry.get("input"))
        for record in read_alignment(root / str(entry["alignment"])):
            yield record_pair(name, record)


def record_pair(name: str, record: dict[str, Any]) -> Pair:
    """The pair of an alignment record of the input ``name``."""
    number = record.get("record")
    score = record.get("score")
    return Pair(
        document=f"{name}#{number}" if isinstance(number, int) else name,
        paragraph=int(record.get("paragraph") or 0),
        sentence=int(record.get("sentence") or 0),
        source=str(record.get("source", "")),
        translation=str(record.get("translation", "")),
        flags=tuple(str(flag) for flag in record.get("flags") or ()),
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
    )


# --- writers ---------------------------------------------------------------------


def tsv_text(pairs: Sequence[Pair]) -> str:
    lines = ["\t".join(TSV_COLUMNS)]
    for p in pairs:
        score = "" if p.score is None else repr(p.score)
        fields = [p.document, str(p.paragraph), str(p.sentence), p.source, p.translation, ",".join(p.flags), score]
        lines.append("\t".join(re.sub(r"[\\\t\n\r]", lambda m: _TSV_ESCAPES[m.group()], f) for f in fields))
    return "\n".join(lines) + "\n"


def jsonl_text(pairs: Sequence[Pair]) -> str:
    return "".join(json.dumps({**asdict(p), "flags": list(p.flags)}, ensure_ascii=False) + "\n" for p in pairs)


def tmx_text(pairs: Sequence[Pair]) -> str:
    """TMX 1.4b (https://www.gala-global.org/tmx-14b): a header, then one ``<tu>`` per pair."""
    replaced = 0

    def xml(text: str) -> str:
        nonlocal replaced
        text, count = _NOT_XML.subn("\ufffd", text)
        replaced += count
        # \r would come back as \n (XML end-of-line handling) unless written as a reference
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE tmx SYSTEM "tmx14.dtd">',
        '<tmx version="1.4">',
        f'  <header creationtool="tarjama" creationtoolversion="{xml(__version__)}" datatype="plaintext" '
        f'segtype="sentence" adminlang="en" srclang="{SOURCE_LANGUAGE}" o-tmf="tarjama"/>',
        "  <body>",
    ]
    for number, p in enumerate(pairs, 1):
        out.append(f'    <tu tuid="{number}">')
        props = [("x-document", p.document), ("x-paragraph", str(p.paragraph)), ("x-sentence", str(p.sentence))]
        props += [("x-flags", ",".join(p.flags))] if p.flags else []
        props += [("x-score", repr(p.score))] if p.score is not None else []
        out += [f'      <prop type="{kind}">{xml(value)}</prop>' for kind, value in props]
        for language, text in ((SOURCE_LANGUAGE, p.source), (TARGET_LANGUAGE, p.translation)):
            out.append(f'      <tuv xml:lang="{language}"><seg>{xml(text)}</seg></tuv>')
        out.append("    </tu>")
    out += ["  </body>", "</tmx>"]
    if replaced:
        logger.warning("%d characters that XML cannot hold were written as U+FFFD", replaced)
    return "\n".join(out) + "\n"


def moses_texts(pairs: Sequence[Pair]) -> tuple[str, str]:
    source = "".join(_LINE_BREAKS.sub(" ", p.source) + "\n" for p in pairs)
    return source, "".join(_LINE_BREAKS.sub(" ", p.translation) + "\n" for p in pairs)


def moses_files(output: Path) -> tuple[Path, Path]:
    """``corpus`` -> ``corpus.ar``, ``corpus.en``."""
    return output.with_name(f"{output.name}.{SOURCE_LANGUAGE}"), output.with_name(f"{output.name}.{TARGET_LANGUAGE}")


def write_moses(pairs: Sequence[Pair], output: Path) -> list[Path]:
    source, target = moses_files(output)
    source_text, target_text = moses_texts(pairs)
    atomic_write(source, source_text)
    atomic_write(target, target_text)
    return [source, target]


# --- readers: what each format gives back ------------------------------------------


def read_pairs(path: str | Path, format: str | ExportFormat) -> list[Pair]:
    """The pairs of an exported file (for ``moses``, the prefix given to ``export``);
    Moses files give back only the source and translation of each pair.

    Raises:
        InputError: the file is not of that format.
    """
    kind, path = ExportFormat(format), Path(path)
    try:
        if kind is ExportFormat.MOSES:
            source, target = (p.read_text(encoding="utf-8").split("\n")[:-1] for p in moses_files(path))
            if len(source) != len(target):
                raise InputError(str(path), f"the Moses files have {len(source)} and {len(target)} lines")
            return [Pair("", 0, 0, s, t) for s, t in zip(source, target, strict=True)]
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(str(path), f"cannot be read ({error.strerror})") from None
    try:
        if kind is ExportFormat.TSV:
            return _tsv_pairs(text)
        if kind is ExportFormat.JSONL:
            return [_json_pair(json.loads(line)) for line in text.split("\n") if line]
        return _tmx_pairs(text)
    except (ValueError, KeyError, TypeError, ElementTree.ParseError) as error:
        raise InputError(str(path), f"is not a tarjama {kind.value} export ({error})") from None


def _tsv_pairs(text: str) -> list[Pair]:
    lines = text.split("\n")[:-1]
    if not lines or tuple(lines[0].split("\t")) != TSV_COLUMNS:
        raise ValueError("the header line is not " + " ".join(TSV_COLUMNS))
    pairs = []
    for line in lines[1:]:
        fields = [re.sub(r"\\[\\tnr]", lambda m: _TSV_UNESCAPES[m.group()], f) for f in line.split("\t")]
        document, paragraph, sentence, source, translation, flags, score = fields
        pairs.append(
            Pair(
                document,
                int(paragraph),
                int(sentence),
                source,
                translation,
                tuple(flags.split(",")) if flags else (),
                float(score) if score else None,
            )
        )
    return pairs


def _json_pair(record: dict[str, Any]) -> Pair:
    return Pair(**{**record, "flags": tuple(record["flags"])})


def _tmx_pairs(text: str) -> list[Pair]:
    root = ElementTree.fromstring(text.encode("utf-8"))
    pairs = []
    for unit in root.iter("tu"):
        props = {prop.get("type"): prop.text or "" for prop in unit.findall("prop")}
        segments = {tuv.get(_XML_LANG): tuv.findtext("seg") or "" for tuv in unit.findall("tuv")}
        pairs.append(
            Pair(
                props["x-document"],
                int(props["x-paragraph"]),
                int(props["x-sentence"]),
                segments[SOURCE_LANGUAGE],
                segments[TARGET_LANGUAGE],
                tuple(props["x-flags"].split(",")) if props.get("x-flags") else (),
                float(props["x-score"]) if "x-score" in props else None,
            )
        )
    return pairs
