"""MarianMT through CTranslate2: converted once, then run in int8 on CPU or float16 on GPU.

The model (hub id or folder) is converted with CTranslate2's transformers converter into
a folder of the cache, keyed by model, revision and quantisation, and reused from there;
``tarjama convert`` does the same conversion into a folder of your choice. The converted
folder also holds the model's own tokenizer and ``tarjama-conversion.json`` (where it
came from and the limits the backend needs), so it can be passed as ``--model`` itself.
Tokenisation, the output-length cap and decoding settings are those of the transformers
backend, so both give the same translations up to floating-point differences.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..cache import default_cache_dir
from ..config import COMPUTE_TYPES
from ..errors import ConfigError, MissingExtraError
from ..identity import model_folder_identity
from ..threads import default_threads, prepare_openmp
from .base import Backend, Decoding, Hypothesis, installed_version, output_cap
from .transformers import first_line, hub_config, is_folder_name, model_unavailable, tokenizer_loader

logger = logging.getLogger(__name__)

CONVERSION_FILE = "tarjama-conversion.json"
# batches in parallel use cores better than threads within a batch (on 2 cores, two
# one-thread workers gave 1.5x the tokens/s of one two-thread worker), up to this many
# workers; beyond that, cores go to threads per batch, up to as many
MAX_THREADS = 4
# on the CPU, sub-batches of 32 sentences and 64 hypotheses (sentences x beams) decode as
# fast as larger ones (measured on 2 cores), and the attention keys and values that larger
# ones keep cost 100-150 MB more
CPU_SENTENCES, CPU_HYPOTHESES = 32, 64
# texts whose input tokens are kept between counting and translating (a window holds 2,048)
PIECES_KEPT = 16384
# batches queued per worker (``translate_batches``)
QUEUED = 2


@dataclass
class _Loaded:
    """The tokenizer and CTranslate2 model, loaded on first use; shared by ``with_options`` copies."""

    tokenizer: Any = None
    translator: Any = None
    vocabulary: frozenset[str] | None = None
    # input tokens by text (CTranslate2Backend._pieces)
    pieces: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversion:
    """What ``tarjama-conversion.json`` records about a converted model."""

    model: str
    revision: str | None
    quantization: str
    max_position_embeddings: int | None
    # the transformers model forces this token at the last position of the length cap
    forced_eos_token_id: int | None
    ctranslate2: str


def _import_ctranslate2() -> Any:
    try:
        import ctranslate2
    except ImportError as error:
        raise MissingExtraError(error.name or "ctranslate2", "ct2") from error
    return ctranslate2


def resolve_device(device: str) -> tuple[str, int]:
    """CTranslate2's device and index for ``auto``, ``cpu``, ``cuda`` or ``cuda:N``."""
    ctranslate2 = _import_ctranslate2()
    gpus = ctranslate2.get_cuda_device_count()
    if device == "auto":
        return ("cuda", 0) if gpus else ("cpu", 0)
    if device == "cpu":
        return "cpu", 0
    kind, _, index = device.partition(":")
    if kind != "cuda" or (index and not index.isdigit()):
        raise ConfigError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    if not gpus:
        raise ConfigError(f"device {device!r} was asked for but CTranslate2 sees no CUDA GPU; use --device cpu")
    return "cuda", int(index or 0)


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto`` is int8 on CPU and float16 on GPU; other types must suit the device."""
    if compute_type not in COMPUTE_TYPES:
        raise ConfigError(f"unknown compute type {compute_type!r}; use one of {', '.join(COMPUTE_TYPES)}")
    if compute_type == "auto":
        return "float16" if device == "cuda" else "int8"
    supported = _import_ctranslate2().get_supported_compute_types(device)
    if compute_type not in supported:
        raise ConfigError(
            f"compute type {compute_type} is not supported on {device} here; use one of {', '.join(sorted(supported))}"
        )
    return compute_type


def split_threads(threads: int) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for ``threads`` CPU threads: ``threads // 4``
    threads per worker (at least 1, at most 4) and as many workers as that leaves:
    2 threads give two one-thread workers, 8 give 4 x 2, 16 give 4 x 4, 32 give 8 x 4."""
    intra = min(MAX_THREADS, max(1, threads // MAX_THREADS))
    return max(1, threads // intra), intra


def _source_identity(name: str, revision: str | None) -> tuple[str, str]:
    """Where to load the model from, and its revision: for a hub model the commit that
    ``revision`` (default ``main``) points to, read offline from the hub cache when it is
    there; for a folder, ``local:`` and the fingerprint of its files."""
    local = Path(name).expanduser()
    if local.is_dir():
        return str(local), f"local:{model_folder_identity(local)}"
    if is_folder_name(name):
        raise model_unavailable(name, "no such folder")
    return name, hub_config(name, revision).parent.name  # .../snapshots/<commit>/config.json


def _load_tokenizer(folder: Path) -> Any:
    """The model's own tokenizer, without importing torch (``tokenizer_loader``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return tokenizer_loader(folder).from_pretrained(str(folder))


def _forced_eos(source: str, revision: str | None, config: dict[str, Any]) -> int | None:
    """The end token the model's generation config forces at the last position, if any."""
    import transformers

    try:
        generation = transformers.GenerationConfig.from_pretrained(source, revision=revision or "main")
        forced = generation.forced_eos_token_id
    except OSError:
        forced = config.get("forced_eos_token_id")
    return forced if isinstance(forced, int) else None


def convert_model(
    name: str,
    out_dir: str | os.PathLike[str],
    quantization: str = "int8",
    revision: str | None = None,
    keep_existing: bool = False,
) -> Path:
    """Convert a MarianMT model for CTranslate2 into ``out_dir``, with its tokenizer.

    Args:
        name: hub id or folder of a transformers MarianMT model.
        out_dir: the folder to write (replaced if it holds an earlier conversion).
        quantization: ``int8``, ``int8_float16``, ``float16``, ``bfloat16`` or ``float32``
            (the weights' storage; the compute type can still be chosen when loading).
        revision: hub revision.
        keep_existing: if another process finished the same conversion into ``out_dir``
            meanwhile, keep that one rather than replacing it.

    Returns:
        The folder, usable as ``--model`` with ``--backend ct2``.

    Raises:
        ModelLoadError: the model cannot be had.
        ConfigError: ``quantization`` is not one of the above.
    """
    if quantization not in COMPUTE_TYPES[1:]:
        raise ConfigError(f"unknown quantization {quantization!r}; use one of {', '.join(COMPUTE_TYPES[1:])}")
    ctranslate2 = _import_ctranslate2()
    import transformers
    from ctranslate2.converters import TransformersConverter

    source, resolved = _source_identity(name, revision)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    # convert beside the target, then rename: a conversion is complete or absent
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            try:
                TransformersConverter(source, revision=revision).convert(
                    str(work / "model"), quantization=quantization, force=True
                )
                tokenizer = transformers.AutoTokenizer.from_pretrained(source, revision=revision)
                config = transformers.AutoConfig.from_pretrained(source, revision=revision).to_dict()
            except (OSError, ValueError) as error:
                raise model_unavailable(name, first_line(error)) from None
        tokenizer.save_pretrained(str(work / "model"))
        conversion = Conversion(
            model=name,
            revision=resolved,
            quantization=quantization,
            max_position_embeddings=config.get("max_position_embeddings"),
            forced_eos_token_id=_forced_eos(source, revision, config),
            ctranslate2=ctranslate2.__version__,
        )
        (work / "model" / CONVERSION_FILE).write_text(json.dumps(asdict(conversion), indent=1), encoding="utf-8")
        try:
            if out.exists() and not keep_existing:
                shutil.rmtree(out)
            os.replace(work / "model", out)
        except OSError:
            if not (keep_existing and (out / CONVERSION_FILE).is_file()):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("converted %s (%s) to %s", name, quantization, out)
    return out


def converted_path(name: str, revision: str | None, quantization: str, cache_dir: str | os.PathLike[str]) -> Path:
    """The cache folder for ``name`` at ``revision`` in ``quantization``."""
    local = Path(name).expanduser()
    key = json.dumps([str(local.resolve()) if local.is_dir() else name, revision, quantization])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name)[:60]
    return Path(cache_dir).expanduser() / "ct2" / f"{slug}-{quantization}-{digest}"


class CTranslate2Backend(Backend):
    """A MarianMT model run by CTranslate2.

    Args:
        model: hub id, transformers model folder, or a folder made by ``tarjama convert``.
        revision: hub revision; ignored for folders.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        compute_type: ``auto`` (int8 on CPU, float16 on GPU), ``int8``, ``int8_float16``,
            ``float16``, ``bfloat16`` or ``float32``. Models are converted with this
            quantisation (``auto`` resolved).
        beams: beam size; 1 is greedy.
        max_length_ratio, max_length_extra: the output-length cap, as in the transformers
            backend: ratio x longest input + extra tokens, never past the position limit.
        cache_dir: where converted models are kept (default ``$XDG_CACHE_HOME/tarjama``).
        threads: CPU threads in all (``tarjama.threads``; ``None``: ``default_threads()``),
            shared out by ``split_threads``.
        inter_threads, intra_threads: batches translated in parallel and threads per
            batch on the CPU, instead of ``split_threads(threads)``.

    The CTranslate2 model and the tokenizer are loaded when first needed, so a run with
    nothing to translate loads neither (a model not yet converted is converted at once).

    Raises:
        MissingExtraError: ctranslate2 is not installed.
        ModelLoadError: the model cannot be had.
        ConfigError: device or compute type is not usable here.
    """

    name = "ct2"
    # CTranslate2 sorts each call's sentences by length and splits them into sub-batches
    # (max_batch_size) itself; fewer, larger calls keep all its workers busy
    max_padding = None

    def __init__(
        self,
        model: str,
        revision: str | None = None,
        device: str = "auto",
        compute_type: str = "auto",
        beams: int = 1,
        max_length_ratio: float = 2.0,
        max_length_extra: int = 16,
        cache_dir: str | os.PathLike[str] | None = None,
        threads: int | None = None,
        inter_threads: int = 0,
        intra_threads: int = 0,
    ) -> None:
        prepare_openmp()  # before CTranslate2 loads its OpenMP runtime, which reads the environment once
        _import_ctranslate2()
        if installed_version("transformers") is None:  # the tokenizer's library
            raise MissingExtraError("transformers", "transformers")

        self.device, device_index = resolve_device(device)
        self.compute_type = resolve_compute_type(compute_type, self.device)
        self.decoding = Decoding(beams, 0, max_length_ratio, max_length_extra)
        folder = Path(model).expanduser()
        if (folder / CONVERSION_FILE).is_file():
            self.converted = folder
        elif (folder / "model.bin").is_file():
            raise ConfigError(
                f"{model} is a CTranslate2 model without {CONVERSION_FILE}; "
                f"convert the original model with `tarjama convert MODEL -o {model}`"
            )
        else:
            resolved = _source_identity(model, revision)[1]
            self.converted = converted_path(model, resolved, self.compute_type, cache_dir or default_cache_dir())
            if not (self.converted / CONVERSION_FILE).is_file():
                logger.info(
                    "converting %s for CTranslate2 (%s), once, into %s", model, self.compute_type, self.converted
                )
                convert_model(model, self.converted, self.compute_type, revision, keep_existing=True)
        self.conversion = Conversion(**json.loads((self.converted / CONVERSION_FILE).read_text(encoding="utf-8")))
        self.model_name = self.conversion.model
        self.revision = self.conversion.revision
        positions = self.conversion.max_position_embeddings
        # the end-of-sentence token and the decoder start both take a position
        self._max_positions = positions - 2 if positions else None

        if self.device == "cpu":
            auto_inter, auto_intra = split_threads(threads or default_threads())
            self.inter_threads, self.intra_threads = inter_threads or auto_inter, intra_threads or auto_intra
        else:
            self.inter_threads, self.intra_threads = inter_threads or 1, intra_threads or 1
        self._device_index = device_index
        self._loaded = _Loaded()

    @property
    def tokenizer(self) -> Any:
        if self._loaded.tokenizer is None:
            self._loaded.tokenizer = _load_tokenizer(self.converted)
        return self._loaded.tokenizer

    @property
    def translator(self) -> Any:
        """The ``ctranslate2.Translator``, loaded on first use."""
        if self._loaded.translator is None:
            try:
                self._loaded.translator = _import_ctranslate2().Translator(
                    str(self.converted),
                    device=self.device,
                    device_index=self._device_index,
                    compute_type=self.compute_type,
                    inter_threads=self.inter_threads,
                    intra_threads=self.intra_threads,
                )
            except (RuntimeError, ValueError) as error:
                raise ConfigError(f"CTranslate2 cannot load {self.converted} on {self.device}: {error}") from None
            logger.info("loaded %s with CTranslate2 on %s (%s)", self.model_name, self.device, self.compute_type)
        return self._loaded.translator

    @translator.setter
    def translator(self, translator: Any) -> None:  # a wrapper (scripts/bench.py counts tokens)
        self._loaded.translator = translator

    @property
    def max_input_tokens(self) -> int | None:
        return self._max_positions

    def count_tokens(self, text: str) -> int:
        return len(self._pieces(text))

    def _pieces(self, text: str) -> list[str]:
        """The model's input tokens for ``text``, end token included: what the tokenizer
        gives transformers (``tokenizer(text).input_ids``), as pieces, made without the
        round trip through ids (10x faster), a piece outside the vocabulary being the
        unknown token. Kept for the texts seen last: batching counts the tokens of every
        text before it translates it."""
        known = self._loaded.pieces
        pieces = known.get(text)
        if pieces is None:
            tokenizer = self.tokenizer
            if self._loaded.vocabulary is None:
                self._loaded.vocabulary = frozenset(tokenizer.get_vocab())
            vocabulary, unknown = self._loaded.vocabulary, tokenizer.unk_token
            pieces = [p if p in vocabulary else unknown for p in tokenizer.tokenize(text)] + [tokenizer.eos_token]
            if len(known) >= PIECES_KEPT:
                known.clear()
            known[text] = pieces
        return pieces

    def output_cap(self, longest: int) -> int:
        """Most output tokens for a batch whose longest input has ``longest`` tokens."""
        return output_cap(longest, self.decoding.max_length_ratio, self.decoding.max_length_extra, self._max_positions)

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        # one call: each worker takes a share of the batch
        return self._hypotheses(self._submit(sentences, self._sub_batch(len(sentences)), asynchronous=False))

    def translate_batches(self, batches: Iterable[list[str]]) -> Iterator[list[Hypothesis]]:
        """Batches queued ``QUEUED`` ahead, each in sub-batches as large as the CPU
        limits allow: a worker that finishes takes the next sub-batch, of this batch or the
        next, instead of waiting for the others at the end of every batch."""
        pending: deque[list[Any]] = deque()
        for batch in batches:
            pending.append(self._submit(batch, self._even_sub_batch(len(batch)), asynchronous=True))
            if len(pending) > QUEUED * self.inter_threads:
                yield self._hypotheses([result.result() for result in pending.popleft()])
        while pending:
            yield self._hypotheses([result.result() for result in pending.popleft()])

    def _submit(self, sentences: list[str], max_batch_size: int, asynchronous: bool) -> list[Any]:
        """CTranslate2's results for ``sentences`` (futures if ``asynchronous``)."""
        limit = self._max_positions
        tokens = [self._pieces(s) for s in sentences]
        if limit is not None:  # truncated as transformers does: the first tokens, then the end token
            tokens = [row if len(row) <= limit else [*row[: limit - 1], row[-1]] for row in tokens]
        cap = self.output_cap(max(len(row) for row in tokens))
        # transformers counts the end token in its cap, and a model with a forced end token
        # spends the last position on it; CTranslate2 counts neither
        decoding = cap - 1 if self.conversion.forced_eos_token_id is not None else cap
        return list(
            self.translator.translate_batch(
                tokens,
                beam_size=self.decoding.beams,
                no_repeat_ngram_size=self.decoding.no_repeat_ngram_size,
                num_hypotheses=1,
                max_decoding_length=max(1, decoding),
                max_input_length=0,
                return_end_token=True,
                # the sum of the output tokens' log-probabilities divided by the output
                # length, end token included (length_penalty 1, CTranslate2's default, for
                # greedy and beam search alike): the transformers backend's score
                return_scores=True,
                length_penalty=1.0,
                max_batch_size=max_batch_size,
                asynchronous=asynchronous,
            )
        )

    def _hypotheses(self, results: list[Any]) -> list[Hypothesis]:
        tokenizer = self.tokenizer
        end, special = tokenizer.eos_token, frozenset(tokenizer.all_special_tokens)
        hypotheses = []
        for result in results:
            output = result.hypotheses[0]
            ended = bool(output) and output[-1] == end
            # tokenizer.decode(ids, skip_special_tokens=True) without the round trip through
            # ids: the output's pieces all come from the model's vocabulary
            text = str(tokenizer.convert_tokens_to_string([p for p in output if p not in special]))
            if tokenizer.clean_up_tokenization_spaces:
                text = tokenizer.clean_up_tokenization(text)
            score = float(result.scores[0]) if result.scores else None
            hypotheses.append(Hypothesis(text.strip(), truncated=not ended, score=score))
        return hypotheses

    def _cpu_limit(self) -> int | None:
        """The most sentences of a sub-batch on the CPU (``CPU_SENTENCES``, ``CPU_HYPOTHESES``)."""
        if self.device != "cpu":
            return None
        return min(CPU_SENTENCES, max(1, CPU_HYPOTHESES // self.decoding.beams))

    def _sub_batch(self, sentences: int) -> int:
        """CTranslate2's ``max_batch_size`` for a batch alone: with several workers each
        takes a share of the batch; on the CPU shares stay within the CPU limits."""
        size = -(-sentences // self.inter_threads)
        size = min(size, self._cpu_limit() or size)
        return 0 if size >= sentences else size

    def _even_sub_batch(self, sentences: int) -> int:
        """CTranslate2's ``max_batch_size`` for a batch among others: as few sub-batches as
        the CPU limits allow, of even sizes (100 in 4 of 25, not 32 + 32 + 32 + 4)."""
        limit = self._cpu_limit()
        if limit is None or sentences <= limit:
            return 0
        return -(-sentences // -(-sentences // limit))

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model_name,
            "revision": self.revision,
            "device": self.device,
            "dtype": self.compute_type,
            "compute_type": self.compute_type,
            "quantization": self.conversion.quantization,
            **dataclasses.asdict(self.decoding),
            "ctranslate2": installed_version("ctranslate2"),
            "transformers": installed_version("transformers"),
            "converted": str(self.converted),
            "inter_threads": self.inter_threads,
            "intra_threads": self.intra_threads,
        }
