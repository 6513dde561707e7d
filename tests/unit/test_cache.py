"""The persistent translation cache: a rerun costs nothing, other settings share nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.backends import Hypothesis
from tarjama.cache import CACHE_FILE, SCHEMA_VERSION, TranslationCache, cache_scope
from tarjama.cli import main
from tarjama.errors import CacheError
from tarjama.identity import model_folder_identity

from ..conftest import SEED, FakeBackend, transliterate

ARTICLES = {
    "a.txt": "عنوان أول\n\nقال الوزير إن الاجتماع انتهى. تابعونا على فيسبوك.\n",
    "b.txt": "عنوان ثان\n\nوأضاف أن الوفد سيعود غدا. تابعونا على فيسبوك.\n",
}


class SettingsAwareFake(FakeBackend):
    """The fake backend, describing its decoding settings as real backends do."""

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "beams": self.settings.get("beams"), "threads": 2}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _translator(cache_dir: Path, beams: int = 4, **overrides: object) -> Translator:
    backend = SettingsAwareFake(model="fake-model", beams=beams)
    return Translator(backend=backend, cache_dir=str(cache_dir), decoding_beams=beams, **overrides)


def test_rerun_translates_nothing_and_writes_the_same(tmp_path: Path) -> None:
    folder, cache_dir = _folder(tmp_path), tmp_path / "cache"
    first = _translator(cache_dir)
    first.translate_folder([folder], tmp_path / "out1")
    sent = [s for batch in first.backend.batches for s in batch]
    assert sent.count("تابعونا على فيسبوك.") == 1  # boilerplate shared by both articles: once
    second = _translator(cache_dir)
    report = second.translate_folder([folder], tmp_path / "out2")
    assert second.backend.batches == []
    assert report.manifest["totals"]["done"] == 2
    for name in ("a.en.txt", "b.en.txt"):
        assert (tmp_path / "out1" / name).read_text(encoding="utf-8") == (tmp_path / "out2" / name).read_text(
            encoding="utf-8"
        )
    assert (cache_dir / CACHE_FILE).is_file()


def test_repeats_across_windows_are_translated_once(tmp_path: Path) -> None:
    translator = _translator(tmp_path / "cache", batching_window_sentences=1)  # a window per article
    results = list(translator.translate_articles(translator.segmenter.segment(t, n) for n, t in ARTICLES.items()))
    assert len(results) == 2
    sent = [s for batch in translator.backend.batches for s in batch]
    assert sent.count("تابعونا على فيسبوك.") == 1
    assert results[1].sentences[-1].translation == transliterate("تابعونا على فيسبوك.")


def test_other_settings_share_no_entries(tmp_path: Path) -> None:
    sentences = ["قال الوزير.", "نعم."]
    _translator(tmp_path, beams=4).translate_sentences(sentences)
    greedy = _translator(tmp_path, beams=1)
    greedy.translate_sentences(sentences)
    assert sorted(s for batch in greedy.backend.batches for s in batch) == sorted(sentences)
    again = _translator(tmp_path, beams=1)
    again.translate_sentences(sentences)
    assert again.backend.batches == []


def test_no_cache_translates_everything_and_writes_no_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    for run in ("out1", "out2"):
        translator = _translator(tmp_path / "cache", cache_enabled=False)
        translator.translate_folder([folder], tmp_path / run)
        assert translator.backend.batches
    assert not (tmp_path / "cache").exists()


def test_cli_no_cache_flag(tmp_path: Path) -> None:
    fake = ["--backend", "fake", "--model", "fake-model", "-q", "--cache-dir", str(tmp_path / "cache")]
    assert main(["translate", str(SEED), "-o", str(tmp_path / "out"), *fake, "--no-cache"]) == 0
    assert not (tmp_path / "cache").exists()
    assert main(["translate", str(SEED), "-o", str(tmp_path / "out2"), *fake]) == 0  # not a resumed run
    assert (tmp_path / "cache" / CACHE_FILE).is_file()


def test_scope_follows_what_changes_the_output(tmp_path: Path) -> None:
    base = {"backend": "ct2", "model": "m", "revision": "abc", "compute_type": "int8", "beams": 4}
    assert cache_scope(base) == cache_scope({**base, "intra_threads": 8, "inter_threads": 2})
    for change in ({"compute_type": "float32"}, {"beams": 1}, {"revision": "def"}, {"max_length_extra": 8}):
        assert cache_scope({**base, **change}) != cache_scope(base), change
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights").write_bytes(b"1")
    before = cache_scope({**base, "model": str(model)})
    fingerprint = model_folder_identity(model)
    (model / "weights").write_bytes(b"22")  # retrained in place
    assert model_folder_identity(model) != fingerprint
    assert cache_scope({**base, "model": str(model)}) != before


def test_entries_persist_with_their_flags(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "cache.sqlite3"
    TranslationCache(path, "s").put([("قال", Hypothesis("qAl")), ("لا", Hypothesis("lA", truncated=True))])
    reopened = TranslationCache(path, "s")
    assert reopened.get(["لا", "قال", "نعم"]) == {"قال": Hypothesis("qAl"), "لا": Hypothesis("lA", truncated=True)}
    assert TranslationCache(path, "other").get(["قال"]) == {}
    many = [f"جملة {i}" for i in range(2500)]  # more than one lookup statement's worth
    reopened.put([(s, Hypothesis(s)) for s in many])
    assert len(reopened.get(many)) == 2500


def test_unusable_cache_path_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CacheError, match=r"cannot use the translation cache .* --no-cache"):
        TranslationCache(blocker / CACHE_FILE, "s").get(["قال"])
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match="cannot use the translation cache"):
        TranslationCache(corrupt, "s").get(["قال"])


def test_scores_are_kept_with_the_translations(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    TranslationCache(path, "s").put([("قال", Hypothesis("qAl", score=-0.125)), ("لا", Hypothesis("lA"))])
    assert TranslationCache(path, "s").get(["قال", "لا"]) == {
        "قال": Hypothesis("qAl", score=-0.125),
        "لا": Hypothesis("lA", score=None),  # a backend without scores: stored as none, served as none
    }


def test_a_cache_from_before_scores_is_migrated_and_its_entries_never_served(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    old = sqlite3.connect(path)  # the schema of tarjama 0.x, before scores
    old.execute(
        "CREATE TABLE translations (scope TEXT NOT NULL, source TEXT NOT NULL, translation TEXT NOT NULL, "
        "truncated INTEGER NOT NULL, PRIMARY KEY (scope, source)) WITHOUT ROWID"
    )
    old.execute("CREATE TABLE scopes (scope TEXT PRIMARY KEY, description TEXT NOT NULL)")
    old.execute("INSERT INTO translations VALUES ('s', 'قال', 'qAl (old)', 0)")
    old.commit()
    old.close()
    cache = TranslationCache(path, "s")
    assert cache.get(["قال"]) == {}  # an old entry is not handed out as if it had a score
    cache.put([("قال", Hypothesis("qAl", score=-0.5))])
    assert TranslationCache(path, "s").get(["قال"]) == {"قال": Hypothesis("qAl", score=-0.5)}
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_old_cache_is_translated_again_through_the_pipeline(tmp_path: Path) -> None:
    folder, cache_dir = _folder(tmp_path), tmp_path / "cache"
    _translator(cache_dir).translate_folder([folder], tmp_path / "out1")
    with sqlite3.connect(cache_dir / CACHE_FILE) as db:  # as a cache migrated from before scores leaves them
        db.execute("UPDATE translations SET scored = 0, score = NULL")
    again = _translator(cache_dir)
    again.translate_folder([folder], tmp_path / "out2")
    assert again.backend.batches  # nothing was served from the unscored entries
