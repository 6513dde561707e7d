"""Paired significance tests of two systems on the same references (sacrebleu's ``PairedTest``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EvaluationError
from ..read import check_encoding
from ..version import __version__
from .documents import check_options, choose_mode, counted, document_ids_file, load_pairs
from .scores import DEFAULT_BOOTSTRAP, METRICS, bootstrap_seed, fresh_metrics, sacrebleu_module

TESTS = ("bs", "ar")


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
            "test": {"type": self.test, "samples": self.samples, "seed": bootstrap_seed()},
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
    jsonl_field: str = "text",
    encoding: str | None = None,
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
        jsonl_field: the field of JSON Lines records that holds the text.
        encoding: read the references with this encoding instead of detecting it.

    Returns:
        Per metric: both scores, the p-value and the confidence intervals.

    Raises:
        EvaluationError: as for ``evaluate``, or fewer than two segments to resample.
        ConfigError: an unknown mode or test.
        MissingExtraError: sacrebleu is not installed.
    """
    if encoding is not None:
        check_encoding(encoding)
    check_options(mode, 1)
    if test not in TESTS:
        raise ConfigError(f"unknown paired test {test!r}; known: bs (paired bootstrap), ar (approximate randomisation)")
    sacrebleu_module()
    from sacrebleu.significance import PairedTest

    pairs_a = load_pairs(baseline, references, document_ids, jsonl_field, encoding)
    pairs_b = load_pairs(system, references, document_ids, jsonl_field, encoding)
    line_aligned = document_ids_file(Path(references), document_ids) is not None
    chosen, reason = choose_mode(pairs_a, mode, line_aligned)
    chosen_b, reason_b = choose_mode(pairs_b, mode, line_aligned)
    if chosen_b != chosen:  # in auto mode, one system's lines match the references and the other's do not
        chosen, reason = "document", reason if chosen == "document" else reason_b
    hypotheses_a = [s for p in pairs_a for s in p.translation.segments(chosen)]
    hypotheses_b = [s for p in pairs_b for s in p.translation.segments(chosen)]
    refs = [s for p in pairs_a for s in p.reference.segments(chosen)]
    if len(refs) < 2:
        raise EvaluationError(
            str(references), f"gives {counted(len(refs), 'segment')} in {chosen} mode; a paired test needs at least two"
        )
    paired = PairedTest(
        [(str(baseline), hypotheses_a), (str(system), hypotheses_b)],
        fresh_metrics(),
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
