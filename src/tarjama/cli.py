"""The ``tarjama`` command: argument parsing over the public API, errors to exit codes.

Exit codes: 0 all good, 1 some files failed, 2 usage, configuration or model error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FILES_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _translate_parser(commands: Any) -> None:
    p = commands.add_parser("translate", help="translate files and folders of Arabic articles")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (*.txt, *.md); - reads standard input")
    p.add_argument("-o", "--output", type=Path, help="output folder (not needed with -)")
    p.add_argument("--config", type=Path, help="TOML settings file (see configs/default.toml)")
    p.add_argument("--model", dest="model_name", metavar="ID|DIR", help="hub id or local model folder")
    p.add_argument("--revision", dest="model_revision", help="hub revision of the model")
    p.add_argument("--backend", dest="model_backend", help="translation backend (default: transformers)")
    p.add_argument("--device", dest="model_device", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--dtype", dest="model_dtype", choices=["auto", "float32", "float16", "bfloat16"])
    p.add_argument("--beams", dest="decoding_beams", type=int, help="beam size (1: greedy)")
    p.add_argument("--batch-tokens", dest="batching_batch_tokens", type=int, help="padded tokens per batch")
    p.add_argument("--max-sentences", dest="batching_max_sentences", type=int, help="sentences per batch")
    p.add_argument("--encoding", help="decode inputs with this encoding instead of UTF-8")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tarjama", description="Arabic to English translation of news articles.")
    parser.add_argument("--version", action="version", version=f"tarjama {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)
    _translate_parser(commands)
    p = commands.add_parser("segment", help="print the sentences of a file, one per line")
    p.add_argument("file", help="a text file, or - for standard input")
    p = commands.add_parser("download", help="save a model and its tokenizer for offline use")
    p.add_argument("model", nargs="?", default=None, help="hub id (default: the default model)")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to save to")
    p.add_argument("--revision", help="hub revision")
    p = commands.add_parser("report", help="write a self-contained HTML page to review a translate output folder")
    p.add_argument("folder", type=Path, metavar="OUT", help="the -o folder of tarjama translate")
    p.add_argument("-o", "--output", type=Path, help="HTML file to write (default: OUT/report.html)")
    p.add_argument("--scores", type=Path, help="tarjama evaluate --json file (default: OUT/evaluation.json if present)")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="tarjama: %(levelname)s: %(message)s"
    )
    from .errors import TarjamaError

    try:
        commands = {"translate": _translate, "segment": _segment, "download": _download, "report": _report}
        return commands[args.command](args)
    except TarjamaError as error:
        print(f"tarjama: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tarjama: interrupted; finished files are kept, run the same command again to go on", file=sys.stderr)
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
    _quiet_libraries()
    settings = Settings.load(args.config) if args.config else Settings()
    overrides = {k: v for k, v in vars(args).items() if k.startswith(("model_", "decoding_", "batching_"))}
    translator = Translator(settings, **overrides)
    if stdin:
        from .read import decode

        text = decode(sys.stdin.buffer.read(), "<stdin>", args.encoding)
        sys.stdout.write(translator.translate(text, "<stdin>").text)
        return EXIT_OK
    with _ProgressBar(enabled=not args.quiet and sys.stderr.isatty()) as bar:
        report = translator.translate_folder(args.inputs, args.output, encoding=args.encoding, on_progress=bar.update)
    totals = report.manifest["totals"]
    print(
        f"tarjama: {totals['done']} of {totals['files']} files translated, {totals['sentences']} sentences "
        f"in {totals['wall_time_s']:.1f}s; manifest: {args.output / 'manifest.json'}",
        file=sys.stderr,
    )
    for path, problem in report.failures:
        print(f"tarjama: failed: {path}: {problem}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FILES_FAILED


def _quiet_libraries() -> None:
    """transformers draws its own bars while loading weights; the command draws one."""
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        return
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()


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


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    output = args.output or args.folder / "report.html"
    data = write_report(args.folder, output, scores=args.scores)
    counts = f"{len(data.articles)} articles, {data.sentences} sentences, {data.flagged} flagged"
    print(f"tarjama: report of {counts}: {output}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
