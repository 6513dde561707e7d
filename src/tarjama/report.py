"""The review page: a translate output folder as one self-contained HTML file.

The page has an index of the articles (sentences, flags, scores when present) and, per
article, the Arabic and the English side by side, sentence by sentence, with names and
quotations highlighted and linked to their counterparts, and a "flagged only" filter.
It needs no network and loads nothing from elsewhere: styles, script and data are inline.

Rendering is done with Jinja2 (``pip install 'tarjama[report]'``) with autoescaping on;
article text reaches the page only as JSON read by the page's script with ``textContent``,
never as markup. The index is rendered here, one table row per article; the sentences are
not: each article is a JSON block that the page parses and builds only when it is opened
(a folder of 1,000 articles of 40 sentences is a 19 MB page that loads in under a second,
where the same 40,000 rows written out as HTML take 14 s to load and lay out).
Paginating on the server would mean many files, and the page is meant to be one file.

Scores: ``OUTDIR/evaluation.json``, or the file given as ``scores``, is read when present.
The shape read (a subset of what ``tarjama evaluate --json`` writes)::

    {"documents": {"a/b.txt": {"bleu": 31.2, "chrf": 55.0}, ...}}

The same mapping at the top level, or ``"documents"`` as a list of objects with a
``"document"`` (or ``"name"``) key, are read too; a score is a number or an object with a
``"score"`` number (sacrebleu's JSON); ``chrf``, ``chrf++`` and ``chrf2++`` (any case) count as
chrF. A document is named by its input path relative to the folder (``a/b.txt``), with or
without its suffix, or by its output name (``a/b.en.txt``). Anything else is ignored.

Example:
    >>> from tarjama.report import write_report
    >>> data = write_report("out/", "out/report.html")  # doctest: +SKIP
    >>> data.sentences, data.flagged  # doctest: +SKIP
    (17, 0)
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError, MissingExtraError
from .outputs import ALIGNMENT_SUFFIX, input_name, output_names, read_alignment, read_manifest
from .write import atomic_write

logger = logging.getLogger(__name__)

SCORES_FILE = "evaluation.json"
# bars of the model-score histogram
HISTOGRAM_BINS = 30
# JSON string escapes for characters that must not appear raw in a <script> block
_SCRIPT_ESCAPES = str.maketrans({char: f"\\u{ord(char):04x}" for char in "<>&\u2028\u2029"})
# the keys each metric is read from, lower-cased: sacrebleu names chrF++ "chrF2++"
METRICS = {"bleu": ("bleu",), "chrf": ("chrf", "chrf++", "chrf2", "chrf2++")}


@dataclass
class ArticleReport:
    """One article of the folder as the page shows it.

    ``status`` is ``done``, ``failed`` (translate could not read it) or ``unreadable``
    (its alignment file is missing or broken); ``error`` says why for the last two.
    """

    name: str
    status: str = "done"
    sentences: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def flag_counts(self) -> Counter[str]:
        return Counter(flag for sentence in self.sentences for flag in sentence["flags"])

    @property
    def flagged(self) -> int:
        """Sentences with at least one flag."""
        return sum(1 for sentence in self.sentences if sentence["flags"])

    @property
    def model_scores(self) -> list[float]:
        """The model's scores of its sentences (those that have one)."""
        return [s["score"] for s in self.sentences if s.get("score") is not None]

    @property
    def lowest_score(self) -> float | None:
        return min(self.model_scores, default=None)

    @property
    def mean_score(self) -> float | None:
        scores = self.model_scores
        return sum(scores) / len(scores) if scores else None


@dataclass
class ReportData:
    """Everything the page shows, read from a translate output folder."""

    folder: Path
    manifest: dict[str, Any]
    articles: list[ArticleReport]
    scores_file: Path | None = None

    @property
    def sentences(self) -> int:
        return sum(len(article.sentences) for article in self.articles)

    @property
    def flagged(self) -> int:
        return sum(article.flagged for article in self.articles)

    @property
    def flag_counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for article in self.articles:
            total.update(article.flag_counts)
        return total

    def by_score(self) -> list[tuple[float, int, int]]:
        """Every scored sentence as ``(score, article, sentence)`` numbers, lowest first."""
        return sorted(
            (sentence["score"], a, k)
            for a, article in enumerate(self.articles)
            for k, sentence in enumerate(article.sentences)
            if sentence.get("score") is not None
        )

    @property
    def min_score(self) -> float | None:
        """The ``[quality] min_score`` the run flagged ``low_confidence`` below, if recorded."""
        value = ((self.manifest.get("settings") or {}).get("quality") or {}).get("min_score")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def histogram(self, bins: int = HISTOGRAM_BINS) -> list[Bar]:
        """The distribution of the model's scores: ``bins`` bars of equal width from the
        lowest score to the highest (one bar when they are all equal)."""
        scores = [score for score, _, _ in self.by_score()]
        if not scores:
            return []
        low, high = scores[0], scores[-1]
        width = (high - low) / bins if high > low else 1.0
        counts = [0] * (bins if high > low else 1)
        for score in scores:
            counts[min(int((score - low) / width), len(counts) - 1)] += 1
        return [Bar(low + i * width, low + (i + 1) * width if high > low else high, n) for i, n in enumerate(counts)]


