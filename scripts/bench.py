#!/usr/bin/env python
"""Throughput and memory of tarjama against the usual ways of running a MarianMT model.

One run, the same sentences, the same model, the same work for every system:

* sentences: real Arabic news (``../shared/data/ant-news-sample/txt``), segmented with
  tarjama's ``Segmenter`` into the units a translation run sends to the model;
* model: the architecture and vocabulary size of ``Helsinki-NLP/opus-mt-ar-en`` with
  random weights (``scripts/make_tiny_model.py --full-size``, built on first use), and
  for CTranslate2 the same model converted by tarjama;
* work: random weights never end a sentence, so every system is made to generate
  exactly ``--target-tokens`` tokens for every sentence (transformers ``min_new_tokens =
  max_new_tokens``, CTranslate2 ``min_decoding_length = max_decoding_length``; the
  forced end token of Marian's generation config is switched off for all), and the
  number of tokens each system produced is checked.

Systems, each greedy and with beam 4:

1. ``naive``: one sentence at a time, as transformers' ``pipeline("translation")`` did
   (tokenize one sentence, ``generate``, decode). transformers 5 removed that pipeline,
   so its steps are called directly.
2. ``easynmt``: EasyNMT's way: sentences sorted by character length, fixed batches of
   16, ``generate`` under ``torch.no_grad``, float32.
3. ``tarjama-transformers``: ``Translator.translate_sentences`` with the transformers
   backend (float32, token-budget batches).
4. ``tarjama-ct2``: the same with the CTranslate2 backend, int8.

Each system runs in its own process (so its peak resident memory is its own) that loads
the model once and then translates the sentences slice by slice; the slices go round the
systems in turn, so a machine shared with other work slows every system alike. Then
the same folder is translated twice with the translation cache on (tarjama-ct2, greedy).

Usage::

    python scripts/bench.py                # 400 sentences, 32 target tokens: ~20 min on 2 cores
    python scripts/bench.py --quick        # 32 sentences, 8 target tokens: a smoke test
    python scripts/bench.py --sentences 800 --target-tokens 48 --json results.json

Prints a table; writes everything measured as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "ant-news-sample" / "txt"
SYSTEMS = ("naive", "easynmt", "tarjama-transformers", "tarjama-ct2")
EASYNMT_BATCH = 16


# ---------------------------------------------------------------- worker processes


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _force_length_transformers(model: Any, tokens: int) -> None:
    """Make every ``generate`` call produce exactly ``tokens`` new tokens."""
    model.generation_config.forced_eos_token_id = None
    generate = model.generate

    def forced(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(max_new_tokens=tokens, min_new_tokens=tokens, max_length=None)
        return generate(*args, **kwargs)

    model.generate = forced


class _ForcedLengthCT2:
    """A ``ctranslate2.Translator`` that decodes exactly ``tokens`` tokens per sentence
    and counts what it produced."""

    def __init__(self, translator: Any, tokens: int) -> None:
        self.translator = translator
        self.tokens = tokens
        self.produced = 0

    def translate_batch(self, source: Any, **options: Any) -> Any:
        options.update(min_decoding_length=self.tokens, max_decoding_length=self.tokens)
        results = self.translator.translate_batch(source, **options)
        self.produced += sum(len(r.hypotheses[0]) for r in results)
        return results


class _Worker:
    """One system, loaded once; ``translate`` returns the target tokens produced."""

    def __init__(self, system: str, args: argparse.Namespace) -> None:
        self.system, self.beams, self.tokens = system, args.beams[0], args.target_tokens
        model = str(args.model)
        started = time.perf_counter()
        if system != "tarjama-ct2":
            import torch

            torch.set_num_threads(args.threads)
        if system in ("naive", "easynmt"):
            import transformers

            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
            self.model = transformers.AutoModelForSeq2SeqLM.from_pretrained(model, dtype=torch.float32).eval()
            self.model.generation_config.forced_eos_token_id = None
        else:
            self.translator = _tarjama(system, model, self.beams, args)
            if system == "tarjama-transformers":
                self.counter = _count_generated(self.translator.backend.model)
                _force_length_transformers(self.translator.backend.model, self.tokens)
            else:
                self.proxy = _ForcedLengthCT2(self.translator.backend.translator, self.tokens)
                self.translator.backend.translator = self.proxy
        self.load_seconds = time.perf_counter() - started
        if system == "tarjama-ct2":
            described = self.translator.backend.describe()
            self.threads = f"{described['inter_threads']}x{described['intra_threads']}"
        else:
            self.threads = str(sys.modules["torch"].get_num_threads())

    def translate(self, sentences: list[str]) -> int:
        if self.system == "naive":
            import torch

            produced = 0
            with torch.no_grad():
                for sentence in sentences:
                    inputs = self.tokenizer(sentence, return_tensors="pt")
                    output = self.model.generate(
                        **inputs, num_beams=self.beams, do_sample=False, max_new_tokens=self.tokens,
                        min_new_tokens=self.tokens, max_length=None,
                    )  # fmt: skip
                    self.tokenizer.decode(output[0], skip_special_tokens=True)
                    produced += output.shape[1] - 1  # less the decoder start token
            return produced
        if self.system == "easynmt":
            import torch

            produced = 0
            ordered = sorted(sentences, key=len, reverse=True)
            with torch.no_grad():
                for start in range(0, len(ordered), EASYNMT_BATCH):
                    batch = ordered[start : start + EASYNMT_BATCH]
                    inputs = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=True, max_length=512)
                    output = self.model.generate(
                        **inputs, num_beams=self.beams, do_sample=False, max_new_tokens=self.tokens,
                        min_new_tokens=self.tokens, max_length=None,
                    )  # fmt: skip
                    self.tokenizer.batch_decode(output, skip_special_tokens=True)
                    produced += output.shape[0] * (output.shape[1] - 1)
            return produced
        if self.system == "tarjama-transformers":
            before = self.counter[0]
            self.translator.translate_sentences(sentences)
            return self.counter[0] - before
        before = self.proxy.produced
        self.translator.translate_sentences(sentences)
        return self.proxy.produced - before


def _tarjama(system: str, model: str, beams: int, args: argparse.Namespace) -> Any:
    """A tarjama Translator as a user would make one, with the benchmark's threads."""
    from tarjama import Translator
    from tarjama.backends import load_backend

    settings = {"name": model, "device": "cpu", "beams": beams, "cache_dir": str(args.cache_dir)}
    if system == "tarjama-ct2":
        # all the cores: the backend's own thread defaults; fewer: one worker of that many threads
        threads = {} if args.threads == _cores() else {"inter_threads": 1, "intra_threads": args.threads}
        backend = load_backend("ct2", **settings, compute_type="int8", **threads)
    else:
        backend = load_backend("transformers", **settings, dtype="float32")
    return Translator(
        backend=backend,
        decoding_beams=beams,
        cache_enabled=args.cache_run is not None,
        cache_dir=str(args.cache_dir),
        batching_batch_tokens=args.batch_tokens,
        batching_max_sentences=args.max_sentences,
    )


