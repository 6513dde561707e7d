"""Engines: where a folder run's articles are translated.

An engine takes the articles a ``FolderRun`` reads and yields their
``ArticleTranslation``s in input order; the run writes each file's outputs and the
manifest from them, so the files are the same whichever engine ran.

* ``local``: the ``Translator`` itself (``Translator.translate_articles``), in this process.
* ``ray``: a pool of Ray actors, each holding one translator (``tarjama.engines.ray``,
  needs ``pip install 'tarjama[ray]'``). Ray is imported only when this engine is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..document import Article
    from ..translator import ArticleTranslation, Translator

ENGINES = ("local", "ray")


class Engine(Protocol):
    """Translates articles and yields the results in input order; ``on_batch`` is
    called with the number of model units (sentence pieces) done, for progress.
    ``describe()`` says how, for the manifest."""

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]: ...

    def describe(self) -> dict[str, Any]: ...


def open_engine(translator: Translator, engine: str | Engine | None = None) -> Engine:
    """The engine named ``engine`` (default: the ``[engine] name`` setting) for
    ``translator``'s settings; an engine object is returned as it is.

    Raises:
        ConfigError: the name is not one of ``ENGINES``.
        MissingExtraError: ``ray`` without Ray installed.
    """
    if engine is not None and not isinstance(engine, str):
        return engine
    name = engine or translator.settings.engine.name
    if name == "local":
        return translator
    if name == "ray":
        from .ray import RayEngine

        options = translator.settings.engine
        return RayEngine(
            translator.settings,
            address=options.ray_address,
            workers=options.workers,
            gpus_per_worker=options.gpus_per_worker,
        )
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
