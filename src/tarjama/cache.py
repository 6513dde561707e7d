"""The persistent translation cache: one SQLite file of translations already made.

A translation is stored under its *scope* (which model, which revision, which backend
settings: everything that can change the output) and its source text, so a rerun, or a
folder that overlaps one already translated, costs a lookup per sentence, and
boilerplate repeated across articles is translated once. Different settings never share
entries. Shared code (``tarjama.batch.translate_pooled``) consults the cache around the
backend; backends know nothing of it.

Each entry keeps the model's score of its translation (``Hypothesis.score``). Caches
written before scores existed are migrated in place when first opened: their entries
stay in the file but are never served (``scored = 0``), so they are translated again,
with a score, rather than handed out as if the model had been sure of them.

The default location is ``$XDG_CACHE_HOME/tarjama`` (else ``~/.cache/tarjama``), which
also holds models converted for CTranslate2.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .backends.base import Hypothesis
from .errors import CacheError
from .identity import backend_identity, digest

logger = logging.getLogger(__name__)

CACHE_FILE = "translations.sqlite3"
# PRAGMA user_version of the current schema: 1 added the score of each translation
SCHEMA_VERSION = 1
# SQLite's limit on parameters per statement is 32766 in current versions, 999 in old ones
_LOOKUP_CHUNK = 900


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tarjama``, else ``~/.cache/tarjama`` (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tarjama"


def cache_scope(description: Mapping[str, Any]) -> str:
    """The cache key for everything but the sentence: a digest of what decides a
    backend's translations (``tarjama.identity.backend_identity`` of its ``describe()``)."""
    return digest(backend_identity(description), 32)


class TranslationCache:
    """Translations by scope and source text, in one SQLite file.

    The file is opened on first use; several processes may share it (write-ahead log,
    waits on a busy database). Every ``put`` is committed, so an interrupted run keeps
    what it translated.

    Args:
        path: the SQLite file; created, with its folder, when first used.
        scope: from ``cache_scope(backend.describe())``.

    Raises:
        CacheError: the file cannot be opened, read or written, or is not a tarjama cache.

    Example:
        >>> cache = TranslationCache(":memory:", scope="s1")
        >>> cache.put([("قال", Hypothesis("qAl", score=-0.25))])
        >>> cache.get(["قال", "لا"])
        {'قال': Hypothesis(text='qAl', truncated=False, score=-0.25)}
        >>> TranslationCache(":memory:", scope="s2").get(["قال"])
        {}
    """

    def __init__(self, path: str | os.PathLike[str], scope: str, description: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.scope = scope
        self.description = dict(description or {})
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            if str(self.path) != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            _migrate(connection)
            connection.execute(
                "INSERT OR IGNORE INTO scopes VALUES (?, ?)",
                (self.scope, json.dumps(self.description, sort_keys=True, default=str)),
            )
            connection.commit()
        except (OSError, sqlite3.Error) as error:
            raise self._unusable(error) from None
        self._connection = connection
        return connection

    def _unusable(self, error: Exception) -> CacheError:
        return CacheError(
            f"cannot use the translation cache {self.path} ({error}); "
            "point [cache] dir elsewhere or turn the cache off with --no-cache"
        )

    def get(self, sources: Iterable[str]) -> dict[str, Hypothesis]:
        """The cached translations among ``sources``, by source text."""
        wanted = list(dict.fromkeys(sources))
        found: dict[str, Hypothesis] = {}
        with self._lock:
            connection = self._connect()
            try:
                for start in range(0, len(wanted), _LOOKUP_CHUNK):
                    chunk = wanted[start : start + _LOOKUP_CHUNK]
                    rows = connection.execute(
                        "SELECT source, translation, truncated, score FROM translations "
                        f"WHERE scope = ? AND scored = 1 AND source IN ({','.join('?' * len(chunk))})",
                        (self.scope, *chunk),
                    )
                    for source, translation, truncated, score in rows:
                        found[source] = Hypothesis(translation, bool(truncated), score)
            except sqlite3.Error as error:
                raise self._unusable(error) from None
        return found

    def put(self, items: Sequence[tuple[str, Hypothesis]]) -> None:
        """Store translations (replacing any under the same scope and source)."""
        with self._lock:
            connection = self._connect()
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO translations (scope, source, translation, truncated, score, scored) "
                    "VALUES (?, ?, ?, ?, ?, 1)",
                    [(self.scope, source, h.text, int(h.truncated), h.score) for source, h in items],
                )
                connection.commit()
            except sqlite3.Error as error:
                raise self._unusable(error) from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _migrate(connection: sqlite3.Connection) -> None:
    """Create the tables, or bring a cache of an earlier schema to this one: version 0
    had no score, so its entries are marked unscored (``scored = 0``) and never served.
    In one write transaction, so processes opening the file together migrate it once."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS translations (scope TEXT NOT NULL, source TEXT NOT NULL, "
            "translation TEXT NOT NULL, truncated INTEGER NOT NULL, score REAL, scored INTEGER NOT NULL DEFAULT 0, "
            "PRIMARY KEY (scope, source)) WITHOUT ROWID"
        )
        connection.execute("CREATE TABLE IF NOT EXISTS scopes (scope TEXT PRIMARY KEY, description TEXT NOT NULL)")
        columns = {row[1] for row in connection.execute("PRAGMA table_info(translations)")}
        if "score" not in columns:
            stale = connection.execute("SELECT count(*) FROM translations").fetchone()[0]
            connection.execute("ALTER TABLE translations ADD COLUMN score REAL")
            connection.execute("ALTER TABLE translations ADD COLUMN scored INTEGER NOT NULL DEFAULT 0")
            logger.info("translation cache migrated: %d translations without a score will be made again", stale)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def open_translation_cache(
    enabled: bool, directory: str | None, description: Mapping[str, Any]
) -> TranslationCache | None:
    """The cache for a backend described by ``description`` (its ``describe()``), in
    ``directory`` (default: ``default_cache_dir()``); ``None`` when not ``enabled``."""
    if not enabled:
        return None
    folder = Path(directory).expanduser() if directory else default_cache_dir()
    return TranslationCache(folder / CACHE_FILE, cache_scope(description), description)
