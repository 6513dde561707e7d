"""The public entry point: a translator built once, used for strings, articles and folders."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .assemble import assemble
from .backends import Backend, Hypothesis, load_backend
from .batch import translate_pooled
from .config import Settings
from .document import Article, Sentence
from .errors import InputError
from .read import InputFile, find_inputs, read_text
from .segment import Segmenter
from .write import write_article, write_json

logger = logging.getLogger(__name__)

# how often a folder run rewrites its manifest while it works
CHECKPOINT_SECONDS = 2.0


@dataclass(frozen=True)
class SentenceTranslation:
    """A source sentence, its translation and where both sit in their texts."""

    sentence: Sentence
    source: str
    translation: str
    target_span: tuple[int, int]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleTranslation:
    """A translated article: the English text and the sentence alignment."""

    article: Article
    text: str
    sentences: tuple[SentenceTranslation, ...]


@dataclass
class Progress:
    """Where a folder run stands; handed to the ``on_progress`` callback."""

    files_total: int
    files_read: int = 0
    files_done: int = 0
    files_failed: int = 0
    # counted in translation units: a sentence cut for length counts once per piece
    sentences_read: int = 0
    sentences_done: int = 0

    @property
    def sentences_expected(self) -> int:
        """Sentences in the whole run, extrapolated from the files read so far."""
        if not self.files_read:
            return 0
        return round(self.sentences_read / self.files_read * self.files_total)


@dataclass
class RunReport:
    """The outcome of a folder run; ``manifest`` is what ``manifest.json`` holds."""

    manifest: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class Translator:
    """Arabic to English translation of text, articles and folders with one loaded model.

    Args:
        settings: every setting; the defaults (``configs/default.toml``) when omitted.
        backend: an already built backend, instead of the one ``settings`` name.
        **overrides: ``section_key=value`` settings, e.g. ``model_name="DIR"``,
            ``model_device="cpu"``, ``decoding_beams=1``.

    Raises:
        ModelLoadError: the model cannot be loaded.
        ConfigError: a setting is unknown or invalid.

    Example:
        >>> from tarjama import Translator
        >>> translator = Translator(model_name="tests/fixtures/tiny-translit", decoding_beams=1)  # doctest: +SKIP
        >>> translator.translate("قال الوزير.").text  # doctest: +SKIP
        'qAl Alwzyr.'
    """

    def __init__(self, settings: Settings | None = None, *, backend: Backend | None = None, **overrides: Any) -> None:
        self.settings = (settings or Settings()).with_overrides(**overrides)
        model, decoding = self.settings.model, self.settings.decoding
        self.backend = backend or load_backend(
            model.backend,
            name=model.name,
            revision=model.revision,
            device=model.device,
            dtype=model.dtype,
            beams=decoding.beams,
            max_length_ratio=decoding.max_length_ratio,
            max_length_extra=decoding.max_length_extra,
        )
        limit = self.settings.segmentation.max_input_tokens
        if self.backend.max_input_tokens is not None:
            limit = min(limit, self.backend.max_input_tokens)
        self.segmenter = Segmenter(max_input_tokens=limit, count_tokens=self.backend.count_tokens)

    def describe(self) -> dict[str, Any]:
        """How this translator works, as recorded in manifests."""
        return {
            "tarjama": __version__,
            **self.backend.describe(),
            "segmenter": self.segmenter.version,
            "settings": self.settings.to_dict(),
        }

    def _translate(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> list[Hypothesis]:
        batching = self.settings.batching
        return translate_pooled(texts, self.backend, batching.batch_tokens, batching.max_sentences, on_batch)

    def translate_sentences(self, sentences: Sequence[str]) -> list[str]:
        """Translate sentences as they are (no segmentation), in batches; in order."""
        return [h.text for h in self._translate(sentences)]

    def translate(self, text: str, name: str = "<text>") -> ArticleTranslation:
        """Translate the text of an article, keeping its layout."""
        return self.translate_article(self.segmenter.segment(text, name))

    def translate_article(self, article: Article) -> ArticleTranslation:
        """Translate an article segmented with ``self.segmenter``."""
        return next(self.translate_articles([article]))

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]:
        """Translate articles with their sentences pooled into shared batches.

        Sentences are pooled ``batching.window_sentences`` at a time, so memory does
        not grow with the number of articles; results come in input order.
        """
        window: list[Article] = []
        size = 0
        for article in articles:
            window.append(article)
            size += sum(len(s.units) for s in article.sentences)
            if size >= self.settings.batching.window_sentences:
                yield from self._translate_window(window, on_batch)
                window, size = [], 0
        yield from self._translate_window(window, on_batch)

    def _translate_window(
        self, articles: list[Article], on_batch: Callable[[int], None] | None
    ) -> Iterator[ArticleTranslation]:
        units = [unit for article in articles for s in article.sentences for unit in s.units]
        hypotheses = iter(self._translate(units, on_batch))
        for article in articles:
            translated = []
            for sentence in article.sentences:
                parts = [next(hypotheses) for _ in sentence.units]
                translation = " ".join(" ".join(h.text for h in parts).split())
                flags = ("truncated",) if any(h.truncated for h in parts) else ()
                if not translation:  # keep the line: show the source rather than nothing
                    translation, flags = sentence.text, (*flags, "empty")
                translated.append((sentence, translation, flags))
            text, spans = assemble(article, [t for _, t, _ in translated])
            yield ArticleTranslation(
                article,
                text,
                tuple(
                    SentenceTranslation(s, article.source(s), t, span, flags)
                    for (s, t, flags), span in zip(translated, spans, strict=True)
                ),
            )

    def translate_folder(
        self,
        inputs: Sequence[str | Path],
        out_dir: str | Path,
        *,
        encoding: str | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> RunReport:
        """Translate files and folders into ``out_dir`` (see the README for the layout).

        A file that cannot be read is reported and skipped; the others are translated.
        The manifest is rewritten after every window, so an interrupted run keeps what
        was finished.

        Raises:
            InputError: an input does not exist, or two inputs collide (before any work).
        """
        out = Path(out_dir)
        files = find_inputs(list(inputs), exclude=out)
        return _FolderRun(self, files, out, encoding, on_progress).run()


class _FolderRun:
    """One ``translate_folder`` call: reading, translating, writing and the manifest."""

    def __init__(
        self,
        translator: Translator,
        files: list[InputFile],
        out: Path,
        encoding: str | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.translator = translator
        self.files = files
        self.out = out
        self.encoding = encoding
        self.on_progress = on_progress or (lambda progress: None)
        self.progress = Progress(files_total=len(files))
        self.entries: dict[str, dict[str, Any]] = {}
        self.failures: list[tuple[str, str]] = []
        self.started = self.last_checkpoint = time.perf_counter()

    def run(self) -> RunReport:
        by_name = {str(f.name): f for f in self.files}
        results = self.translator.translate_articles(self._articles(), on_batch=self._batch_done)
        for result in results:
            item = by_name[result.article.name]
            text_path, align_path = write_article(result, self.out, item.name)
            article = result.article
            self.entries[result.article.name] = {
                "input": str(item.path),
                "output": str(text_path.relative_to(self.out)),
                "alignment": str(align_path.relative_to(self.out)),
                "status": "done",
                "paragraphs": len(article.paragraphs),
                "sentences": len(result.sentences),
                "units": sum(len(s.sentence.units) for s in result.sentences),
                "characters": len(article.original),
                "flags": sum(len(s.flags) for s in result.sentences),
            }
            self.progress.files_done += 1
            if time.perf_counter() - self.last_checkpoint >= CHECKPOINT_SECONDS:
                self._checkpoint()
        self._checkpoint()
        return RunReport(self.manifest(), self.failures)

    def _articles(self) -> Iterator[Article]:
        for item in self.files:
            try:
                text = read_text(item.path, self.encoding)
            except InputError as error:
                logger.error("%s", error)
                self.failures.append((str(item.path), error.problem))
                self.entries[str(item.name)] = {"input": str(item.path), "status": "failed", "error": error.problem}
                self.progress.files_failed += 1
                continue
            article = self.translator.segmenter.segment(text, str(item.name))
            self.progress.files_read += 1
            self.progress.sentences_read += sum(len(s.units) for s in article.sentences)
            yield article

    def _batch_done(self, units: int) -> None:
        self.progress.sentences_done += units
        self.on_progress(self.progress)

    def _checkpoint(self) -> None:
        self.last_checkpoint = time.perf_counter()
        write_json(self.out / "manifest.json", self.manifest())
        self.on_progress(self.progress)

    def manifest(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.started
        done = [e for e in self.entries.values() if e["status"] == "done"]
        sentences = sum(e["sentences"] for e in done)
        return {
            **self.translator.describe(),
            "files": [self.entries[str(f.name)] for f in self.files if str(f.name) in self.entries],
            "totals": {
                "files": len(self.files),
                "done": len(done),
                "failed": len(self.failures),
                "sentences": sentences,
                "units": sum(e["units"] for e in done),
                "flags": sum(e["flags"] for e in done),
                "wall_time_s": round(wall, 3),
                "sentences_per_second": round(sentences / wall, 2) if wall > 0 else None,
            },
        }
