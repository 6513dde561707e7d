#!/usr/bin/env python
"""Throughput of tarjama against the usual ways of running a MarianMT model, side by side.

One run, the same sentences, the same model, the same work for every system:

* sentences: real Arabic news (``../shared/data/ant-news-sample/txt``), segmented with
  tarjama's ``Segmenter`` into the units a translation run sends to the model;
* model: the architecture and vocabulary size of ``Helsinki-NLP/opus-mt-ar-en`` with
  random weights (``scripts/make_tiny_model.py --full-size``, built on first use), and
  for CTranslate2 the same model converted by tarjama to int8;
* work: every system is made to generate exactly ``--target-tokens`` tokens for every
  sentence, and the number of tokens each system produced is checked. CTranslate2 is
  given ``min_decoding_length = max_decoding_length``. The transformers systems are
  given ``max_new_tokens`` and a model with no end token (``eos_token_id`` and Marian's
  forced end token switched off), not ``min_new_tokens``: that adds two logits
  processors that each pass over the 62,802-token vocabulary of every row at every
  step, work no translation does, which took 16% of the int8 backend's time at beam 4
  and made every transformers system look alike.

Systems (``--systems``), each greedy and with beam 4:

* ``naive``: one sentence at a time, as transformers' ``pipeline("translation")`` did.
* ``easynmt``: EasyNMT's way: sorted by character length, batches of 16, float32.
* ``ct2-loop-2x1``, ``ct2-loop-1x2``: the CTranslate2 loop a user who knows it writes
  (``ct2_loop`` below: one ``translate_batch`` over the length-sorted units,
  ``max_batch_size=32``), with 2 workers x 1 thread and 1 x 2; the ratios are taken
  against the one with the better median (and, stricter, the faster in each repetition).
* ``ct2-loop-scores-2x1``, ``ct2-loop-scores-1x2``: the same loop asking CTranslate2
  for each translation's score (``return_scores=True``), as tarjama does for its
  confidence (issue 16): the same work as tarjama. Greedy search then computes a
  ``log_softmax`` over the vocabulary at every step, which it otherwise skips.
* ``tarjama-transformers``, ``tarjama-transformers-int8``, ``tarjama-transformers-bf16``,
  ``tarjama-ct2``: ``Translator.translate_sentences`` with tarjama's defaults (threads
  included) and that backend (float32; ``--dtype int8``; ``--dtype bfloat16``, fast on a
  CPU with AMX or AVX512-BF16; CTranslate2 int8).

A system name may end in ``@N`` (N threads) or ``@default`` (the system's own default;
the tarjama systems use theirs when no suffix is given, the others ``--threads``).

Each system runs in its own process, which loads the model once. Then the systems take
turns: in each of ``--repeats`` repetitions every system translates all the sentences,
in an order rotated from one repetition to the next, so a machine shared with other work
slows every system alike. Ratios are computed within each repetition, and reported as
their median and range. With ``--busy`` one CPU-bound process per core runs beside the
systems the whole time. For the tarjama systems, the time spent inside the model
(``generate`` or ``translate_batch``) is measured apart: the rest is the pipeline's own
cost (pooling, de-duplication, batching, tokenisation, decoding).

On a GPU (``--device cuda``) every system runs there, the transformers ones in float16
and CTranslate2 in float16 (tarjama's ``auto`` there); ``scripts/gpu_bench.sh`` runs it
in one call on a lent device machine.

Usage::

    python scripts/bench.py --quick                    # a smoke test, about a minute
    python scripts/bench.py --sentences 151 --json scripts/results/bench.json
    python scripts/bench.py --busy --systems tarjama-ct2@1 tarjama-ct2@2 tarjama-ct2 \
        tarjama-transformers@1 tarjama-transformers@2 tarjama-transformers   # the threads table

Prints a table; writes everything measured as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "ant-news-sample" / "txt"
SYSTEMS = (
    "naive",
    "easynmt",
    "ct2-loop-2x1",
    "ct2-loop-1x2",
    "ct2-loop-scores-2x1",
    "ct2-loop-scores-1x2",
    "tarjama-transformers",
    "tarjama-transformers-int8",
    "tarjama-transformers-bf16",
    "tarjama-ct2",
)
DEFAULT_SYSTEMS = SYSTEMS[1:]  # naive takes as long as all the others together
CT2_SYSTEMS = tuple(system for system in SYSTEMS if "ct2" in system)
# the tarjama transformers systems that set a dtype of their own (the others: tarjama's auto)
TRANSFORMERS_DTYPES = {"tarjama-transformers-int8": "int8", "tarjama-transformers-bf16": "bfloat16"}
# the systems a ratio is taken against, and the members of each (the best in each repetition counts)
PEERS = {
    "naive": ("naive",),
    "easynmt": ("easynmt",),
    "ct2-loop": ("ct2-loop-2x1", "ct2-loop-1x2"),
    "ct2-loop-scores": ("ct2-loop-scores-2x1", "ct2-loop-scores-1x2"),
}
EASYNMT_BATCH = 16
CT2_LOOP_BATCH = 32


# ---------------------------------------------------------------- the peers' code, plain


def ct2_loop(
    translator: Any, tokenizer: Any, sentences: list[str], beams: int, tokens: int, scores: bool = False
) -> int:
    """The hand-written CTranslate2 loop: tokenise, sort by length, one ``translate_batch``
    in sub-batches of 32, decode, restore the order. Returns the target tokens produced."""
    source = [tokenizer.convert_ids_to_tokens(tokenizer.encode(s)) for s in sentences]
    order = sorted(range(len(source)), key=lambda i: len(source[i]))
    results = translator.translate_batch(
        [source[i] for i in order], beam_size=beams, max_batch_size=CT2_LOOP_BATCH,
        min_decoding_length=tokens, max_decoding_length=tokens, return_scores=scores,
    )  # fmt: skip
    english = [""] * len(sentences)
    for i, result in zip(order, results, strict=True):
        english[i] = tokenizer.decode(tokenizer.convert_tokens_to_ids(result.hypotheses[0]), skip_special_tokens=True)
    return sum(len(result.hypotheses[0]) for result in results)


def naive(model: Any, tokenizer: Any, sentences: list[str], beams: int, tokens: int) -> int:
    import torch

    produced = 0
    with torch.no_grad():
        for sentence in sentences:
            inputs = tokenizer(sentence, return_tensors="pt").to(model.device)
            output = model.generate(**inputs, num_beams=beams, do_sample=False, max_new_tokens=tokens, max_length=None)
            tokenizer.decode(output[0], skip_special_tokens=True)
            produced += output.shape[1] - 1  # less the decoder start token
    return produced


def easynmt(model: Any, tokenizer: Any, sentences: list[str], beams: int, tokens: int) -> int:
    import torch

    produced = 0
    ordered = sorted(sentences, key=len, reverse=True)
    with torch.no_grad():
        for start in range(0, len(ordered), EASYNMT_BATCH):
            batch = ordered[start : start + EASYNMT_BATCH]
            inputs = tokenizer(batch, return_tensors="pt", padding=True, truncation=True, max_length=512)
            inputs = inputs.to(model.device)
            output = model.generate(**inputs, num_beams=beams, do_sample=False, max_new_tokens=tokens, max_length=None)
            tokenizer.batch_decode(output, skip_special_tokens=True)
            produced += output.shape[0] * (output.shape[1] - 1)
    return produced


# ---------------------------------------------------------------- worker processes


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _peak_gpu_mb() -> float | None:
    """What torch's allocator held at most on the GPU (CTranslate2's own allocator is not seen)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch.cuda.max_memory_allocated() / 2**20


