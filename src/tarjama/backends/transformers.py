"""MarianMT (and other seq2seq models) through Hugging Face transformers and PyTorch."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import os
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..allocator import keep_large_blocks
from ..config import DTYPES
from ..errors import ConfigError, MissingExtraError, ModelLoadError
from ..threads import configure_torch, default_threads, prepare_openmp
from .base import Backend, Decoding, Hypothesis, collector_paused, installed_version, output_cap

logger = logging.getLogger(__name__)


def is_folder_name(model: str) -> bool:
    """Whether ``model`` names a local folder rather than a hub id (``org/name``): it
    exists as a folder, starts like a path (``.``, ``/``, ``~``), has more parts than a
    hub id, or its first part is a folder here (``models/opus`` beside ``models/``)."""
    parts = model.replace(os.sep, "/").split("/")
    return (
        Path(model).expanduser().is_dir()
        or model.startswith((".", "/", "~"))
        or len(parts) > 2
        or (len(parts) == 2 and Path(parts[0]).is_dir())
    )


def model_unavailable(model: str, reason: str) -> ModelLoadError:
    """The one-sentence error for a model that cannot be had, with the way out."""
    if is_folder_name(model):
        return ModelLoadError(
            f"cannot load a model from the folder {model!r} ({reason}); "
            "pass --model with a folder written by `tarjama download` or `save_pretrained`"
        )
    return ModelLoadError(
        f"model {model!r} is not available offline and could not be downloaded ({reason}); "
        f"on a connected machine run `tarjama download {model} -o DIR`, then pass `--model DIR`"
    )


def resolve_device(device: str) -> str:
    if device == "auto":
        # without a GPU device node there is no CUDA device, and no need to import torch (2 s) to say so
        return "cuda" if gpu_device_present() and _torch().cuda.is_available() else "cpu"
    if device.startswith("cuda") and not _torch().cuda.is_available():
        raise ConfigError(f"device {device!r} was asked for but PyTorch sees no CUDA GPU; use --device cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise ConfigError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    return device


def gpu_device_present() -> bool:
    """Whether this machine has a GPU device node (NVIDIA, ROCm, or WSL's)."""
    return any(Path(node).exists() for node in ("/dev/nvidiactl", "/dev/kfd", "/dev/dxg"))


def resolve_dtype(dtype: str, device: str) -> str:
    if dtype not in DTYPES:
        raise ConfigError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    if dtype == "auto":
        return "float16" if device.startswith("cuda") else "float32"
    if dtype == "float16" and device == "cpu":
        raise ConfigError("float16 is for GPUs; on the CPU use --dtype float32 (or bfloat16, or int8)")
    if dtype == "int8" and device != "cpu":
        raise ConfigError("--dtype int8 (dynamic quantisation) runs on the CPU; on a GPU use float16")
    return dtype


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise MissingExtraError(error.name or "torch", "transformers") from error
    return torch


@dataclass
class _Loaded:
    """The tokenizer and model, loaded on first use; shared by ``with_options`` copies."""

    tokenizer: Any = None
    model: Any = None


class TransformersBackend(Backend):
    """A seq2seq model loaded with ``from_pretrained`` from a hub id or a local folder.

    Safetensors weights are preferred, ``trust_remote_code`` is never set, and
    generation runs under ``torch.inference_mode``. The output of each batch is capped
    at ``max_length_ratio * longest input + max_length_extra`` tokens, and never past
    the model's position limit, as a guard against runaway output.

    Nothing heavy happens when the backend is made: the tokenizer is loaded when a text
    is first measured and the weights when a batch is first translated, so a run with
    nothing to translate loads neither, and ``describe()`` needs neither.

    ``dtype="int8"`` quantises the weights of the Linear layers to int8 when the model
    is loaded (``torch.ao`` dynamic quantisation: activations are quantised batch by
    batch), for the CPU: on 2 cores it ran about 2.3x the tokens/s of float32, and it
    changes translations only where the model was unsure (see the README).

    Args:
        model: hub id (``Helsinki-NLP/opus-mt-ar-en``) or folder.
        revision: hub revision (branch, tag or commit); ignored for folders.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        dtype: ``auto`` (float16 on GPU, float32 on CPU), ``float32``, ``float16``,
            ``bfloat16``, ``int8`` (CPU).
        beams: beam size; 1 is greedy.
        max_length_ratio, max_length_extra: the output-length cap.
        threads: torch's intra-op threads on the CPU (``tarjama.threads``); ``None``:
            ``default_threads()``.

    Raises:
        ModelLoadError: the model or tokenizer cannot be had (when made, for a missing
            folder or a hub id that is neither cached nor reachable; else when loaded).
        ConfigError: device or dtype is not usable here.
    """

    name = "transformers"

    def __init__(
        self,
        model: str,
        revision: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        beams: int = 1,
        max_length_ratio: float = 2.0,
        max_length_extra: int = 16,
        threads: int | None = None,
    ) -> None:
        prepare_openmp()  # before torch loads its OpenMP runtime, which reads the environment once
        if installed_version("torch") is None or installed_version("transformers") is None:
            raise MissingExtraError("torch" if installed_version("torch") is None else "transformers", "transformers")
        self.model_name = model
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.decoding = Decoding(beams, 0, max_length_ratio, max_length_extra)
        self.threads = (threads or default_threads()) if self.device == "cpu" else None
        local = Path(model).expanduser()
        self._hub_revision = None if local.is_dir() else revision
        if local.is_dir():
            self._source, config_file, self.revision = str(local), local / "config.json", "local"
        elif is_folder_name(model):
            raise model_unavailable(model, "no such folder")
        else:
            config_file = hub_config(model, revision)
            self._source, self.revision = model, revision or config_file.parent.name  # .../snapshots/<commit>/
        try:
            positions = json.loads(config_file.read_text(encoding="utf-8")).get("max_position_embeddings")
        except (OSError, ValueError) as error:
            raise model_unavailable(model, f"config.json: {first_line(error)}") from None
        self._folder = config_file.parent  # the hub's snapshot folder for a hub id
        # the end-of-sentence token and the decoder start both take a position
        self._max_positions = positions - 2 if isinstance(positions, int) else None
        self._loaded = _Loaded()

    @property
    def tokenizer(self) -> Any:
        if self._loaded.tokenizer is None:
            with collector_paused():
                self._loaded.tokenizer = self._from_pretrained(tokenizer_loader(self._folder))
        return self._loaded.tokenizer

    @property
    def model(self) -> Any:
        if self._loaded.model is None:
            with collector_paused():
                self._loaded.model = self._load_model()
        return self._loaded.model

    def _load_model(self) -> Any:
        torch = _torch()
        import transformers

        if self.device == "cpu":
            keep_large_blocks()  # the vocabulary-sized tensors of every decoding step (tarjama.allocator)
        if self.threads is not None:
            configure_torch(self.threads)
        dtype = torch.float32 if self.dtype == "int8" else getattr(torch, self.dtype)
        model = self._from_pretrained(transformers.AutoModelForSeq2SeqLM, dtype=dtype)
        model.to(self.device).eval()
        if self.dtype == "int8":
            model = quantize_int8(model)
        logger.info("loaded %s on %s (%s)", self.model_name, self.device, self.dtype)
        return model

    def _from_pretrained(self, loader: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            try:
                return from_pretrained(loader, self._source, self._hub_revision, **kwargs)
            except (OSError, ValueError) as error:
                raise model_unavailable(self.model_name, first_line(error)) from None

    @property
    def max_input_tokens(self) -> int | None:
        return self._max_positions

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, verbose=False).input_ids)

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        import torch
        from transformers import LogitsProcessorList

        model, tokenizer = self.model, self.tokenizer
        inputs = tokenizer(
            sentences, return_tensors="pt", padding=True, truncation=True, max_length=self._max_positions
        ).to(self.device)
        longest = int(inputs["attention_mask"].sum(dim=1).max())
        cap = output_cap(longest, self.decoding.max_length_ratio, self.decoding.max_length_extra, self._max_positions)
        beams = self.decoding.beams
        ends = model.generation_config.eos_token_id
        ends = ends if isinstance(ends, list) else [] if ends is None else [ends]
        steps = StepLogProbs(beams, ends, normalise=beams == 1)
        suppressed = suppressed_tokens(model.generation_config.bad_words_ids)
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                num_beams=beams,
                no_repeat_ngram_size=self.decoding.no_repeat_ngram_size,
                do_sample=False,
                max_new_tokens=cap,
                max_length=None,
                return_dict_in_generate=True,
                logits_processor=LogitsProcessorList([*suppressed, steps]),
                **({"bad_words_ids": None} if suppressed else {}),
                **beam_cache(model, beams),
            )
        sequences = output.sequences
        scores = steps.sequence_scores(sequences, getattr(output, "beam_indices", None), tokenizer.pad_token_id)
        # a row that used every token of the cap was cut short: Marian models force the
        # end token at the cap, so its presence says nothing
        generated = (sequences[:, 1:] != tokenizer.pad_token_id).sum(dim=1).tolist()
        texts = tokenizer.batch_decode(sequences, skip_special_tokens=True)
        return [
            Hypothesis(text.strip(), truncated=length >= cap, score=score)
            for text, length, score in zip(texts, generated, scores, strict=True)
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model_name,
            "revision": self.revision,
            "device": self.device,
            "dtype": self.dtype,
            **dataclasses.asdict(self.decoding),
            "transformers": installed_version("transformers"),
            "torch": installed_version("torch"),
            "threads": self.threads,
        }


