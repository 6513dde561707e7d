"""The Ray engine: a folder run's articles translated by a pool of Ray actors.

``tarjama translate INPUT... -o OUT --engine ray [--ray-address ADDR] [--workers N]
[--gpus-per-worker F]``, or ``Translator.translate_folder(..., engine="ray")``.

How it works:

* The driver (the process that runs ``FolderRun``) reads, hashes and segments the files
  as the local engine does, groups the articles into the same windows
  (``batching.window_sentences`` sentences, ``tarjama.batch.article_windows``) and
  hands each window to an idle actor of a ``ray.util.ActorPool``.
* Each actor holds one ``Translator`` built from the run's settings (either backend) on
  the device Ray gives it (``num_gpus=gpus_per_worker``), and translates a window
  exactly as the local engine does: same pooling, same batches, same name and
  quotation checks. So the outputs are the same bytes.
* Results are taken as they finish and yielded in input order, so ``FolderRun`` writes
  each file as soon as it and every file before it are done, and owns the manifest and
  resume as with the local engine. At most ``LOOKAHEAD`` windows per worker are in
  flight or waiting for an earlier one, so a slow worker does not make memory grow.
* Fault tolerance is Ray's: a worker process that dies (killed, out of memory, its node
  lost) is restarted (``max_restarts``) and the window it held is retried on it
  (``max_task_retries``). Only when one worker dies more than ``MAX_RESTARTS`` times does
  the run stop, with the finished files recorded in the manifest for a rerun to skip.

Why an actor pool and not Ray Data's ``map_batches``: a folder run reads its files
lazily in ``FolderRun``, which records unreadable files, skips the ones an earlier run
finished and writes each file's outputs when its last article is translated. Ray Data
starts from a datasource that reads the files in Ray tasks (taking reading, failures and
resume away from the run that owns the manifest) or from items held in memory all at
once (``from_items``: every file read and segmented before the first translation, the
whole corpus in the object store). Feeding an actor pool window by window keeps the
stream, and Ray still does what a home-made scheduler would: placing actors on GPUs,
restarting dead ones and retrying their work.

With no address a local Ray instance is started (and shut down at the end); with one
the run joins that cluster, whose nodes need tarjama installed and the model reachable
(a hub id, or a folder at the same path on every node). If Ray is already initialised
in this process, that connection is used as it is.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..backends.transformers import first_line
from ..batch import article_windows, prefetch
from ..config import Settings
from ..document import Article, ArticleTranslation
from ..errors import ConfigError, MissingExtraError, TarjamaError, WorkerError
from .base import Translating

logger = logging.getLogger(__name__)

# restarts of a dead worker, and retries of the window it held, before the run stops
MAX_RESTARTS = 3
# windows per worker that may be in flight or finished but waiting for an earlier one
LOOKAHEAD = 2


def import_ray() -> Any:
    """The ``ray`` module, or ``MissingExtraError`` naming ``tarjama[ray]``."""
    try:
        import ray
    except ImportError:
        raise MissingExtraError("ray", "ray") from None
    return ray


class TranslationWorker:
    """The state of one Ray actor: a translator built from the run's settings.

    The model is loaded by the first window, not in ``__init__``: a model that cannot
    be loaded then fails that task with the same typed error as the local engine, and
    a restarted actor loads it again when its retried window arrives.
    """

    def __init__(self, settings: Settings, build: Callable[[Settings], Translating]) -> None:
        self.settings = settings
        self.build = build
        self.translator: Translating | None = None

    def translate(self, index: int, window: list[Article]) -> tuple[int, list[ArticleTranslation], dict[str, Any]]:
        """Translate one window of articles; ``index`` comes back with the results and
        the description of the backend that made them (device, precision, threads)."""
        if self.translator is None:
            # as the command does: one progress bar, on the driver, and no long warnings
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            self.translator = self.build(self.settings)
        return index, list(self.translator.translate_articles(window)), self.translator.backend.describe()


class RayEngine:
    """Translates articles on a pool of Ray actors (see the module docstring).

    Args:
        settings: the run's settings; every actor builds its translator from them.
        build: makes that translator (``tarjama.Translator``).
        address: the Ray cluster to join (``"auto"``, ``"ray://HEAD:10001"``); ``None``
            starts a local Ray instance.
        workers: actors, each holding one model; ``None``: one per ``gpus_per_worker``
            GPUs of the cluster, else one per CPU.
        gpus_per_worker: GPUs each actor reserves (fractions share a GPU); ``None``: none.

    Raises:
        MissingExtraError: Ray is not installed.

    Example:
        >>> from tarjama import Translator
        >>> translator = Translator(model_name="tests/fixtures/tiny-translit", decoding_beams=1)  # doctest: +SKIP
        >>> engine = RayEngine(translator.settings, build=Translator, workers=2)  # doctest: +SKIP
        >>> translator.translate_folder(["seeds/"], "out/", engine=engine).manifest["totals"]["done"]  # doctest: +SKIP
        1
    """

    def __init__(
        self,
        settings: Settings,
        *,
        build: Callable[[Settings], Translating],
        address: str | None = None,
        workers: int | None = None,
        gpus_per_worker: float | None = None,
    ) -> None:
        self.ray = import_ray()
        self.settings = settings
        self.build = build
        self.address = address
        self.workers = workers
        self.gpus_per_worker = gpus_per_worker
        self.started_workers = 0
        self.worker: dict[str, Any] | None = None

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]:
        """Translate ``articles`` on the pool; results in input order.

        ``on_batch`` is called with a window's number of model units when its results
        arrive. Ray is started or joined when the first result is asked for, and the
        actors (and a Ray instance started here) are stopped when the iteration ends.

        Raises:
            WorkerError: a worker died more than ``MAX_RESTARTS`` times.
            ConfigError: GPUs per worker are asked for and the cluster has none.
        """
        ray = self.ray
        started = self._connect()
        actors: list[Any] = []
        try:
            actors = self._start_workers()
            if not isinstance(articles, Sequence):
                articles = prefetch(articles, ahead=max(1, self.settings.batching.window_sentences // 4))
            yield from self._in_order(actors, articles, on_batch)
        finally:
            for actor in actors:
                ray.kill(actor)
            if started:
                ray.shutdown()

    def describe(self) -> dict[str, Any]:
        """The pool, for the manifest: where, how many workers, GPUs each, and the
        backend a worker ran (its device and precision may differ from this process's)."""
        return {
            "name": "ray",
            "address": self.address,
            "workers": self.started_workers,
            "gpus_per_worker": self.gpus_per_worker,
            "worker": self.worker,
        }

    def _connect(self) -> bool:
        """Join the cluster, or start a local instance; whether this call started Ray."""
        ray = self.ray
        if ray.is_initialized():
            return False
        if self.address:
            ray.init(address=self.address, logging_level=logging.WARNING)
        else:
            cpus = max(self.workers or 0, os.cpu_count() or 1)
            ray.init(num_cpus=cpus, include_dashboard=False, logging_level=logging.WARNING)
        return True

    def _start_workers(self) -> list[Any]:
        resources = self.ray.cluster_resources()
        gpus = self.gpus_per_worker or 0.0
        if gpus and not resources.get("GPU"):
            raise ConfigError(f"gpus_per_worker is {gpus} but the Ray cluster has no GPU; leave it out to run on CPUs")
        count = self.workers or max(1, int(resources.get("GPU", 0) // gpus if gpus else resources.get("CPU", 1)))
        logger.info("Ray engine: %d workers, %s GPUs each, on %s", count, gpus, self.address or "a local instance")
        self.started_workers = count
        worker = self.ray.remote(TranslationWorker).options(
            num_cpus=1, num_gpus=gpus, max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS
        )
        return [worker.remote(self.settings, self.build) for _ in range(count)]

    def _in_order(
        self, actors: list[Any], articles: Iterable[Article], on_batch: Callable[[int], None] | None
    ) -> Iterator[ArticleTranslation]:
        from ray.util import ActorPool

        pool = ActorPool(actors)
        windows = enumerate(article_windows(articles, self.settings.batching.window_sentences))
        finished: dict[int, list[ArticleTranslation]] = {}
        submitted = returned = 0
        exhausted = False

        def fill() -> None:
            nonlocal submitted, exhausted
            while not exhausted and pool.has_free() and submitted - returned < LOOKAHEAD * len(actors):
                job = next(windows, None)
                if job is None:
                    exhausted = True
                else:
                    pool.submit(lambda actor, job: actor.translate.remote(*job), job)
                    submitted += 1

        fill()
        while pool.has_next():
            index, results, self.worker = self._next_result(pool)
            finished[index] = results
            fill()  # the worker just freed gets its next window before the results are written
            while returned in finished:
                results = finished.pop(returned)
                returned += 1
                if on_batch is not None:
                    on_batch(sum(len(s.units) for r in results for s in r.article.sentences))
                yield from results
            fill()

    def _next_result(self, pool: Any) -> tuple[int, list[ArticleTranslation], dict[str, Any]]:
        exceptions = self.ray.exceptions
        try:
            result: tuple[int, list[ArticleTranslation], dict[str, Any]] = pool.get_next_unordered()
        except exceptions.RayTaskError as error:
            # the translator raised (a model that cannot be loaded, a bad setting): the same error as locally
            if isinstance(error.cause, TarjamaError):
                raise error.cause from None
            raise
        except exceptions.RayActorError as error:
            raise WorkerError(
                f"a Ray worker died and was restarted {MAX_RESTARTS} times ({first_line(error)}); the files "
                "finished so far are recorded in the manifest: run the same command again to go on"
            ) from None
        return result