def ct2_type(device: str) -> str:
    """CTranslate2's compute type in every CTranslate2 system: tarjama's default (``auto``)."""
    return "float16" if device == "cuda" else "int8"


def parse_system(spec: str) -> tuple[str, int | None]:
    """``"tarjama-ct2@2"`` -> ``("tarjama-ct2", 2)``; ``@default`` or no suffix -> ``None``."""
    system, _, threads = spec.partition("@")
    if system not in SYSTEMS or (threads and threads != "default" and not threads.isdigit()):
        raise argparse.ArgumentTypeError(f"unknown system {spec!r}; use one of {', '.join(SYSTEMS)}, optionally @N")
    return system, int(threads) if threads.isdigit() else None


def never_end(model: Any) -> None:
    """Make a transformers model generate until ``max_new_tokens``: no end token."""
    model.generation_config.eos_token_id = None
    model.generation_config.forced_eos_token_id = None


class _Timed:
    """Wraps a model's ``generate`` or a CTranslate2 ``translate_batch``: forces the output
    length, counts the tokens produced and the seconds spent inside the model."""

    def __init__(self, call: Any, tokens: int, ct2: bool, cuda: bool = False) -> None:
        self.call, self.tokens, self.ct2, self.cuda = call, tokens, ct2, cuda
        self.produced = 0
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.ct2:
            kwargs.update(min_decoding_length=self.tokens, max_decoding_length=self.tokens)
        else:
            kwargs.update(max_new_tokens=self.tokens, max_length=None)
        started = time.perf_counter()
        output = self.call(*args, **kwargs)
        if self.cuda:  # generate returns with the GPU's last kernels still queued
            sys.modules["torch"].cuda.synchronize()
        self.seconds += time.perf_counter() - started
        if self.ct2 and kwargs.get("asynchronous"):
            return [_TimedResult(future, self) for future in output]
        if self.ct2:
            self.produced += sum(len(r.hypotheses[0]) for r in output)
        else:
            sequences = output.sequences if hasattr(output, "sequences") else output
            self.produced += sequences.shape[0] * (sequences.shape[1] - 1)
        return output