@dataclass(frozen=True)
class Bar:
    """A bar of the score histogram: the sentences scored in [low, high)."""

    low: float
    high: float
    count: int


def collect(folder: str | Path, scores: str | Path | None = None) -> ReportData:
    """Read a translate output folder (manifest, alignments) and the scores, if any.

    Args:
        folder: the ``-o`` folder of ``tarjama translate``.
        scores: an evaluation JSON file; ``folder/evaluation.json`` is used when omitted
            and present.

    Returns:
        The articles in manifest order (or path order when there is no manifest); an
        article whose alignment cannot be read is kept with status ``unreadable``.

    Raises:
        InputError: the folder is not a translate output folder, its manifest is not
            JSON, or the scores file is missing or not of the shape described above.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "is not a folder; give the -o folder of tarjama translate")
    manifest = read_manifest(folder) or {}
    if manifest:
        articles = _articles_from_manifest(folder, manifest)
        if not articles:
            raise InputError(str(folder / "manifest.json"), "lists no files: the translate run had no input")
    else:
        articles = _articles_from_files(folder)
        if not articles:
            problem = "holds no manifest.json and no *.align.jsonl: run tarjama translate -o here first"
            raise InputError(str(folder), problem)
    scores_file = Path(scores) if scores is not None else folder / SCORES_FILE
    if scores is None and not scores_file.exists():
        return ReportData(folder, manifest, articles)
    _attach_scores(articles, _read_scores(scores_file))
    return ReportData(folder, manifest, articles, scores_file)


def render(data: ReportData) -> str:
    """The page as one HTML string.

    Raises:
        MissingExtraError: Jinja2 is not installed.
    """
    try:
        import jinja2
        from markupsafe import Markup
    except ImportError as error:
        raise MissingExtraError("jinja2", "report") from error
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("tarjama", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The style and script are inserted verbatim (not through Jinja, which would read
    # "{#" in CSS as a comment); their hashes go into the page's Content-Security-Policy,
    # so that nothing else, injected or not, can run or load.
    style, script = _asset("report.css"), _asset("report.js")
    policy = (
        f"default-src 'none'; style-src '{_sha256(style)}'; script-src '{_sha256(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    manifest, articles = data.manifest, data.articles
    ranked, histogram = data.by_score(), data.histogram()
    return environment.get_template("report.html").render(
        title=f"tarjama review: {data.folder.resolve().name}",
        articles=articles,
        article_json=[_script_json({"name": a.name, "scores": a.scores, "sentences": a.sentences}) for a in articles],
        has_scores=data.scores_file is not None,
        scores_file=data.scores_file,
        run={key: manifest.get(key) for key in ("tarjama", "model", "revision", "backend", "device", "dtype")},
        segmenter=manifest.get("segmenter"),
        sentences=data.sentences,
        flagged=data.flagged,
        flag_counts=sorted(data.flag_counts.items()),
        histogram=histogram,
        histogram_top=max((bar.count for bar in histogram), default=0),
        min_score=data.min_score,
        by_score_count=len(ranked),
        by_score=_script_json([[score, a, k] for score, a, k in ranked]),
        done=sum(1 for a in data.articles if a.status == "done"),
        policy=policy,
        style=Markup(style),
        script=Markup(script),
    )


def write_report(folder: str | Path, output: str | Path, scores: str | Path | None = None) -> ReportData:
    """Write the review page of ``folder`` to ``output`` (atomically); see :func:`collect`.

    Raises:
        InputError: as :func:`collect`.
        MissingExtraError: Jinja2 is not installed.
    """
    data = collect(folder, scores)
    atomic_write(Path(output), render(data))
    return data


def _asset(name: str) -> str:
    return (resources.files("tarjama") / "templates" / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _script_json(data: Any) -> Any:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    survives, so no ``</script>`` or ``<!--`` can end or bend the block."""
    from markupsafe import Markup

    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES))


def _articles_from_manifest(folder: Path, manifest: dict[str, Any]) -> list[ArticleReport]:
    articles = []
    for entry in manifest.get("files") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("status") != "done":
            articles.append(ArticleReport(str(entry.get("input")), "failed", error=str(entry.get("error"))))
            continue
        output, alignment = str(entry.get("output")), str(entry.get("alignment"))
        articles.append(_read_article(input_name(output), folder / alignment))
    return articles


