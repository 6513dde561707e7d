"""Scores of one system with sacrebleu: BLEU, chrF++ and TER, corpus and per document."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, MissingExtraError
from ..outputs import read_manifest
from ..read import check_encoding
from ..version import __version__
from .documents import DocumentPair, check_options, choose_mode, document_ids_file, load_pairs

logger = logging.getLogger(__name__)

METRICS = ("bleu", "chrf", "ter")
DEFAULT_BOOTSTRAP = 1000


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
            "bootstrap": {"resamples": self.bootstrap, "seed": bootstrap_seed(), "confidence": 0.95},
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
    hypotheses = [s for p in pairs for s in p.translation.segments(mode)]
    references = [s for p in pairs for s in p.reference.segments(mode)]
    documents = tuple(
        DocumentScores(
            p.name,
            str(p.translation.path),
            str(p.reference.path),
            len(p.reference.segments(mode)),
            _score(p.translation.segments(mode), p.reference.segments(mode), n_bootstrap),
        )
        for p in pairs
    )
    return _score(hypotheses, references, n_bootstrap), documents, len(references)


def sacrebleu_module() -> Any:
    try:
        import sacrebleu
    except ImportError:
        raise MissingExtraError("sacrebleu", "eval") from None
    return sacrebleu


def fresh_metrics() -> dict[str, Any]:
    """Fresh metric objects: sacrebleu keeps bootstrap settings on them, and they go into signatures."""
    metrics = sacrebleu_module().metrics
    return {"bleu": metrics.BLEU(), "chrf": metrics.CHRF(word_order=2), "ter": metrics.TER()}


def _score(hypotheses: Sequence[str], references: Sequence[str], n_bootstrap: int) -> dict[str, MetricScore]:
    bootstrap = n_bootstrap if len(hypotheses) > 1 else 1  # one segment only resamples to itself
    scores = {}
    intervals = _bootstrap(hypotheses, references, bootstrap) if bootstrap > 1 else {}
    for key, metric in fresh_metrics().items():
        result = metric.corpus_score(list(hypotheses), [list(references)])
        signature = metric.get_signature()
        mean = radius = None
        if bootstrap > 1:
            mean, radius = intervals[key]
            # as sacrebleu signs a score with bootstrap resampling
            signature.update("bs", bootstrap)
            signature.update("seed", bootstrap_seed())
        scores[key] = MetricScore(result.name, float(result.score), signature.format(), mean, radius, _details(result))
    return scores


def _bootstrap(
    hypotheses: Sequence[str], references: Sequence[str], n_bootstrap: int
) -> dict[str, tuple[float, float]]:
    """Per metric, the mean of ``n_bootstrap`` resamples and the radius of its 95% interval:
    sacrebleu's estimate (seeded by ``SACREBLEU_SEED``), through its public ``PairedTest``,
    which bootstraps its baseline system so."""
    from sacrebleu.significance import PairedTest

    metrics = fresh_metrics()
    test = PairedTest(
        [("system", list(hypotheses))], metrics, [list(references)], test_type="bs", n_samples=n_bootstrap, n_jobs=1
    )
    _, results = test()
    names = [name for name in results if name != "System"]  # sacrebleu's metric names, in our order
    intervals = {}
    for key, name in zip(metrics, names, strict=True):
        result: Any
        (result,) = results[name]  # sacrebleu's Result of the one system
        intervals[key] = (float(result.mean), float(result.ci))
    return intervals


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


def bootstrap_seed() -> str:
    return os.environ.get("SACREBLEU_SEED", "12345").lower()


def _system(translations: Path) -> dict[str, Any]:
    """The translate manifest of the translations, without its file list."""
    try:
        manifest = read_manifest(translations) or {}
    except InputError as error:
        logger.warning("%s; the scores will not say which system made the translations", error)
        return {}
    return {key: value for key, value in manifest.items() if key != "files"}


def evaluate(
    translations: str | Path,
    references: str | Path,
    *,
    document_ids: str | Path | None = None,
    mode: str = "auto",
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    jsonl_field: str = "text",
    encoding: str | None = None,
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
        jsonl_field: the field of JSON Lines records (translations, references) that holds the text.
        encoding: read the references with this encoding instead of detecting it.

    Returns:
        The scores, the mode used and why, and the translate manifest when there is one.

    Raises:
        EvaluationError: a file is missing, empty or in the wrong language, a document has
            no reference or no translation, or line counts do not match where they must.
        ConfigError: an unknown mode or a bootstrap count below 1.
        MissingExtraError: sacrebleu is not installed.
        InputError: a file cannot be read as text.
    """
    if encoding is not None:
        check_encoding(encoding)
    check_options(mode, n_bootstrap)
    sacrebleu_module()
    pairs = load_pairs(translations, references, document_ids, jsonl_field, encoding)
    line_aligned = document_ids_file(Path(references), document_ids) is not None
    chosen, reason = choose_mode(pairs, mode, line_aligned)
    logger.info("scoring %d documents in %s mode: %s", len(pairs), chosen, reason)
    corpus, documents, segments = _score_pairs(pairs, chosen, n_bootstrap)
    system = _system(Path(translations)) if Path(translations).is_dir() else {}
    return Evaluation(
        chosen, reason, str(translations), str(references), segments, n_bootstrap, corpus, documents, system
    )


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
