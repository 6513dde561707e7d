"""The CTranslate2 backend against the transformers backend, on the project's tiny model.

Both backends use the model's own tokenizer, the same output-length cap and greedy
search in float32, so they should produce the same strings. They do not run the same
kernels (CTranslate2's GEMMs and attention are its own), so where the model is unsure
(two next characters with nearly tied scores) a rounding difference can pick the other
one and the outputs part from there. On this model that is rare: 59 of the first 60
NTREX lines under 110 characters agreed exactly when measured (the one other differed
by one space, 0.99 similar), and the project notes record 55 of 60 for a model trained
the same way. So: exact agreement on short sentences the model is sure of, and at least
90% exact agreement, with any difference small, on 40 real news lines.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tarjama.backends import load_backend
from tarjama.backends.ct2 import CONVERSION_FILE, CTranslate2Backend, split_threads
from tarjama.batch import translate_pooled
from tarjama.cli import main
from tarjama.errors import ConfigError, MissingExtraError
from tarjama.threads import default_threads

from ..conftest import SEED, shared_data

pytestmark = pytest.mark.model
pytest.importorskip("ctranslate2")

CONFIDENT = [
    "قال الوزير إن الاجتماع انتهى في 10 أكتوبر 2021.",
    "وأعلنت شركة Microsoft عن استثمار 3.5 مليار دولار.",
    "نعم.",
    "زوروا الموقع https://www.example.com للمزيد.",
]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """The reference runs on one thread: when other work holds a core of a small machine,
    PyTorch's OpenMP threads wait on each other and a 0.2 s batch takes 3 s or more."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tarjama-cache")


@pytest.fixture(scope="module")
def ct2(tiny_model: Path, cache_dir: Path) -> CTranslate2Backend:
    backend = load_backend(
        "ct2", model=str(tiny_model), device="cpu", compute_type="float32", beams=1, cache_dir=str(cache_dir)
    )
    assert isinstance(backend, CTranslate2Backend)
    return backend


@pytest.fixture(scope="module")
def reference(tiny_model: Path):
    return load_backend("transformers", model=str(tiny_model), device="cpu", dtype="float32", beams=1)


def test_same_translations_on_sentences_the_model_is_sure_of(ct2, reference) -> None:
    seed = [line for line in SEED.read_text(encoding="utf-8").splitlines() if 0 < len(line) < 80][:6]
    sentences = CONFIDENT + seed
    assert [h.text for h in ct2.translate_batch(sentences)] == [h.text for h in reference.translate_batch(sentences)]


def test_queued_batches_give_what_each_batch_gives_alone(tiny_model: Path, cache_dir: Path) -> None:
    # two workers, sub-batches of at most 4 sentences (CPU_HYPOTHESES at 16 beams): the
    # batches of 6, 9 and 1 sentences are queued together and come back in order
    settings = {"device": "cpu", "compute_type": "float32", "beams": 16, "threads": 2}
    backend = load_backend("ct2", model=str(tiny_model), cache_dir=str(cache_dir), **settings)
    arabic = shared_data("ntrex128", "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    sentences = CONFIDENT + [line.strip() for line in arabic if 0 < len(line.strip()) < 60][:12]
    batches = [sentences[:6], sentences[6:15], sentences[15:16]]
    assert [len(b) for b in batches] == [6, 9, 1]
    queued = list(backend.translate_batches(batches))
    alone = [backend.translate_batch(batch) for batch in batches]
    assert [[h.text for h in hs] for hs in queued] == [[h.text for h in hs] for hs in alone]
    for ours, theirs in zip(queued, alone, strict=True):
        assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], abs=1e-4)


