"""Typed errors. Each message says what went wrong and what to do next.

Each error class knows the exit code the ``tarjama`` command ends with when it is raised:

==== ============================================================================
code meaning
==== ============================================================================
0    all good
1    some input files failed; the others were translated (``FolderRun``)
2    usage or environment: a wrong option, setting, input or reference
     (``ConfigError``, ``InputError``, ``EvaluationError``); a model, tokenizer or
     optional package that is missing (``ModelLoadError``, ``MissingExtraError``); an
     output folder, disk or cache that cannot take the work (``OutputError``,
     ``WriteError``, ``CacheError``): fix the command, the files or the machine. What
     was finished before is recorded.
3    the run failed while working (``WorkerError``): what was finished is recorded;
     run the same command again to go on
130  interrupted (Ctrl-C)
==== ============================================================================
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_FILES_FAILED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_INTERRUPTED = 130


class TarjamaError(Exception):
    """Root of every error tarjama raises on purpose."""

    exit_code: ClassVar[int] = EXIT_USAGE


class ConfigError(TarjamaError):
    """A configuration file or option is wrong (unknown key, bad value)."""


class ModelLoadError(TarjamaError):
    """A model or tokenizer cannot be loaded (not cached, hub unreachable, wrong folder)."""


class MissingExtraError(TarjamaError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'tarjama[{extra}]'")


class FileError(TarjamaError):
    """A file cannot be used as given; the message names the file and the problem.

    Attributes:
        path: the file.
        problem: what is wrong with it, without the path.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class InputError(FileError):
    """An input file cannot be read or is not text."""


class EvaluationError(FileError):
    """Translations and references cannot be scored together (the file and the mismatch)."""


class OutputError(FileError):
    """The output folder cannot be used (a file, not writable, a manifest that is a
    folder); raised before any work."""


class WriteError(FileError):
    """An output could not be written for a reason no other file escapes (a full disk, a
    read-only file system): the run stops, and the files finished before are recorded."""


class WorkerError(TarjamaError):
    """A worker of the Ray engine kept dying: its window could not be translated."""

    exit_code = EXIT_FAILED


class CacheError(TarjamaError):
    """The translation cache (an SQLite file) cannot be opened, read or written."""
