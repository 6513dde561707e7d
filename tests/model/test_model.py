"""The real transformers backend on the project's own trained tiny model.

The tiny model transliterates Arabic letters to Latin ones (Buckwalter), so its output
can be checked: digits, Latin words and punctuation must come through unchanged.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.cli import main

from ..conftest import SEED, check_outputs, shared_data, transliterate

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def translator(tiny_model: Path) -> Translator:
    return Translator(model_name=str(tiny_model), model_device="cpu", decoding_beams=1)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


@pytest.mark.parametrize(
    "sentence",
    [
        "وأعلنت شركة Microsoft عن استثمار 3.5 مليار دولار.",
        "قال الوزير إن الاجتماع انتهى في 10 أكتوبر 2021.",
        "زوروا الموقع https://www.example.com للمزيد.",
    ],
)
def test_digits_latin_and_punctuation_come_through(translator: Translator, sentence: str) -> None:
    (english,) = translator.translate_sentences([sentence])
    for token in sentence.split():
        if not any("\u0600" <= ch <= "\u06ff" for ch in token):
            assert token in english, (token, english)
    assert similarity(english, transliterate(sentence)) > 0.9, english


def test_batched_equals_one_at_a_time(translator: Translator) -> None:
    sentences = [s.text for s in translator.segmenter.segment(SEED.read_text(encoding="utf-8")).sentences][:12]
    sentences += ["نعم.", "وقال الكاظمي يوم الأحد إن من يقفون وراء الهجوم معروفون جيدا."]
    batched = translator.translate_sentences(sentences)
    single = [translator.translate_sentences([s])[0] for s in sentences]
    assert batched == single


def test_cached_runs_return_the_scores_of_uncached_runs(tiny_model: Path, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")

    def scores(**settings: object) -> list[float | None]:
        t = Translator(model_name=str(tiny_model), model_device="cpu", decoding_beams=1, **settings)
        return [s.score for s in t.translate(text).sentences]

    uncached = scores(cache_enabled=False)
    cold = scores(cache_dir=str(tmp_path))  # fills the cache
    warm_translator = Translator(
        model_name=str(tiny_model), model_device="cpu", decoding_beams=1, cache_dir=str(tmp_path)
    )
    assert warm_translator.cache is not None
    units = [u for s in warm_translator.segmenter.segment(text).sentences for u in s.units]
    assert set(warm_translator.cache.get(units)) == {u for u in units if any("\u0621" <= c <= "\u064a" for c in u)}
    warm = [s.score for s in warm_translator.translate(text).sentences]
    assert all(isinstance(s, float) and s <= 0 for s in uncached if s is not None)
    assert sum(s is not None for s in uncached) >= 10
    assert cold == uncached
    assert warm == uncached


def test_beam_scores_are_mean_token_log_probabilities(tiny_model: Path) -> None:
    """The beam backend's scores equal transformers' own ``sequences_scores`` (length
    penalty 1: the sum of the token log-probabilities over the output length)."""
    import torch

    from tarjama.backends import load_backend

    backend = load_backend("transformers", model=str(tiny_model), device="cpu", dtype="float32", beams=4)
    sentences = ["قال الوزير إن الاجتماع انتهى.", "xyz abc", "نعم نعم نعم نعم"]
    ours = [h.score for h in backend.translate_batch(sentences)]
    inputs = backend.tokenizer(sentences, return_tensors="pt", padding=True)
    with torch.inference_mode():
        output = backend.model.generate(
            **inputs, num_beams=4, max_new_tokens=80, return_dict_in_generate=True, output_scores=True
        )
    assert ours == pytest.approx(output.sequences_scores.tolist(), abs=1e-5)
    greedy = backend.with_options(beams=1)
    assert [h.score for h in greedy.translate_batch(sentences)] == pytest.approx(ours, abs=1e-4)


def test_beam_cache_leaves_the_beam_search_unchanged(tiny_model: Path) -> None:
    """The beam cache that does not reorder cross-attention states (``beam_cache``) gives
    transformers' own beam search, token for token and score for score, on a padded
    batch of sentences of different lengths."""
    import torch

    from tarjama.backends import load_backend
    from tarjama.backends.transformers import beam_cache

    backend = load_backend("transformers", model=str(tiny_model), device="cpu", dtype="float32", beams=4)
    sentences = [s.text for s in Translator(backend=backend).segmenter.segment(SEED.read_text("utf-8")).sentences]
    batch = [*sorted(sentences, key=len)[-9:-5], "نعم."]
    assert beam_cache(backend.model, 4) and not beam_cache(backend.model, 1)
    inputs = backend.tokenizer(batch, return_tensors="pt", padding=True)
    settings = {"num_beams": 4, "max_new_tokens": 400, "return_dict_in_generate": True, "output_scores": True}
    with torch.inference_mode():
        own = backend.model.generate(**inputs, **settings)
        ours = backend.model.generate(**inputs, **settings, **beam_cache(backend.model, 4))
    assert torch.equal(own.sequences, ours.sequences)
    assert torch.equal(own.sequences_scores, ours.sequences_scores)
    decoded = backend.tokenizer.batch_decode(own.sequences, skip_special_tokens=True)
    assert [h.text for h in backend.translate_batch(batch)] == [t.strip() for t in decoded]


def test_beam_scores_when_the_search_runs_past_the_kept_hypotheses(tiny_model: Path) -> None:
    """The beam backend (its own way of keeping the scores, ``StepLogProbs``, and its
    own cache) returns what transformers' ``generate`` returns with its defaults and
    ``output_scores``: the same translations and, as the score, ``sequences_scores``,
    in float32 and int8.

    The batch mixes sentences of 1 to 30 words of the seed article, so the search goes
    on for steps after the kept hypotheses ended (issue 15: the scores were read from
    the wrong steps then, off by 1 to 2)."""
    import torch

    from tarjama.backends import load_backend
    from tarjama.backends.base import output_cap
    from tarjama.segment import Segmenter

    sentences = [s.text for s in Segmenter().segment(SEED.read_text(encoding="utf-8")).sentences][:12]
    sentences += ["نعم.", "xyz abc"]
    for dtype in ("float32", "int8"):
        backend = load_backend("transformers", model=str(tiny_model), device="cpu", dtype=dtype, beams=4, threads=1)
        ours = backend.translate_batch(sentences)
        inputs = backend.tokenizer(sentences, return_tensors="pt", padding=True)
        cap = output_cap(int(inputs["attention_mask"].sum(dim=1).max()), 2.0, 16, None)
        with torch.inference_mode():
            output = backend.model.generate(
                **inputs, num_beams=4, max_new_tokens=cap, return_dict_in_generate=True, output_scores=True
            )
        texts = [t.strip() for t in backend.tokenizer.batch_decode(output.sequences, skip_special_tokens=True)]
        assert [h.text for h in ours] == texts
        assert [h.score for h in ours] == pytest.approx(output.sequences_scores.tolist(), abs=1e-5)
        assert len(output.scores) > output.beam_indices.shape[1]  # the search ran past the kept hypotheses


def test_one_token_bad_words_are_suppressed_as_generate_does(tiny_model: Path) -> None:
    """Bad words of one token (every opus-mt model has its padding token as one) are
    left out by the backend's own processor (``SuppressedTokens``) in place of
    transformers': the same translations and scores as ``generate`` with its own, greedy
    and at beam 4. One of the bad words is a token the model uses, so leaving it out
    changes the output."""
    import torch

    from tarjama.backends import load_backend
    from tarjama.backends.base import output_cap
    from tarjama.segment import Segmenter

    sentences = [s.text for s in Segmenter().segment(SEED.read_text(encoding="utf-8")).sentences][:6]
    for beams in (1, 4):
        backend = load_backend("transformers", model=str(tiny_model), device="cpu", beams=beams, threads=1)
        free = backend.translate_batch(sentences)
        inputs = backend.tokenizer(sentences, return_tensors="pt", padding=True)
        used = backend.tokenizer(text_target=free[0].text).input_ids
        common = max(set(used), key=used.count)  # the first translation's most frequent token
        backend.model.generation_config.bad_words_ids = [[backend.tokenizer.pad_token_id], [common]]
        ours = backend.translate_batch(sentences)
        cap = output_cap(int(inputs["attention_mask"].sum(dim=1).max()), 2.0, 16, None)
        with torch.inference_mode():
            output = backend.model.generate(
                **inputs, num_beams=beams, max_new_tokens=cap, return_dict_in_generate=True, output_scores=True
            )
        assert common not in output.sequences
        texts = [t.strip() for t in backend.tokenizer.batch_decode(output.sequences, skip_special_tokens=True)]
        assert [h.text for h in ours] == texts
        assert [h.text for h in ours] != [h.text for h in free]
        if beams > 1:
            assert [h.score for h in ours] == pytest.approx(output.sequences_scores.tolist(), abs=1e-5)


def test_article_translation_keeps_layout(translator: Translator) -> None:
    original = SEED.read_text(encoding="utf-8")
    result = translator.translate(original)
    assert result.text.count("\n") == original.count("\n")
    assert len(result.sentences) == 17
    for item in result.sentences:
        assert original[item.sentence.start : item.sentence.end] == item.source
        assert result.text[item.target_span[0] : item.target_span[1]] == item.translation
    # the model transliterates; most of each sentence must come out right (with the names
    # glossary off: with it, names come out in English, not transliterated)
    plain = Translator(
        model_name=translator.settings.model.name, model_device="cpu", decoding_beams=1, quality_names=False
    )
    items = plain.translate(original).sentences
    assert sum(similarity(s.translation, transliterate(s.sentence.text)) for s in items) / len(items) > 0.9


def test_cli_on_the_seed_and_real_articles(tiny_model: Path, tmp_path: Path) -> None:
    ant = shared_data("ant-news-sample", "txt")
    articles = tmp_path / "in"
    articles.mkdir()
    (articles / SEED.name).write_bytes(SEED.read_bytes())
    for path in sorted(ant.rglob("*.txt"))[:: 300 // 12][:12]:
        (articles / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    argv = ["translate", str(articles), "-o", str(out), "--model", str(tiny_model), "--beams", "1", "-q"]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["done"] == 13
    assert manifest["revision"] == "local" and manifest["dtype"] == "float32"
    checked, problems = check_outputs.check_folder(out)
    assert checked == 13 and problems == []


def test_download_saves_a_loadable_copy(tiny_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    assert main(["download", str(tiny_model), "-o", str(copy)]) == 0
    again = Translator(model_name=str(copy), model_device="cpu", decoding_beams=1)
    assert again.translate_sentences(["قال 10."]) == Translator(
        model_name=str(tiny_model), model_device="cpu", decoding_beams=1
    ).translate_sentences(["قال 10."])


def _check_quotes_and_names(result) -> None:
    for item in result.sentences:
        assert len(item.quotes) == len(item.sentence.quotes)
        if "quote_mismatch" not in item.flags:
            # every quotation placed, in order (a short one may have lost its marks)
            assert all(q.target_span is not None or q.short for q in item.quotes)
            spans = [q.target_span for q in item.quotes if q.target_span is not None]
            assert spans == sorted(spans)
            if len(spans) == len(item.quotes):
                opened = sum(q.opens for q in item.sentence.quotes)
                closed = sum(q.closes for q in item.sentence.quotes)
                assert (item.translation.count("“"), item.translation.count("”")) == (opened, closed)
        for name in item.names:
            assert name.found or "name_missing" in item.flags
            if name.found:
                assert item.translation[slice(*name.target_span)] == name.rendering


def test_seed_quotations_and_names(translator: Translator) -> None:
    result = translator.translate(SEED.read_text(encoding="utf-8"))
    _check_quotes_and_names(result)
    quoted = [item for item in result.sentences if item.sentence.quotes]
    assert len(quoted) == 6  # the unclosed quotation of the last paragraph runs over two sentences
    names = {name.english for item in result.sentences for name in item.names}
    assert {"Baghdad", "Reuters", "Quds Force", "Al Mayadeen"} <= names


def test_real_articles_keep_quotations_and_names(translator: Translator) -> None:
    ant = shared_data("ant-news-sample", "txt")
    paths = sorted(ant.rglob("*.txt"))[::15]
    articles = [translator.segmenter.segment(p.read_text(encoding="utf-8"), p.name) for p in paths]
    results = list(translator.translate_articles(articles))
    assert len(results) == len(paths)
    for result in results:
        _check_quotes_and_names(result)
    assert sum(len(item.quotes) for r in results for item in r.sentences) > 10


def test_output_cut_at_the_length_cap_is_flagged(tiny_model: Path) -> None:
    # the cap leaves room for the short sentence's 6 output tokens whether or not the long one
    # shares its batch (length buckets keep them apart), and not for the long one's 40 or more
    capped = Translator(
        model_name=str(tiny_model), model_device="cpu", decoding_beams=1, decoding_max_length_ratio=0.2,
        decoding_max_length_extra=8, quality_names=False, cache_enabled=False,
    )  # fmt: skip
    short, long = capped.translate("نعم.\nقال الوزير إن الاجتماع انتهى في العاصمة أمس.").sentences
    assert "truncated" in long.flags
    assert "truncated" not in short.flags


def test_int8_agrees_with_float32(tiny_model: Path) -> None:
    """Dynamic int8 quantisation rounds the weights of the Linear layers, which moves
    logits a little: translations change only where the model hesitates between two
    tokens. On NTREX lines under 100 characters, where the tiny model is sure, measured
    agreement was 33 of 33 (and 70 of 80 lines under 200 characters, the differences at
    the ends of long lines the model garbles in float32 too); expect 90%."""
    from tarjama.backends.transformers import TransformersBackend

    lines = shared_data("ntrex128", "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if len(line) < 100][:20]
    float32 = TransformersBackend(str(tiny_model), device="cpu", dtype="float32", threads=1)
    int8 = TransformersBackend(str(tiny_model), device="cpu", dtype="int8", threads=1)
    exact = [a.text == b.text for a, b in zip(float32.translate_batch(lines), int8.translate_batch(lines), strict=True)]
    assert sum(exact) >= 0.9 * len(lines), f"{sum(exact)} of {len(lines)} identical"
    assert int8.describe()["dtype"] == "int8"
    linear = int8.model.model.encoder.layers[0].fc1
    assert "quantized" in type(linear).__module__, type(linear)  # the Linear layers really are int8


def test_bfloat16_agrees_with_float32(tiny_model: Path) -> None:
    """bfloat16 keeps float32's range with 8 significant bits, so logits move a little,
    as with int8: on the same 20 NTREX lines under 100 characters measured agreement was
    20 of 20 (76 of 80 under 200 characters, int8 70); expect 90%. The weights really are
    bfloat16, and the scores stay float32 numbers close to float32's."""
    import torch

    from tarjama.backends.transformers import TransformersBackend

    lines = shared_data("ntrex128", "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if len(line) < 100][:20]
    float32 = TransformersBackend(str(tiny_model), device="cpu", dtype="float32", threads=1).translate_batch(lines)
    bf16 = TransformersBackend(str(tiny_model), device="cpu", dtype="bfloat16", threads=1)
    translated = bf16.translate_batch(lines)
    exact = [a.text == b.text for a, b in zip(float32, translated, strict=True)]
    assert sum(exact) >= 0.9 * len(lines), f"{sum(exact)} of {len(lines)} identical"
    assert bf16.model.model.encoder.layers[0].fc1.weight.dtype == torch.bfloat16
    assert all(abs(a.score - b.score) < 0.05 for a, b, same in zip(float32, translated, exact, strict=True) if same)


@pytest.mark.parametrize("terminal", [False, True], ids=["stderr a file", "stderr a terminal"])
def test_transformers_draws_no_loading_bar_of_its_own(tiny_model: Path, tmp_path: Path, terminal: bool) -> None:
    """tarjama's bar is the one bar: transformers' "Loading weights" bar never shows, on
    a terminal or not (a fresh process, as a user's, so transformers is imported there)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    command = [sys.executable, "-m", "tarjama.cli", "translate", str(SEED), "-o", str(tmp_path / "out")]
    command += ["--model", str(tiny_model), "--beams", "1", "--no-cache"]
    if terminal:
        import pty

        parent, child = pty.openpty()
        done = subprocess.run(command, env=env, stderr=child, stdout=subprocess.DEVNULL, timeout=300)
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(parent)
        stderr = b"".join(chunks).decode("utf-8", "replace")
        assert "sentences/s" in stderr or "sentence" in stderr  # tarjama's own bar or summary is there
    else:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        stderr = done.stderr
    assert done.returncode == 0, stderr
    assert "Loading weights" not in stderr and "it/s]" not in stderr