def test_high_agreement_on_real_news_lines(ct2, reference) -> None:
    arabic = shared_data("ntrex128", "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    lines = [line.strip() for line in arabic if 0 < len(line.strip()) < 110][:40]
    ours = [h.text for h in translate_pooled(lines, ct2, batch_tokens=800, max_sentences=16)]
    theirs = [h.text for h in translate_pooled(lines, reference, batch_tokens=800, max_sentences=16)]
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    # near-ties may flip a few on other CPUs (other kernels)
    assert same >= 36, f"only {same} of {len(lines)} identical"
    for a, b in zip(ours, theirs, strict=True):  # where they part, it is late and small
        assert difflib.SequenceMatcher(None, a, b).ratio() > 0.9, (a, b)


# Scores (mean log-probability per output token, end token included) of the same
# greedy float32 translation by both backends. Measured on 62 identical outputs (60
# NTREX lines under 110 characters, Latin text, repeated words): largest difference
# 0.0136, on a line where the model hesitates between near-tied characters; most
# differ by less than 0.001. A wrong normalisation (a sum instead of a mean, the end
# token left out, CTranslate2's length penalty not 1) moves scores by far more.
SCORE_TOLERANCE = 0.02


def test_scores_of_the_same_translations_agree(ct2, reference) -> None:
    arabic = shared_data("ntrex128", "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    lines = CONFIDENT + [line.strip() for line in arabic if 0 < len(line.strip()) < 110][:40]
    lines += ["The quick brown fox jumps over the lazy dog.", "ال ال ال ال ال ال"]
    ours = translate_pooled(lines, ct2, batch_tokens=800, max_sentences=16)
    theirs = translate_pooled(lines, reference, batch_tokens=800, max_sentences=16)
    pairs = [(a.score, b.score) for a, b in zip(ours, theirs, strict=True) if a.text == b.text]
    assert len(pairs) >= 40
    differences = []
    for a, b in pairs:
        assert a is not None and b is not None and a <= 0 and b <= 0
        differences.append(abs(a - b))
    assert max(differences) < SCORE_TOLERANCE, max(differences)
    assert sorted(differences)[len(differences) // 2] < 0.001
    # the scale is the same: Latin text, which the model only copies, scores far lower for both
    assert ours[-2].score is not None and theirs[-2].score is not None
    assert ours[-2].score < 5 * ours[0].score and theirs[-2].score < 5 * theirs[0].score


def test_same_output_length_cap(ct2, reference) -> None:
    """Cut short by the cap, both return the same prefix; CTranslate2 also says it was cut
    (the transformers backend cannot tell: the model forces its end token at the cap)."""
    short = {"max_length_ratio": 0.1, "max_length_extra": 3}
    cut = ct2.with_options(**short).translate_batch(CONFIDENT[:2])
    assert [h.text for h in cut] == [h.text for h in reference.with_options(**short).translate_batch(CONFIDENT[:2])]
    assert all(len(h.text) < 10 for h in cut)
    assert all(h.truncated for h in cut)


def test_converted_once_into_a_folder_keyed_by_quantisation(ct2, tiny_model: Path, cache_dir: Path, monkeypatch):
    assert ct2.converted.parent == cache_dir / "ct2"
    conversion = json.loads((ct2.converted / CONVERSION_FILE).read_text(encoding="utf-8"))
    assert conversion["quantization"] == "float32" and conversion["revision"].startswith("local:")

    def no_conversion(*args: object, **kwargs: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr("tarjama.backends.ct2.convert_model", no_conversion)
    again = load_backend("ct2", model=str(tiny_model), device="cpu", compute_type="float32", cache_dir=str(cache_dir))
    assert again.converted == ct2.converted
    monkeypatch.undo()
    int8 = load_backend("ct2", model=str(tiny_model), device="cpu", compute_type="auto", cache_dir=str(cache_dir))
    assert int8.converted != ct2.converted and int8.describe()["compute_type"] == "int8"
    (english,) = int8.translate_batch(["قال الوزير."])
    assert english.text.startswith("qAl")


def test_describe_records_threads_and_precision(ct2) -> None:
    described = ct2.describe()
    assert described["backend"] == "ct2" and described["compute_type"] == "float32"
    assert (described["inter_threads"], described["intra_threads"]) == split_threads(default_threads())


@pytest.mark.parametrize(
    ("threads", "split"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (8, (4, 2)), (16, (4, 4)), (32, (8, 4))]
)
def test_threads_are_shared_out_as_workers_before_threads_per_worker(threads: int, split: tuple[int, int]) -> None:
    assert split_threads(threads) == split


def test_threads_setting_reaches_ctranslate2(tiny_model: Path, cache_dir: Path) -> None:
    backend = CTranslate2Backend(str(tiny_model), device="cpu", compute_type="float32", cache_dir=cache_dir, threads=1)
    assert (backend.describe()["inter_threads"], backend.describe()["intra_threads"]) == (1, 1)
    assert backend.translator.num_translators == 1  # the loaded model has what describe() says


def test_convert_command_makes_a_model_folder_for_translate(tiny_model: Path, ct2, tmp_path: Path) -> None:
    folder = tmp_path / "tiny-ct2"
    assert main(["convert", str(tiny_model), "-o", str(folder), "--compute-type", "float32"]) == 0
    assert (folder / "model.bin").is_file() and (folder / CONVERSION_FILE).is_file()
    out = tmp_path / "out"
    argv = ["translate", str(SEED), "-o", str(out), "--backend", "ct2", "--model", str(folder), "--beams", "1", "-q"]
    assert main([*argv, "--compute-type", "float32", "--no-cache"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == "ct2" and manifest["totals"]["done"] == 1
    assert manifest["model"] == str(tiny_model) and manifest["revision"] == ct2.revision
    english = (out / SEED.name.replace(".txt", ".en.txt")).read_text(encoding="utf-8")
    first = SEED.read_text(encoding="utf-8").splitlines()[0]
    assert english.splitlines()[0] == ct2.translate_batch([first])[0].text


def test_convert_of_a_missing_model_exits_3_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")]) == 2
    assert "cannot load a model from the folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_bare_ctranslate2_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"without tarjama-conversion\.json; convert the original model"):
        load_backend("ct2", model=str(tmp_path), device="cpu")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"compute_type": "int4"}, "unknown compute type 'int4'"),
        ({"compute_type": "float16"}, "compute type float16 is not supported on cpu"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
    ],
)
def test_bad_settings_say_what_to_use(tiny_model: Path, settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_backend("ct2", **{"model": str(tiny_model), "device": "cpu", **settings})


def test_missing_ctranslate2_names_the_extra(monkeypatch: pytest.MonkeyPatch, tiny_model: Path) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'tarjama\[ct2\]'"):
        load_backend("ct2", model=str(tiny_model), device="cpu")