def suppressed_tokens(bad_words: list[list[int]] | None) -> list[SuppressedTokens]:
    """A processor that takes the place of ``generate``'s own for ``bad_words_ids`` when
    every bad word is one token (as in every opus-mt model: the padding token); none
    otherwise, and ``generate`` keeps its own."""
    if not bad_words or any(len(word) != 1 for word in bad_words):
        return []
    return [SuppressedTokens(sorted({word[0] for word in bad_words}))]


class SuppressedTokens:
    """A logits processor that makes ``tokens`` impossible: their scores become -inf in
    place, which costs a write per row and token.

    It does what transformers' ``NoBadWordsLogitsProcessor`` does for bad words of one
    token, which every model converted from Marian has (``bad_words_ids`` is the padding
    token). That processor builds a bias the size of the scores at every step, and adds
    it to a zero tensor and then to the scores: three passes over the vocabulary (62,802
    tokens for opus-mt-ar-en) of every row, for beam search a cost of the order of its
    own ``log_softmax``. The scores it is given are ``generate``'s own copy of the
    logits (greedy) or their ``log_softmax`` (beam search), so writing into them is safe.
    """

    def __init__(self, tokens: list[int]) -> None:
        self.tokens = tokens

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        scores[:, self.tokens] = -math.inf
        return scores


