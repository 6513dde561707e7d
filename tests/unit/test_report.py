"""The review page (tarjama report): what the HTML holds (the page in a browser: tests/browser)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tarjama.cli import main
from tarjama.errors import InputError, MissingExtraError
from tarjama.report import collect, render

from ..report_records import hostile_folder, read_records, seed_out, write_records

__all__ = ["seed_out"]  # a fixture


# ---- the page as HTML ----------------------------------------------------------------------


def test_page_is_self_contained_and_holds_every_sentence(seed_out: Path) -> None:
    html = render(collect(seed_out))
    assert not re.search(r"(src|href)=\"(?!#)", html), "nothing may be loaded from elsewhere"
    assert 'http-equiv="Content-Security-Policy"' in html and "default-src &#39;none&#39;" in html
    blocks = re.findall(r'<script type="application/json" id="article-data-0">(.*?)</script>', html)
    article = json.loads(blocks[0])
    records = read_records(seed_out / "000_4c695357e9463a4d.align.jsonl")
    assert [(s["source"], s["translation"]) for s in article["sentences"]] == [
        (r["source"], r["translation"]) for r in records
    ]
    assert article["name"] == "000_4c695357e9463a4d.txt"


def test_script_tags_and_ampersands_in_text_stay_text(tmp_path: Path) -> None:
    out = hostile_folder(tmp_path)
    html = render(collect(out))
    assert "<script>window.pwned" not in html and "<img" not in html
    assert "&lt;img src=x onerror=window.pwned=2&gt; &amp; co" in html  # the article name, in the index
    blocks = re.findall(r'<script type="application/json" id="article-data-0">(.*?)</script>', html, re.S)
    assert len(blocks) == 1 and "<" not in blocks[0] and "&" not in blocks[0]
    assert json.loads(blocks[0])["sentences"][0]["source"] == "قال: </script><script>window.pwned=1</script> & «نعم»"


def test_scores_from_evaluation_json_appear_in_the_index(seed_out: Path, tmp_path: Path) -> None:
    (seed_out / "evaluation.json").write_text(
        json.dumps({"documents": {"000_4c695357e9463a4d.txt": {"bleu": 31.25, "chrf": {"score": 55.04}}}}),
        encoding="utf-8",
    )
    html = render(collect(seed_out))
    assert '<td data-value="31.25">31.2</td>' in html and '<td data-value="55.04">55.0</td>' in html
    other = tmp_path / "scores.json"  # --scores: a list of documents, named without the suffix
    other.write_text(json.dumps({"documents": [{"document": "000_4c695357e9463a4d", "BLEU": 12.0}]}), "utf-8")
    data = collect(seed_out, other)
    assert data.articles[0].scores == {"bleu": 12.0}
    assert '<th><button type="button" data-sort="6" data-kind="number">chrF</button></th>' in render(data)


def test_no_scores_no_score_columns(seed_out: Path) -> None:
    assert ">BLEU<" not in render(collect(seed_out))


def test_spans_that_do_not_fit_the_text_are_dropped_and_offsets_count_utf16(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    names = [
        {"source_span": [0, 99], "english": "too long"},
        {"source_span": [3, 1], "english": "backwards"},
        {"source_span": [True, 2], "english": "not a number"},
        {"source_span": [2, 5], "target_span": [2, 3], "english": "B"},
    ]
    write_records(out / "a.align.jsonl", [{"source": "😀 قال", "translation": "😀 B", "flags": "x", "names": names}])
    (sentence,) = collect(out).articles[0].sentences
    assert sentence["names"] == [
        {"source": "", "english": "B", "source_span": [3, 6], "target_span": [3, 4], "found": True}
    ]
    assert sentence["flags"] == [] and "quotes" not in sentence


def test_failed_and_unreadable_articles_are_listed_with_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "good.align.jsonl").write_text("{not json\n", encoding="utf-8")
    files = [  # as translate's manifest lists a file it could not read, and one it wrote
        {"input": "in/broken.txt", "status": "failed", "error": "is not UTF-8 (byte 0xde at offset 0)"},
        {"input": "in/good.txt", "output": "good.en.txt", "alignment": "good.align.jsonl", "status": "done"},
    ]
    (out / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    data = collect(out)
    assert [(a.name, a.status, a.error) for a in data.articles] == [
        ("in/broken.txt", "failed", "is not UTF-8 (byte 0xde at offset 0)"),
        ("good.txt", "unreadable", "line 1 is not JSON (Expecting property name enclosed in double quotes)"),
    ]
    html = render(data)
    assert "unreadable: line 1 is not JSON" in html and "failed: is not UTF-8" in html


# ---- the command ---------------------------------------------------------------------------


def test_report_command_writes_the_page(seed_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    assert main(["report", str(seed_out), "-o", str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    flagged = sum(1 for r in read_records(seed_out / "000_4c695357e9463a4d.align.jsonl") if r["flags"])
    assert f"1 articles, 17 sentences, {flagged} flagged: {page}" in capsys.readouterr().err
    assert main(["report", str(seed_out)]) == 0
    assert (seed_out / "report.html").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "is not a folder; give the -o folder of tarjama translate"),
        ("empty", "holds no manifest.json and no *.align.jsonl: run tarjama translate -o here first"),
        ("bad-manifest", "manifest.json: is not JSON"),
        ("empty-manifest", "manifest.json: lists no files: the translate run had no input"),
        ("no-scores-file", "nope.json: does not exist; write it with tarjama evaluate --json"),
        ("bad-scores", 'holds no per-document scores: expected {"documents": {NAME: {"bleu": B, ...}}}'),
    ],
)
def test_report_command_errors_say_what_to_do(
    seed_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
) -> None:
    folder, extra = seed_out, []
    if setup == "missing":
        folder = tmp_path / "absent"
    elif setup == "empty":
        folder = tmp_path / "empty"
        folder.mkdir()
    elif setup == "bad-manifest":
        (seed_out / "manifest.json").write_text("{", encoding="utf-8")
    elif setup == "empty-manifest":
        (seed_out / "manifest.json").write_text('{"files": []}', encoding="utf-8")
    elif setup == "no-scores-file":
        extra = ["--scores", str(tmp_path / "nope.json")]
    else:
        (seed_out / "evaluation.json").write_text("[1, 2]", encoding="utf-8")
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_missing_jinja2_names_the_extra(seed_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingExtraError, match=r"jinja2 is not installed: pip install 'tarjama\[report\]'"):
        render(collect(seed_out))


def test_missing_scores_file_is_an_input_error(seed_out: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        collect(seed_out, tmp_path / "none.json")


# ---- model scores ----------------------------------------------------------------------------


def _scored_folder(tmp_path: Path, scores: list[float | None]) -> Path:
    out = tmp_path / "scored"
    out.mkdir()
    records = [
        {"paragraph": 0, "sentence": k, "source": "قال", "translation": "qAl", "flags": [], "score": score}
        for k, score in enumerate(scores)
    ]
    write_records(out / "a.align.jsonl", records[:3])
    write_records(out / "b.align.jsonl", records[3:])
    return out


def test_scores_reach_the_page_with_their_distribution_and_ranking(tmp_path: Path) -> None:
    scores = [-0.5, None, -2.0, -0.1, float("nan"), -1.0]
    data = collect(_scored_folder(tmp_path, scores))
    assert [s["score"] for a in data.articles for s in a.sentences] == [-0.5, None, -2.0, -0.1, None, -1.0]
    assert data.by_score() == [(-2.0, 0, 2), (-1.0, 1, 2), (-0.5, 0, 0), (-0.1, 1, 0)]
    assert [a.lowest_score for a in data.articles] == [-2.0, -1.0]
    bars = data.histogram(bins=4)
    assert [b.count for b in bars] == [1, 0, 1, 2]  # [-2, -1.525), [-1.525, -1.05), [-1.05, -0.575), [-0.575, -0.1]
    assert bars[0].low == -2.0 and bars[-1].high == pytest.approx(-0.1)
    html = render(data)
    ranking = re.search(r'<script type="application/json" id="score-index">(.*?)</script>', html)
    assert ranking and json.loads(ranking.group(1)) == [[-2.0, 0, 2], [-1.0, 1, 2], [-0.5, 0, 0], [-0.1, 1, 0]]
    assert html.count('<rect class="bar"') == 30


def test_a_folder_without_scores_has_no_distribution(tmp_path: Path) -> None:
    data = collect(_scored_folder(tmp_path, [None] * 4))
    assert data.histogram() == [] and data.by_score() == []
    assert 'id="score-distribution"' not in render(data)
    (tmp_path / "same").mkdir()
    same = collect(_scored_folder(tmp_path / "same", [-0.3] * 4))
    assert [(b.low, b.high, b.count) for b in same.histogram()] == [(-0.3, -0.3, 4)]