def _count_generated(model: Any) -> list[int]:
    """Wrap ``model.generate`` to count the tokens it generates; returns the counter."""
    counter = [0]
    generate = model.generate

    def counted(*args: Any, **kwargs: Any) -> Any:
        output = generate(*args, **kwargs)
        counter[0] += output.shape[0] * (output.shape[1] - 1)
        return output

    model.generate = counted
    return counter


def worker_main(args: argparse.Namespace) -> None:
    """Serve slices over stdin/stdout: one JSON object a line each way."""
    worker = _Worker(args.worker, args)
    _reply({"ready": True, "load_seconds": worker.load_seconds, "threads": worker.threads})
    for line in sys.stdin:
        request = json.loads(line)
        if "sentences" not in request:
            break
        started = time.perf_counter()
        produced = worker.translate(request["sentences"])
        _reply({"seconds": time.perf_counter() - started, "tokens": produced, "sentences": len(request["sentences"])})
    _reply({"peak_rss_mb": _peak_rss_mb()})


def cache_run_main(args: argparse.Namespace) -> None:
    """Translate a folder once with the cache on (tarjama-ct2, greedy); print the manifest totals."""
    started = time.perf_counter()
    translator = _tarjama("tarjama-ct2", str(args.model), 1, args)
    proxy = _ForcedLengthCT2(translator.backend.translator, args.target_tokens)
    translator.backend.translator = proxy
    loaded = time.perf_counter()
    # a fresh output folder each run: what is measured is the cache, not a resumed run
    Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="out-", dir=args.cache_dir))
    report = translator.translate_folder([args.cache_run], out)
    _reply(
        {
            "load_seconds": loaded - started,
            "translate_seconds": report.manifest["totals"]["wall_time_s"],
            "sentences": report.manifest["totals"]["sentences"],
            "tokens_generated": proxy.produced,
        }
    )


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- the parent