def _articles_from_files(folder: Path) -> list[ArticleReport]:
    paths = sorted(folder.rglob(f"*{ALIGNMENT_SUFFIX}"))
    return [_read_article(path.relative_to(folder).as_posix()[: -len(ALIGNMENT_SUFFIX)], path) for path in paths]


def _read_article(name: str, path: Path) -> ArticleReport:
    try:
        return ArticleReport(name, sentences=[_sentence(record) for record in read_alignment(path)])
    except InputError as error:
        logger.warning("%s", error)
        return ArticleReport(name, "unreadable", error=error.problem)


def _sentence(record: dict[str, Any]) -> dict[str, Any]:
    """An alignment record reduced to what the page shows; names and quotations (absent
    from older files) are kept when their spans are valid, in UTF-16 units for the script."""
    source, translation = _text(record.get("source")), _text(record.get("translation"))
    flags = record.get("flags")
    sentence: dict[str, Any] = {
        "paragraph": _index(record.get("paragraph")),
        "sentence": _index(record.get("sentence")),
        "source": source,
        "translation": translation,
        "flags": [flag for flag in flags if isinstance(flag, str)] if isinstance(flags, list) else [],
        "score": _number(record.get("score")),
    }
    names = [_name(item, source, translation) for item in _objects(record.get("names"))]
    quotes = [_quote(item, source, translation) for item in _objects(record.get("quotes"))]
    if any(names):
        sentence["names"] = [name for name in names if name]
    if any(quotes):
        sentence["quotes"] = [quote for quote in quotes if quote]
    return sentence


def _name(item: dict[str, Any], source: str, translation: str) -> dict[str, Any] | None:
    source_span = _span(item.get("source_span"), source)
    if source_span is None:
        return None
    target_span = _span(item.get("target_span"), translation)
    found = item.get("found")
    return {
        "source": _text(item.get("source")),
        "english": _text(item.get("english")),
        "source_span": source_span,
        "target_span": target_span,
        "found": found if isinstance(found, bool) else target_span is not None,
    }


def _quote(item: dict[str, Any], source: str, translation: str) -> dict[str, Any] | None:
    source_span = _span(item.get("source_span"), source)
    if source_span is None:
        return None
    return {"source_span": source_span, "target_span": _span(item.get("target_span"), translation)}


def _span(value: Any, text: str) -> list[int] | None:
    """A ``[start, end]`` span of code points in ``text``, as UTF-16 offsets (what
    JavaScript strings count); ``None`` when it is not a valid, non-empty span."""
    if not (isinstance(value, list | tuple) and len(value) == 2):
        return None
    start, end = value
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        return None
    if not 0 <= start < end <= len(text):
        return None
    return [_utf16(text, start), _utf16(text, end)]


def _utf16(text: str, offset: int) -> int:
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    """A finite number, else ``None`` (JSON has no NaN; a hand-edited file may)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_scores(path: Path) -> dict[str, dict[str, float]]:
    """Document name -> {metric: score} from an evaluation file (shape in the module doc)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputError(str(path), "does not exist; write it with tarjama evaluate --json") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(str(path), f"is not a JSON file ({error})") from error
    documents = data.get("documents", data) if isinstance(data, dict) else None
    if isinstance(documents, list):
        documents = {_text(d.get("document") or d.get("name")): d for d in _objects(documents)}
    if not isinstance(documents, dict):
        raise InputError(str(path), 'holds no per-document scores: expected {"documents": {NAME: {"bleu": B, ...}}}')
    scores = {}
    for name, entry in documents.items():
        if name and isinstance(entry, dict):
            found = {metric: value for metric in METRICS if (value := _metric(entry, metric)) is not None}
            if found:
                scores[name] = found
    return scores


def _metric(entry: dict[str, Any], metric: str) -> float | None:
    for key, value in entry.items():
        if isinstance(key, str) and key.lower() in METRICS[metric]:
            score = value.get("score") if isinstance(value, dict) else value
            if isinstance(score, int | float) and not isinstance(score, bool) and math.isfinite(score):
                return float(score)
    return None


def _attach_scores(articles: list[ArticleReport], scores: dict[str, dict[str, float]]) -> None:
    matched = 0
    for article in articles:
        path = PurePosixPath(article.name)
        stem = str(path.with_suffix("")) if path.suffix else str(path)
        for key in (article.name, stem, str(output_names(path)[0])):
            if key in scores:
                article.scores = scores[key]
                matched += 1
                break
    if scores and not matched:
        logger.warning("no document of the scores file matches an article of the folder")
