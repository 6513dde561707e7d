"""The review page (tarjama report): what the HTML holds, and what a browser makes of it.

The browser tests drive Debian's Chromium (/usr/bin/chromium, installed by .ci/run) with
Playwright's Python package; they never download a browser.

The seed article's records are given the fake backend's plain transliteration and names,
quotations and flags computed by the test, so that the test knows exactly what the page
must show whatever the pipeline adds. The 50 real articles keep the pipeline's output as
it is (names and quotations included, where it records them) and get the test's own where
it does not.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tarjama.cli import main
from tarjama.errors import InputError, MissingExtraError
from tarjama.report import collect, render, write_report

from .conftest import ROOT, SEED, shared_data, transliterate

FAKE = ["--backend", "fake", "--model", "fake-model", "-q"]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
# Arabic name -> English form, for the names the tests add to the records
NAMES = {"غاني": "Ghaani", "الكاظمي": "al-Kadhimi", "بغداد": "Baghdad", "تونس": "Tunisia"}
QUOTE = re.compile(r"“[^“”]*”|«[^«»]*»|\"[^\"]*\"")


def _translate(inputs: list[Path], out: Path) -> Path:
    assert main(["translate", *map(str, inputs), "-o", str(out), *FAKE]) == 0
    return out


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_records(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def _occurrences(text: str, word: str) -> list[list[int]]:
    return [[m.start(), m.end()] for m in re.finditer(re.escape(word), text)]


def _controlled(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the plain fake backend writes it: transliteration, no additions."""
    kept = {key: record[key] for key in ("paragraph", "sentence", "source", "source_span")}
    return {**kept, "translation": transliterate(" ".join(record["source"].split())), "flags": []}


def _decorate(record: dict[str, Any], missing: str | None = None) -> dict[str, Any]:
    """Add names, quotations and flags as the alignment records them (issue 4), where the
    record has none of its own.

    The k-th occurrence of a name in the source is taken to be the k-th occurrence of its
    transliteration (what the fake backend makes of it) or English form in the
    translation. The name ``missing`` is recorded as not found, with ``name_missing``."""
    source, translation = record["source"], record["translation"]
    flags = list(record["flags"])
    if "names" not in record:
        names = []
        for arabic, english in NAMES.items():
            targets = sorted(_occurrences(translation, transliterate(arabic)) + _occurrences(translation, english))
            for k, span in enumerate(_occurrences(source, arabic)):
                found = arabic != missing and k < len(targets)
                name = {"source": arabic, "english": english, "source_span": span, "found": found}
                names.append({**name, "target_span": targets[k] if found else None})
        if not all(name["found"] for name in names):
            flags.append("name_missing")
        record = {**record, "names": names}
    if "quotes" not in record:
        sources = [[m.start(), m.end()] for m in QUOTE.finditer(source)]
        targets = [[m.start(), m.end()] for m in QUOTE.finditer(translation)]
        pairs = zip(sources, targets, strict=False)  # a quotation the English lost has no pair
        record = {**record, "quotes": [{"source_span": s, "target_span": t} for s, t in pairs]}
        if source.count('"') % 2 or any(source.count(a) != source.count(b) for a, b in ("“”", "«»")):
            flags.append("quote_mismatch")
    return {**record, "flags": list(dict.fromkeys(flags))}


@pytest.fixture
def seed_out(tmp_path: Path) -> Path:
    out = _translate([SEED], tmp_path / "out")
    path = out / "000_4c695357e9463a4d.align.jsonl"
    _write_records(path, [_decorate(_controlled(r), missing="بغداد") for r in _records(path)])
    return out


# ---- the page as HTML ----------------------------------------------------------------------


def test_page_is_self_contained_and_holds_every_sentence(seed_out: Path) -> None:
    html = render(collect(seed_out))
    assert not re.search(r"(src|href)=\"(?!#)", html), "nothing may be loaded from elsewhere"
    assert 'http-equiv="Content-Security-Policy"' in html and "default-src &#39;none&#39;" in html
    blocks = re.findall(r'<script type="application/json" id="article-data-0">(.*?)</script>', html)
    article = json.loads(blocks[0])
    records = _records(seed_out / "000_4c695357e9463a4d.align.jsonl")
    assert [(s["source"], s["translation"]) for s in article["sentences"]] == [
        (r["source"], r["translation"]) for r in records
    ]
    assert article["name"] == "000_4c695357e9463a4d.txt"


