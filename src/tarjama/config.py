"""Settings: defaults (mirrored in ``tarjama/data/default.toml``, also at
``configs/default.toml``), a TOML file, then overrides.

Configuration is strict: an unknown section or key, a value of the wrong type, or one
outside a setting's fixed values, is a ``ConfigError`` that names it. A setting with a fixed
set of values is a ``Literal`` here; the command's choices and help are read from it.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-ar-en"
DEFAULTS_FILE = Path(__file__).parent / "data" / "default.toml"

# the values of the settings that have a fixed set of them
Dtype = Literal["auto", "float32", "float16", "bfloat16", "int8"]
ComputeType = Literal["auto", "int8", "int8_float16", "float16", "bfloat16", "float32"]
EngineName = Literal["local", "ray"]
# what is done to a sentence whose quotations or names fail the check (tarjama.protect)
Repair = Literal["off", "edit", "rebuild"]
# a source language is a module of tarjama.languages
SourceLanguage = Literal["ar"]
DTYPES: tuple[Dtype, ...] = get_args(Dtype)
COMPUTE_TYPES: tuple[ComputeType, ...] = get_args(ComputeType)
ENGINES: tuple[EngineName, ...] = get_args(EngineName)
REPAIRS: tuple[Repair, ...] = get_args(Repair)
# a device is one of these or cuda:N
DEVICES = ("auto", "cpu", "cuda")
_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")
# the default [quality] min_score; how it was chosen: README, "Model confidence"
MIN_SCORE = -1.0
# settings that may be zero or negative (every other number must be positive)
SIGNED = frozenset({"min_score"})


@dataclass(frozen=True)
class ModelSettings:
    name: str = DEFAULT_MODEL
    revision: str | None = None
    # a registered backend (tarjama.backends.available_backends) or "module:Class" of a plugin
    backend: str = "transformers"
    # auto, cpu, cuda or cuda:N
    device: str = "auto"
    # the transformers backend's precision: auto (float16 on GPU, float32 on CPU), int8 (CPU)
    dtype: Dtype = "auto"
    # CTranslate2's precision: auto (int8 on CPU, float16 on GPU)
    compute_type: ComputeType = "auto"
    # CPU threads for translation; None: the cores this process may use (affinity, cgroup quota) or
    # OMP_NUM_THREADS when set. Speed only: translations are the same whatever the count (--threads)
    threads: int | None = None


@dataclass(frozen=True)
class DecodingSettings:
    beams: int = 4
    max_length_ratio: float = 2.0
    max_length_extra: int = 16


@dataclass(frozen=True)
class BatchingSettings:
    batch_tokens: int = 4096
    max_sentences: int = 64
    # sentences pooled before a round of translation; files complete window by window
    window_sentences: int = 2048


@dataclass(frozen=True)
class SegmentationSettings:
    # the source language: its letters, sentence rules, clause cuts, prefixes (tarjama/languages/)
    language: SourceLanguage = "ar"
    # longer sentences are cut at clause boundaries into units the model handles well
    max_input_tokens: int = 200


@dataclass(frozen=True)
class CacheSettings:
    # reuse translations made before with the same model and settings (--no-cache: false)
    enabled: bool = True
    # converted models and the translation cache; None: $XDG_CACHE_HOME/tarjama or ~/.cache/tarjama
    dir: str | None = None


@dataclass(frozen=True)
class QualitySettings:
    # enforce the names glossary and flag names still missing (true/false); "canonical" also
    # rewrites an accepted English variant (UK, U.S.) as the glossary's canonical form
    names: bool | Literal["canonical"] = True
    # the packaged glossary of Middle East news names (tarjama/data/glossary.tsv)
    default_glossary: bool = True
    # user glossaries (TSV or TOML), read after the default one; theirs win (--glossary)
    glossary: list[str] = field(default_factory=list)
    # the English opening and closing quotation marks (--quote-marks)
    quote_marks: str = "“”"
    # what is done to a sentence whose quotations or names fail the check: off (flag only),
    # edit (fix a name in place, or translate the sentence again under a constraint), rebuild
    # (edit, then translate it in pieces around its quotations and names) (--repair)
    repair: Repair = "edit"
    # a quotation of at most this many words (a name, a title, a term) may lose its marks in English
    short_quote_words: int = 3
    # translate flagged sentences again with safer settings, keep the better (--retry-flagged)
    retry_flagged: bool = False
    # length_ratio flag: English characters per source character outside [low, high]
    length_ratio_low: float = 0.35
    length_ratio_high: float = 3.0
    # low_confidence flag: the model's score (mean log-probability per output token) below this
    min_score: float = MIN_SCORE


@dataclass(frozen=True)
class EngineSettings:
    # where folder runs translate: local (this process) or ray (a pool of Ray actors) (--engine)
    name: EngineName = "local"
    # the Ray cluster to join ("auto", "ray://HEAD:10001"); None starts a local Ray instance (--ray-address)
    ray_address: str | None = None
    # Ray actors, each holding one model; None: one per GPU (with gpus_per_worker), else per CPU (--workers)
    workers: int | None = None
    # GPUs per Ray actor, fractions share a GPU; None: CPU actors (--gpus-per-worker)
    gpus_per_worker: float | None = None

    def ray_options(self) -> list[str]:
        """The options of the Ray engine that are set (an error unless ``name`` is ``ray``)."""
        return [key for key in ("ray_address", "workers", "gpus_per_worker") if getattr(self, key) is not None]


@dataclass(frozen=True)
class Settings:
    """Every setting of a translation run, by section."""

    model: ModelSettings = field(default_factory=ModelSettings)
    decoding: DecodingSettings = field(default_factory=DecodingSettings)
    batching: BatchingSettings = field(default_factory=BatchingSettings)
    segmentation: SegmentationSettings = field(default_factory=SegmentationSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    quality: QualitySettings = field(default_factory=QualitySettings)
    engine: EngineSettings = field(default_factory=EngineSettings)

    @classmethod
    def load(cls, path: str | Path) -> Settings:
        """Settings from a TOML file, on top of the defaults."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
        return cls().merged(data, origin=str(path))

    def merged(self, data: dict[str, Any], origin: str = "settings") -> Settings:
        """A copy with the sections and keys of ``data`` replaced."""
        sections = {f.name: f for f in fields(self)}
        updates = {}
        for section, values in data.items():
            if section not in sections:
                raise ConfigError(f"{origin}: unknown section [{section}]; known: {', '.join(sections)}")
            if not isinstance(values, dict):
                raise ConfigError(f"{origin}: [{section}] must be a table of keys")
            current = getattr(self, section)
            updates[section] = dataclasses.replace(current, **_checked(current, section, values, origin))
        merged = dataclasses.replace(self, **updates)
        _check_together(merged, origin)
        return merged

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with ``section_key=value`` overrides (``model_device="cpu"``); ``None`` values are skipped."""
        data: dict[str, dict[str, Any]] = {}
        for name, value in overrides.items():
            if value is None:
                continue
            section, _, key = name.partition("_")
            data.setdefault(section, {})[key] = value
        return self.merged(data, origin="overrides")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _checked(section: Any, name: str, values: dict[str, Any], origin: str) -> dict[str, Any]:
    hints = get_type_hints(type(section))
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{origin}: unknown key {key!r} in [{name}]; known: {', '.join(hints)}")
        expected = hints[key]
        if get_origin(expected) is list:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{origin}: [{name}] {key} = {value!r} should be a list of strings")
            continue
        members = get_args(expected) if get_origin(expected) is not Literal else (expected,)
        choices = [c for t in members if get_origin(t) is Literal for c in get_args(t)]
        if value in choices:
            continue
        allowed = tuple(t for t in members or (expected,) if t is not type(None) and get_origin(t) is not Literal)
        if choices:
            kinds = [*(_type_name(t) for t in allowed), *map(repr, choices)]
            if not isinstance(value, allowed) or isinstance(value, bool) != (bool in allowed):
                raise ConfigError(f"{origin}: [{name}] {key} = {value!r} should be one of {', '.join(kinds)}")
        if float in allowed and isinstance(value, int) and not isinstance(value, bool):
            value = values[key] = float(value)
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            raise ConfigError(f"{origin}: [{name}] {key} = {value!r} should be {_type_name(allowed[0])}")
        if key == "quote_marks" and len(value) != 2:
            raise ConfigError(
                f"{origin}: [{name}] {key} = {value!r} should be two characters: the opening and the closing mark"
            )
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0 and key not in SIGNED:
            raise ConfigError(f"{origin}: [{name}] {key} must be positive, not {value}")
        if key == "device" and not _DEVICE.fullmatch(value):
            raise ConfigError(f"{origin}: [{name}] {key} = {value!r} should be auto, cpu, cuda or cuda:N")
    return values


def _check_together(settings: Settings, origin: str) -> None:
    """The rules that tie settings to each other."""
    quality = settings.quality
    if quality.length_ratio_low > quality.length_ratio_high:
        raise ConfigError(
            f"{origin}: [quality] length_ratio_low = {quality.length_ratio_low} is above "
            f"length_ratio_high = {quality.length_ratio_high}"
        )


def _type_name(expected: Any) -> str:
    return getattr(expected, "__name__", str(expected))
