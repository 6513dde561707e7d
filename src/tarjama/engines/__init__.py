"""Engines: where a folder run's articles are translated.

An engine takes the articles a ``FolderRun`` reads and yields their
``ArticleTranslation``s in input order; the run writes each file's outputs and the
manifest from them, so the files are the same whichever engine ran.

* ``local``: the ``Translator`` itself (``Translator.translate_articles``), in this process.
* ``ray``: a pool of Ray actors, each holding one translator (``tarjama.engines.ray``,
  needs ``pip install 'tarjama[ray]'``). Ray is imported only when this engine is chosen.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import ENGINES, Settings
from ..errors import ConfigError
from .base import Engine, Translating


def open_engine(
    name: str | Engine, settings: Settings, *, local: Engine, build: Callable[[Settings], Translating]
) -> Engine:
    """The engine named ``name`` for a run with ``settings``; an engine object is
    returned as it is.

    Args:
        name: ``"local"``, ``"ray"``, or an engine.
        settings: the run's settings (the Ray engine reads its ``[engine]`` options).
        local: the engine ``"local"`` means: the translator of this process.
        build: makes a translator from settings, in each Ray worker.

    Raises:
        ConfigError: the name is not one of ``ENGINES``, or the local engine is given
            options of the Ray engine.
        MissingExtraError: ``ray`` without Ray installed.
    """
    if not isinstance(name, str):
        return name
    options = settings.engine
    if name == "local":
        if options.ray_options():
            named = ", ".join(options.ray_options())
            raise ConfigError(f"[engine] {named}: options of the ray engine, set for the local engine")
        return local
    if name == "ray":
        from .ray import RayEngine

        return RayEngine(
            settings,
            build=build,
            address=options.ray_address,
            workers=options.workers,
            gpus_per_worker=options.gpus_per_worker,
        )
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "Translating", "open_engine"]
