"""The public entry point: a translator built once, used for strings, articles and folders."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

from .assemble import assemble
from .backends import Backend, Hypothesis, load_backend
from .batch import article_windows, prefetch, translate_pooled
from .cache import open_translation_cache
from .config import Settings
from .document import RETRYABLE, Article, ArticleTranslation, Flag, Sentence, SentenceTranslation
from .engines import Engine, open_engine
from .folder import FolderRun, Progress, RunReport
from .glossary import load_glossary
from .identity import digest, run_identity
from .languages import source_language
from .protect import Protected, Protector, without_markup
from .quality import Thresholds, arabic_share, inconsistent_renderings, mentions, sentence_flags
from .read import check_encoding, find_inputs
from .segment import Segmenter
from .version import __version__

logger = logging.getLogger(__name__)


# an article with a smaller share of Arabic among its letters is copied, not translated
MIN_ARABIC_SHARE = 0.3

# a sentence's repaired translation, its flags, and its score
Outcome = tuple[Protected, list[Flag], float | None]

# flags that --retry-flagged tries to mend with safer decoding


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
            model=model.name,
            revision=model.revision,
            device=model.device,
            dtype=model.dtype,
            beams=decoding.beams,
            max_length_ratio=decoding.max_length_ratio,
            max_length_extra=decoding.max_length_extra,
            compute_type=model.compute_type,
            cache_dir=self.settings.cache.dir,
            threads=model.threads,
        )
        limit = self.settings.segmentation.max_input_tokens
        if self.backend.max_input_tokens is not None:
            limit = min(limit, self.backend.max_input_tokens)
        self.language = source_language(self.settings.segmentation.language)
        self.segmenter = Segmenter(
            max_input_tokens=limit, count_tokens=self.backend.count_tokens, language=self.language.CODE
        )
        cache = self.settings.cache
        self.cache = open_translation_cache(cache.enabled, cache.dir, self.backend.describe())
        quality = self.settings.quality
        self.protector = Protector(
            load_glossary(quality.glossary, quality.default_glossary) if quality.names else None,
            quality.quote_marks,
            self._translate_pieces,
            self.segmenter.units,
            repair=quality.repair,
            canonical_names=quality.names == "canonical",
            short_quote_words=quality.short_quote_words,
        )
        self.thresholds = Thresholds(quality.length_ratio_low, quality.length_ratio_high)
        # the scores of the pieces the protector had translated, for rebuilt sentences
        self._piece_scores: dict[str, float | None] = {}

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
        return translate_pooled(
            texts, self.backend, batching.batch_tokens, batching.max_sentences, on_batch, cache=self.cache
        )

    def _translate_pieces(self, texts: Sequence[str]) -> list[str]:
        hypotheses = self._translate(texts)
        self._piece_scores.update(zip(texts, (h.score for h in hypotheses), strict=True))
        return [h.text for h in hypotheses]

    @overload
    def translate_sentences(self, sentences: Sequence[str]) -> list[str]: ...  # type: ignore[overload-overlap]

    @overload
    def translate_sentences(self, sentences: Iterable[str]) -> Iterator[str]: ...

    def translate_sentences(self, sentences: Iterable[str]) -> list[str] | Iterator[str]:
        """Translate sentences as they are (no segmentation), in batches; in order.

        The sentences are read and translated ``batching.window_sentences`` at a time, so
        a generator of millions is never held whole.

        Args:
            sentences: a list or tuple of sentences, or any other iterable of them.

        Returns:
            The translations: a list for a list or tuple, an iterator (lazy, window by
            window) for any other iterable.

        Raises:
            TypeError: ``sentences`` is a ``str``, ``bytes`` or not iterable, or one of
                its items is not a ``str`` (an iterator raises it when it gets there).

        Example:
            >>> translator.translate_sentences(["نعم.", "لا."])  # doctest: +SKIP
            ['nEm.', 'lA.']
        """
        if isinstance(sentences, (str, bytes, bytearray)) or not isinstance(sentences, Iterable):
            raise TypeError(f"sentences must be an iterable of str, not {type(sentences).__name__}")
        if isinstance(sentences, Sequence):
            for number, sentence in enumerate(sentences):
                _check_text(sentence, f"sentence {number}")
            return [h.text for h in self._translate(sentences)]
        return self._stream_sentences(sentences)

    def _stream_sentences(self, sentences: Iterable[str]) -> Iterator[str]:
        window = self.settings.batching.window_sentences
        numbered = enumerate(sentences)
        while chunk := list(itertools.islice(numbered, window)):
            for number, sentence in chunk:
                _check_text(sentence, f"sentence {number}")
            yield from (h.text for h in self._translate([sentence for _, sentence in chunk]))

    def translate(self, text: str, name: str = "<text>") -> ArticleTranslation:
        """Translate the text of an article, keeping its layout.

        Raises:
            TypeError: ``text`` is not a ``str``.
        """
        _check_text(text, "text")
        return self.translate_article(self.segmenter.segment(text, name))

    def translate_article(self, article: Article) -> ArticleTranslation:
        """Translate an article segmented with ``self.segmenter``."""
        return next(self.translate_articles([article]))

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]:
        """Translate articles with their sentences pooled into shared batches.

        Sentences are pooled ``batching.window_sentences`` at a time, so memory does
        not grow with the number of articles; results come in input order. Articles
        that are not already in a list are read ahead in a background thread, so
        reading and segmenting the next window overlaps with translating this one.
        """
        if not isinstance(articles, Sequence):
            articles = prefetch(articles, ahead=max(1, self.settings.batching.window_sentences // 4))
        for window in article_windows(articles, self.settings.batching.window_sentences):
            yield from self._translate_window(window, on_batch)

    def _translate_window(
        self, articles: list[Article], on_batch: Callable[[int], None] | None
    ) -> Iterator[ArticleTranslation]:
        copied = {id(a) for a in articles if arabic_share(a.original) < MIN_ARABIC_SHARE}
        sentences = [s for article in articles if id(article) not in copied for s in article.sentences]
        # what has no Arabic letter (a Latin line, a number) is copied, not sent to the model
        to_model = [u for s in sentences for u in s.units if self.language.LETTER.search(u)]
        translated = dict(zip(to_model, self._translate(to_model, on_batch), strict=True))
        self._piece_scores.clear()
        first = [_joined([translated.get(u, Hypothesis(u)) for u in s.units]) for s in sentences]
        outcomes = self._checked(sentences, first)
        if self.settings.quality.retry_flagged:
            self._retry(sentences, outcomes)
        results = iter(outcomes)
        for article in articles:
            if id(article) in copied:
                yield _copied(article)
                continue
            items = [next(results) for _ in article.sentences]
            renderings = inconsistent_renderings(item.translation for item, _, _ in items)
            minority = {v for r in renderings for v in r.variants if v != r.preferred}
            text, spans = assemble(article, [item.translation for item, _, _ in items])
            yield ArticleTranslation(
                article,
                text,
                tuple(
                    SentenceTranslation(
                        s,
                        article.source(s),
                        item.translation,
                        span,
                        tuple(flags + [Flag.NAME_INCONSISTENT] * mentions(item.translation, minority)),
                        tuple(item.quotes),
                        tuple(item.names),
                        item.method,
                        score,
                    )
                    for s, (item, flags, score), span in zip(article.sentences, items, spans, strict=True)
                ),
                tuple(renderings),
            )

    def _checked(self, sentences: list[Sentence], first: list[Hypothesis]) -> list[Outcome]:
        """Quotations and names checked and repaired (``tarjama.protect``), scored, then flagged."""
        protected = self.protector.protect(sentences, [h.text for h in first])
        min_score = self.settings.quality.min_score
        outcomes = []
        for sentence, hypothesis, item in zip(sentences, first, protected, strict=True):
            flags = [Flag.TRUNCATED] * hypothesis.truncated
            score = hypothesis.score
            if item.method in ("rebuilt", "constrained"):  # what was kept is a later translation
                score = _lowest(self._piece_scores.get(u) for u in item.units)
            if not item.translation.strip():  # keep the line: show the source rather than nothing
                item.translation = sentence.text
                item.names = [replace(n, target_span=None, rendering=None) for n in item.names]
                item.quotes = [replace(q, target_span=None) for q in item.quotes]
                flags.append(Flag.EMPTY)
                score = None
            # markup (a link target with Arabic in it) is neither translated nor judged
            prose = without_markup(sentence, sentence.text), without_markup(sentence, item.translation)
            flags += item.flags + sentence_flags(*prose, self.thresholds)
            if score is not None and min_score is not None and score < min_score:
                flags.append(Flag.LOW_CONFIDENCE)
            outcomes.append((item, flags, score))
        return outcomes

    def _retry(self, sentences: list[Sentence], outcomes: list[Outcome]) -> None:
        """Translate flagged sentences again with safer settings (beam search, no repeated
        trigrams, shorter clause units) and keep whichever result has fewer flags."""
        flagged = [i for i, (_, flags, _) in enumerate(outcomes) if RETRYABLE.intersection(flags)]
        if not flagged:
            return
        safer = self.backend.with_options(beams=max(4, self.settings.decoding.beams), no_repeat_ngram_size=3)
        limit = max(8, (self.segmenter.max_input_tokens or 200) // 2)
        cutter = Segmenter(self.segmenter.rules, limit, self.segmenter.count_tokens, self.language.CODE)
        units = [cutter.units(sentences[i].text) for i in flagged]
        batching = self.settings.batching
        flat = translate_pooled([u for us in units for u in us], safer, batching.batch_tokens, batching.max_sentences)
        hypotheses = iter(flat)
        again = self._checked(
            [sentences[i] for i in flagged], [_joined([next(hypotheses) for _ in us]) for us in units]
        )
        for i, (item, flags, score) in zip(flagged, again, strict=True):
            if len(flags) < len(outcomes[i][1]):
                item.method = "retried"
                outcomes[i] = (item, flags, score)

    def translate_folder(
        self,
        inputs: Iterable[str | Path] | str | Path,
        out_dir: str | Path,
        *,
        encoding: str | None = None,
        jsonl_field: str = "text",
        force: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        engine: str | Engine | None = None,
    ) -> RunReport:
        """Translate files and folders into ``out_dir`` (see the README for the layout).

        A file that cannot be read is reported and skipped; the others are translated.
        The manifest is rewritten every few seconds, so an interrupted run keeps what
        was finished, and a rerun skips the files already done with the same content
        and settings (unless ``force``).

        Args:
            inputs: files and folders (``*.txt``, ``*.md``, ``*.jsonl``), or one of them.
            out_dir: where the outputs go.
            encoding: read every input with this encoding instead of detecting it.
            jsonl_field: the field of JSON Lines records that holds the text.
            force: translate again files an earlier run finished.
            on_progress: called with a ``Progress`` as the run advances.
            engine: where the articles are translated: ``"local"`` (this process) or
                ``"ray"`` (a pool of Ray actors, each with a translator built from these
                settings; see ``tarjama.engines.ray``), or an engine object. Default: the
                ``[engine] name`` setting. The outputs are the same whichever runs.

        Returns:
            The run's report: the manifest's totals, the failed files with their
            reasons, the warnings, and the manifest (read from ``out_dir`` when asked).

        Raises:
            InputError: an input does not exist, or two inputs collide (before any work).
            ConfigError: the engine or the encoding is unknown.
            TypeError: ``inputs`` is not a path or an iterable of paths.
            MissingExtraError: ``"ray"`` without Ray installed (``pip install 'tarjama[ray]'``).
        """
        if isinstance(inputs, (str, Path)):
            inputs = [inputs]  # one file or folder
        if isinstance(inputs, (bytes, bytearray)) or not isinstance(inputs, Iterable):
            raise TypeError(f"inputs must be a list of files and folders, not {type(inputs).__name__}")
        if encoding is not None:
            check_encoding(encoding)
        out = Path(out_dir)
        files = find_inputs(list(inputs), exclude=out)
        chosen = open_engine(engine or self.settings.engine.name, self.settings, local=self, build=Translator)

        def describe() -> dict[str, Any]:
            # work done elsewhere (the Ray engine) adds the pool, and what its workers ran on
            return self.describe() if chosen is self else {**self.describe(), "engine": chosen.describe()}

        run = FolderRun(
            files,
            out,
            segmenter=self.segmenter,
            fingerprint=self.fingerprint(),
            engine=chosen,
            describe=describe,
            encoding=encoding,
            jsonl_field=jsonl_field,
            force=force,
            on_progress=on_progress,
        )
        return run.run()

    def fingerprint(self) -> str:
        """A digest of everything that decides the translations
        (``tarjama.identity.run_identity``): model, the contents of a local model folder,
        revision, backend settings, segmenter, tarjama version, the settings that change
        the output and the glossaries' contents. A folder run redoes the files of an
        earlier run whose fingerprint differs."""
        described = {k: v for k, v in self.describe().items() if k != "settings"}
        return digest(run_identity(described, self.settings.to_dict(), self.settings.quality.glossary), 16)


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")


def _joined(parts: list[Hypothesis]) -> Hypothesis:
    """The translation of a sentence from its units' hypotheses: cut short if any was,
    scored by the lowest of their scores."""
    return Hypothesis(
        " ".join(" ".join(h.text for h in parts).split()),
        any(h.truncated for h in parts),
        _lowest([h.score for h in parts]),
    )


def _lowest(scores: Iterable[float | None]) -> float | None:
    """The lowest of the scores there are; ``None`` when none is."""
    return min((s for s in scores if s is not None), default=None)


def _copied(article: Article) -> ArticleTranslation:
    """An article that is mostly not Arabic, left exactly as it is (byte for byte once
    written) and flagged ``not_arabic``; each sentence keeps its span."""
    return ArticleTranslation(
        article,
        article.original,
        tuple(
            SentenceTranslation(
                s, article.source(s), article.source(s), (s.start, s.end), (Flag.NOT_ARABIC,), method="copied"
            )
            for s in article.sentences
        ),
    )