def ensure_model(model: Path) -> Path:
    if not (model / "model.safetensors").exists():
        print(f"building the full-size random-weight model in {model} (about 10 s)", file=sys.stderr)
        command = [sys.executable, str(HERE / "make_tiny_model.py"), "--full-size", str(model)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return model


def ensure_converted(model: Path, cache_dir: Path) -> str:
    """Convert for CTranslate2 (int8) in a process of its own, so that no measured
    process pays for the conversion; returns the converted folder."""
    code = (
        "import sys; from tarjama.backends import load_backend; "
        "b = load_backend('ct2', name=sys.argv[1], device='cpu', compute_type='int8', cache_dir=sys.argv[2]); "
        "print(b.converted)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(model), str(cache_dir)], check=True, capture_output=True)
    return done.stdout.decode().strip().splitlines()[-1]


def bench_sentences(model: Path, count: int) -> tuple[list[str], list[Path], dict[str, Any]]:
    """The first ``count`` units of the ANT articles in name order, as tarjama segments them."""
    import transformers

    from tarjama.segment import Segmenter

    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is absent: the benchmark needs the shared data folder beside the checkout")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model))

    def count_tokens(text: str) -> int:
        return len(tokenizer(text).input_ids)

    segmenter = Segmenter(max_input_tokens=200, count_tokens=count_tokens)
    units: list[str] = []
    files: list[Path] = []
    for path in sorted(DATA.rglob("*.txt")):
        article = segmenter.segment(path.read_text(encoding="utf-8"), path.name)
        units += [unit for sentence in article.sentences for unit in sentence.units]
        files.append(path)
        if len(units) >= count:
            break
    units = units[:count]
    lengths = [count_tokens(u) for u in units]
    info = {
        "source": str(DATA.relative_to(ROOT.parent)),
        "files": len(files),
        "sentences": len(units),
        "unique": len(set(units)),
        "source_tokens_mean": round(sum(lengths) / len(lengths), 1),
        "source_tokens_max": max(lengths),
        "characters_mean": round(sum(map(len, units)) / len(units), 1),
    }
    return units, files, info


class _Process:
    """A worker process for one system and beam size."""

    def __init__(self, system: str, beams: int, args: argparse.Namespace) -> None:
        command = [
            sys.executable, str(Path(__file__).resolve()), "--worker", system, "--beams", str(beams),
            "--model", str(args.model), "--target-tokens", str(args.target_tokens), "--cache-dir", str(args.cache_dir),
            *_tuning(args),
        ]  # fmt: skip
        self.system, self.beams = system, beams
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self._read()
        self.slices: list[dict[str, Any]] = []

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker {self.system} (beams {self.beams}) died; see its error above")
        return json.loads(line)

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        return self._read()

    def translate(self, sentences: list[str]) -> None:
        self.slices.append(self.send({"sentences": sentences}))

    def finish(self) -> dict[str, Any]:
        peak = self.send({"exit": True})
        self.process.wait()
        seconds = sum(s["seconds"] for s in self.slices)
        tokens = sum(s["tokens"] for s in self.slices)
        sentences = sum(s["sentences"] for s in self.slices)
        return {
            "system": self.system,
            "beams": self.beams,
            "sentences": sentences,
            "target_tokens": tokens,
            "seconds": round(seconds, 3),
            "sentences_per_second": round(sentences / seconds, 2),
            "target_tokens_per_second": round(tokens / seconds, 1),
            "peak_rss_mb": round(peak["peak_rss_mb"], 1),
            "load_seconds": round(self.ready["load_seconds"], 2),
            "threads": self.ready["threads"],
            "slice_seconds": [round(s["seconds"], 3) for s in self.slices],
        }


def measure(units: list[str], beams: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    processes: list[_Process] = []
    try:
        for system in args.systems:
            processes.append(_Process(system, beams, args))
        slices = [units[k :: args.slices] for k in range(args.slices)]  # each slice spans the length range
        for k, part in enumerate(slices):
            turn = processes[k % len(processes) :] + processes[: k % len(processes)]
            for process in turn:
                print(f"  beams {beams}, slice {k + 1}/{len(slices)}: {process.system}", file=sys.stderr, flush=True)
                process.translate(part)
        results = [process.finish() for process in processes]
    finally:
        for process in processes:
            if process.process.poll() is None:
                process.process.kill()
    for result in results:
        expected = len(units) * args.target_tokens
        if result["target_tokens"] != expected:
            raise SystemExit(f"{result['system']} produced {result['target_tokens']} tokens, not {expected}")
    by_name = {r["system"]: r for r in results}
    for result in results:
        for peer in ("naive", "easynmt"):
            if peer in by_name:
                ratio = result["target_tokens_per_second"] / by_name[peer]["target_tokens_per_second"]
                result[f"vs_{peer}"] = round(ratio, 2)
    return results


def measure_cache(files: list[Path], converted: str, args: argparse.Namespace) -> dict[str, Any]:
    """The same folder translated twice with the cache on; each run a process of its own."""
    work = Path(tempfile.mkdtemp(prefix="tarjama-bench-cache-"))
    try:
        folder = work / "in"
        folder.mkdir()
        for path in files:
            shutil.copy2(path, folder / f"{path.parent.name}-{path.name}")
        runs = []
        for _ in range(2):
            command = [
                sys.executable, str(Path(__file__).resolve()), "--cache-run", str(folder), "--model", converted,
                "--target-tokens", str(args.target_tokens), "--cache-dir", str(work / "cache"), *_tuning(args),
            ]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            run = json.loads(done.stdout.strip().splitlines()[-1])
            run["process_seconds"] = round(time.perf_counter() - started, 2)
            runs.append(run)
        first, second = runs
        return {
            "files": len(files),
            "first": first,
            "second": second,
            "speedup_translate": round(first["translate_seconds"] / max(second["translate_seconds"], 1e-3), 1),
            "speedup_process": round(first["process_seconds"] / second["process_seconds"], 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _tuning(args: argparse.Namespace) -> list[str]:
    return [
        *("--threads", str(args.threads)),
        *("--batch-tokens", str(args.batch_tokens), "--max-sentences", str(args.max_sentences)),
    ]


def table(results: list[dict[str, Any]]) -> str:
    head = "| system | beams | sentences/s | target tokens/s | peak RSS (MB) | × naive | × EasyNMT |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratios = " | ".join(f"{r.get(key, float('nan')):.2f}" for key in ("vs_naive", "vs_easynmt"))
        lines.append(
            f"| {r['system']} | {r['beams']} | {r['sentences_per_second']:.2f} | {r['target_tokens_per_second']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {ratios} |"
        )
    return "\n".join(lines)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def environment() -> dict[str, Any]:
    import ctranslate2
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": _cores(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "ctranslate2": ctranslate2.__version__,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    from tarjama.cache import default_cache_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=400, help="sentences (translation units) to translate")
    parser.add_argument("--target-tokens", type=int, default=32, help="tokens every system generates per sentence")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4], help="beam sizes to measure")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--threads", type=int, default=_cores(), help="threads per system (default: all cores)")
    parser.add_argument("--batch-tokens", type=int, default=4096, help="tarjama's padded tokens per batch")
    parser.add_argument("--max-sentences", type=int, default=32, help="tarjama's sentences per batch")
    parser.add_argument("--slices", type=int, default=4, help="the sentences go round the systems in this many parts")
    parser.add_argument("--quick", action="store_true", help="32 sentences, 8 target tokens, 2 slices")
    parser.add_argument("--no-cache-run", action="store_true", help="skip the cached-rerun measurement")
    parser.add_argument("--model", type=Path, help="full-size model folder (default: built in the cache)")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir() / "bench", help="models, conversions")
    parser.add_argument("--json", type=Path, help="write the results here (default: CACHE_DIR/results.json)")
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--cache-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args)
    if args.cache_run:
        return cache_run_main(args)
    if args.quick:
        args.sentences, args.target_tokens, args.slices = 32, 8, 2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    args.model = ensure_model(args.model or args.cache_dir / "opus-mt-ar-en-size").resolve()
    converted = ensure_converted(args.model, args.cache_dir)
    units, files, info = bench_sentences(args.model, args.sentences)
    what = f"{info['sentences']} sentences from {info['files']} articles, {args.target_tokens} tokens out each"
    print(what, file=sys.stderr)
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    report = {
        "command": " ".join(["python", "scripts/bench.py", *sys.argv[1:]]),
        "model": "opus-mt-ar-en architecture, random weights (scripts/make_tiny_model.py --full-size)",
        "target_tokens_per_sentence": args.target_tokens,
        "threads_per_system": args.threads,
        "tarjama_batching": {"batch_tokens": args.batch_tokens, "max_sentences": args.max_sentences},
        "data": info,
        "environment": environment(),
        "results": results,
        "cache_rerun": None,
    }
    out = args.json or args.cache_dir / "results.json"

    def save() -> None:  # after every phase, so a failure later keeps what was measured
        report["environment"]["load_average_after"] = os.getloadavg()
        report["wall_seconds"] = round(time.perf_counter() - started, 1)
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")

    for beams in args.beams:
        results += measure(units, beams, args)
        save()
    cache = None if args.no_cache_run else measure_cache(files, converted, args)
    report["cache_rerun"] = cache
    save()
    print(table(results))
    if cache:
        first, second = cache["first"], cache["second"]
        print(
            f"\ncached rerun of the same {cache['files']} articles: translate {first['translate_seconds']:.2f}s"
            f" -> {second['translate_seconds']:.2f}s ({cache['speedup_translate']}x); whole process"
            f" {first['process_seconds']:.1f}s -> {second['process_seconds']:.1f}s"
            f" ({cache['speedup_process']}x)"
        )
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
