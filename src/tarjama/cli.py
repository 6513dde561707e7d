"""The ``tarjama`` command: argument parsing over the public API, errors to exit codes.

Exit codes: each error class has its own (``tarjama.errors``): 0 all good, 1 some files
failed, 2 usage or environment (option, setting, input, a missing model or package, an
output folder or disk that cannot take the work), 3 the run failed while working, 130
interrupted.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args, get_type_hints

from .backends import available_backends
from .config import COMPUTE_TYPES, DEVICES, DTYPES, ENGINES, QualitySettings
from .errors import EXIT_FILES_FAILED, EXIT_INTERRUPTED, EXIT_OK, TarjamaError
from .evaluation import MODES, TESTS

# the [engine] settings that only the Ray engine reads


# arguments named section_key become settings overrides (tarjama.config.Settings.with_overrides)
SETTING_SECTIONS = ("model_", "decoding_", "batching_", "cache_", "quality_", "engine_")


def _command(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand, with ``summary`` in the command list and atop its own help."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=summary, description=f"tarjama {name}: {summary}.")
    return parser


def _model_options(p: argparse.ArgumentParser) -> None:
    """The options that choose and run the model, shared by the commands that translate."""
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (see configs/default.toml)")
    p.add_argument("--model", dest="model_name", metavar="ID|DIR", help="hub id or local model folder")
    p.add_argument("--revision", dest="model_revision", metavar="REV", help="hub revision of the model")
    p.add_argument(
        "--backend",
        dest="model_backend",
        metavar="NAME",
        help=f"translation backend: {', '.join(available_backends())}, or module:Class (default: transformers)",
    )
    p.add_argument("--device", dest="model_device", metavar="DEVICE", help=f"{', '.join(DEVICES)} or cuda:N")
    p.add_argument(
        "--dtype",
        dest="model_dtype",
        choices=DTYPES,
        help="transformers backend precision (int8: quantised Linear layers, CPU)",
    )
    p.add_argument("--compute-type", dest="model_compute_type", choices=COMPUTE_TYPES, help="--backend ct2 precision")
    p.add_argument(
        "--threads",
        dest="model_threads",
        type=int,
        metavar="N",
        help="CPU threads (default: the cores this process may use, or OMP_NUM_THREADS)",
    )
    p.add_argument("--no-cache", dest="cache_enabled", action="store_const", const=False, help="no translation cache")
    p.add_argument("--cache-dir", dest="cache_dir", metavar="DIR", help="converted models and the translation cache")
    p.add_argument("--beams", dest="decoding_beams", type=int, metavar="N", help="beam size (1: greedy)")
    p.add_argument(
        "--batch-tokens", dest="batching_batch_tokens", type=int, metavar="N", help="padded tokens per batch"
    )
    p.add_argument("--max-sentences", dest="batching_max_sentences", type=int, metavar="N", help="sentences per batch")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if k.startswith(SETTING_SECTIONS)}


def _translate_parser(commands: Any) -> None:
    p = _command(commands, "translate", "translate files and folders of Arabic articles")
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files or folders (*.txt, *.md, *.jsonl); - reads standard input"
    )
    p.add_argument("-o", "--output", type=Path, metavar="OUTDIR", help="output folder (not needed with -)")
    _model_options(p)
    p.add_argument("--encoding", metavar="ENC", help="decode inputs with this encoding instead of detecting it")
    p.add_argument("--jsonl-field", default="text", metavar="FIELD", help="JSON Lines field holding the text")
    p.add_argument("--force", action="store_true", help="translate again the files an earlier run finished")
    p.add_argument("--engine", dest="engine_name", choices=ENGINES, help="translate here or on Ray actors")
    p.add_argument("--ray-address", dest="engine_ray_address", metavar="ADDR", help="Ray cluster (default: start one)")
    p.add_argument("--workers", dest="engine_workers", type=int, metavar="N", help="Ray actors, one model each")
    p.add_argument("--gpus-per-worker", dest="engine_gpus_per_worker", type=float, metavar="F", help="GPUs per actor")
    p.add_argument(
        "--glossary",
        dest="quality_glossary",
        action="append",
        metavar="FILE",
        help="names glossary (TSV or TOML) read after the default one; yours win (repeatable)",
    )
    p.add_argument("--quote-marks", dest="quality_quote_marks", metavar="OC", help='English quote marks, e.g. "“”"')
    p.add_argument(
        "--repair",
        dest="quality_repair",
        choices=get_args(get_type_hints(QualitySettings)["repair"]),
        help="failing quotations and names: off (flag only), edit (default), rebuild (also in pieces)",
    )
    p.add_argument(
        "--retry-flagged",
        dest="quality_retry_flagged",
        action="store_const",
        const=True,
        help="translate flagged sentences again with safer settings and keep the better result",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tarjama", description="Arabic to English translation of news articles.")
    parser.add_argument("--version", action="version", version=f"tarjama {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)
    _translate_parser(commands)
    _evaluate_parsers(commands)
    p = _command(commands, "segment", "print the sentences of a file, one per line")
    p.add_argument("file", help="a text file, or - for standard input")
    p = _command(commands, "download", "save a model and its tokenizer for offline use")
    p.add_argument("model", nargs="?", default=None, help="hub id (default: the default model)")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to save to")
    p.add_argument("--revision", help="hub revision")
    p = _command(commands, "convert", "convert a MarianMT model for CTranslate2 (--backend ct2)")
    p.add_argument("model", help="hub id or model folder")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    p.add_argument("--compute-type", default="auto", choices=COMPUTE_TYPES, help="quantisation (auto: int8 on CPU)")
    p.add_argument("--revision", help="hub revision")
    p = _command(commands, "report", "write a self-contained HTML page to review a translate output folder")
    p.add_argument("folder", type=Path, metavar="OUT", help="the -o folder of tarjama translate")
    p.add_argument("-o", "--output", type=Path, help="HTML file to write (default: OUT/report.html)")
    p.add_argument("--scores", type=Path, help="tarjama evaluate --json file (default: OUT/evaluation.json if present)")
    _export_parser(commands)
    return parser


def _export_parser(commands: Any) -> None:
    from .document import Flag
    from .export import ExportFormat

    formats = [f.value for f in ExportFormat]
    p = _command(commands, "export", "write the aligned sentence pairs of a translate output folder")
    p.add_argument("folder", type=Path, metavar="OUT", help="the -o folder of tarjama translate")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="file (moses: FILE.ar, FILE.en)")
    p.add_argument("--format", choices=formats, help="default: from FILE's suffix (.tsv, .jsonl, .tmx)")
    p.add_argument(
        "--exclude-flag",
        action="append",
        default=[],
        choices=[flag.value for flag in Flag],
        metavar="FLAG",
        help=f"leave out pairs with FLAG (repeatable): {', '.join(flag.value for flag in Flag)}",
    )
    p.add_argument("--min-score", type=float, metavar="X", help="leave out pairs scored below X, and unscored ones")


def _version() -> str:
    from .version import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tarjama`` command with ``argv`` (default: the process's own arguments);
    returns the exit code.

    Called without ``argv``, as the ``tarjama`` program is, it takes the process to be
    ending when it returns: every object still alive is moved out of the garbage
    collector's reach (``gc.freeze``), so the interpreter's shutdown does not go over the
    hundreds of thousands of objects of torch and transformers once more to free memory
    the operating system takes back whole (about 1 s of CPU after a translation).
    """
    try:
        return _run(argv)
    finally:
        if argv is None:
            gc.freeze()


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="tarjama: %(levelname)s: %(message)s"
    )
    try:
        commands = {
            "translate": _translate,
            "segment": _segment,
            "download": _download,
            "convert": _convert,
            "report": _report,
            "export": _export,
            "evaluate": _evaluate,
            "evaluate-set": _evaluate_set,
        }
        return commands[args.command](args)
    except TarjamaError as error:
        print(f"tarjama: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(
            "tarjama: interrupted; the files finished so far are written and recorded in the manifest: "
            "run the same command again to translate the rest",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _translate(args: argparse.Namespace) -> int:
    from .config import Settings
    from .errors import ConfigError
    from .translator import Translator

    stdin = args.inputs == ["-"]
    if "-" in args.inputs and not stdin:
        raise ConfigError("- (standard input) cannot be mixed with files")
    if not stdin and args.output is None:
        raise ConfigError("translate needs -o OUTDIR (or - to read standard input)")
    if stdin and args.output is not None:
        raise ConfigError(
            "-o is not used with - (standard input): the translation goes to standard output; "
            "to translate into a folder, save the input as a file"
        )
    if args.encoding is not None:
        from .read import check_encoding

        check_encoding(args.encoding)
    _quiet_libraries()
    settings = Settings.load(args.config) if args.config else Settings()
    overrides = _overrides(args)
    engine = settings.with_overrides(**overrides).engine
    if engine.ray_options() and engine.name != "ray":  # said before the model loads (tarjama.engines says it too)
        raise ConfigError(f"--{engine.ray_options()[0].replace('_', '-')} is an option of --engine ray")
    translator = Translator(settings, **overrides)
    if stdin:
        from .read import decode

        text = decode(sys.stdin.buffer.read(), "<stdin>", args.encoding)
        sys.stdout.write(translator.translate(text, "<stdin>").text)
        return EXIT_OK
    with _ProgressBar(enabled=not args.quiet and sys.stderr.isatty()) as bar:
        report = translator.translate_folder(
            args.inputs,
            args.output,
            encoding=args.encoding,
            jsonl_field=args.jsonl_field,
            force=args.force,
            on_progress=bar.update,
        )
    totals = report.totals
    resumed = f" ({totals['resumed']} done by an earlier run)" if totals["resumed"] else ""
    print(
        f"tarjama: {totals['done']} of {totals['files']} files translated{resumed}, {totals['sentences']} sentences "
        f"in {totals['wall_time_s']:.1f}s; manifest: {args.output / 'manifest.json'}",
        file=sys.stderr,
    )
    for path, warning in report.warnings:
        print(f"tarjama: warning: {path}: {warning}", file=sys.stderr)
    for path, problem in report.failures:
        print(f"tarjama: failed: {path}: {problem}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FILES_FAILED


def _quiet_libraries() -> None:
    """transformers draws its own bars while loading weights and warns at length; the
    command draws one bar. Set before transformers is imported, so nothing is loaded
    here for backends that do not use it."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class _ProgressBar:
    """Sentences done, rate and ETA on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit=" sentences", dynamic_ncols=True)

    def update(self, progress: Any) -> None:
        if self.bar is None:
            return
        self.bar.total = max(progress.sentences_expected, progress.sentences_done)
        self.bar.n = progress.sentences_done
        self.bar.set_postfix_str(f"files {progress.files_done}/{progress.files_total}", refresh=False)
        self.bar.refresh()

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _segment(args: argparse.Namespace) -> int:
    from .read import decode, read_text
    from .segment import segment_lines

    text = decode(sys.stdin.buffer.read(), "<stdin>") if args.file == "-" else read_text(Path(args.file))
    print("\n\n".join("\n".join(sentences) for sentences in segment_lines(text)))
    return EXIT_OK


def _download(args: argparse.Namespace) -> int:
    from .backends.transformers import save_model
    from .config import DEFAULT_MODEL

    out = save_model(args.model or DEFAULT_MODEL, args.output, args.revision)
    print(f"saved to {out}; use it with: tarjama translate INPUT -o OUT --model {out}")
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    from .backends.ct2 import convert_model, resolve_compute_type, resolve_device

    _quiet_libraries()
    # an explicit type is kept even if this machine cannot run it: the model may be for another
    quantization = (
        resolve_compute_type("auto", resolve_device("auto")[0]) if args.compute_type == "auto" else args.compute_type
    )
    out = convert_model(args.model, args.output, quantization, args.revision)
    print(f"converted to {out}; use it with: tarjama translate INPUT -o OUT --backend ct2 --model {out}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    output = args.output or args.folder / "report.html"
    data = write_report(args.folder, output, scores=args.scores)
    counts = f"{len(data.articles)} articles, {data.sentences} sentences, {data.flagged} flagged"
    print(f"tarjama: report of {counts}: {output}", file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .export import ExportFormat, export

    format = args.format or args.output.suffix.lstrip(".")
    if format not in {f.value for f in ExportFormat}:
        raise ConfigError(f"cannot tell the format of {args.output} from its suffix; give --format tsv|jsonl|tmx|moses")
    report = export(args.folder, args.output, format, exclude_flags=args.exclude_flag, min_score=args.min_score)
    files = ", ".join(str(f) for f in report.files)
    print(f"tarjama: {report.written} pairs written, {report.excluded} left out: {files}", file=sys.stderr)
    return EXIT_OK


def _evaluate_parsers(commands: Any) -> None:
    p = _command(commands, "evaluate", "score translations against references: BLEU, chrF++, TER (sacrebleu)")
    systems = p.add_mutually_exclusive_group(required=True)
    systems.add_argument("--hyp", type=Path, metavar="OUT", help="translate output folder, or one translation file")
    systems.add_argument(
        "--compare", nargs=2, type=Path, metavar=("OUT_A", "OUT_B"), help="paired significance test of B against A"
    )
    p.add_argument(
        "--ref", type=Path, required=True, help="references: folder with the same relative names, file, or NTREX folder"
    )
    p.add_argument("--doc-ids", type=Path, metavar="TSV", help="document ids, one per line of line-aligned files")
    p.add_argument("--jsonl-field", default="text", metavar="FIELD", help="JSON Lines field holding the text")
    p.add_argument("--encoding", help="decode the references with this encoding instead of detecting it")
    p.add_argument("--mode", choices=MODES, default="auto", help="segments (default: auto)")
    p.add_argument("--test", choices=TESTS, default="bs", help="--compare: paired bootstrap or randomisation")
    p.add_argument("--json", type=Path, metavar="FILE", help="write every number and signature as JSON")
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="plot per-document BLEU and chrF++")
    _bootstrap_option(p)
    p = _command(commands, "evaluate-set", "translate a line-aligned test set with document ids and score it")
    p.add_argument("directory", type=Path, metavar="DIR", help="DOCUMENT_IDS.tsv, Arabic and English line by line")
    p.add_argument("-o", "--output", type=Path, help="folder for translations and scores (default: DIR-eval)")
    p.add_argument("--source", metavar="FILE", help="the Arabic file in DIR (default: the one *.arb.txt, *.ar.txt)")
    p.add_argument("--reference", metavar="FILE", help="the English file in DIR (default: the one *.eng.txt, *.en.txt)")
    p.add_argument("--documents", type=int, metavar="N", help="only the first N documents")
    p.add_argument("--no-plot", dest="plot", action="store_false", help="do not draw scores.png")
    _bootstrap_option(p)
    _model_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _bootstrap_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="resamples for 95%% confidence intervals (1: none)"
    )


def _evaluate(args: argparse.Namespace) -> int:
    from . import evaluation as scoring
    from .errors import ConfigError

    result: scoring.Evaluation | scoring.Comparison
    if args.compare:
        if args.plot:
            raise ConfigError("--plot draws the documents of one system: use it with --hyp, not --compare")
        samples = args.bootstrap if args.test == "bs" else 0
        baseline, system = args.compare
        result = scoring.compare(
            baseline,
            system,
            args.ref,
            document_ids=args.doc_ids,
            mode=args.mode,
            test=args.test,
            n_samples=samples,
            jsonl_field=args.jsonl_field,
            encoding=args.encoding,
        )
    else:
        scoring.require_extras(plot=args.plot is not None)
        result = scoring.evaluate(
            args.hyp,
            args.ref,
            document_ids=args.doc_ids,
            mode=args.mode,
            n_bootstrap=args.bootstrap,
            jsonl_field=args.jsonl_field,
            encoding=args.encoding,
        )
        if args.plot:
            print(f"tarjama: plot: {scoring.write_plot(result, args.plot)}", file=sys.stderr)
    print(result.table())
    if args.json:
        print(f"tarjama: scores: {scoring.write_json_report(result, args.json)}", file=sys.stderr)
    return EXIT_OK


def _evaluate_set(args: argparse.Namespace) -> int:
    from .config import Settings
    from .evaluation import evaluate_set, read_evaluation_set, require_extras
    from .translator import Translator

    require_extras(plot=args.plot)
    test_set = read_evaluation_set(
        args.directory, source=args.source, reference=args.reference, documents=args.documents
    )
    out = args.output or Path(f"{args.directory.resolve().name}-eval")
    _quiet_libraries()
    settings = Settings.load(args.config) if args.config else Settings()
    overrides = _overrides(args)
    translator = Translator(settings, **overrides)
    with _ProgressBar(enabled=not args.quiet and sys.stderr.isatty()) as bar:
        result = evaluate_set(
            test_set, out, translator, n_bootstrap=args.bootstrap, plot=args.plot, on_progress=bar.update
        )
    print(result.table())
    print(f"tarjama: sources, references, translations and scores in {out}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
