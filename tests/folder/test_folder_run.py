"""A folder run on its own (tarjama.folder.FolderRun): a segmenter, a fingerprint and an
engine in; outputs, a manifest and typed articles out. No Translator is needed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from tarjama import Translator
from tarjama.document import Article, ArticleTranslation
from tarjama.folder import FolderRun
from tarjama.read import InputFile
from tarjama.segment import Segmenter

from ..conftest import FakeBackend, transliterate


class RecordingEngine:
    """An engine that remembers the articles it was given and translates them with the fake backend."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.translator = Translator(backend=FakeBackend(model="fake"), cache_enabled=False)

    def translate_articles(
        self, articles: Iterable[Article], on_batch: Callable[[int], None] | None = None
    ) -> Iterator[ArticleTranslation]:
        for article in articles:
            self.articles.append(article)
            yield from self.translator.translate_articles([article], on_batch)

    def describe(self) -> dict[str, Any]:
        return {"engine": "recording"}


def _run(tmp_path: Path, engine: RecordingEngine, fingerprint: str = "f1") -> dict[str, Any]:
    files = [InputFile(p, PurePosixPath(p.name)) for p in sorted((tmp_path / "in").iterdir())]
    run = FolderRun(
        files, tmp_path / "out", segmenter=Segmenter(), fingerprint=fingerprint, engine=engine, describe=engine.describe
    )
    return run.run().manifest


def test_a_folder_run_needs_no_translator(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("قال الوزير.\n", encoding="utf-8")
    records = [{"id": 1, "text": "نعم."}, {"id": 2, "text": "لا."}]
    (tmp_path / "in" / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    engine = RecordingEngine()
    manifest = _run(tmp_path, engine)

    assert [(a.name, a.file, a.record) for a in engine.articles] == [
        ("a.txt", "a.txt", None),
        ("b.jsonl#0", "b.jsonl", 0),
        ("b.jsonl#1", "b.jsonl", 1),
    ]
    assert manifest["engine"] == "recording" and manifest["totals"]["done"] == 2
    assert (tmp_path / "out" / "a.en.txt").read_text(encoding="utf-8") == transliterate("قال الوزير.\n")
    lines = (tmp_path / "out" / "b.en.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [{"id": 1, "text": "nEm."}, {"id": 2, "text": "lA."}]


def test_the_fingerprint_given_decides_what_is_redone(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("قال الوزير.\n", encoding="utf-8")
    assert _run(tmp_path, RecordingEngine())["totals"]["resumed"] == 0
    again = RecordingEngine()
    assert _run(tmp_path, again)["totals"]["resumed"] == 1 and again.articles == []
    assert _run(tmp_path, RecordingEngine(), fingerprint="f2")["totals"]["resumed"] == 0