class _TimedResult:
    """A CTranslate2 future whose ``result`` counts, as time inside the model, the wait
    for it: the pipeline's own time is what it spends outside calls and waits."""

    def __init__(self, future: Any, timed: _Timed) -> None:
        self.future, self.timed = future, timed

    def result(self) -> Any:
        started = time.perf_counter()
        output = self.future.result()
        self.timed.seconds += time.perf_counter() - started
        self.timed.produced += len(output.hypotheses[0])
        return output


class _CT2Proxy:
    """A ``ctranslate2.Translator`` whose ``translate_batch`` is ``_Timed``."""

    def __init__(self, translator: Any, timed: _Timed) -> None:
        self.translator, self.translate_batch = translator, timed


class _Worker:
    """One system, loaded once; ``translate`` returns the target tokens produced."""

    def __init__(self, spec: str, args: argparse.Namespace) -> None:
        self.system, threads = parse_system(spec)
        self.beams, self.tokens = args.beams[0], args.target_tokens
        self.timed: _Timed | None = None
        model = str(args.model)
        started = time.perf_counter()
        if self.system in ("naive", "easynmt"):
            import torch
            import transformers

            torch.set_num_threads(threads or args.threads)
            dtype = torch.float16 if args.device == "cuda" else torch.float32  # as tarjama's dtype auto
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
            self.model = transformers.AutoModelForSeq2SeqLM.from_pretrained(model, dtype=dtype).to(args.device).eval()
            never_end(self.model)
            self.threads = str(torch.get_num_threads())
        elif self.system.startswith("ct2-loop"):
            import ctranslate2
            import transformers

            inter, intra = (2, 1) if self.system.endswith("2x1") else (1, 2)
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(args.converted)
            self.model = ctranslate2.Translator(
                args.converted, device=args.device, compute_type=ct2_type(args.device),
                inter_threads=inter, intra_threads=intra,
            )  # fmt: skip
            self.threads = f"{inter}x{intra}"
        else:
            self.translator = _tarjama(self.system, model, self.beams, threads, args)
            backend: Any = self.translator.backend
            if self.system == "tarjama-ct2":
                self.timed = _Timed(backend.translator.translate_batch, self.tokens, ct2=True)
                backend.translator = _CT2Proxy(backend.translator, self.timed)
                described = backend.describe()
                self.threads = f"{described['inter_threads']}x{described['intra_threads']}"
            else:
                never_end(backend.model)
                self.timed = _Timed(backend.model.generate, self.tokens, ct2=False, cuda=args.device == "cuda")
                backend.model.generate = self.timed
                self.threads = str(sys.modules["torch"].get_num_threads())
        self.load_seconds = time.perf_counter() - started

    def translate(self, sentences: list[str]) -> dict[str, Any]:
        if self.system == "naive":
            return {"tokens": naive(self.model, self.tokenizer, sentences, self.beams, self.tokens)}
        if self.system == "easynmt":
            return {"tokens": easynmt(self.model, self.tokenizer, sentences, self.beams, self.tokens)}
        if self.system.startswith("ct2-loop"):
            scores = self.system.startswith("ct2-loop-scores")
            return {"tokens": ct2_loop(self.model, self.tokenizer, sentences, self.beams, self.tokens, scores)}
        assert self.timed is not None
        produced, inside = self.timed.produced, self.timed.seconds
        self.translator.translate_sentences(sentences)
        return {"tokens": self.timed.produced - produced, "model_seconds": self.timed.seconds - inside}


