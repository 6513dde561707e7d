"""What decides a translation: the one place that says which settings change the output.

The translation cache keys its entries on ``backend_identity`` (``tarjama.cache``), and a
folder run redoes the files whose ``run_identity`` changed
(``tarjama.translator.Translator.fingerprint``). Both apply the same rule, so a setting
that only changes how fast or where the work runs (thread counts, batching, the engine,
the cache) never makes a rerun redo work, and what changes the output (the model and
the contents of its folder, revision, precision, decoding, segmentation, the quality
settings, the glossaries' contents) always does.

A new setting that only changes speed goes in ``SPEED_ONLY`` (a backend's ``describe()``
key) or ``SPEED_ONLY_SETTINGS`` (a settings section, or ``"section.key"``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# entries of a backend's describe() that change how fast it runs, not what it outputs
SPEED_ONLY = frozenset({"threads", "inter_threads", "intra_threads", "converted"})
# settings sections (or "section.key") that change how and where the work runs, not the output
SPEED_ONLY_SETTINGS = frozenset({"batching", "cache", "engine", "model.threads"})


def model_folder_identity(folder: str | os.PathLike[str]) -> str:
    """Identify the contents of a local model folder cheaply: the absolute path and the
    name, size and modification time of each file in it. Re-saving or replacing the
    model changes it, so nothing keyed on it serves stale results."""
    root = Path(folder).expanduser().resolve()
    digest = hashlib.sha256(str(root).encode())
    for path in sorted(root.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"\0{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def backend_identity(description: Mapping[str, Any]) -> dict[str, Any]:
    """What of a backend's ``describe()`` decides its translations (model, revision,
    device, precision, decoding settings, library versions): without ``SPEED_ONLY``,
    plus the identity of the model folder's contents (``"folder"``) when the model is local.

    Example:
        >>> backend_identity({"model": "hub/id", "beams": 4, "inter_threads": 2, "intra_threads": 1})
        {'model': 'hub/id', 'beams': 4}
    """
    identity = {k: v for k, v in description.items() if k not in SPEED_ONLY}
    model = identity.get("model")
    if isinstance(model, str) and Path(model).expanduser().is_dir():
        identity["folder"] = model_folder_identity(model)
    return identity


def run_identity(
    description: Mapping[str, Any], settings: Mapping[str, Mapping[str, Any]], glossaries: Iterable[str | Path] = ()
) -> dict[str, Any]:
    """What decides a translator's outputs: ``backend_identity`` of its description
    (which may add the tarjama and segmenter versions), the settings but
    ``SPEED_ONLY_SETTINGS``, and the contents of the glossary files that exist."""
    kept = {
        section: {k: v for k, v in values.items() if f"{section}.{k}" not in SPEED_ONLY_SETTINGS}
        for section, values in settings.items()
        if section not in SPEED_ONLY_SETTINGS
    }
    files = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in glossaries if Path(p).is_file()]
    return {"backend": backend_identity(description), "settings": kept, "glossaries": files}


def digest(identity: Any, length: int) -> str:
    """A stable hex digest of ``identity`` (JSON with sorted keys), ``length`` characters long."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# what a manifest's top level holds besides the description of how its outputs were made
_NOT_DESCRIPTION = frozenset({"fingerprint", "files", "totals", "engine"})


def output_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What changes the output and differs between two runs, each described as a manifest's
    top level (tarjama and segmenter versions, the backend's ``describe()``, ``settings``):
    ``name: old -> new`` for each, settings as ``section.key``, speed-only ones left out.

    Example:
        >>> output_changes({"settings": {"decoding": {"beams": 4}, "batching": {"batch_tokens": 1}}},
        ...                {"settings": {"decoding": {"beams": 1}, "batching": {"batch_tokens": 2}}})
        ['decoding.beams: 4 -> 1']
    """

    def flat(description: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for section, keys in (description.get("settings") or {}).items():
            if section in SPEED_ONLY_SETTINGS or not isinstance(keys, Mapping):
                continue
            values.update({f"{section}.{k}": v for k, v in keys.items() if f"{section}.{k}" not in SPEED_ONLY_SETTINGS})
        for key, value in description.items():
            if key not in SPEED_ONLY and key not in _NOT_DESCRIPTION and key != "settings":
                values.setdefault(key, value)
        return values

    old, new = flat(before), flat(after)
    changes, seen = [], set()
    for name in sorted(old.keys() | new.keys()):
        pair = tuple(json.dumps(side.get(name), sort_keys=True, default=str) for side in (old, new))
        if pair[0] != pair[1] and pair not in seen:  # the model's name is in settings and in describe(): once
            seen.add(pair)
            changes.append(f"{name}: {old.get(name)} -> {new.get(name)}")
    return changes
