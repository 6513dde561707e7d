"""Evaluation results written out: JSON (every number and signature) and plots."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..errors import MissingExtraError
from ..write import write_json
from .compare import Comparison
from .documents import counted
from .scores import Evaluation, sacrebleu_module


def require_extras(plot: bool = False) -> None:
    """Fail early, before any work, when what scoring needs is not installed.

    Raises:
        MissingExtraError: sacrebleu (or, with ``plot``, matplotlib) is not installed.
    """
    sacrebleu_module()
    if plot:
        figure_class()


def write_json_report(result: Evaluation | Comparison, path: str | Path) -> Path:
    """Write ``result.to_dict()`` as JSON (atomically); return the path."""
    path = Path(path)
    write_json(path, result.to_dict())
    return path


def figure_class() -> Any:
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
    figure = figure_class()(figsize=(min(10.0, 5.0 + 0.05 * len(evaluation.documents)), 3.6), dpi=100)
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
    axes.set_title(f"{counted(len(documents), 'document')}, {evaluation.mode} mode", fontsize=9)
    axes.legend(fontsize=7, loc="upper right", ncols=2)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path