def _tarjama(system: str, model: str, beams: int, threads: int | None, args: argparse.Namespace) -> Any:
    """A tarjama Translator as a user would make one."""
    from tarjama import Translator

    settings: dict[str, Any] = {"model_name": model, "model_device": args.device, "model_threads": threads}
    if system == "tarjama-ct2":
        settings.update(model_backend="ct2", model_compute_type=ct2_type(args.device))
    else:
        dtype = TRANSFORMERS_DTYPES.get(system, "float16" if args.device == "cuda" else "float32")
        settings.update(model_backend="transformers", model_dtype=dtype)
    translator = Translator(
        **settings,
        decoding_beams=beams,
        cache_enabled=False,
        cache_dir=str(args.cache_dir),
        batching_batch_tokens=args.batch_tokens,
        batching_max_sentences=args.max_sentences,
    )
    translator.translate_sentences(["تجربة."])  # load the model now: loading is not translating
    return translator


def worker_main(args: argparse.Namespace) -> None:
    """Serve repetitions over stdin/stdout: one JSON object a line each way."""
    worker = _Worker(args.worker, args)
    _reply({"ready": True, "load_seconds": worker.load_seconds, "threads": worker.threads})
    for line in sys.stdin:
        request = json.loads(line)
        if "sentences" not in request:
            break
        started = time.perf_counter()
        done = worker.translate(request["sentences"])
        _reply({**done, "seconds": time.perf_counter() - started, "sentences": len(request["sentences"])})
    _reply({"peak_rss_mb": _peak_rss_mb(), "peak_gpu_mb": _peak_gpu_mb()})


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- the parent


