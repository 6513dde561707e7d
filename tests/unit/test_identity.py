"""One rule for which settings change the output: the cache scope and the folder
run's fingerprint agree (tarjama.identity)."""

from __future__ import annotations

from pathlib import Path

from tarjama import Translator
from tarjama.cache import cache_scope

from ..conftest import FakeBackend, transliterate

ARTICLE = "قال الوزير إن الاجتماع انتهى.\n"


class ThreadedFake(FakeBackend):
    """The fake backend describing its thread counts as the CTranslate2 backend does."""

    def describe(self) -> dict[str, object]:
        threads = self.settings.get("threads", 1)
        return {**super().describe(), "compute_type": "int8", "inter_threads": threads, "intra_threads": 1}


def _translator(backend: FakeBackend, **overrides: object) -> Translator:
    return Translator(backend=backend, cache_enabled=False, **overrides)


def test_thread_counts_change_neither_the_cache_scope_nor_the_fingerprint() -> None:
    """Issue 14: two CTranslate2 translators differing only in thread count shared a cache
    scope but not a folder fingerprint, so a resume on a machine with other cores redid
    every file."""
    one, two = ThreadedFake(model="m", threads=1), ThreadedFake(model="m", threads=2)
    assert cache_scope(one.describe()) == cache_scope(two.describe())
    assert _translator(one).fingerprint() == _translator(two).fingerprint()


def test_speed_settings_keep_the_fingerprint_and_output_settings_change_it() -> None:
    base = _translator(FakeBackend(model="m")).fingerprint()
    for speed in ({"batching_batch_tokens": 512}, {"batching_window_sentences": 8}, {"engine_workers": 3}):
        assert _translator(FakeBackend(model="m"), **speed).fingerprint() == base, speed
    for output in ({"decoding_beams": 1}, {"quality_quote_marks": "«»"}, {"segmentation_max_input_tokens": 50}):
        assert _translator(FakeBackend(model="m"), **output).fingerprint() != base, output


def test_a_model_folder_replaced_at_the_same_path_redoes_the_files(tmp_path: Path) -> None:
    """Issue 13 item 6a: the fingerprint has the model folder's content identity, as the
    cache scope has, so new weights at the same path do not reuse stale outputs."""
    model, source, out = tmp_path / "model", tmp_path / "in", tmp_path / "out"
    model.mkdir()
    source.mkdir()
    (model / "model.safetensors").write_bytes(b"first weights")
    (source / "a.txt").write_text(ARTICLE, encoding="utf-8")

    def run() -> dict[str, object]:
        report = _translator(FakeBackend(model=str(model))).translate_folder([source], out)
        assert (out / "a.en.txt").read_text(encoding="utf-8") == transliterate(ARTICLE)
        return report.manifest["totals"]

    assert run()["resumed"] == 0
    assert run()["resumed"] == 1  # same folder, same contents: nothing to redo
    (model / "model.safetensors").write_bytes(b"retrained weights")  # replaced in place
    assert run()["resumed"] == 0