class StepLogProbs:
    """A logits processor (placed last, so it sees the scores the search picks from)
    that recovers each returned sequence's token log-probabilities without keeping the
    vocabulary's scores of every step (``output_scores``: gigabytes for a batch of 64
    sentences and 4 beams) and without a pass over them of its own at every step.

    It holds on to one step's scores until the next step shows which tokens were
    picked: the last tokens of the rows that run on, and the end token for rows that
    finished. From the held scores it keeps only those few, for every row of the
    sentence (``sentence_rows`` rows each: the beams); after ``generate``,
    ``sequence_scores`` finds each returned token among them by the output's
    ``beam_indices``. Beam search hands over log-probabilities; greedy search hands
    over logits, so each row's log-sum-exp is kept too and subtracted.

    Measured at beam 4 on the full-size model (2 cores), a ``log_softmax`` and
    ``topk`` over the 62,802-token vocabulary at every step cost 12-20% of the time
    of ``generate``; what is kept here costs a gather of five values a row.
    """

    def __init__(self, sentence_rows: int, ends: list[int], normalise: bool) -> None:
        self.sentence_rows = max(1, sentence_rows)
        self.ends = ends
        self.normalise = normalise
        self.held: tuple[Any, Any] | None = None  # the last step's scores and log-sum-exp
        self.tokens: list[Any] = []  # per step: row x candidate token ids
        self.values: list[Any] = []  # per step: row x their log-probabilities

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.held is not None:
            self.keep(input_ids[:, -1])
        total = scores.float().logsumexp(dim=-1, keepdim=True) if self.normalise else None
        self.held = (scores, total)
        return scores

    def keep(self, picked: Any) -> None:
        """Keep the held step's log-probabilities of ``picked`` (tokens, ``sentence_rows``
        or fewer a sentence, in sentence order) and of the end tokens, for every row."""
        import torch

        assert self.held is not None
        scores, total = self.held
        rows = scores.shape[0]
        per_sentence = picked.view(rows // self.sentence_rows, -1)
        # the same number of candidates at every step (after the last, one pick a sentence)
        per_sentence = per_sentence[:, [i % per_sentence.shape[1] for i in range(self.sentence_rows)]]
        candidates = per_sentence.repeat_interleave(self.sentence_rows, dim=0)
        ends = torch.tensor(self.ends, dtype=candidates.dtype, device=candidates.device).expand(rows, -1)
        candidates = torch.cat([candidates, ends], dim=1)
        values = scores.gather(1, candidates).float()
        self.tokens.append(candidates)
        self.values.append(values - total if total is not None else values)
        self.held = None

    def sequence_scores(self, sequences: Any, beam_indices: Any, pad: int | None) -> list[float | None]:
        """Each returned sequence's mean token log-probability (end token included)."""
        import torch

        if self.held is not None:  # the last step: its picks are the returned sequences' last tokens
            self.keep(sequences[:, -1])
        if not self.values:
            return [None] * len(sequences)
        values, candidates = torch.stack(self.values), torch.stack(self.tokens)  # step x row x candidate
        if beam_indices is None:  # greedy: row b is always row b, and every step added a token
            rows = torch.arange(len(sequences), device=sequences.device)[:, None].expand(-1, values.shape[0])
        else:
            rows = beam_indices[:, : values.shape[0]]
        tokens = sequences[:, sequences.shape[1] - rows.shape[1] :]  # after the decoder's start
        used = rows >= 0
        if pad is not None:
            used &= tokens != pad
        step = torch.arange(rows.shape[1], device=tokens.device)[None, :].expand_as(rows)
        at = rows.clamp(min=0)
        found = candidates[step, at] == tokens[..., None]  # sequence x step x candidate
        # a token found twice among the candidates (picked by two rows) has its value twice
        first = found & (found.cumsum(dim=-1) == 1)
        log_probs = torch.where(first, values[step, at], 0.0).sum(dim=-1)
        lengths = used.sum(dim=1)
        # not log_probs * used: a finished row goes on picking padding, whose
        # log-probability may be -inf, and -inf * 0 is NaN
        totals = torch.where(used, log_probs, 0.0).sum(dim=1)
        return [float(t / n) if n else None for t, n in zip(totals.tolist(), lengths.tolist(), strict=True)]


def beam_cache(model: Any, beams: int) -> dict[str, Any]:
    """``generate``'s cache argument for beam search with an encoder-decoder model: a
    cache that reorders only the decoder's self-attention states when beams are
    re-ranked, not the cross-attention states.

    transformers 5's ``EncoderDecoderCache`` copies both at every step, but the
    cross-attention states of a sentence's beams are the same rows of its encoder
    output, and beams are only ever re-ranked among the beams of one sentence, so that
    copy changes nothing: the outputs are identical. Leaving it out took a sixth to a
    quarter off beam search's CPU time on the tiny character model (the copy grows with
    the source length, the model's layers and the beams). Empty (generate's own cache)
    for greedy search, and for a transformers without ``EncoderDecoderCache``.
    """
    import transformers

    if beams <= 1 or not model.config.is_encoder_decoder or not hasattr(transformers, "EncoderDecoderCache"):
        return {}
    config = model.config.get_text_config(decoder=True)
    cache = _self_attention_reordered()(
        transformers.DynamicCache(config=config), transformers.DynamicCache(config=config)
    )
    # transformers 5 names generate's cache argument ``cache``; 4.x ``past_key_values``
    major = int((installed_version("transformers") or "5").split(".")[0])
    return {"cache" if major >= 5 else "past_key_values": cache}


@functools.cache
def _self_attention_reordered() -> type:
    """``EncoderDecoderCache`` that leaves its cross-attention states in place on
    ``reorder_cache`` (see ``beam_cache``); made on first use, as transformers is
    imported only then."""
    from transformers import EncoderDecoderCache

    class SelfAttentionReordered(EncoderDecoderCache):
        def reorder_cache(self, beam_idx: Any) -> None:
            self.self_attention_cache.reorder_cache(beam_idx)

    return SelfAttentionReordered


def quantize_int8(model: Any) -> Any:
    """``model`` with the weights of its Linear layers in int8 (dynamic quantisation:
    activations are scaled to int8 per batch). torch 2.10 deprecated this API in favour
    of torchao, a further package; it still works and needs nothing more."""
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning, message=".*quantiz.*")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def hub_config(name: str, revision: str | None) -> Path:
    """The ``config.json`` of hub model ``name`` at ``revision`` (default ``main``):
    from the local hub cache when it is there, else downloaded; its folder is named
    after the commit. A hub that cannot be reached fails now, not after the hub
    client's minute of retries."""
    from huggingface_hub import hf_hub_download, try_to_load_from_cache
    from huggingface_hub.errors import EntryNotFoundError

    cached = try_to_load_from_cache(name, "config.json", revision=revision)
    if isinstance(cached, str):
        return Path(cached)
    if not hub_reachable():
        raise model_unavailable(name, "not in the local cache, and the Hugging Face Hub cannot be reached")
    try:
        return Path(hf_hub_download(name, "config.json", revision=revision))
    except (OSError, ValueError, EntryNotFoundError) as error:  # HTTP and network errors are OSErrors
        raise model_unavailable(name, first_line(error)) from None


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hugging Face Hub answers a TCP connection within ``timeout`` seconds.

    The hub client retries for most of a minute before it gives up on an unreachable
    hub; this check lets a missing model fail in seconds."""
    host = urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((host.hostname or "huggingface.co", host.port or 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def from_pretrained(loader: Any, source: str, revision: str | None, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` of a folder, or of a hub id that is in the local cache
    or can be downloaded; a hub id that is neither fails at once instead of after the
    hub client's minute of retries."""
    if not Path(source).is_dir() and not hub_reachable():
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(source, "config.json", revision=revision), str):
            raise OSError("not in the local cache, and the Hugging Face Hub cannot be reached")
        kwargs["local_files_only"] = True
    return loader.from_pretrained(source, revision=revision, **kwargs)


