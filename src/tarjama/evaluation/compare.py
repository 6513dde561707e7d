"""Paired significance tests of two systems on the same references (sacrebleu's ``PairedTest``).

What the numbers mean (sacrebleu's documented semantics of both tests):

* The null hypothesis is that both outputs were made by the same underlying process.
  The p-value is roughly the probability that an *absolute* score difference at least
  as large as the one observed arises by chance under that hypothesis: paired bootstrap
  resampling (``bs``, Koehn 2004, as Moses' script) or approximate randomisation (``ar``,
  as MultEval). p < 0.05 says the systems *differ*; the sign of B - A says which scores
  higher, the test does not.
* sacrebleu counts the resamples whose difference is strictly greater than the
  observed one, plus one, over the samples plus one: the smallest p it can give is
  ``1 / (samples + 1)`` (0.001 for 1000 resamples), shown as ``<= 0.001``, not as a
  measured 0.001.
* Outputs that are identical are not tested: there is no difference, p = 1. A metric
  on which two different outputs score exactly the same also gets p = 1 (sacrebleu's
  strict count would give such a zero difference its smallest p: no difference seen is
  no evidence of one).
* The difference B - A comes with its 95% interval from a paired bootstrap of the
  segments (the same segments resampled for both systems; the interval between the
  2.5th and 97.5th percentiles, sacrebleu's bounds for its own intervals), computed from
  the per-segment statistics sacrebleu's public ``sentence_score`` exposes: BLEU's
  n-gram counts and lengths, TER's edits and reference lengths. chrF's are not public,
  so chrF has no interval of the difference.
"""

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
        p_value: the probability of an absolute difference at least this large by
            chance if both came from the same process (see the module docstring).
        baseline_ci, system_ci: the 95% confidence intervals (``None`` when not estimated).
        difference_ci: the 95% interval of ``system - baseline`` (``None`` for chrF).
        p_floor: the smallest p-value the test's samples can give (``1 / (samples + 1)``).
    """

    metric: str
    signature: str
    baseline: float
    system: float
    p_value: float
    baseline_ci: tuple[float, float] | None = None
    system_ci: tuple[float, float] | None = None
    difference_ci: tuple[float, float] | None = None
    p_floor: float = 0.0

    @property
    def difference(self) -> float:
        return self.system - self.baseline

    @property
    def p_text(self) -> str:
        """The p-value as it may be read: ``<= floor`` when it is the smallest there is."""
        if self.p_floor and self.p_value <= self.p_floor * (1 + 1e-9):
            return f"<={self.p_floor:.4f}"
        return f"{self.p_value:.4f}"

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "signature": self.signature,
            "baseline": self.baseline,
            "system": self.system,
            "difference": self.difference,
            "difference_ci": list(self.difference_ci) if self.difference_ci else None,
            "p_value": self.p_value,
            "p_value_floor": self.p_floor,
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
        identical: both systems' outputs are the same text, segment by segment (no
            test is run: every difference is 0 and every p-value 1).
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
    identical: bool = False

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
            "identical": self.identical,
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
    if hypotheses_a == hypotheses_b:
        scores = _identical(hypotheses_a, refs)
        return Comparison(
            chosen, reason, str(baseline), str(system), str(references), len(refs), test, 0, scores, identical=True
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
    samples = paired.n_samples
    intervals = difference_intervals(hypotheses_a, hypotheses_b, refs, samples if test == "bs" else DEFAULT_BOOTSTRAP)
    names = [name for name in results if name != "System"]  # sacrebleu's metric names, in our order
    scores = {}
    for key, name in zip(METRICS, names, strict=True):
        base: Any
        other: Any
        base, other = results[name]  # sacrebleu Results of the baseline and of the system
        # no difference seen is no evidence of one (sacrebleu's strict count gives it its smallest p)
        p_value = 1.0 if float(other.score) == float(base.score) else float(other.p_value)
        scores[key] = PairedScore(
            name,
            signatures[name].format(),
            float(base.score),
            float(other.score),
            p_value,
            _paired_ci(base),
            _paired_ci(other),
            intervals.get(key),
            1 / (samples + 1),
        )
    return Comparison(chosen, reason, str(baseline), str(system), str(references), len(refs), test, samples, scores)


def _identical(hypotheses: list[str], references: list[str]) -> dict[str, PairedScore]:
    """The scores of two identical outputs: one score each, no difference, p = 1."""
    scores = {}
    for key, metric in fresh_metrics().items():
        result = metric.corpus_score(hypotheses, [references])
        score = float(result.score)
        signature = metric.get_signature().format()
        scores[key] = PairedScore(result.name, signature, score, score, 1.0, difference_ci=(0.0, 0.0))
    return scores


def difference_intervals(
    hypotheses_a: list[str], hypotheses_b: list[str], references: list[str], samples: int
) -> dict[str, tuple[float, float]]:
    """95% intervals of B - A for BLEU and TER by a paired bootstrap of the segments,
    from the per-segment statistics of sacrebleu's public ``sentence_score`` (summed,
    they give exactly the corpus score)."""
    import numpy as np

    metrics = fresh_metrics()
    bleu, ter = metrics["bleu"], metrics["ter"]
    counter = type(bleu)(effective_order=True)  # the same counts, without sacrebleu's sentence-BLEU warning

    def bleu_stats(hypotheses: list[str]) -> Any:
        rows = []
        for h, r in zip(hypotheses, references, strict=True):
            s = counter.sentence_score(h, [r])
            rows.append([*s.counts, *s.totals, s.sys_len, s.ref_len])
        return np.array(rows, dtype=float)

    def ter_stats(hypotheses: list[str]) -> Any:
        scored = (ter.sentence_score(h, [r]) for h, r in zip(hypotheses, references, strict=True))
        return np.array([(t.num_edits, t.ref_length) for t in scored], dtype=float)

    def bleu_score(sums: Any) -> float:
        order = bleu.max_ngram_order
        correct, total = sums[:order].tolist(), sums[order : 2 * order].tolist()
        return float(
            bleu.compute_bleu(
                correct, total, int(sums[-2]), int(sums[-1]), bleu.smooth_method, bleu.smooth_value,
                bleu.effective_order, order,
            ).score
        )  # fmt: skip

    def ter_score(sums: Any) -> float:
        return float(100 * sums[0] / sums[1]) if sums[1] > 0 else 0.0

    rng = np.random.default_rng(int(bootstrap_seed()) if bootstrap_seed().isdigit() else None)
    picks = rng.choice(len(references), size=(samples, len(references)), replace=True)
    intervals = {}
    for key, stats, score in (("bleu", bleu_stats, bleu_score), ("ter", ter_stats, ter_score)):
        a, b = stats(hypotheses_a), stats(hypotheses_b)
        differences = np.sort([score(b[pick].sum(0)) - score(a[pick].sum(0)) for pick in picks])
        low = len(differences) // 40  # sacrebleu's bounds: 1/40 from each end
        intervals[key] = (float(differences[low]), float(differences[len(differences) - low - 1]))
    return intervals


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
    ]
    if comparison.identical:
        lines += [f"the systems are identical: A and B give the same {comparison.segments} segments", ""]
        lines += [f"{'metric':<8} {'A = B':>7}"]
        lines += [f"{score.metric:<8} {score.baseline:7.2f}" for score in comparison.scores.values()]
        lines += ["", "no difference: nothing to test (p = 1)."]
        return "\n".join(lines)
    lines += [
        f"{test}, {comparison.samples} samples over {comparison.segments} segments",
        "",
        f"{'metric':<8} {'A':>7} {'B':>7} {'B - A':>7} {'95% interval':>17} {'p-value':>8}",
    ]
    for score in comparison.scores.values():
        mark = " *" if score.significant() else ""
        interval = f"[{score.difference_ci[0]:+.2f}, {score.difference_ci[1]:+.2f}]" if score.difference_ci else "–"
        lines.append(
            f"{score.metric:<8} {score.baseline:7.2f} {score.system:7.2f} {score.difference:+7.2f} "
            f"{interval:>17} {score.p_text:>8}{mark}"
        )
    lines += [
        "",
        "p-value: how likely an absolute difference at least this large is by chance if A and B came from",
        f"the same system (sacrebleu's {test}; the smallest it can show is 1/(samples+1)).",
        "* p < 0.05: the difference is unlikely to be chance: the systems differ (which scores higher is",
        "the sign of B - A). 95% interval of B - A: paired bootstrap of the segments (none for chrF).",
        "TER: lower is better.",
        "",
    ]
    lines += [f"{score.metric}|{score.signature}" for score in comparison.scores.values()]
    return "\n".join(lines)
