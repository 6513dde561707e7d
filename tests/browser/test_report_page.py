"""The review page in a browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run)
driven with Playwright's Python package; they never download a browser."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tarjama.report import write_report

from ..conftest import ROOT, shared_data
from ..report_records import decorate, hostile_folder, read_records, seed_out, translate_with_fake, write_records

__all__ = ["seed_out"]  # a fixture

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"


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
    records = read_records(seed_out / "000_4c695357e9463a4d.align.jsonl")
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
    out = translate_with_fake([source], tmp_path / "out")
    for path in out.rglob("*.align.jsonl"):
        write_records(path, [decorate(r) for r in read_records(path)])
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
        records = read_records(out / f"{Path(article.name).with_suffix('')}.align.jsonl")
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
    write_report(hostile_folder(tmp_path), report)
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
        write_records(out / f"{n:04d}.align.jsonl", records)
    report = tmp_path / "report.html"
    write_report(out, report)
    started = time.perf_counter()
    _open(page, report)
    _show(page, 999)
    assert time.perf_counter() - started < 20
    assert page.locator("tr.doc").count() == 1000
    assert page.locator("#pairs tr.pair").count() == 30
    assert page.locator("#pairs tr.pair.flagged").count() == 1


@pytest.fixture(scope="module")
def scored_out(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """The seed and four ANT articles translated by the tiny model: real model scores."""
    from tarjama.cli import main

    source = tmp_path_factory.mktemp("scored-in")
    shutil.copy(ROOT / "seeds" / "000_4c695357e9463a4d.txt", source)
    for path in sorted(shared_data("ant-news-sample", "txt").rglob("*.txt"))[:4]:
        shutil.copy(path, source / f"{path.parent.name}-{path.name}")
    out = tmp_path_factory.mktemp("scored-out")
    model = ["--model", str(tiny_model), "--beams", "1", "--device", "cpu", "--no-cache", "-q"]
    assert main(["translate", str(source), "-o", str(out), *model]) == 0
    return out


def test_sentences_sorted_and_filtered_by_model_score_in_chromium(scored_out: Path, tmp_path: Path, page: Any) -> None:
    report = tmp_path / "report.html"
    data = write_report(scored_out, report)
    every = sorted(s["score"] for a in data.articles for s in a.sentences if s["score"] is not None)
    assert len(every) > 40
    _open(page, report)
    # the distribution: every scored sentence in one of the bars
    counts = page.eval_on_selector_all("#score-distribution rect.bar", "bars => bars.map(b => Number(b.dataset.count))")
    assert len(counts) == 30 and sum(counts) == len(every)
    # articles sorted by their lowest score
    page.click("#sort-lowest")
    lowest = page.eval_on_selector_all("tr.doc", "rows => rows.map(r => Number(r.dataset.lowest))")
    assert lowest == sorted(lowest) == sorted(a.lowest_score for a in data.articles)
    _save_screenshot(page, tmp_path, "report-score-distribution.png")
    # every sentence of the folder, lowest score first
    page.click("#lowest-link")
    page.wait_for_selector("#lowest-pairs tr.pair")
    shown = page.eval_on_selector_all("#lowest-pairs tr.pair", "rows => rows.map(r => Number(r.dataset.score))")
    assert shown == every[:100]
    assert page.locator("#more").is_visible() == (len(every) > 100)
    _save_screenshot(page, tmp_path, "report-by-score.png")
    # only what scored below a threshold
    median = every[len(every) // 2]
    page.fill("#score-below", str(median))
    visible = page.eval_on_selector_all(
        "#lowest-pairs tr.pair", "rows => rows.filter(r => r.offsetParent !== null).map(r => Number(r.dataset.score))"
    )
    assert visible == [s for s in every if s < median][:100] and visible
    # in an article: the same filter, and lowest first on request
    page.fill("#score-below", "")
    page.locator("#lowest-pairs tr.pair a").first.click()
    page.wait_for_selector("#pairs tr.pair")
    page.check("#by-score")
    in_article = page.eval_on_selector_all("#pairs tr.pair", "rows => rows.map(r => r.dataset.score)")
    scores = [float(s) for s in in_article if s]
    assert scores == sorted(scores) and scores[0] == every[0]
    assert all(s == "" for s in in_article[len(scores) :])  # unscored (copied) sentences last
    page.uncheck("#by-score")
    order = page.eval_on_selector_all("#pairs tr.pair", "rows => rows.map(r => Number(r.dataset.k))")
    assert order == list(range(len(order)))
    assert page.errors == []
