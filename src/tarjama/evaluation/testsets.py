"""``evaluate-set``: translate a line-aligned test set with document ids (NTREX-128) and score it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EvaluationError
from ..write import atomic_write, write_json
from .documents import DOCUMENT_IDS, DocumentText, check_english, check_options, one_file, read_line_aligned
from .rendering import require_extras, write_plot
from .scores import DEFAULT_BOOTSTRAP, Evaluation, evaluate

if TYPE_CHECKING:
    from ..folder import Progress
    from ..translator import Translator

# evaluate-set writes one file per document id: keep ids that are plain file names
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")


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
    source_path = directory / source if source else one_file(directory, (".arb.txt", ".ar.txt"), "Arabic", "--source")
    reference_path = (
        directory / reference if reference else one_file(directory, (".eng.txt", ".en.txt"), "English", "--reference")
    )
    sources = read_line_aligned(source_path, ids)
    references = read_line_aligned(reference_path, ids)
    for number, name in enumerate(sources, 1):
        if not _FILE_NAME.fullmatch(name) or name.endswith((".en", ".ref")):
            raise EvaluationError(str(ids), f"document id {name!r} (document {number}) cannot be used as a file name")
    for text in references.values():
        check_english(text)
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
    check_options("sentence", n_bootstrap)
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
