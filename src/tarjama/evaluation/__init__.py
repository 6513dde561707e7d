"""Evaluation: BLEU, chrF++ and TER of translations against English references, by sacrebleu.

Translations are a ``tarjama translate`` output folder (every ``a/b.en.txt`` or ``a/b.en.md``
with its ``a/b.align.jsonl``; each record of ``a/b.en.jsonl`` is a document ``a/b#N``), one
translation file, or a line-aligned file with document ids.
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
Only sacrebleu's public API is used. Needs ``pip install 'tarjama[eval]'``.

The package, by stage: ``documents`` (reading and pairing translations and references,
the scoring mode), ``scores`` (sacrebleu's metrics, ``evaluate``), ``compare`` (paired
tests), ``testsets`` (``evaluate-set`` on a line-aligned set such as NTREX-128) and
``rendering`` (JSON and plots).

Example:
    >>> from tarjama.evaluation import evaluate
    >>> result = evaluate("out/", "seeds/000_4c695357e9463a4d.ref.en.txt")  # doctest: +SKIP
    >>> result.mode, result.corpus["chrf"].ci  # doctest: +SKIP
    ('sentence', (50.9, 58.2))
    >>> print(result.table())  # doctest: +SKIP
"""

from __future__ import annotations

from .compare import TESTS, Comparison, PairedScore, compare
from .documents import (
    DOCUMENT_IDS,
    MODES,
    DocumentPair,
    DocumentText,
    choose_mode,
    pair_documents,
    read_line_aligned,
    read_references,
    read_translations,
)
from .rendering import require_extras, write_json_report, write_plot
from .scores import DEFAULT_BOOTSTRAP, METRICS, DocumentScores, Evaluation, MetricScore, evaluate
from .testsets import EvaluationSet, evaluate_set, read_evaluation_set

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "DOCUMENT_IDS",
    "METRICS",
    "MODES",
    "TESTS",
    "Comparison",
    "DocumentPair",
    "DocumentScores",
    "DocumentText",
    "Evaluation",
    "EvaluationSet",
    "MetricScore",
    "PairedScore",
    "choose_mode",
    "compare",
    "evaluate",
    "evaluate_set",
    "pair_documents",
    "read_evaluation_set",
    "read_line_aligned",
    "read_references",
    "read_translations",
    "require_extras",
    "write_json_report",
    "write_plot",
]
