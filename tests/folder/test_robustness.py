"""Folder jobs that never lose work, and every kind of bad input handled (issue 7).

Each bad input is run next to a good file: the test asserts the message, the exit code
and that the good file was translated.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tarjama.assemble import assemble
from tarjama.cli import main
from tarjama.normalise import INVISIBLE, clean_layout
from tarjama.outputs import RUN_FILES
from tarjama.segment import Segmenter

from ..conftest import ROOT, SEED, check_outputs, shared_data, transliterate

FAKE = ["--backend", "fake", "--model", "fake-model", "--no-cache", "-q"]
GOOD = "قال الوزير إن الاجتماع انتهى.\n\nوأضاف أن الاتفاق سيوقع غدا.\n"
ARABIC = "وصل الوزير إلى المدينة أمس. وقال إن المحادثات كانت مثمرة."


def run(tmp_path: Path, name: str, data: bytes, *flags: str) -> tuple[int, Path]:
    """Translate a folder holding ``name`` (with ``data``) and a good file."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / name).write_bytes(data)
    out = tmp_path / "out"
    code = main(["translate", str(folder), "-o", str(out), *FAKE, *flags])
    assert (out / "good.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    return code, out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no text to translate (empty or whitespace only)"),
        (b" \n\t\n\n  \n", "no text to translate (empty or whitespace only)"),
        (ARABIC.encode("windows-1256"), "not UTF-8: decoded as windows-1256"),
        (ARABIC.encode("iso-8859-6"), "not UTF-8: decoded as iso-8859-6"),
    ],
    ids=["empty", "whitespace only", "Windows-1256", "ISO-8859-6"],
)
def test_inputs_translated_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    code, out = run(tmp_path, "odd.txt", data)
    assert code == 0
    assert f"warning: {tmp_path / 'in' / 'odd.txt'}: {message}" in capsys.readouterr().err
    english = (out / "odd.en.txt").read_text(encoding="utf-8")
    text = data.decode("windows-1256" if "1256" in message else "iso-8859-6" if "8859" in message else "utf-8")
    assert english == transliterate(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is binary, not text (it contains NUL bytes)"),
        (ARABIC.encode("utf-8") + b"\x00\x00" + ARABIC.encode("utf-8"), "is binary, not text (it contains NUL bytes)"),
        ("Ceci est un café au lait très chaud. ".encode("latin-1") * 5, "is not UTF-8 (byte 0xe9 at offset 15)"),
    ],
    ids=["binary", "NUL bytes", "Latin-1"],
)
def test_unreadable_inputs_fail_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    code, out = run(tmp_path, "bad.txt", data)
    assert code == 1
    err = capsys.readouterr().err
    assert f"failed: {tmp_path / 'in' / 'bad.txt'}: {message}" in err
    assert not (out / "bad.en.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["status"]) for f in manifest["files"]] == [("bad.txt", "failed"), ("good.txt", "done")]


def test_encoding_is_the_way_out(tmp_path: Path) -> None:
    data = "Ceci est un café au lait très chaud. ".encode("latin-1") * 5
    (tmp_path / "fr.txt").write_bytes(data)
    assert (
        main(["translate", str(tmp_path / "fr.txt"), "-o", str(tmp_path / "out"), *FAKE, "--encoding", "latin-1"]) == 0
    )
    assert (tmp_path / "out" / "fr.en.txt").read_bytes() == data.decode("latin-1").encode("utf-8")  # French: copied


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + GOOD.encode("utf-8"),
        GOOD.encode("utf-16"),
        GOOD.encode("utf-16-le"),
        GOOD.encode("utf-16-be"),
    ],
    ids=["UTF-8 BOM", "UTF-16 BOM", "UTF-16-LE", "UTF-16-BE"],
)
def test_unicode_encodings(tmp_path: Path, data: bytes) -> None:
    code, out = run(tmp_path, "other.txt", data)
    assert code == 0
    assert (out / "other.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    (record, *_) = [json.loads(line) for line in (out / "other.align.jsonl").open(encoding="utf-8")]
    assert record["source_span"] == [0, GOOD.index(".") + 1]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_line_endings_kept(tmp_path: Path, newline: str) -> None:
    text = GOOD.replace("\n", newline)
    run(tmp_path, "endings.txt", text.encode("utf-8"))
    english = (tmp_path / "out" / "endings.en.txt").read_bytes().decode("utf-8")
    assert english == transliterate(GOOD).replace("\n", newline)


def test_mostly_english_is_copied_and_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    english = "The minister arrived in Baghdad. He said the talks went well (قال).\n"
    code, out = run(tmp_path, "english.txt", english.encode("utf-8"))
    assert code == 0
    assert (out / "english.en.txt").read_text(encoding="utf-8") == english
    assert "english.txt: mostly not Arabic: copied unchanged" in capsys.readouterr().err
    records = [json.loads(line) for line in (out / "english.align.jsonl").open(encoding="utf-8")]
    assert {tuple(r["flags"]) for r in records} == {("not_arabic",)}


def test_latin_line_in_an_arabic_article_is_not_sent_to_the_model(fake_backend) -> None:
    from tarjama import Translator

    translator = Translator(backend=fake_backend, cache_enabled=False)
    result = translator.translate("عنوان الخبر\n\nUn Fils, Polimovie 2016\n\nقال الوزير.")
    assert [item.method for item in result.sentences] == ["whole", "whole", "whole"]
    assert all("Un Fils" not in s for batch in fake_backend.batches for s in batch)
    assert result.text.split("\n\n")[1] == "Un Fils, Polimovie 2016"


def test_bidi_controls_in_mixed_text(tmp_path: Path) -> None:
    text = "\u202bأعلنت شركة \u202aMicrosoft Corp.\u202c عن أرباح.\u202c\u200f قال المدير\u200e: نعم.\n"
    code, out = run(tmp_path, "bidi.txt", text.encode("utf-8"))
    assert code == 0
    english = (out / "bidi.en.txt").read_text(encoding="utf-8")
    assert not set(english) & set(INVISIBLE)
    assert "Microsoft Corp." in english
    checked, problems = check_outputs.check_folder(out)
    assert checked == 2 and problems == []


def test_symbolic_link_out_of_the_tree_is_not_followed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "secret.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link.txt").symlink_to(tmp_path / "secret.txt")
    run(tmp_path, "inside.txt", ARABIC.encode("utf-8"))
    assert "link.txt: skipped: it links outside" in caplog.text
    assert not (tmp_path / "out" / "link.en.txt").exists()