class _Process:
    """A worker process for one system and beam size."""

    def __init__(self, spec: str, beams: int, args: argparse.Namespace) -> None:
        command = [
            sys.executable, str(Path(__file__).resolve()), "--worker", spec, "--beams", str(beams),
            "--model", str(args.model), "--converted", args.converted, "--target-tokens", str(args.target_tokens),
            "--cache-dir", str(args.cache_dir), "--threads", str(args.threads),
            "--batch-tokens", str(args.batch_tokens), "--max-sentences", str(args.max_sentences),
            "--device", args.device,
        ]  # fmt: skip
        # every system sets its own threads; an OMP_NUM_THREADS of the caller's shell would override tarjama's default
        env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
        self.spec, self.beams = spec, beams
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.ready = self._read()
        self.runs: list[dict[str, Any]] = []

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.spec} (beams {self.beams}) died; see its error above")
        return json.loads(line)

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        return self._read()

    def translate(self, sentences: list[str]) -> None:
        self.runs.append(self.send({"sentences": sentences}))

    def finish(self) -> dict[str, Any]:
        peak = self.send({"exit": True})
        self.process.wait()
        rates = [run["tokens"] / run["seconds"] for run in self.runs]
        result: dict[str, Any] = {
            "system": self.spec,
            "beams": self.beams,
            "threads": self.ready["threads"],
            "sentences": self.runs[0]["sentences"],
            "target_tokens": [run["tokens"] for run in self.runs],
            "seconds": [round(run["seconds"], 3) for run in self.runs],
            "target_tokens_per_second": [round(rate, 1) for rate in rates],
            "median_target_tokens_per_second": round(statistics.median(rates), 1),
            "peak_rss_mb": round(peak["peak_rss_mb"], 1),
            **({"peak_gpu_mb": round(peak["peak_gpu_mb"], 1)} if peak.get("peak_gpu_mb") is not None else {}),
            "load_seconds": round(self.ready["load_seconds"], 2),
        }
        if "model_seconds" in self.runs[0]:
            # the pipeline's own cost: the time outside the model's generate / translate_batch
            own = [run["seconds"] - run["model_seconds"] for run in self.runs]
            shares = [o / run["model_seconds"] for o, run in zip(own, self.runs, strict=True)]
            result["pipeline_ms_per_sentence"] = round(1000 * statistics.median(own) / result["sentences"], 3)
            result["pipeline_share_of_model_time"] = round(statistics.median(shares), 4)
        return result


def measure(units: list[str], beams: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    processes: list[_Process] = []
    try:
        for spec in args.systems:
            print(f"  beams {beams}: loading {spec}", file=sys.stderr, flush=True)
            processes.append(_Process(spec, beams, args))
        for repeat in range(args.repeats):
            turn = processes[repeat % len(processes) :] + processes[: repeat % len(processes)]
            for process in turn:
                print(f"  beams {beams}, repetition {repeat + 1}/{args.repeats}: {process.spec}", file=sys.stderr)
                process.translate(units)
        results = [process.finish() for process in processes]
    finally:
        for process in processes:
            if process.process.poll() is None:
                process.process.kill()
    expected = len(units) * args.target_tokens
    for result in results:
        if any(tokens != expected for tokens in result["target_tokens"]):
            raise SystemExit(f"{result['system']} produced {result['target_tokens']} tokens, not {expected} each")
    add_ratios(results)
    return results


def _spread(ratios: list[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(ratios), 3),
        "min": round(min(ratios), 3),
        "max": round(max(ratios), 3),
        "each": [round(r, 3) for r in ratios],
    }


def add_ratios(results: list[dict[str, Any]]) -> None:
    """Per repetition, each system's tokens/s over each peer's; the median and range of
    those ratios. A peer group with several members (the CTranslate2 loop at 2x1 and 1x2
    threads) counts as its member with the best median, as a user who tried both would
    keep it (``vs_PEER``), and as the faster member in each repetition
    (``vs_PEER_each_best``, stricter: the best of two noisy samples). For a system
    measured at several thread counts: its best explicit count over its default."""
    rates = {r["system"]: r["target_tokens_per_second"] for r in results}
    medians = {r["system"]: r["median_target_tokens_per_second"] for r in results}
    repeats = range(len(results[0]["target_tokens_per_second"]))
    for result in results:
        mine = result["target_tokens_per_second"]
        for peer, members in PEERS.items():
            present = [m for m in members if m in rates and m != result["system"]]
            if not present:
                continue
            best = max(present, key=lambda m: medians[m])
            result[f"vs_{peer}"] = {"peer": best, **_spread([mine[k] / rates[best][k] for k in repeats])}
            if len(present) > 1:
                result[f"vs_{peer}_each_best"] = _spread([mine[k] / max(rates[m][k] for m in present) for k in repeats])
    for result in results:
        system, threads = parse_system(result["system"])
        explicit = [r for r in results if r["system"].startswith(f"{system}@") and not r["system"].endswith("@default")]
        if threads is None and explicit:
            best_rates = [max(r["target_tokens_per_second"][k] for r in explicit) for k in repeats]
            result["best_explicit_threads_over_default"] = _spread(
                [b / m for b, m in zip(best_rates, result["target_tokens_per_second"], strict=True)]
            )


def bench_sentences(model: Path, count: int, data: Path) -> tuple[list[str], dict[str, Any]]:
    """The first ``count`` units of the ANT articles in name order, as tarjama segments them."""
    import transformers

    from tarjama.segment import Segmenter

    if not data.is_dir():
        raise SystemExit(f"{data} is absent: the benchmark needs ../shared/data beside the checkout, or --data")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model))

    def count_tokens(text: str) -> int:
        return len(tokenizer(text).input_ids)

    segmenter = Segmenter(max_input_tokens=200, count_tokens=count_tokens)
    units: list[str] = []
    files = 0
    for path in sorted(data.rglob("*.txt")):
        article = segmenter.segment(path.read_text(encoding="utf-8"), path.name)
        units += [unit for sentence in article.sentences for unit in sentence.units]
        files += 1
        if len(units) >= count:
            break
    units = units[:count]
    lengths = [count_tokens(u) for u in units]
    info = {
        "source": str(data.relative_to(ROOT.parent)) if data.is_relative_to(ROOT.parent) else str(data),
        "files": files,
        "sentences": len(units),
        "unique": len(set(units)),
        "source_tokens_mean": round(sum(lengths) / len(lengths), 1),
        "source_tokens_max": max(lengths),
        "characters_mean": round(sum(map(len, units)) / len(units), 1),
    }
    return units, info


