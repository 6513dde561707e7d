"""What an engine is (``tarjama.engines``): it translates articles, in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from ..backends.base import Backend
from ..document import Article, ArticleTranslation


class Engine(Protocol):
    """Translates articles and yields the results in input order; ``on_batch`` is
    called with the number of model units (sentence pieces) done, for progress.
    ``describe()`` says how, for the manifest."""

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]: ...

    def describe(self) -> dict[str, Any]: ...


class Translating(Engine, Protocol):
    """What each Ray worker builds from the run's settings: a translator, whose backend
    it describes to the manifest."""

    backend: Backend
