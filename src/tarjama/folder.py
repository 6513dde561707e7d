"""A folder run: files in, outputs and a manifest out, resumable and never losing work.

* Each input is read, hashed and parsed (plain text, Markdown, or JSON Lines with one
  article per record); a file that cannot be read or parsed is reported and the others
  go on.
* The run holds the output folder's lock (``tarjama.outputs.locked_folder``): a second
  run on the same folder waits for it.
* The manifest records each file's content hash, the run's fingerprint (model, settings,
  glossaries), its status and the digest of each output written, and is rewritten when
  the first file is finished, every few seconds after and at the end; the entries of
  earlier runs on other inputs stay. This run's entries wait in a temporary file in the
  output folder (``tarjama.outputs.ManifestFiles``), not in memory, and the totals are
  counted as files finish, so memory grows little with the files. A rerun skips the
  files that are done with the same content and fingerprint and whose outputs are as
  written; ``force`` redoes everything.
* An existing output is overwritten only if tarjama wrote it as it is now (the manifest,
  or the journal of a run killed before its manifest caught up, says so); otherwise the
  file fails with the reason, unless ``force``.
* Outputs are written atomically, so a file is complete or absent; temporary files that a
  killed run left behind are removed when the next run starts. A file whose outputs
  cannot be written fails alone, unless no file could be (a full disk): then the run
  stops with ``WriteError``, its manifest recording what was finished.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import math
import os
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .document import Article, ArticleTranslation, Flag
from .engines.base import Engine
from .errors import InputError, WriteError
from .identity import output_changes
from .jsonl import JsonRecord, jsonl_records
from .outputs import (
    MANIFEST,
    ManifestFiles,
    clear_journal,
    digest,
    journal_written,
    locked_folder,
    output_names,
    read_alignment,
    read_journal,
    read_manifest,
    write_manifest,
)
from .quality import score_summary
from .read import Decoded, InputFile, read_file
from .segment import Segmenter
from .write import article_texts, atomic_write, records_texts, remove_temporaries

logger = logging.getLogger(__name__)

# how often a folder run rewrites its manifest while it works
CHECKPOINT_SECONDS = 2.0
# ... and at most this share of its time: the manifest of a 10,000-file run takes seconds to
# write, and rewriting it every 2 s would make the run's time grow with the square of its files
CHECKPOINT_SHARE = 0.05
# write errors that no other file would escape: the run stops rather than fail each file
_RUN_STOPPERS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


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
class _Pending:
    """A file whose articles are being translated."""

    item: InputFile
    decoded: Decoded
    sha256: str
    articles: int
    records: list[JsonRecord] | None = None
    results: list[ArticleTranslation] = field(default_factory=list)


@dataclass
class RunReport:
    """The outcome of a folder run.

    Attributes:
        folder: the output folder.
        totals: the manifest's totals.
        failures: the inputs that failed, with why.
        warnings: the inputs done (or done before) with something to say, and what.
    """

    folder: Path
    totals: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` holds, read from the folder when first asked (the run
        does not keep every file's entry in memory: for a large run it is large)."""
        return read_manifest(self.folder) or {}