def busy_processes(count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` CPU-bound processes (a pure-Python loop each), as other work on the machine."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def ensure_model(model: Path) -> Path:
    if not (model / "model.safetensors").exists():
        print(f"building the full-size random-weight model in {model} (about 30 s)", file=sys.stderr)
        command = [sys.executable, str(HERE / "make_tiny_model.py"), "--full-size", str(model)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return model


def ensure_converted(model: Path, cache_dir: Path, device: str) -> str:
    """Convert for CTranslate2 (``ct2_type``) in a process of its own, so that no
    measured process pays for the conversion; returns the converted folder."""
    code = (
        "import sys; from tarjama.backends import load_backend; model, cache, device, kind = sys.argv[1:]; "
        "b = load_backend('ct2', model=model, device=device, compute_type=kind, cache_dir=cache); "
        "print(b.converted)"
    )
    command = [sys.executable, "-c", code, str(model), str(cache_dir), device, ct2_type(device)]
    done = subprocess.run(command, check=True, capture_output=True)
    return done.stdout.decode().strip().splitlines()[-1]


def table(results: list[dict[str, Any]]) -> str:
    def ratio(r: dict[str, Any], key: str) -> str:
        spread = r.get(key)
        return f"{spread['median']:.2f} ({spread['min']:.2f}–{spread['max']:.2f})" if spread else ""

    head = (
        "| system | beams | threads | target tokens/s (median) | peak RSS (MB) | × naive | × EasyNMT | × CT2 loop "
        "| × CT2 loop + scores | pipeline ms/sentence | pipeline / model time |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        own = r.get("pipeline_share_of_model_time")
        lines.append(
            f"| {r['system']} | {r['beams']} | {r['threads']} | {r['median_target_tokens_per_second']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {ratio(r, 'vs_naive')} | {ratio(r, 'vs_easynmt')} | {ratio(r, 'vs_ct2-loop')} "
            f"| {ratio(r, 'vs_ct2-loop-scores')} | {r.get('pipeline_ms_per_sentence', '')} "
            f"| {'' if own is None else f'{100 * own:.1f}%'} |"
        )
    return "\n".join(lines)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def environment(device: str) -> dict[str, Any]:
    import torch
    import transformers

    try:
        import ctranslate2

        ct2_version: str | None = ctranslate2.__version__
    except ImportError:
        ct2_version = None
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": _cores(),
        "device": device,
        **({"gpu": torch.cuda.get_device_name()} if device == "cuda" else {}),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "ctranslate2": ct2_version,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    from tarjama.cache import default_cache_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=151, help="sentences (translation units) to translate")
    parser.add_argument("--target-tokens", type=int, default=32, help="tokens every system generates per sentence")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4], help="beam sizes to measure")
    parser.add_argument("--systems", nargs="+", default=list(DEFAULT_SYSTEMS), help="SYSTEM[@N|@default] ...")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions, interleaved across the systems")
    parser.add_argument("--busy", action="store_true", help="one CPU-bound process per core beside the systems")
    parser.add_argument("--threads", type=int, default=_cores(), help="threads of the peers (default: all cores)")
    parser.add_argument("--batch-tokens", type=int, default=4096, help="tarjama's padded tokens per batch")
    parser.add_argument("--max-sentences", type=int, default=64, help="tarjama's sentences per batch")
    parser.add_argument("--quick", action="store_true", help="24 sentences, 8 target tokens, 2 repetitions")
    parser.add_argument("--model", type=Path, help="full-size model folder (default: built in the cache)")
    parser.add_argument(
        "--device", choices=("cpu", "cuda"), default="cpu",
        help="where every system runs; on cuda, float16 (transformers) and CTranslate2's float16",
    )  # fmt: skip
    parser.add_argument("--data", type=Path, default=DATA, help="folder of Arabic articles (*.txt) to take units from")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir() / "bench", help="models, conversions")
    parser.add_argument("--json", type=Path, help="write the results here (default: CACHE_DIR/results.json)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--converted", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args)
    for spec in args.systems:
        try:
            parse_system(spec)
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
    if args.quick:
        args.sentences, args.target_tokens, args.repeats = 24, 8, 2
    if args.device == "cuda" and any(parse_system(spec)[0] == "tarjama-transformers-int8" for spec in args.systems):
        parser.error("tarjama-transformers-int8 runs on the CPU only (torch's dynamic quantisation)")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    args.model = ensure_model(args.model or args.cache_dir / "opus-mt-ar-en-size").resolve()
    uses_ct2 = any(parse_system(spec)[0] in CT2_SYSTEMS for spec in args.systems)
    args.converted = ensure_converted(args.model, args.cache_dir, args.device) if uses_ct2 else ""
    units, info = bench_sentences(args.model, args.sentences, args.data.resolve())
    print(
        f"{info['sentences']} sentences from {info['files']} articles, {args.target_tokens} tokens out each",
        file=sys.stderr,
    )
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    report = {
        "command": " ".join(["python", "scripts/bench.py", *sys.argv[1:]]),
        "model": "opus-mt-ar-en architecture, random weights (scripts/make_tiny_model.py --full-size)",
        "target_tokens_per_sentence": args.target_tokens,
        "repeats": args.repeats,
        "busy": args.busy,
        "peer_threads": args.threads,
        "tarjama_batching": {"batch_tokens": args.batch_tokens, "max_sentences": args.max_sentences},
        "data": info,
        "environment": environment(args.device),
        "results": results,
    }
    out = args.json or args.cache_dir / "results.json"

    def save() -> None:  # after every phase, so a failure later keeps what was measured
        report["environment"]["load_average_after"] = os.getloadavg()
        report["wall_seconds"] = round(time.perf_counter() - started, 1)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")

    hogs = busy_processes(_cores()) if args.busy else []
    try:
        for beams in args.beams:
            results += measure(units, beams, args)
            save()
    finally:
        for hog in hogs:
            hog.kill()
    print(table(results))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
