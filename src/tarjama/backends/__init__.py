"""Backend registry. Backends load lazily, so the registry imports no torch."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from .base import Backend, Hypothesis

BackendFactory = Callable[..., Backend]

_REGISTRY: dict[str, str | BackendFactory] = {
    "transformers": "tarjama.backends.transformers:TransformersBackend",
}


def register_backend(name: str, factory: str | BackendFactory) -> None:
    """Make a backend available by name: a callable, or ``"module:attribute"`` to import
    on first use. The factory receives the model settings as keyword arguments."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    return sorted(_REGISTRY)


def load_backend(backend: str, **settings: Any) -> Backend:
    """Build the backend registered as ``backend`` with ``settings``."""
    try:
        factory = _REGISTRY[backend]
    except KeyError:
        raise ConfigError(f"unknown backend {backend!r}; choose one of {', '.join(available_backends())}") from None
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
        _REGISTRY[backend] = factory
    return factory(**settings)


__all__ = ["Backend", "Hypothesis", "available_backends", "load_backend", "register_backend"]
