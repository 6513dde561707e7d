"""Backend registry. Backends load lazily, so the registry imports no torch."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from .base import Backend, Hypothesis

BackendFactory = Callable[..., Backend]

_REGISTRY: dict[str, str | BackendFactory] = {
    "transformers": "tarjama.backends.transformers:TransformersBackend",
    "ct2": "tarjama.backends.ct2:CTranslate2Backend",
}


def register_backend(name: str, factory: str | BackendFactory) -> None:
    """Make a backend available by name: a callable, or ``"module:attribute"`` to import
    on first use. The factory receives, as keyword arguments, the settings its signature names
    (``model``: the hub id or folder; ``revision``, ``device``, ``beams``...), or all of them
    when it takes ``**kwargs``."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    return sorted(_REGISTRY)


def load_backend(backend: str, **settings: Any) -> Backend:
    """Build the backend registered as ``backend`` with ``settings``.

    ``backend`` may also be ``"module:attribute"`` of a backend class that is not
    registered (a plugin, or a test double in another process).
    """
    factory = _REGISTRY.get(backend, backend if ":" in backend else None)
    if factory is None:
        raise ConfigError(f"unknown backend {backend!r}; choose one of {', '.join(available_backends())}")
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as error:
            raise ConfigError(f"cannot load backend {backend!r}: {error}") from None
        _REGISTRY[backend] = factory
    return factory(**_accepted(factory, settings))


def _accepted(factory: BackendFactory, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings ``factory`` declares (all of them for one that takes ``**kwargs``): each
    backend names what it takes (ct2 has no ``dtype``, transformers no ``compute_type``)
    instead of swallowing the rest."""
    parameters = inspect.signature(factory).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return settings
    return {key: value for key, value in settings.items() if key in parameters}


__all__ = ["Backend", "Hypothesis", "available_backends", "load_backend", "register_backend"]
