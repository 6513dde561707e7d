"""Typed errors. Each message says what went wrong and what to do next."""

from __future__ import annotations


class TarjamaError(Exception):
    """Root of every error tarjama raises on purpose."""


class ConfigError(TarjamaError):
    """A configuration file or option is wrong (unknown key, bad value)."""


class ModelLoadError(TarjamaError):
    """A model or tokenizer cannot be loaded (not cached, hub unreachable, wrong folder)."""


class MissingExtraError(TarjamaError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'tarjama[{extra}]'")


class InputError(TarjamaError):
    """An input file cannot be read or is not text; the message names the file."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class EvaluationError(TarjamaError):
    """Translations and references cannot be scored together; the message names the file and the mismatch."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