def test_output_folder_inside_the_input_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARABIC, encoding="utf-8")
    for _ in range(2):
        assert main(["translate", str(folder), "-o", str(folder / "out"), *FAKE]) == 0
    manifest = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in manifest["files"]] == ["a.txt"]


def test_colliding_outputs_stop_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARABIC, encoding="utf-8")
    (folder / "a.md").write_text(ARABIC, encoding="utf-8")
    assert main(["translate", str(folder), "-o", str(tmp_path / "out"), *FAKE]) == 2
    assert "would write the same outputs as" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_five_megabyte_single_paragraph(tmp_path: Path) -> None:
    sentence = " ".join(SEED.read_text(encoding="utf-8").split()) + " "
    text = (sentence * (5_000_000 // len(sentence.encode("utf-8")) + 1)).strip()
    assert len(text.encode("utf-8")) >= 5_000_000
    started = time.perf_counter()
    code, out = run(tmp_path, "big.txt", text.encode("utf-8"))
    assert code == 0
    assert time.perf_counter() - started < 240
    english = (out / "big.en.txt").read_text(encoding="utf-8")
    assert "\n" not in english and len(english) > 0.9 * len(text)


def test_one_sentence_of_three_thousand_words(tmp_path: Path) -> None:
    words = ARABIC.replace(".", "").split()
    text = " ".join(words[i % len(words)] for i in range(3000)) + "."
    code, out = run(tmp_path, "long.txt", text.encode("utf-8"))
    assert code == 0
    (record,) = [json.loads(line) for line in (out / "long.align.jsonl").open(encoding="utf-8")]
    assert record["source"] == text and len(record["units"]) > 10
    assert record["translation"] == transliterate(text)  # every unit translated, nothing dropped


# --- formats ----------------------------------------------------------------------


def test_jsonl_records_keep_their_other_fields(tmp_path: Path) -> None:
    records = [{"id": 7, "text": "قال الوزير.", "url": "https://example.com/a"}, {"id": 8, "text": "نعم.\n\nلا."}]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    code, out = run(tmp_path, "feed.jsonl", data)
    assert code == 0
    lines = [json.loads(line) for line in (out / "feed.en.jsonl").open(encoding="utf-8")]
    assert lines == [{**r, "text": transliterate(r["text"])} for r in records]
    aligned = [json.loads(line) for line in (out / "feed.align.jsonl").open(encoding="utf-8")]
    assert [(a["record"], a["source"]) for a in aligned] == [(0, "قال الوزير."), (1, "نعم."), (1, "لا.")]


def test_jsonl_field_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = '{"body": "نعم."}\n'.encode()
    code, out = run(tmp_path, "feed.jsonl", data, "--jsonl-field", "body")
    assert code == 0 and (out / "feed.en.jsonl").read_text(encoding="utf-8") == '{"body": "nEm."}\n'
    code, _ = run(tmp_path, "feed.jsonl", data)
    assert code == 1
    assert "feed.jsonl: line 1 has no text field 'text' (choose one with --jsonl-field)" in capsys.readouterr().err
    code, _ = run(tmp_path, "feed.jsonl", b'{"text": "\xd9\x86\xd8\xb9\xd9\x85"\n', "--force")
    assert code == 1
    assert "feed.jsonl: line 1 is not JSON" in capsys.readouterr().err


def test_markdown_structure_kept(tmp_path: Path) -> None:
    markdown = (
        "# عنوان الخبر\n\n"
        "- البند الأول في [التقرير](https://example.com/r.pdf) اليوم.\n"
        "1. استخدم الأمر `ls -la` للعرض.\n\n"
        "> قال الوزير: نعم.\n\n"
        "```\nكود لا يترجم\n```\n"
    )
    code, out = run(tmp_path, "note.md", markdown.encode("utf-8"))
    assert code == 0
    english = (out / "note.en.md").read_text(encoding="utf-8")
    assert english == (
        "# EnwAn Alxbr\n\n"
        "- Albnd Al>wl fy [Altqryr](https://example.com/r.pdf) Alywm.\n"
        "1. AstxdmAl>mr `ls -la` llErD.\n\n"
        "> qAl Alwzyr: nEm.\n\n"
        "```\nكود لا يترجم\n```\n"
    ).replace("AstxdmAl>mr", "Astxdm Al>mr")


def test_markdown_markup_placed_when_the_model_drops_it(tmp_path: Path) -> None:
    from tarjama import Translator
    from tarjama.backends import Backend, Hypothesis

    class DropsMarkup(Backend):
        name = "drops-markup"

        def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
            return [Hypothesis(transliterate(s).replace("`", "").replace("](https://x.org)", "]")) for s in sentences]

    translator = Translator(backend=DropsMarkup(), cache_enabled=False)
    article = translator.segmenter.segment("اقرأ [التقرير](https://x.org) و`ls` الآن.", markdown=True)
    (item,) = translator.translate_article(article).sentences
    assert "[Altqryr](https://x.org)" in item.translation and "`ls`" in item.translation
    assert item.method == "rebuilt"


# --- resume, kill, interrupt ------------------------------------------------------


def test_rerun_skips_finished_files_and_redoes_changed_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(ARABIC, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["translate", str(folder), "-o", str(out), *FAKE]
    assert main(argv) == 0
    (folder / "b.txt").write_text(GOOD, encoding="utf-8")
    capsys.readouterr()
    assert main(argv) == 0
    assert "3 of 3 files translated (2 done by an earlier run)" in capsys.readouterr().err
    assert (out / "b.en.txt").read_text(encoding="utf-8") == transliterate(GOOD)
    assert main([*argv, "--force"]) == 0
    assert "(2 done by an earlier run)" not in capsys.readouterr().err
    assert main([*argv, "--beams", "2"]) == 0  # other settings: everything again
    assert "done by an earlier run" not in capsys.readouterr().err


def _subprocess_env(delay: float) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
        "TARJAMA_FAKE_DELAY": str(delay),
        "HF_HUB_OFFLINE": "1",
    }
    return env


def _command(folder: Path, out: Path, config: Path) -> list[str]:
    return [
        sys.executable, "-m", "tarjama.cli", "translate", str(folder), "-o", str(out),
        "--backend", "fakes:FakeBackend", "--model", "fake", "--config", str(config), "--no-cache", "-q",
    ]  # fmt: skip


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file a run left in ``out`` but the lock and journal it keeps for itself."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name not in RUN_FILES
    }


def single_run(tmp_path: Path, count: int = 60) -> tuple[Path, Path, dict[str, bytes]]:
    """``count`` ANT articles in ``tmp_path/in``, a config with small windows (many
    batches), and the outputs (manifest aside) of one uninterrupted run on them."""
    articles = sorted(shared_data("ant-news-sample", "txt").rglob("*.txt"))[:count]
    folder = tmp_path / "in"
    for path in articles:
        (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / path.parent.name / path.name).write_bytes(path.read_bytes())
    config = tmp_path / "small-windows.toml"
    config.write_text("[batching]\nwindow_sentences = 16\nmax_sentences = 8\n", encoding="utf-8")
    reference = tmp_path / "reference"
    subprocess.run(_command(folder, reference, config), env=_subprocess_env(0), check=True, timeout=300)
    expected = {k: v for k, v in _outputs(reference).items() if k != "manifest.json"}
    assert len(expected) == 2 * len(articles)
    return folder, config, expected


@pytest.mark.slow  # over 10 s: the full suite runs it, the fast loop does not
def test_killed_runs_resume_to_identical_outputs(tmp_path: Path) -> None:
    folder, config, expected = single_run(tmp_path)
    articles = [name for name in expected if name.endswith(".en.txt")]

    out = tmp_path / "out"
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(_command(folder, out, config), env=_subprocess_env(0.02), stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.5, 4.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        for name, data in _outputs(out).items():  # every file there is complete
            if name != "manifest.json" and not Path(name).name.startswith("."):
                assert data == expected[name], name
    assert kills >= 2, "the runs finished before they could be killed; raise TARJAMA_FAKE_DELAY"
    subprocess.run(_command(folder, out, config), env=_subprocess_env(0), check=True, timeout=300)
    final = _outputs(out)
    assert {k: v for k, v in final.items() if k != "manifest.json"} == expected
    manifest = json.loads(final["manifest.json"])
    assert manifest["totals"]["done"] == len(articles) and manifest["totals"]["resumed"] > 0


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(40):
        (folder / f"{k:02d}.txt").write_text(GOOD * 3, encoding="utf-8")
    config = tmp_path / "small-windows.toml"
    config.write_text("[batching]\nwindow_sentences = 6\nmax_sentences = 2\n", encoding="utf-8")
    out = tmp_path / "out"
    # the run as a user's Ctrl-C finds it: a shell that starts a command in the background
    # (`.ci/run &`) has it ignore SIGINT, children inherit that, and Python then installs no
    # KeyboardInterrupt handler: the run would finish instead
    process = subprocess.Popen(
        _command(folder, out, config), env=_subprocess_env(0.02), stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.time() + 60
    while not any(out.glob("*.en.txt")) and time.time() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in err and "run the same command again" in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = [f["name"] for f in manifest["files"] if f["status"] == "done"]
    assert done and all((out / name.replace(".txt", ".en.txt")).exists() for name in done)


# --- fuzz -------------------------------------------------------------------------

ALPHABET = list("ابتثجحخدذرسشصضطظعغفقكلمنهوية ") + list("abcXYZ019٣") + list('.!?؟…،؛:«»“”"()\n\r\t  ')
ALPHABET += [*INVISIBLE, "\u00a0"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=400))
@example("0\r\u061c\n0")  # an invisible mark inside CR LF: one line break
def test_fuzz_segmentation_and_reassembly_keep_the_structure(text: str) -> None:
    article = Segmenter(max_input_tokens=5).segment(text)
    sentences = list(article.sentences)
    english, spans = assemble(article, [transliterate(s.text) for s in sentences])
    assert check_outputs.layout(english) == check_outputs.layout(clean_layout(text))
    assert len(article.paragraphs) == len(check_outputs.layout(clean_layout(text)))
    for sentence, (start, end) in zip(sentences, spans, strict=True):
        assert text[sentence.start : sentence.end] == article.source(sentence)
        assert english[start:end] == transliterate(sentence.text)
        assert re.sub(r"\s", "", "".join(sentence.units)) == re.sub(r"\s", "", sentence.text)