def tokenizer_loader(folder: Path) -> Any:
    """The class that loads the tokenizer of the model in ``folder``: the one its
    ``tokenizer_config.json`` names, which is what ``AutoTokenizer`` picks, else
    ``AutoTokenizer``. Taken directly because ``AutoTokenizer`` reads the model config
    through modules that import torch (1.6 s of CPU and about 190 MB resident for the
    tiny model's tokenizer), which a run that loads no weights, or CTranslate2, does not
    need."""
    import transformers

    try:
        named = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("tokenizer_class")
    except (OSError, ValueError):
        named = None
    return (getattr(transformers, named, None) if isinstance(named, str) else None) or transformers.AutoTokenizer


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def save_model(name: str, out_dir: str | os.PathLike[str], revision: str | None = None) -> Path:
    """Download ``name`` (model and tokenizer) and save it to ``out_dir`` for offline use."""
    try:
        import transformers
    except ImportError as error:
        raise MissingExtraError(error.name or "transformers", "transformers") from error
    out = Path(out_dir)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        try:
            tokenizer = from_pretrained(transformers.AutoTokenizer, name, revision)
            model = from_pretrained(transformers.AutoModelForSeq2SeqLM, name, revision)
        except (OSError, ValueError) as error:
            raise ModelLoadError(
                f"cannot download {name!r} ({first_line(error)}); `tarjama download` needs a machine "
                "that reaches the Hugging Face Hub"
            ) from None
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out
