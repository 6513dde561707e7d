"""Evaluation: BLEU, chrF++ and TER of translations against English references, by sacrebleu.

Translations are a ``tarjama translate`` output folder (every ``a/b.en.txt`` with its
``a/b.align.jsonl``), one translation file, or a line-aligned file with document ids.
References are a folder with the same relative names (``a/b.ref.en.txt``, ``a/b.en.txt``
or ``a/b.txt``, in that order of preference), one file, or a line-aligned file with
document ids (NTREX-128's ``DOCUMENT_IDS.tsv``; a folder holding that file and one
``*.eng.txt`` is read the same way).

There are two modes, and every result says which one was used:

* ``sentence``: each reference has one line per source line (blank lines aside). The
  alignment maps every tarjama sentence to its line (a translation keeps the lines of its
  source), the sentences of a line are joined, and each line is a segment.
* ``document``: otherwise; each document, whitespace collapsed, is one segment.

Scores are sacrebleu's BLEU, chrF++ (``CHRF(word_order=2)``) and TER, for the corpus and
for each document, with sacrebleu's signatures and 95% confidence intervals from its
bootstrap resampling, seeded by ``SACREBLEU_SEED`` (12345 unless set) so that a run
repeats. ``compare`` runs sacrebleu's paired bootstrap or approximate randomisation test.
Needs ``pip install 'tarjama[eval]'``.

Example:
    >>> from tarjama.evaluate import evaluate
    >>> result = evaluate("out/", "seeds/000_4c695357e9463a4d.ref.en.txt")  # doctest: +SKIP
    >>> result.mode, result.corpus["chrf"].ci  # doctest: +SKIP
    ('sentence', (50.9, 58.2))
    >>> print(result.table())  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import ConfigError, EvaluationError, MissingExtraError
from .read import read_text
from .write import atomic_write, write_json

if TYPE_CHECKING:
    from .folder import Progress
    from .translator import Translator

logger = logging.getLogger(__name__)

METRICS = ("bleu", "chrf", "ter")
MODES = ("auto", "sentence", "document")
TESTS = ("bs", "ar")
DOCUMENT_IDS = "DOCUMENT_IDS.tsv"
DEFAULT_BOOTSTRAP = 1000

_TRANSLATION_SUFFIXES = (".en.txt", ".en.md")
_REFERENCE_MARKS = (".ref.en", ".en", "")  # a/b.ref.en.txt is preferred to a/b.en.txt, then a/b.txt
_TEXT_SUFFIXES = (".txt", ".md")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_LATIN_LETTER = re.compile("[A-Za-z]")
# evaluate-set writes one file per document id: keep ids that are plain file names
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")


# ---------------------------------------------------------------------------- reading


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


@dataclass(frozen=True)
class DocumentPair:
    """A translated document and its reference."""

    name: str
    translation: DocumentText
    reference: DocumentText


def read_line_aligned(path: str | Path, document_ids: str | Path) -> dict[str, DocumentText]:
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
    lines = _file_lines(read_text(path))
    ids = [line.split("\t")[0].strip() for line in _file_lines(read_text(ids_path))]
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


def read_translations(path: str | Path, document_ids: str | Path | None = None) -> dict[str, DocumentText]:
    """The translated documents to score, by document name.

    Args:
        path: a ``tarjama translate`` output folder (its ``*.en.txt`` and ``*.en.md``
            files), one translation file, or with ``document_ids`` a line-aligned file.
        document_ids: document ids, one per line of ``path``.

    Returns:
        Document name (``a/b`` for ``a/b.en.txt``) -> its text. A translation with an
        alignment file beside it is read line by line through the alignment.

    Raises:
        EvaluationError: no translation, an empty translation, or an alignment that does
            not match its translation.
        InputError: a file cannot be read as text.
    """
    path = Path(path)
    if document_ids is not None:
        return read_line_aligned(path, document_ids)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _translation_stem(p.name) is not None)
        if not files:
            raise EvaluationError(
                str(path), "holds no translations (*.en.txt, *.en.md); give the -o folder of tarjama translate"
            )
        return {_translation_name(p.relative_to(path).as_posix()): _read_translation(p) for p in files}
    return {_translation_name(path.name): _read_translation(_existing_file(path))}


def read_references(path: str | Path, document_ids: str | Path | None = None) -> dict[str, DocumentText]:
    """The English references, by document name.

    Args:
        path: a folder of references named like the translations (``a/b.ref.en.txt``,
            ``a/b.en.txt`` or ``a/b.txt``), one reference file, a line-aligned file with
            ``document_ids``, or a folder with ``DOCUMENT_IDS.tsv`` and one ``*.eng.txt``.
        document_ids: document ids, one per line of ``path``.

    Returns:
        Document name -> its reference, in the order of the reference set.

    Raises:
        EvaluationError: no reference, an empty one, or one in Arabic (the source given by mistake).
        InputError: a file cannot be read as text.
    """
    path = Path(path)
    if document_ids is not None:
        documents = read_line_aligned(path, document_ids)
    elif path.is_dir() and (path / DOCUMENT_IDS).is_file():
        english = _one_file(path, (".eng.txt", ".en.txt"), "English", f"--ref FILE --doc-ids {path / DOCUMENT_IDS}")
        documents = read_line_aligned(english, path / DOCUMENT_IDS)
    elif path.is_dir():
        documents = _reference_folder(path)
    else:
        documents = {_reference_name(path.name)[1]: _read_reference(_existing_file(path))}
    for document in documents.values():
        _check_english(document)
    return documents


def _existing_file(path: Path) -> Path:
    if path.is_dir():
        raise EvaluationError(str(path), "is a folder; a file is needed here")
    if not path.is_file():
        raise EvaluationError(str(path), "no such file or folder")
    return path


def _translation_stem(name: str) -> str | None:
    for suffix in _TRANSLATION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def _translation_name(relative: str) -> str:
    stem = _translation_stem(relative)
    if stem is not None:
        return stem
    return relative.rsplit(".", 1)[0] if "." in relative.rsplit("/", 1)[-1] else relative


def _reference_name(relative: str) -> tuple[int, str]:
    """(preference rank, document name) of a reference file's relative name."""
    for rank, mark in enumerate(_REFERENCE_MARKS):
        for suffix in _TEXT_SUFFIXES:
            ending = mark + suffix
            if relative.endswith(ending) and len(relative) > len(ending):
                return rank, relative[: -len(ending)]
    return len(_REFERENCE_MARKS), relative