class FolderRun:
    """One ``Translator.translate_folder`` call (see the module docstring).

    Args:
        files: the inputs, in order.
        out: the output folder.
        segmenter: segments each article read.
        fingerprint: identifies what decides the translations (model, settings that change
            the output, glossaries; ``tarjama.translator.Translator.fingerprint``).
        engine: translates the articles, in order: the translator itself, or a pool of
            workers (``tarjama.engines``).
        describe: how the outputs are made, for the manifest (called at each checkpoint).
    """

    def __init__(
        self,
        files: list[InputFile],
        out: Path,
        *,
        segmenter: Segmenter,
        fingerprint: str,
        engine: Engine,
        describe: Callable[[], dict[str, Any]],
        encoding: str | None = None,
        jsonl_field: str = "text",
        force: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.segmenter = segmenter
        self.engine = engine
        self.describe = describe
        self.files = files
        self.out = out
        self.encoding = encoding
        self.jsonl_field = jsonl_field
        self.force = force
        self.on_progress = on_progress or (lambda progress: None)
        self.progress = Progress(files_total=len(files))
        # what decides the outputs: the translator's, and how the files are read
        self.fingerprint = f"{fingerprint}-{encoding or 'detect'}-{jsonl_field}"
        # the top level of the manifest an earlier run left here, and the files it finished
        # that this run redoes because the settings differ, with what changed
        self.previous_run: dict[str, Any] = {}
        self.redone: dict[str, str] = {}
        self.totals = _Totals()
        self.failures: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.pending: dict[str, _Pending] = {}
        self.started = self.last_checkpoint = time.perf_counter()
        self.checkpoint_cost = 0.0
        # the totals the manifest last written holds
        self.recorded_totals: dict[str, Any] = {}

    def run(self) -> RunReport:
        with locked_folder(self.out):
            return self._run()

    def _run(self) -> RunReport:
        # the clock starts once the folder is this run's (waiting for another run is not work),
        # and the first file finished is recorded at once: a run killed early still leaves it
        self.started = time.perf_counter()
        self.last_checkpoint = self.started - CHECKPOINT_SECONDS
        remove_temporaries(self.out)
        self.name_max = _name_max(self.out)
        self.previous = self._previous_entries()
        self._announce_redone()
        self.written = _written(self.previous.values())
        # what a run killed before its manifest caught up wrote
        self.journalled = read_journal(self.out)
        for name, values in self.journalled.items():
            self.written.setdefault(name, []).extend(values)
        # set when an output this run wrote lost its entry to a later one of the same
        # name: then only the journal tells that tarjama wrote it
        self.keep_journal = False
        self.files_list = ManifestFiles(self.out, self.previous)
        try:
            try:
                for result in self.engine.translate_articles(self._articles(), on_batch=self._batch_done):
                    pending = self.pending[str(result.article.file)]
                    pending.results.append(result)
                    if len(pending.results) == pending.articles:
                        self._finish(pending)
            finally:  # interrupted or not, the manifest records every file finished
                self._checkpoint()
            if self._journal_recorded():
                clear_journal(self.out)
        finally:
            self.files_list.close()
        return RunReport(self.out, self.recorded_totals, self.failures, self.warnings)

    def _journal_recorded(self) -> bool:
        """Whether the manifest now records every output the journal lists. This run
        records each output it wrote as it writes it (or removes it when its pair could
        not be written), so only the outputs of a killed run are looked for."""
        if self.keep_journal:
            return False
        if not self.journalled:
            return True
        last = {name: values[-1] for name, values in read_journal(self.out, only=set(self.journalled)).items()}
        recorded = _written(self.files_list.entries(), only=set(last))
        return all(value in recorded.get(name, []) for name, value in last.items())

    def _previous_entries(self) -> dict[str, dict[str, Any]]:
        """The entries of the manifest there, by input name (kept for the inputs this run
        does not have)."""
        try:
            manifest = read_manifest(self.out) or {"files": []}
        except InputError as error:
            logger.warning("%s; the files will be translated again", error)
            return {}
        self.previous_run = {key: value for key, value in manifest.items() if key != "files"}
        return {entry["name"]: entry for entry in manifest["files"] if "name" in entry}

    def _announce_redone(self) -> None:
        """Say, before any work, which files an earlier run finished with other settings
        will be translated again, and what changed (``self.redone``: file -> why)."""
        inputs = {str(item.name) for item in self.files}
        stale = [
            name
            for name, entry in self.previous.items()
            if name in inputs and entry.get("status") == "done" and entry.get("fingerprint") != self.fingerprint
        ]
        if not stale or self.force:
            return
        changes = output_changes(self.previous_run, self.describe())
        read_as = self.fingerprint.partition("-")[2]
        if any(not str(self.previous[name].get("fingerprint", "")).endswith(f"-{read_as}") for name in stale):
            changes.append("how the inputs are read (--encoding, --jsonl-field)")
        why = "; ".join(changes) or "the model folder's files or a glossary's contents changed"
        self.redone = dict.fromkeys(stale, why)
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        files = "file" if len(stale) == 1 else "files"
        logger.warning(
            "%d %s an earlier run finished in %s with other settings will be translated again (%s): %s",
            len(stale), files, self.out, why, shown,
        )  # fmt: skip

    def _articles(self) -> Iterator[Article]:
        for item in self.files:
            name = str(item.name)
            problem = item.problem or self._name_too_long(item)
            if problem:
                self._fail(item, problem)
                continue
            try:
                data = item.path.read_bytes()
            except OSError as error:
                self._fail(item, f"cannot be read: {error.strerror}")
                continue
            sha256 = hashlib.sha256(data).hexdigest()
            entry = self.previous.get(name)
            if not self.force and entry and self._unchanged(entry, sha256):
                self._record({**entry, "resumed": True}, self._saved_scores(entry))
                self.progress.files_done += 1
                continue
            problem = None if self.force else self._not_ours(item)
            if problem:
                self._fail(item, problem)
                continue
            try:
                decoded = read_file(item.path, self.encoding, data)
                pending, articles = self._parse(item, decoded, sha256)
            except InputError as error:
                self._fail(item, error.problem)
                continue
            self.pending[name] = pending
            self.progress.files_read += 1
            self.progress.sentences_read += sum(len(s.units) for a in articles for s in a.sentences)
            yield from articles

    def _name_too_long(self, item: InputFile) -> str | None:
        longest = max((name.name for name in output_names(item.name)), key=lambda name: len(name.encode()))
        size = len(longest.encode())
        if size <= self.name_max:
            return None
        return f"its output name {longest} is too long for the file system ({size} bytes, at most {self.name_max})"

    def _unchanged(self, entry: dict[str, Any], sha256: str) -> bool:
        """Whether an earlier run made this file's outputs from the same content and
        settings, and they are still as it wrote them."""
        if entry["status"] != "done" or entry.get("sha256") != sha256 or entry.get("fingerprint") != self.fingerprint:
            return False
        paths = [self.out / entry[key] for key in ("output", "alignment")]
        return all(path.is_file() and self._as_written(path) for path in paths)

    def _as_written(self, path: Path) -> bool:
        """Whether ``path`` holds what a tarjama run wrote there (trusted when a manifest
        from before digests were recorded lists it without one)."""
        recorded = self.written.get(path.relative_to(self.out).as_posix())
        if recorded is None:
            return False
        return not recorded or digest(path.read_bytes()) in recorded

    def _not_ours(self, item: InputFile) -> str | None:
        """Why the outputs of ``item`` cannot be written: one exists that tarjama did not
        write, or that was changed after it was written. ``None`` when they can."""
        for name in output_names(item.name):
            path = self.out / name
            if not path.exists() or self._as_written(path):
                continue
            if str(name) in self.written:
                return f"{path} was changed after tarjama wrote it; pass --force to translate it again and overwrite it"
            return f"{path} exists and was not written by tarjama; move it away or pass --force to overwrite it"
        return None

    def _saved_scores(self, entry: dict[str, Any]) -> list[float]:
        """The sentence scores in the alignment file an earlier run wrote."""
        try:
            records = read_alignment(self.out / entry["alignment"])
        except InputError:
            logger.warning("cannot read the scores of %s; its manifest totals leave them out", entry["alignment"])
            return []
        return [float(r["score"]) for r in records if isinstance(r.get("score"), (int, float))]

    def _parse(self, item: InputFile, decoded: Decoded, sha256: str) -> tuple[_Pending, list[Article]]:
        segment = self.segmenter.segment
        name = str(item.name)
        if item.path.suffix != ".jsonl":
            article = replace(segment(decoded.text, name, markdown=item.path.suffix == ".md"), file=name)
            return _Pending(item, decoded, sha256, 1), [article]
        records = jsonl_records(decoded.text, self.jsonl_field, str(item.path))
        articles = []
        for number, record in enumerate(records):
            articles.append(replace(segment(record.text, f"{name}#{number}"), file=name, record=number))
        return _Pending(item, decoded, sha256, len(articles), records), articles

    def _finish(self, pending: _Pending) -> None:
        item, results = pending.item, pending.results
        text_path, align_path = (self.out / name for name in output_names(item.name))
        del self.pending[str(item.name)]
        records = pending.records
        texts = article_texts(results[0]) if records is None else records_texts(results, records)
        try:
            contents = [text.encode("utf-8") for text in texts]
            written = {
                path.relative_to(self.out).as_posix(): digest(data)
                for path, data in zip((text_path, align_path), contents, strict=True)
            }
            # journalled before the files are written: a run killed in between leaves files its
            # successor knows tarjama wrote
            journal_written(self.out, written)
            atomic_write(align_path, texts[1])
            atomic_write(text_path, texts[0])
        except (OSError, ValueError) as error:  # ValueError: text that UTF-8 cannot encode
            for path in (text_path, align_path):  # half a pair is worse than none
                path.unlink(missing_ok=True)
            self._write_failed(item, error)
            return
        # no other input of this run writes these outputs (tarjama.read.find_inputs sees to
        # it), so they need not join self.written
        sentences = [s for r in results for s in r.sentences]
        scores = [s.score for s in sentences if s.score is not None]
        names: dict[str, Any] = {}
        for result in results:
            names.update(result.names_summary())
        entry = {
            "name": str(item.name),
            "input": str(item.path),
            "output": text_path.relative_to(self.out).as_posix(),
            "alignment": align_path.relative_to(self.out).as_posix(),
            "status": "done",
            "sha256": pending.sha256,
            "fingerprint": self.fingerprint,
            # what was written, to tell on a rerun whether an output was changed since
            "written": written,
            "encoding": pending.decoded.encoding,
            **({"records": len(results)} if pending.records is not None else {}),
            "paragraphs": sum(len(r.article.paragraphs) for r in results),
            "sentences": len(sentences),
            "units": sum(len(s.sentence.units) for s in sentences),
            "characters": sum(len(r.article.original) for r in results),
            "flags": dict(Counter(flag for s in sentences for flag in s.flags)),
            "scores": score_summary(scores),
            "names": names,
            "renderings": [
                {"variants": r.variants, "preferred": r.preferred} for result in results for r in result.renderings
            ],
            "warnings": _warnings(pending, sentences),
        }
        self._record(entry, scores)
        self.progress.files_done += 1
        interval = max(CHECKPOINT_SECONDS, self.checkpoint_cost / CHECKPOINT_SHARE)
        if time.perf_counter() - self.last_checkpoint >= interval:
            self._checkpoint()

    def _fail(self, item: InputFile, problem: str) -> None:
        logger.error("%s: %s", item.path, problem)
        self.failures.append((str(item.path), problem))
        self._record({"name": str(item.name), "input": str(item.path), "status": "failed", "error": problem}, [])
        self.progress.files_failed += 1

    def _record(self, entry: dict[str, Any], scores: list[float]) -> None:
        """Add a file's entry to the manifest's files (on disk) and its totals."""
        with self.files_list.lock:  # the reading thread records the files that fail
            slot, replaced = self.files_list.add(entry["name"], entry)
            if replaced is not None:
                self.totals.remove(slot, replaced)
                self.keep_journal = self.keep_journal or replaced["status"] == "done"
            self.totals.add(slot, entry, scores)
            if entry["status"] == "done":
                self.warnings.extend((entry["input"], warning) for warning in entry.get("warnings", []))

    def _write_failed(self, item: InputFile, error: OSError | ValueError) -> None:
        """A file whose outputs could not be written: it alone fails, unless no other
        file could be written either (a full disk): then the run stops."""
        if not isinstance(error, OSError):
            self._fail(item, f"its outputs cannot be written ({error})")
            return
        path = error.filename or self.out
        if error.errno in _RUN_STOPPERS:
            raise WriteError(
                str(path),
                f"cannot be written ({error.strerror}); the files finished before it are recorded in "
                f"{self.out / MANIFEST}: make room and run the same command again",
            )
        self._fail(item, f"{path}: cannot be written ({error.strerror})")

    def _batch_done(self, units: int) -> None:
        self.progress.sentences_done += units
        self.on_progress(self.progress)

    def _checkpoint(self) -> None:
        started = time.perf_counter()
        try:
            with self.files_list.lock:
                head = self._manifest_head()
                write_manifest(self.out, head, self.files_list.texts())
        except OSError as error:
            raise WriteError(str(self.out / MANIFEST), f"cannot be written ({error.strerror})") from None
        self.last_checkpoint = time.perf_counter()
        self.checkpoint_cost = self.last_checkpoint - started
        self.recorded_totals = head["totals"]
        self.on_progress(self.progress)

    def _manifest_head(self) -> dict[str, Any]:
        """The manifest, its files list left to ``self.files_list``."""
        return {**self.describe(), "fingerprint": self.fingerprint, "files": [], "totals": self._totals()}

    def _totals(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.started
        totals = self.totals
        return {
            "files": len(self.files),
            "done": totals.done,
            "resumed": totals.resumed,
            "failed": len(self.failures),
            "sentences": totals.sentences,
            "units": totals.units,
            "flags": {flag: count for flag, count in totals.flags.items() if count},
            "scores": totals.score_summary(),
            "wall_time_s": round(wall, 3),
            # this run's own work: files carried over from an earlier run do not count
            "sentences_per_second": round(totals.new_sentences / wall, 2) if wall > 0 else None,
        }


class _Totals:
    """The manifest's totals over this run's file entries, kept as they are recorded.

    The sentence scores are held in one array of floats (8 bytes each), for the 5th
    percentile, which needs them all; an entry replaced (an input of the same name
    recorded again) has its scores set to NaN and its counts taken off.
    """

    def __init__(self) -> None:
        self.done = self.resumed = self.sentences = self.units = self.new_sentences = 0
        self.flags: Counter[str] = Counter()
        self.scores = array("d")
        self.removed_scores = 0
        self.score_start = array("q")  # by slot: where its scores are, and how many
        self.score_count = array("q")

    def add(self, slot: int, entry: dict[str, Any], scores: list[float]) -> None:
        if slot == len(self.score_start):
            self.score_start.append(0)
            self.score_count.append(0)
        self.score_start[slot], self.score_count[slot] = len(self.scores), 0
        if entry["status"] != "done":
            return
        self._count(entry, 1)
        self.scores.extend(scores)
        self.score_count[slot] = len(scores)

    def remove(self, slot: int, entry: dict[str, Any]) -> None:
        if entry["status"] != "done":
            return
        self._count(entry, -1)
        start, count = self.score_start[slot], self.score_count[slot]
        for index in range(start, start + count):
            self.scores[index] = math.nan
        self.removed_scores += count

    def _count(self, entry: dict[str, Any], sign: int) -> None:
        self.done += sign
        self.resumed += sign * bool(entry.get("resumed"))
        self.sentences += sign * entry["sentences"]
        self.new_sentences += 0 if entry.get("resumed") else sign * entry["sentences"]
        self.units += sign * entry["units"]
        for flag, count in entry["flags"].items():
            self.flags[flag] += sign * count

    def score_summary(self) -> dict[str, Any] | None:
        if self.removed_scores:
            return score_summary([x for x in self.scores if not math.isnan(x)])
        return score_summary(self.scores)


def _written(entries: Iterable[dict[str, Any]], only: set[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The digests of the outputs that the runs of these manifest entries wrote (an
    empty list for an output of a manifest from before digests were recorded); of the
    outputs named ``only``, when given."""
    written: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry["status"] == "done":
            recorded = entry.get("written")
            recorded = recorded if isinstance(recorded, dict) else {}
            for key in ("output", "alignment"):
                if only is not None and entry[key] not in only:
                    continue
                value = recorded.get(entry[key])
                written.setdefault(entry[key], []).extend([value] if isinstance(value, dict) else [])
    return written


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, that the file system of ``folder`` takes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _warnings(pending: _Pending, sentences: list[Any]) -> list[str]:
    warnings = []
    if pending.decoded.encoding not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        warnings.append(f"not UTF-8: decoded as {pending.decoded.encoding}")
    if not sentences:
        warnings.append("no text to translate (empty or whitespace only)")
    if any(Flag.NOT_ARABIC in s.flags for s in sentences):
        warnings.append("mostly not Arabic: copied unchanged")
    return warnings
