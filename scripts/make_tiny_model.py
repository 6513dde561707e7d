#!/usr/bin/env python
"""Build MarianMT models locally, so that no test or benchmark ever downloads one.

Three kinds:

* default: a tiny MarianMT model (d_model 128, 2+2 layers, character SentencePiece
  tokenizer) *trained* here for a few minutes to transliterate Arabic letters into
  Latin ones (Buckwalter table). Its output is checkable: digits, Latin words and
  punctuation must come through unchanged, and Arabic letters map one to one.
* ``--denoise``: a tiny MarianMT model of the same size with a word-piece (unigram,
  2,000 pieces) vocabulary, trained to give back real Arabic sentences, half of them
  handed to it noised (words dropped and shuffled locally, Lample et al. 2018). It
  learns only from sentences of ANT articles in eval_confidence.py's *training* part,
  NTREX-128's Arabic and the seed, never from the development or held-apart articles,
  so its score can be measured as a confidence signal there (tests/fixtures/tiny-denoise).
* ``--full-size``: the exact architecture and vocabulary size of
  ``Helsinki-NLP/opus-mt-ar-en`` (6+6 layers, d_model 512, ffn 2048, 62,802 pieces,
  ~77M parameters) with random weights, for benchmarks that must cost what the real
  model costs. Its output is meaningless.

Usage::

    python scripts/make_tiny_model.py tests/fixtures/tiny-translit
    python scripts/make_tiny_model.py --denoise --steps 3000 tests/fixtures/tiny-denoise
    python scripts/make_tiny_model.py --full-size /tmp/opus-size

The training recipe (char vocabulary, synthetic lines against memorisation, warm-up
and clipping) is the one recorded in ``shared/notes/measured-facts.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

# the task, Buckwalter transliteration, is the tests' oracle: defined once, in tests/oracle.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import BUCKWALTER, transliterate

# fmt: off
ARABIC_LETTERS = [c for c in BUCKWALTER if "\u0621" <= c <= "\u064a"]
LATIN_WORDS = [
    "Microsoft", "Reuters", "BBC", "Google", "iPhone", "COVID-19", "NATO", "UN", "Twitter",
    "Facebook", "OPEC", "FIFA", "CNN", "Al-Jazeera", "Tunisia", "Paris", "Iran", "USA",
]
PUNCT = [*".,;:!?()[]-/%\"'«»“”…", "...", " - ", " – "]
# fmt: on


def real_lines(corpus: list[Path], max_chars: int) -> list[str]:
    """Arabic lines from the corpus folders, cut at spaces into pieces of at most max_chars."""
    lines: list[str] = []
    for root in corpus:
        files = [root] if root.is_file() else sorted(root.rglob("*.txt"))
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                line = " ".join(line.replace("\u0640", "").split())
                while line:
                    if len(line) <= max_chars:
                        lines.append(line)
                        break
                    cut = line.rfind(" ", 0, max_chars)
                    cut = cut if cut > 0 else max_chars
                    lines.append(line[:cut])
                    line = line[cut:].strip()
    return [line for line in lines if re.search("[\u0621-\u064a]", line)]


def synthetic_line(rng: random.Random, max_chars: int) -> str:
    """Random Arabic letters mixed with Latin words, numbers, URLs and punctuation."""
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < rng.randint(10, max_chars - 20):
        kind = rng.random()
        if kind < 0.6:
            parts.append("".join(rng.choice(ARABIC_LETTERS) for _ in range(rng.randint(1, 8))))
        elif kind < 0.72:
            parts.append(rng.choice(LATIN_WORDS))
        elif kind < 0.84:
            number = str(rng.randint(0, 10 ** rng.randint(1, 6)))
            if rng.random() < 0.3:
                number += "." + str(rng.randint(0, 99))
            if rng.random() < 0.3:
                number = "".join(chr(0x0660 + int(d)) if d.isdigit() else "٫" for d in number)
            parts.append(number)
        elif kind < 0.88:
            parts.append(f"https://www.example{rng.randint(1, 99)}.com/a/{rng.randint(1, 999)}")
        else:
            parts.append(rng.choice(PUNCT))
    return " ".join(parts)[:max_chars].strip()


def training_sentences(ant: Path, others: list[Path]) -> list[str]:
    """Real sentences of 3 to 40 words, cut by tarjama's segmenter: the ANT articles of
    eval_confidence.py's training part (never its development or held-apart articles)
    and the files or folders in ``others``."""
    from eval_confidence import part_of
    from tarjama.segment import Segmenter

    segmenter = Segmenter()
    files = [p for p in sorted(ant.rglob("*.txt")) if part_of(p.relative_to(ant).as_posix()) == "training"]
    for root in others:
        files += [root] if root.is_file() else sorted(root.rglob("*.txt"))
    sentences: list[str] = []
    for path in files:
        for sentence in segmenter.segment(path.read_text(encoding="utf-8"), path.name).sentences:
            text = " ".join(sentence.text.replace("\u0640", "").split())
            if 3 <= len(text.split()) <= 40 and re.search("[\u0621-\u064a]", text):
                sentences.append(text)
    return sentences


def noisy(sentence: str, rng: random.Random, drop: float = 0.1, k: int = 3) -> str:
    """The noise model of Lample et al. (2018, "Unsupervised machine translation using
    monolingual corpora only"): each word dropped with probability ``drop``, then the
    words shuffled locally (none moves more than ``k`` places)."""
    words = [w for w in sentence.split() if rng.random() >= drop] or sentence.split()[:1]
    keys = [i + rng.uniform(0, k + 1) for i in range(len(words))]
    return " ".join(w for _, w in sorted(zip(keys, words, strict=True)))


def train_tokenizer(texts: list[str], out_dir: Path, model_type: str, vocab_size: int) -> list[str]:
    """Train one SentencePiece model for both sides; return its pieces in id order."""
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        text_file = Path(tmp) / "train.txt"
        text_file.write_text("\n".join(texts), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(text_file),
            model_prefix=str(Path(tmp) / "spm"),
            model_type=model_type,
            vocab_size=vocab_size,
            character_coverage=1.0,
            unk_id=0,
            bos_id=-1,
            eos_id=-1,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        model = (Path(tmp) / "spm.model").read_bytes()
    for name in ("source.spm", "target.spm"):
        (out_dir / name).write_bytes(model)
    processor = spm.SentencePieceProcessor(model_proto=model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def write_vocab(pieces: list[str], out_dir: Path, size: int | None = None) -> dict[str, int]:
    """vocab.json for MarianTokenizer: </s>=0, <unk>=1, the pieces, then <pad>.

    ``size`` pads the vocabulary with unused filler pieces up to an exact size.
    """
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    if size is not None:
        while len(vocab) < size - 1:
            vocab[f"<filler_{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "MarianTokenizer",
                "source_lang": "ar",
                "target_lang": "en",
                "model_max_length": 512,
            }
        ),
        encoding="utf-8",
    )
    return vocab


def marian_config(vocab: dict[str, int], full_size: bool, max_positions: int = 1024):
    from transformers import MarianConfig

    pad = vocab["<pad>"]
    common = dict(
        vocab_size=len(vocab),
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        activation_function="swish",
    )
    if full_size:  # Helsinki-NLP/opus-mt-ar-en's config.json
        return MarianConfig(
            d_model=512,
            encoder_layers=6,
            decoder_layers=6,
            encoder_attention_heads=8,
            decoder_attention_heads=8,
            encoder_ffn_dim=2048,
            decoder_ffn_dim=2048,
            max_position_embeddings=512,
            dropout=0.1,
            **common,
        )
    return MarianConfig(
        d_model=128,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=256,
        decoder_ffn_dim=256,
        max_position_embeddings=max_positions,
        dropout=0.0,
        **common,
    )


def train(model, tokenizer, pairs: list[tuple[str, str]], steps: int, seed: int) -> None:
    import torch

    rng = random.Random(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    warmup = min(200, steps // 5 + 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warmup))
    model.train()
    started = time.time()
    for step in range(steps):
        batch = rng.sample(pairs, 32)
        inputs = tokenizer([s for s, _ in batch], text_target=[t for _, t in batch], padding=True, return_tensors="pt")
        inputs["labels"][inputs["labels"] == tokenizer.pad_token_id] = -100
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 250 == 0 or step == steps - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  {time.time() - started:.0f}s", flush=True)
    model.eval()


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the model and tokenizer to")
    parser.add_argument("--full-size", action="store_true", help="opus-mt-ar-en's architecture, random weights")
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="*",
        default=[here / "seeds", here.parent / "shared/data/ant-news-sample/txt"],
        help="Arabic text files or folders the tokenizer and model learn from",
    )
    parser.add_argument(
        "--denoise",
        action="store_true",
        help="a tiny model that restores real Arabic sentences from noise (word-piece vocabulary), "
        "whose score is a confidence signal; learns from no held-apart sentence of eval_confidence.py",
    )
    parser.add_argument("--steps", type=int, default=2500, help="training steps for the tiny model")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = [p for p in args.corpus if p.exists()]
    if not corpus:
        raise SystemExit(f"no corpus found among {[str(p) for p in args.corpus]}")

    if args.denoise:
        denoiser(args, here, rng)
        return
    max_chars = 160
    real = real_lines(corpus, max_chars)
    rng.shuffle(real)
    real = real[:6000]
    synthetic = [synthetic_line(rng, max_chars) for _ in range(6000)]
    sources = real + synthetic
    targets = [transliterate(s) for s in sources]

    if args.full_size:
        pieces = train_tokenizer(sources + targets, args.out, "unigram", 8000)
        vocab = write_vocab(pieces, args.out, size=62802)
    else:
        pieces = train_tokenizer(sources + targets + [transliterate("".join(BUCKWALTER))], args.out, "char", 400)
        vocab = write_vocab(pieces, args.out)

    tokenizer = MarianTokenizer.from_pretrained(str(args.out))
    model = MarianMTModel(marian_config(vocab, args.full_size))
    if not args.full_size:
        train(model, tokenizer, list(zip(sources, targets, strict=True)), args.steps, args.seed)
    model.generation_config.max_length = model.config.max_position_embeddings
    model.generation_config.num_beams = 1
    if args.full_size:  # as transformers' Marian converter writes for every opus-mt model
        model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
    model.save_pretrained(str(args.out), safe_serialization=True)
    tokenizer.save_pretrained(str(args.out))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: {n_params / 1e6:.1f}M parameters, vocabulary {len(vocab)}")


def denoiser(args: argparse.Namespace, here: Path, rng: random.Random) -> None:
    """The ``--denoise`` model: real sentences in, the same sentences out; half the inputs
    noised. It learns what a well-formed sentence looks like (which word follows which,
    where a sentence ends), so a broken input leaves it unsure of its output."""
    from transformers import MarianMTModel, MarianTokenizer

    data = here.parent / "shared" / "data"
    others = [here / "seeds", data / "ntrex128" / "newstest2019-ref.arb.txt"]
    sentences = training_sentences(data / "ant-news-sample" / "txt", [p for p in others if p.exists()])
    rng.shuffle(sentences)
    pairs = [(noisy(s, rng) if rng.random() < 0.5 else s, s) for s in sentences]
    # word pieces: most output tokens are whole words, so a sentence's score is an average
    # of word-level decisions, not of ~6 letters a word that the input alone determines
    pieces = train_tokenizer(sentences, args.out, "unigram", 2000)
    vocab = write_vocab(pieces, args.out)
    tokenizer = MarianTokenizer.from_pretrained(str(args.out))
    model = MarianMTModel(marian_config(vocab, False, max_positions=256))
    print(f"{len(sentences)} sentences, vocabulary {len(vocab)}", flush=True)
    train(model, tokenizer, pairs, args.steps, args.seed)
    model.generation_config.max_length = model.config.max_position_embeddings
    model.generation_config.num_beams = 1
    model.save_pretrained(str(args.out), safe_serialization=True)
    tokenizer.save_pretrained(str(args.out))


if __name__ == "__main__":
    main()