def _read_translation(path: Path) -> DocumentText:
    text = read_text(path)
    if not text.strip():
        raise EvaluationError(str(path), "is empty: there is no translation to score")
    stem = _translation_stem(path.name)
    alignment = path.with_name(f"{stem}.align.jsonl") if stem is not None else None
    if alignment is None or not alignment.is_file():
        return DocumentText(path, _lines(text))
    return DocumentText(path, _aligned_lines(text, path, alignment))


def _aligned_lines(text: str, path: Path, alignment: Path) -> tuple[str, ...]:
    """The translation line by line as its alignment maps the sentences; a line's sentences joined."""
    by_line: dict[int, list[str]] = {}
    for number, raw in enumerate(_file_lines(read_text(alignment)), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
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
        by_line.setdefault(text.count("\n", 0, start), []).append(translation)
    return tuple(" ".join(" ".join(parts).split()) for _, parts in sorted(by_line.items()))


def _file_lines(text: str) -> list[str]:
    """Lines as reading the file line by line gives them (LF, CRLF or CR).

    Not ``str.splitlines``, which also breaks at U+2028, form feeds and the like, and would
    count lines that sacrebleu and ``wc -l`` do not.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _lines(text: str) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in _file_lines(text) if line.strip())


def _reference_folder(folder: Path) -> dict[str, DocumentText]:
    found: dict[str, tuple[int, Path]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _TEXT_SUFFIXES):
        rank, name = _reference_name(path.relative_to(folder).as_posix())
        if name not in found or rank < found[name][0]:
            found[name] = (rank, path)
    if not found:
        raise EvaluationError(str(folder), "holds no references (*.txt, *.md)")
    return {name: _read_reference(path) for name, (_, path) in found.items()}


def _read_reference(path: Path) -> DocumentText:
    text = read_text(path)
    if not text.strip():
        raise EvaluationError(str(path), "is empty: a reference must hold the English text")
    return DocumentText(path, _lines(text))


def _check_english(reference: DocumentText) -> None:
    text = reference.document
    if len(_ARABIC_LETTER.findall(text)) > len(_LATIN_LETTER.findall(text)):
        raise EvaluationError(
            str(reference.path),
            "is Arabic, not English; a reference must be the English translation (is it the source?)",
        )


def _one_file(folder: Path, suffixes: tuple[str, ...], language: str, option: str) -> Path:
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
        return "document", f"asked for: each of the {_count(len(pairs), 'document')} is one segment"
    mismatched = [p for p in pairs if len(p.translation.lines) != len(p.reference.lines)]
    if not mismatched:
        segments = _count(sum(len(p.reference.lines) for p in pairs), "segment")
        documents = _count(len(pairs), "document")
        return "sentence", f"every reference has one line per source line: {segments} in {documents}"
    first = mismatched[0]
    counts = (
        f"document {first.name!r}: {_count(len(first.reference.lines), 'reference line')} in {first.reference.path}, "
        f"{_count(len(first.translation.lines), 'translated line')} in {first.translation.path}"
    )
    if mode == "sentence" or line_aligned:
        raise EvaluationError(
            str(first.reference.path),
            f"line counts do not match ({counts}); sentence mode needs one reference line per source line",
        )
    more = f", and {len(mismatched) - 1} more" if len(mismatched) > 1 else ""
    return "document", f"the references are not line-aligned with the sources ({counts}{more})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# ---------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class MetricScore:
    """One sacrebleu score and how it was made.

    Attributes:
        metric: sacrebleu's name of the metric (``BLEU``, ``chrF2++``, ``TER``).
        score: the score.
        signature: sacrebleu's signature, which says how to reproduce the score.
        ci_mean: the mean of the bootstrap resamples (``None`` without bootstrap).
        ci_radius: half the width of the 95% interval around ``ci_mean`` (sacrebleu's ``±``).
        details: BLEU's n-gram precisions, brevity penalty and lengths; TER's edits.
    """

    metric: str
    score: float
    signature: str
    ci_mean: float | None = None
    ci_radius: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ci(self) -> tuple[float, float] | None:
        """The 95% confidence interval as sacrebleu reports it (``ci_mean ± ci_radius``)."""
        if self.ci_mean is None or self.ci_radius is None:
            return None
        return self.ci_mean - self.ci_radius, self.ci_mean + self.ci_radius

    def to_dict(self) -> dict[str, Any]:
        low, high = self.ci or (None, None)
        return {
            "metric": self.metric,
            "score": self.score,
            "signature": self.signature,
            "ci_mean": self.ci_mean,
            "ci_radius": self.ci_radius,
            "ci_low": low,
            "ci_high": high,
            **self.details,
        }


@dataclass(frozen=True)
class DocumentScores:
    """The scores of one document."""

    document: str
    translation: str
    reference: str
    segments: int
    scores: dict[str, MetricScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "translation": self.translation,
            "reference": self.reference,
            "segments": self.segments,
            **{key: score.to_dict() for key, score in self.scores.items()},
        }


@dataclass(frozen=True)
class Evaluation:
    """The scores of one system, for the corpus and per document, and how they were made.

    Attributes:
        mode: ``sentence`` or ``document`` (see the module documentation).
        reason: why that mode.
        translations: where the translations were read.
        references: where the references were read.
        segments: how many segments the corpus scores are over.
        bootstrap: bootstrap resamples behind the confidence intervals (1: none).
        corpus: ``bleu``, ``chrf`` and ``ter`` over the whole corpus.
        documents: the same per document, in the order of the references.
        system: the translate manifest of the translations (without its file list), if any.
        test_set: for ``evaluate_set``, the files of the test set.
    """

    mode: str
    reason: str
    translations: str
    references: str
    segments: int
    bootstrap: int
    corpus: dict[str, MetricScore]
    documents: tuple[DocumentScores, ...]
    system: dict[str, Any] = field(default_factory=dict)
    test_set: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Every number and signature, as ``--json`` writes them."""
        return {
            "tarjama": __version__,
            "mode": self.mode,
            "mode_reason": self.reason,
            "translations": self.translations,
            "references": self.references,
            "segments": self.segments,
            "bootstrap": {"resamples": self.bootstrap, "seed": _bootstrap_seed(), "confidence": 0.95},
            "corpus": {key: score.to_dict() for key, score in self.corpus.items()},
            "documents": [document.to_dict() for document in self.documents],
            "signatures": {score.metric: score.signature for score in self.corpus.values()},
            "system": self.system,
            "test_set": self.test_set,
        }

    def table(self, max_documents: int | None = 20) -> str:
        """A table for the terminal: corpus scores, per-document scores and signatures.

        Args:
            max_documents: above this many documents only the five lowest and five
                highest by chrF++ are listed; ``None`` lists them all.
        """
        return _evaluation_table(self, max_documents)


def _score_pairs(
    pairs: Sequence[DocumentPair], mode: str, n_bootstrap: int
) -> tuple[dict[str, MetricScore], tuple[DocumentScores, ...], int]:
    """Corpus scores, per-document scores and the number of corpus segments.

    A document's interval is bootstrapped over its own segments, so a document of one
    segment (every document, in document mode) has none.
    """
    hypotheses = [s for p in pairs for s in _segments(p.translation, mode)]
    references = [s for p in pairs for s in _segments(p.reference, mode)]
    documents = tuple(
        DocumentScores(
            p.name,
            str(p.translation.path),
            str(p.reference.path),
            len(_segments(p.reference, mode)),
            _score(_segments(p.translation, mode), _segments(p.reference, mode), n_bootstrap),
        )
        for p in pairs
    )
    return _score(hypotheses, references, n_bootstrap), documents, len(references)


def _segments(text: DocumentText, mode: str) -> tuple[str, ...]:
    return text.lines if mode == "sentence" else (text.document,)


def _sacrebleu() -> Any:
    try:
        import sacrebleu
    except ImportError:
        raise MissingExtraError("sacrebleu", "eval") from None
    return sacrebleu


def _metrics() -> dict[str, Any]:
    """Fresh metric objects: sacrebleu keeps bootstrap settings on them, and they go into signatures."""
    metrics = _sacrebleu().metrics
    return {"bleu": metrics.BLEU(), "chrf": metrics.CHRF(word_order=2), "ter": metrics.TER()}


def _score(hypotheses: Sequence[str], references: Sequence[str], n_bootstrap: int) -> dict[str, MetricScore]:
    bootstrap = n_bootstrap if len(hypotheses) > 1 else 1  # one segment only resamples to itself
    scores = {}
    for key, metric in _metrics().items():
        result = metric.corpus_score(list(hypotheses), [list(references)], n_bootstrap=bootstrap)
        mean = radius = None
        if bootstrap > 1:
            # sacrebleu 2 keeps its bootstrap estimate on the score and has no accessor for it
            mean, radius = float(result._mean), float(result._ci)
        scores[key] = MetricScore(
            result.name, float(result.score), metric.get_signature().format(), mean, radius, _details(result)
        )
    return scores


def _details(result: Any) -> dict[str, Any]:
    if hasattr(result, "precisions"):  # BLEU
        return {
            "precisions": [float(p) for p in result.precisions],
            "bp": float(result.bp),
            "ratio": float(result.ratio),
            "hyp_len": int(result.sys_len),
            "ref_len": int(result.ref_len),
        }
    if hasattr(result, "num_edits"):  # TER
        return {"num_edits": float(result.num_edits), "ref_length": float(result.ref_length)}
    return {}


def _bootstrap_seed() -> str:
    return os.environ.get("SACREBLEU_SEED", "12345").lower()


def require_extras(plot: bool = False) -> None:
    """Fail early, before any work, when what scoring needs is not installed.

    Raises:
        MissingExtraError: sacrebleu (or, with ``plot``, matplotlib) is not installed.
    """
    _sacrebleu()
    if plot:
        _figure_class()


def _check_options(mode: str, n_bootstrap: int) -> None:
    if mode not in MODES:
        raise ConfigError(f"unknown evaluation mode {mode!r}; known: {', '.join(MODES)}")
    if n_bootstrap < 1:
        raise ConfigError(f"bootstrap resamples must be 1 (none) or more, not {n_bootstrap}")


def _document_ids(references: Path, document_ids: str | Path | None) -> Path | None:
    if document_ids is not None:
        return Path(document_ids)
    if references.is_dir() and (references / DOCUMENT_IDS).is_file():
        return references / DOCUMENT_IDS
    return None


def _load(translations: str | Path, references: str | Path, document_ids: str | Path | None) -> list[DocumentPair]:
    translations, references = Path(translations), Path(references)
    if not translations.exists():
        raise EvaluationError(str(translations), "no such file or folder")
    ids = _document_ids(references, document_ids)
    # a single translation file beside line-aligned references is line-aligned too
    found = read_translations(translations, ids if ids is not None and translations.is_file() else None)
    return pair_documents(found, read_references(references, document_ids), translations, references)


def _manifest(translations: Path) -> dict[str, Any]:
    path = translations / "manifest.json"
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("%s: not read (%s); the scores will not say which system made the translations", path, error)
        return {}
    return {key: value for key, value in manifest.items() if key != "files"} if isinstance(manifest, dict) else {}


def evaluate(
    translations: str | Path,
    references: str | Path,
    *,
    document_ids: str | Path | None = None,
    mode: str = "auto",
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
) -> Evaluation:
    """Score translations against references: BLEU, chrF++ and TER, corpus and per document.

    Args:
        translations: a translate output folder, one translation file, or a line-aligned
            file (with ``document_ids``, or beside line-aligned references).
        references: a folder of references with the same relative names, one file, a
            line-aligned file (with ``document_ids``), or a folder with ``DOCUMENT_IDS.tsv``
            and one ``*.eng.txt`` (NTREX-128).
        document_ids: one document id per line of the line-aligned files.
        mode: ``auto`` (sentence mode when every reference is line-aligned with its source,
            document mode otherwise), ``sentence`` or ``document``.
        n_bootstrap: bootstrap resamples for the 95% confidence intervals; 1 for none.

    Returns:
        The scores, the mode used and why, and the translate manifest when there is one.

    Raises:
        EvaluationError: a file is missing, empty or in the wrong language, a document has
            no reference or no translation, or line counts do not match where they must.
        ConfigError: an unknown mode or a bootstrap count below 1.
        MissingExtraError: sacrebleu is not installed.
        InputError: a file cannot be read as text.
    """
    _check_options(mode, n_bootstrap)
    _sacrebleu()
    pairs = _load(translations, references, document_ids)
    line_aligned = _document_ids(Path(references), document_ids) is not None
    chosen, reason = choose_mode(pairs, mode, line_aligned)
    logger.info("scoring %d documents in %s mode: %s", len(pairs), chosen, reason)
    corpus, documents, segments = _score_pairs(pairs, chosen, n_bootstrap)
    system = _manifest(Path(translations)) if Path(translations).is_dir() else {}
    return Evaluation(
        chosen, reason, str(translations), str(references), segments, n_bootstrap, corpus, documents, system
    )


# ---------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class PairedScore:
    """One metric of a paired significance test: the baseline, the system and the p-value.

    Attributes:
        metric: sacrebleu's name of the metric.
        signature: sacrebleu's signature of the test.
        baseline: the baseline's score.
        system: the other system's score.
        p_value: the probability of a difference at least this large by chance.
        baseline_ci, system_ci: the 95% confidence intervals (``None`` when not estimated).
    """

    metric: str
    signature: str
    baseline: float
    system: float
    p_value: float
    baseline_ci: tuple[float, float] | None = None
    system_ci: tuple[float, float] | None = None

    @property
    def difference(self) -> float:
        return self.system - self.baseline

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "signature": self.signature,
            "baseline": self.baseline,
            "system": self.system,
            "difference": self.difference,
            "p_value": self.p_value,
            "significant_at_0.05": self.significant(),
            "baseline_ci": list(self.baseline_ci) if self.baseline_ci else None,
            "system_ci": list(self.system_ci) if self.system_ci else None,
        }


@dataclass(frozen=True)
class Comparison:
    """A paired significance test of a system against a baseline on the same references.

    Attributes:
        mode, reason: the scoring mode and why (as for ``Evaluation``).
        baseline, system, references: where each was read.
        segments: the segments the test resamples.
        test: ``bs`` (paired bootstrap resampling) or ``ar`` (approximate randomisation).
        samples: resamples or trials.
        scores: ``bleu``, ``chrf`` and ``ter``.
    """

    mode: str
    reason: str
    baseline: str
    system: str
    references: str
    segments: int
    test: str
    samples: int
    scores: dict[str, PairedScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tarjama": __version__,
            "mode": self.mode,
            "mode_reason": self.reason,
            "baseline": self.baseline,
            "system": self.system,
            "references": self.references,
            "segments": self.segments,
            "test": {"type": self.test, "samples": self.samples, "seed": _bootstrap_seed()},
            "scores": {key: score.to_dict() for key, score in self.scores.items()},
            "signatures": {score.metric: score.signature for score in self.scores.values()},
        }

    def table(self) -> str:
        """The test as a table for the terminal."""
        return _comparison_table(self)


def compare(
    baseline: str | Path,
    system: str | Path,
    references: str | Path,
    *,
    document_ids: str | Path | None = None,
    mode: str = "auto",
    test: str = "bs",
    n_samples: int = 0,
) -> Comparison:
    """Test whether two systems differ on the same references (sacrebleu's ``PairedTest``).

    Args:
        baseline: translations of the baseline system (as for ``evaluate``).
        system: translations of the other system, of the same documents.
        references: the references (as for ``evaluate``).
        document_ids: one document id per line of line-aligned files.
        mode: ``auto``, ``sentence`` or ``document``; both systems are scored in the same mode.
        test: ``bs`` for paired bootstrap resampling, ``ar`` for approximate randomisation.
        n_samples: resamples (``bs``) or trials (``ar``); 0 for sacrebleu's defaults (1000, 10000).

    Returns:
        Per metric: both scores, the p-value and the confidence intervals.

    Raises:
        EvaluationError: as for ``evaluate``, or fewer than two segments to resample.
        ConfigError: an unknown mode or test.
        MissingExtraError: sacrebleu is not installed.
    """
    _check_options(mode, 1)
    if test not in TESTS:
        raise ConfigError(f"unknown paired test {test!r}; known: bs (paired bootstrap), ar (approximate randomisation)")
    _sacrebleu()
    from sacrebleu.significance import PairedTest

    pairs_a = _load(baseline, references, document_ids)
    pairs_b = _load(system, references, document_ids)
    line_aligned = _document_ids(Path(references), document_ids) is not None
    chosen, reason = choose_mode(pairs_a, mode, line_aligned)
    chosen_b, reason_b = choose_mode(pairs_b, mode, line_aligned)
    if chosen_b != chosen:  # in auto mode, one system's lines match the references and the other's do not
        chosen, reason = "document", reason if chosen == "document" else reason_b
    hypotheses_a = [s for p in pairs_a for s in _segments(p.translation, chosen)]
    hypotheses_b = [s for p in pairs_b for s in _segments(p.translation, chosen)]
    refs = [s for p in pairs_a for s in _segments(p.reference, chosen)]
    if len(refs) < 2:
        raise EvaluationError(
            str(references), f"gives {_count(len(refs), 'segment')} in {chosen} mode; a paired test needs at least two"
        )
    paired = PairedTest(
        [(str(baseline), hypotheses_a), (str(system), hypotheses_b)],
        _metrics(),
        [refs],
        test_type=test,
        n_samples=n_samples,
        n_ar_confidence=DEFAULT_BOOTSTRAP if test == "ar" else -1,
    )
    signatures, results = paired()
    names = [name for name in results if name != "System"]  # sacrebleu's metric names, in our order
    scores = {}
    for key, name in zip(METRICS, names, strict=True):
        base: Any
        other: Any
        base, other = results[name]  # sacrebleu Results of the baseline and of the system
        scores[key] = PairedScore(
            name,
            signatures[name].format(),
            float(base.score),
            float(other.score),
            float(other.p_value),
            _paired_ci(base),
            _paired_ci(other),
        )
    return Comparison(
        chosen, reason, str(baseline), str(system), str(references), len(refs), test, paired.n_samples, scores
    )


def _paired_ci(result: Any) -> tuple[float, float] | None:
    if result.mean is None or result.ci is None:
        return None
    return float(result.mean - result.ci), float(result.mean + result.ci)


# ---------------------------------------------------------------------------- test sets


@dataclass(frozen=True)
class EvaluationSet:
    """A line-aligned test set with document ids (the NTREX-128 layout), read and checked.

    Attributes:
        directory: its folder.
        source, reference, document_ids: its Arabic, English and document id files.
        sources, references: document id -> lines, in the order of the set.
    """

    directory: Path
    source: Path
    reference: Path
    document_ids: Path
    sources: dict[str, DocumentText]
    references: dict[str, DocumentText]

    def describe(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "source": str(self.source),
            "reference": str(self.reference),
            "document_ids": str(self.document_ids),
            "documents": len(self.sources),
            "segments": sum(len(d.lines) for d in self.references.values()),
        }


def read_evaluation_set(
    directory: str | Path, *, source: str | None = None, reference: str | None = None, documents: int | None = None
) -> EvaluationSet:
    """Read a line-aligned test set with document ids, such as NTREX-128.

    Args:
        directory: holds ``DOCUMENT_IDS.tsv``, the Arabic and the English, line by line.
        source: the Arabic file (relative to ``directory``); the one ``*.arb.txt`` or
            ``*.ar.txt`` when omitted.
        reference: the English file; the one ``*.eng.txt`` or ``*.en.txt`` when omitted.
        documents: keep only the first this many documents.

    Returns:
        The checked test set.

    Raises:
        EvaluationError: a file is missing or ambiguous, the files are not line-aligned, a
            document id cannot be a file name, or ``documents`` is below 1.
    """
    directory = Path(directory)
    ids = directory / DOCUMENT_IDS
    if not ids.is_file():
        raise EvaluationError(
            str(directory),
            f"has no {DOCUMENT_IDS}: evaluate-set needs a line-aligned set with document ids (NTREX-128)",
        )
    source_path = directory / source if source else _one_file(directory, (".arb.txt", ".ar.txt"), "Arabic", "--source")
    reference_path = (
        directory / reference if reference else _one_file(directory, (".eng.txt", ".en.txt"), "English", "--reference")
    )
    sources = read_line_aligned(source_path, ids)
    references = read_line_aligned(reference_path, ids)
    for number, name in enumerate(sources, 1):
        if not _FILE_NAME.fullmatch(name) or name.endswith((".en", ".ref")):
            raise EvaluationError(str(ids), f"document id {name!r} (document {number}) cannot be used as a file name")
    for text in references.values():
        _check_english(text)
    if documents is not None:
        if documents < 1:
            raise EvaluationError(str(directory), f"--documents must be 1 or more, not {documents}")
        kept = list(sources)[:documents]
        sources = {name: sources[name] for name in kept}
        references = {name: references[name] for name in kept}
    return EvaluationSet(directory, source_path, reference_path, ids, sources, references)


def evaluate_set(
    test_set: EvaluationSet,
    out_dir: str | Path,
    translator: Translator,
    *,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    plot: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
) -> Evaluation:
    """Translate a test set and score it in sentence mode, writing everything under ``out_dir``.

    ``out_dir`` receives ``source/ID.txt`` (each document's Arabic, one segment per
    paragraph), ``reference/ID.txt`` (the English, laid out alike), ``translations/``
    (the translate outputs and manifest), ``scores.json``, ``scores.txt`` and, with
    ``plot``, ``scores.png``. ``tarjama evaluate --hyp OUT/translations --ref
    OUT/reference`` scores the same files again.

    Raises:
        EvaluationError: ``out_dir`` holds documents of another test set, or a document
            could not be translated.
        MissingExtraError: sacrebleu (or, with ``plot``, matplotlib) is not installed.
    """
    _check_options("sentence", n_bootstrap)
    require_extras(plot)
    out = Path(out_dir)
    stale = sorted(p.name for p in (out / "source").glob("*.txt") if p.stem not in test_set.sources)
    if stale:
        raise EvaluationError(
            str(out / "source"), f"holds documents of another run ({', '.join(stale[:3])}); choose a new -o folder"
        )
    for name, text in test_set.sources.items():
        atomic_write(out / "source" / f"{name}.txt", "\n\n".join(text.lines) + "\n")
    for name, text in test_set.references.items():
        atomic_write(out / "reference" / f"{name}.txt", "\n\n".join(text.lines) + "\n")
    report = translator.translate_folder([out / "source"], out / "translations", on_progress=on_progress)
    if report.failures:
        path, problem = report.failures[0]
        raise EvaluationError(path, f"could not be translated: {problem}")
    evaluation = evaluate(out / "translations", out / "reference", mode="sentence", n_bootstrap=n_bootstrap)
    evaluation = dataclasses.replace(evaluation, test_set=test_set.describe())
    write_json(out / "scores.json", evaluation.to_dict())
    atomic_write(out / "scores.txt", evaluation.table(max_documents=None) + "\n")
    if plot:
        write_plot(evaluation, out / "scores.png")
    return evaluation


# ---------------------------------------------------------------------------- output


def write_json_report(result: Evaluation | Comparison, path: str | Path) -> Path:
    """Write ``result.to_dict()`` as JSON (atomically); return the path."""
    path = Path(path)
    write_json(path, result.to_dict())
    return path


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("matplotlib", "eval") from None
    return Figure


def write_plot(evaluation: Evaluation, path: str | Path) -> Path:
    """Plot per-document BLEU and chrF++ with the corpus scores, so outliers stand out (PNG).

    Args:
        evaluation: the scores.
        path: the PNG file to write.

    Returns:
        The path written.

    Raises:
        MissingExtraError: matplotlib is not installed.
    """
    figure = _figure_class()(figsize=(min(10.0, 5.0 + 0.05 * len(evaluation.documents)), 3.6), dpi=100)
    axes = figure.subplots()
    documents = evaluation.documents
    positions = list(range(len(documents)))
    for key, colour in (("bleu", "tab:blue"), ("chrf", "tab:orange")):
        corpus = evaluation.corpus[key]
        scores = [d.scores[key].score for d in documents]
        axes.plot(positions, scores, "o", color=colour, markersize=4, label=f"{corpus.metric} per document")
        axes.axhline(corpus.score, color=colour, linestyle="--", linewidth=1, label=f"corpus {corpus.score:.1f}")
    if len(documents) <= 25:
        axes.set_xticks(positions, [d.document[-24:] for d in documents], rotation=60, ha="right", fontsize=7)
    else:  # too many names to print: name the five lowest by chrF++
        for index in sorted(positions, key=lambda i: documents[i].scores["chrf"].score)[:5]:
            axes.annotate(
                documents[index].document[-24:],
                (index, documents[index].scores["chrf"].score),
                fontsize=6,
                xytext=(3, -8),
                textcoords="offset points",
            )
        axes.set_xlabel("document (in the order of the references)")
    highest = max((d.scores[key].score for d in documents for key in ("bleu", "chrf")), default=0.0)
    axes.set_ylim(0, min(100.0, highest * 1.2 + 5))  # room for the legend, and low scores stay visible
    axes.set_ylabel("score")
    axes.set_title(f"{_count(len(documents), 'document')}, {evaluation.mode} mode", fontsize=9)
    axes.legend(fontsize=7, loc="upper right", ncols=2)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def _cell(score: MetricScore) -> str:
    interval = f"[{score.ci[0]:5.1f}, {score.ci[1]:5.1f}]" if score.ci else ""
    return f"{score.score:6.2f} {interval:<14}"


def _evaluation_table(evaluation: Evaluation, max_documents: int | None) -> str:
    documents = list(evaluation.documents)
    note = ""
    if max_documents is not None and len(documents) > max_documents:
        ranked = sorted(documents, key=lambda d: d.scores["chrf"].score)
        documents = [*ranked[:5], *ranked[-5:]]
        note = f"  ({len(ranked)} documents: the 5 lowest and the 5 highest by chrF++; --json has them all)"
    width = min(40, max(6, *(len(d.document) for d in documents)))
    metrics = [evaluation.corpus[key].metric for key in METRICS]
    header = f"{'':<{width}} {'segments':>8}  " + "  ".join(f"{name:<21}" for name in metrics)

    def row(name: str, segments: int, scores: Mapping[str, MetricScore]) -> str:
        cells = "  ".join(_cell(scores[key]) for key in METRICS)
        return f"{name[-width:]:<{width}} {segments:>8}  {cells}".rstrip()

    lines = [
        f"{evaluation.mode} mode: {evaluation.reason}",
        f"translations: {evaluation.translations}",
        f"references:   {evaluation.references}",
        "",
        header.rstrip(),
        row("corpus", evaluation.segments, evaluation.corpus),
    ]
    if note:
        lines.append(note)
    lines += [row(d.document, d.segments, d.scores) for d in documents]
    lines.append("")
    if evaluation.bootstrap > 1:
        lines.append(f"[low, high]: 95% confidence interval, sacrebleu bootstrap with {evaluation.bootstrap} resamples")
    lines += [f"{score.metric}|{score.signature}" for score in evaluation.corpus.values()]
    return "\n".join(lines)


def _comparison_table(comparison: Comparison) -> str:
    test = "paired bootstrap resampling" if comparison.test == "bs" else "approximate randomisation"
    lines = [
        f"{comparison.mode} mode: {comparison.reason}",
        f"A (baseline): {comparison.baseline}",
        f"B:            {comparison.system}",
        f"references:   {comparison.references}",
        f"{test}, {comparison.samples} samples over {comparison.segments} segments",
        "",
        f"{'metric':<8} {'A':>7} {'B':>7} {'B - A':>7} {'p-value':>8}",
    ]
    for score in comparison.scores.values():
        mark = " *" if score.significant() else ""
        lines.append(
            f"{score.metric:<8} {score.baseline:7.2f} {score.system:7.2f} {score.difference:+7.2f} "
            f"{score.p_value:8.4f}{mark}"
        )
    lines += ["", "* p < 0.05: unlikely to be chance. TER: lower is better.", ""]
    lines += [f"{score.metric}|{score.signature}" for score in comparison.scores.values()]
    return "\n".join(lines)