def test_script_tags_and_ampersands_in_text_stay_text(tmp_path: Path) -> None:
    out = _hostile_folder(tmp_path)
    html = render(collect(out))
    assert "<script>window.pwned" not in html and "<img" not in html
    assert "&lt;img src=x onerror=window.pwned=2&gt; &amp; co" in html  # the article name, in the index
    blocks = re.findall(r'<script type="application/json" id="article-data-0">(.*?)</script>', html, re.S)
    assert len(blocks) == 1 and "<" not in blocks[0] and "&" not in blocks[0]
    assert json.loads(blocks[0])["sentences"][0]["source"] == "قال: </script><script>window.pwned=1</script> & «نعم»"


def _hostile_folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    name = "<img src=x onerror=window.pwned=2> & co.txt"
    records = [
        {
            "paragraph": 0,
            "sentence": 0,
            "source": "قال: </script><script>window.pwned=1</script> & «نعم»",
            "translation": "He said: <script>window.pwned=3</script> & <!-- “yes”",
            "flags": ["<b>bold</b>"],
        }
    ]
    _write_records(out / "hostile.align.jsonl", records)
    manifest = {
        "tarjama": "<i>x</i>",
        "files": [{"output": name.replace(".txt", ".en.txt"), "status": "done", "alignment": "hostile.align.jsonl"}],
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


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
    _write_records(out / "a.align.jsonl", [{"source": "😀 قال", "translation": "😀 B", "flags": "x", "names": names}])
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
    flagged = sum(1 for r in _records(seed_out / "000_4c695357e9463a4d.align.jsonl") if r["flags"])
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


# ---- the page in a browser -----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium chromium-driver (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is absent: pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(5000)
    page.errors = []
    page.requests = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def _open(page: Any, report: Path) -> None:
    page.goto(report.as_uri())
    assert page.requests == [report.as_uri()], "the page must load nothing else"


def _show(page: Any, number: int) -> None:
    page.evaluate(f"location.hash = '#a/{number}'")
    _wait_for_article(page, json.loads(page.text_content(f"#article-data-{number}"))["name"])


def _wait_for_article(page: Any, name: str) -> None:
    """Opening is asynchronous (on hashchange): wait for the article's own heading."""
    page.wait_for_function("name => document.getElementById('article-name').textContent === name", arg=name)


def _pairs(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(
        "#pairs tr.pair",
        """rows => rows.map(row => {
            const ar = row.querySelector('td.ar'), en = row.querySelector('td.en');
            return {source: ar.textContent, translation: en.textContent, dir: ar.dir, lang: ar.lang,
                    direction: getComputedStyle(ar).direction, englishDirection: getComputedStyle(en).direction,
                    visible: row.offsetParent !== null,
                    flags: [...row.querySelectorAll('.flag')].map(f => f.textContent)};
        })""",
    )


def _check_article(page: Any, records: list[dict[str, Any]]) -> None:
    pairs = _pairs(page)
    assert [(p["source"], p["translation"]) for p in pairs] == [(r["source"], r["translation"]) for r in records]
    assert all(p["dir"] == "rtl" and p["lang"] == "ar" and p["direction"] == "rtl" for p in pairs)
    assert all(p["englishDirection"] == "ltr" for p in pairs)
    assert [p["flags"] for p in pairs] == [r["flags"] for r in records]


def _check_flagged_only(page: Any, records: list[dict[str, Any]]) -> None:
    page.check("#flagged-only")
    assert [p["visible"] for p in _pairs(page)] == [bool(r["flags"]) for r in records]
    page.uncheck("#flagged-only")
    assert all(p["visible"] for p in _pairs(page))


def _classes(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "marks => marks.map(m => m.className)")


def _save_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=False)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


def test_seed_article_side_by_side_in_chromium(seed_out: Path, tmp_path: Path, page: Any) -> None:
    report = tmp_path / "report.html"
    write_report(seed_out, report)
    records = _records(seed_out / "000_4c695357e9463a4d.align.jsonl")
    _open(page, report)
    assert page.locator("tr.doc").count() == 1
    page.click("tr.doc a")
    page.wait_for_selector("#pairs tr.pair")
    _check_article(page, records)
    assert 0 < sum(1 for r in records if r["flags"]) < len(records)

    # a name: clicking either side lights up both, and nothing else
    row = page.locator("#pairs tr.pair", has_text="بأي عمل يهدد")
    row.locator("td.ar mark.name", has_text="غاني").click()
    assert row.locator("td.ar mark.active").inner_text() == "غاني"
    assert row.locator("td.en mark.active").inner_text() == "gAny"
    assert len(_classes(page, "mark.active")) == 2
    # a quotation with a name inside it: the name stays its own highlight
    quote = row.locator("td.en mark.quote").first
    quote.click(position={"x": 3, "y": 5})
    assert row.locator("td.ar mark.quote.active").inner_text() == "“بأي عمل يهدد أمن العراق”"
    assert len(_classes(page, "mark.active")) == 2
    # a name not found in the English is marked on the Arabic side only, with the flag
    missing = page.locator("td.ar mark.name.missing").first
    assert missing.inner_text() == "بغداد"
    assert "expected: Baghdad" in missing.get_attribute("title")
    missing.hover()
    assert _classes(page, "mark.hover") == ["name missing hover"]

    _check_flagged_only(page, records)
    page.check("#flagged-only")
    _save_screenshot(page, tmp_path, "report-seed-flagged.png")
    page.uncheck("#flagged-only")
    page.locator("td.ar mark.name", has_text="غاني").first.click()
    page.mouse.move(0, 0)
    _save_screenshot(page, tmp_path, "report-seed.png")
    assert page.errors == []


@pytest.mark.slow
def test_fifty_real_articles_in_chromium(tmp_path: Path, page: Any) -> None:
    corpus = shared_data("ant-news-sample", "txt")
    files = sorted(corpus.rglob("*.txt"))[::6][:50]
    assert len(files) == 50
    source = tmp_path / "in"
    for path in files:
        (source / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, source / path.parent.name / path.name)
    out = _translate([source], tmp_path / "out")
    for path in out.rglob("*.align.jsonl"):
        _write_records(path, [_decorate(r) for r in _records(path)])
    report = tmp_path / "report.html"
    started = time.perf_counter()
    data = write_report(out, report)
    assert time.perf_counter() - started < 10
    assert [a.status for a in data.articles] == ["done"] * 50

    _open(page, report)
    rows = page.locator("tr.doc")
    assert rows.count() == 50
    page.check("#flagged-only")
    visible = page.eval_on_selector_all("tr.doc", "rows => rows.map(r => r.offsetParent !== null)")
    assert visible == [a.flagged > 0 for a in data.articles] and 0 < sum(visible) < 50
    page.uncheck("#flagged-only")

    page.click("tr.doc a")
    clicked_a_name = False
    for number, article in enumerate(data.articles):
        _wait_for_article(page, article.name)
        records = _records(out / f"{Path(article.name).with_suffix('')}.align.jsonl")
        _check_article(page, records)
        assert page.locator("#pairs tr.pair").count() == len(records)  # only this article is in the page
        if not clicked_a_name and page.locator("td.en mark.name").count():
            page.locator("td.en mark.name").first.click()
            active = "marks => marks.map(m => [m.closest('td').className, m.classList[0], m.closest('tr').rowIndex])"
            (arabic, english) = page.eval_on_selector_all("mark.active", active)
            assert arabic[:2] == ["ar", "name"] and english[:2] == ["en", "name"] and arabic[2] == english[2]
            clicked_a_name = True
        if number < 49:
            page.click("#next")
    assert clicked_a_name
    assert page.is_disabled("#next")
    _check_flagged_only(page, records)
    assert page.errors == []


def test_injected_markup_does_not_run_in_chromium(tmp_path: Path, page: Any) -> None:
    report = tmp_path / "report.html"
    write_report(_hostile_folder(tmp_path), report)
    _open(page, report)
    assert page.locator("tr.doc a").inner_text() == "<img src=x onerror=window.pwned=2> & co.txt"
    _show(page, 0)
    (pair,) = _pairs(page)
    assert pair["source"] == "قال: </script><script>window.pwned=1</script> & «نعم»"
    assert pair["translation"] == "He said: <script>window.pwned=3</script> & <!-- “yes”"
    assert pair["flags"] == ["<b>bold</b>"]
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.querySelectorAll('img, b, i').length") == 0
    assert page.errors == []


@pytest.mark.slow
def test_a_thousand_articles_open_without_building_them_all(tmp_path: Path, page: Any) -> None:
    out = tmp_path / "out"
    out.mkdir()
    source = "وقال الوزير إن الاجتماع انتهى في 10 أكتوبر وإن الحكومة ستعلن القرار قريبا."
    translation = "The minister said the meeting ended on 10 October and a decision would come soon."
    for n in range(1000):
        records = [
            {"paragraph": k // 3, "sentence": k % 3, "source": source, "translation": translation, "flags": []}
            for k in range(30)
        ]
        records[n % 30]["flags"] = ["length_ratio"]
        _write_records(out / f"{n:04d}.align.jsonl", records)
    report = tmp_path / "report.html"
    write_report(out, report)
    started = time.perf_counter()
    _open(page, report)
    _show(page, 999)
    assert time.perf_counter() - started < 20
    assert page.locator("tr.doc").count() == 1000
    assert page.locator("#pairs tr.pair").count() == 30
    assert page.locator("#pairs tr.pair.flagged").count() == 1
