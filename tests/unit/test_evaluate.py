"""Evaluation (issue 5): scores equal sacrebleu's own, both modes, paired tests, every error path.

The expected numbers are computed here through sacrebleu's API on the same segments, never
pasted. NTREX-128 (CC-BY-SA 4.0, Microsoft) is read from ../shared/data when it is there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from tarjama.cli import main
from tarjama.errors import ConfigError, EvaluationError, MissingExtraError
from tarjama.evaluation import compare, evaluate, read_evaluation_set, read_translations, write_plot
from tarjama.read import find_inputs

from ..conftest import ROOT, SEED, shared_data, transliterate

SEED_REFERENCE = ROOT / "seeds" / "000_4c695357e9463a4d.ref.en.txt"
FAKE = ["--backend", "fake", "--model", "fake-model", "-q", "--no-cache"]  # translate and evaluate-set

# Two systems' translations: document -> lines -> the sentences tarjama made of each line.
SYSTEM_A = {
    "a": [
        ["The minister said the meeting had ended."],
        ["He added:", '"No comment."'],
        ["Prices rose by 3 percent in October."],
    ],
    "sub/b": [
        ["Storms hit the coast on Monday."],
        ["Thousands of homes lost power.", "Schools were closed."],
    ],
}
SYSTEM_B = {
    "a": [["The minister said meeting is over."], ["He added no comment."], ["Prices went up in October."]],
    "sub/b": [["Storms on the coast Monday."], ["Many houses without electricity, and schools closed."]],
}
REFERENCES = {
    "a": ["The minister said that the meeting had ended.", 'He added: "No comment."', "Prices rose 3% in October."],
    "sub/b": ["Storms struck the coast on Monday.", "Thousands of homes lost power and schools were closed."],
}


def _write_translation(out: Path, name: str, lines: list[list[str]]) -> None:
    """What tarjama translate writes: the text (one paragraph per line) and its alignment."""
    text, records = "", []
    for paragraph, sentences in enumerate(lines):
        text += "\n\n" if paragraph else ""
        for index, sentence in enumerate(sentences):
            text += " " if index else ""
            start = len(text)
            text += sentence
            span = [start, len(text)]
            records.append(
                {
                    "paragraph": paragraph,
                    "sentence": index,
                    "source": "…",
                    "source_span": [0, 1],
                    "translation": sentence,
                }
                | {"target_span": span, "units": None, "flags": []}
            )
    path = out / f"{name}.en.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    lines_out = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out / f"{name}.align.jsonl").write_text(lines_out, encoding="utf-8")


def _system(root: Path, system: dict[str, list[list[str]]]) -> Path:
    for name, lines in system.items():
        _write_translation(root, name, lines)
    (root / "manifest.json").write_text(json.dumps({"model": "test-model", "files": []}), encoding="utf-8")
    return root


def _references(root: Path, references: dict[str, list[str]] = REFERENCES) -> Path:
    for name, lines in references.items():
        path = root / (f"{name}.txt" if name == "a" else f"{name}.en.txt")  # both namings are found
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(system A, system B, references)."""
    return _system(tmp_path / "a", SYSTEM_A), _system(tmp_path / "b", SYSTEM_B), _references(tmp_path / "ref")


def _joined(system: dict[str, list[list[str]]], name: str) -> list[str]:
    return [" ".join(sentences) for sentences in system[name]]


def _sacrebleu_metrics() -> dict[str, BLEU | CHRF | TER]:
    return {"bleu": BLEU(), "chrf": CHRF(word_order=2), "ter": TER()}


def _assert_equal_to_sacrebleu(got: dict, hypotheses: list[str], references: list[str], n_bootstrap: int) -> None:
    for key, metric in _sacrebleu_metrics().items():
        expected = metric.corpus_score(hypotheses, [references], n_bootstrap=n_bootstrap)
        assert got[key].metric == expected.name
        assert got[key].score == expected.score, key
        assert got[key].signature == metric.get_signature().format(), key
        if n_bootstrap > 1:  # sacrebleu's own estimate, which it keeps in two private attributes
            assert (got[key].ci_mean, got[key].ci_radius) == pytest.approx((expected._mean, expected._ci)), key
            low, high = got[key].ci
            assert low < high
        else:
            assert got[key].ci is None


# ---------------------------------------------------------------------------- golden scores


def test_sentence_mode_equals_sacrebleu_corpus_and_per_document(corpus: tuple[Path, Path, Path]) -> None:
    system_a, _, references = corpus
    result = evaluate(system_a, references, n_bootstrap=300)
    assert result.mode == "sentence"
    assert "every reference has one line per source line: 5 segments in 2 documents" in result.reason
    hypotheses = _joined(SYSTEM_A, "a") + _joined(SYSTEM_A, "sub/b")
    _assert_equal_to_sacrebleu(result.corpus, hypotheses, REFERENCES["a"] + REFERENCES["sub/b"], 300)
    assert [d.document for d in result.documents] == ["a", "sub/b"]
    for document in result.documents:
        _assert_equal_to_sacrebleu(
            document.scores, _joined(SYSTEM_A, document.document), REFERENCES[document.document], 300
        )
    assert result.segments == 5 and result.documents[1].segments == 2
    assert "bs:300|seed:12345" in result.corpus["bleu"].signature
    assert result.system == {"model": "test-model"}


def test_sentences_of_one_line_are_joined_through_the_alignment(corpus: tuple[Path, Path, Path]) -> None:
    texts = read_translations(corpus[0])
    assert texts["a"].lines == (
        "The minister said the meeting had ended.",
        'He added: "No comment."',
        SYSTEM_A["a"][2][0],
    )
    assert (
        texts["sub/b"].document == "Storms hit the coast on Monday. Thousands of homes lost power. Schools were closed."
    )


def test_document_mode_when_references_are_not_line_aligned(tmp_path: Path) -> None:
    system = _system(tmp_path / "out", SYSTEM_A)
    merged = {"a": [" ".join(REFERENCES["a"][:2]), REFERENCES["a"][2]], "sub/b": REFERENCES["sub/b"]}
    references = _references(tmp_path / "ref", merged)
    result = evaluate(system, references, n_bootstrap=300)
    assert result.mode == "document"
    assert result.reason == (
        f"the references are not line-aligned with the sources (document 'a': 2 reference lines in {references}/a.txt, "
        f"3 translated lines in {system}/a.en.txt)"
    )
    documents = [" ".join(_joined(SYSTEM_A, name)) for name in ("a", "sub/b")]
    _assert_equal_to_sacrebleu(result.corpus, documents, [" ".join(merged["a"]), " ".join(merged["sub/b"])], 300)
    for document, hypothesis in zip(result.documents, documents, strict=True):
        _assert_equal_to_sacrebleu(document.scores, [hypothesis], [" ".join(merged[document.document])], 1)


def test_document_mode_on_request(corpus: tuple[Path, Path, Path]) -> None:
    result = evaluate(corpus[0], corpus[2], mode="document", n_bootstrap=1)
    assert (result.mode, result.reason, result.segments) == (
        "document",
        "asked for: each of the 2 documents is one segment",
        2,
    )
    assert result.corpus["bleu"].ci is None


def test_line_aligned_files_with_document_ids(tmp_path: Path) -> None:
    hypotheses = _joined(SYSTEM_A, "a") + _joined(SYSTEM_A, "sub/b")
    references = REFERENCES["a"] + REFERENCES["sub/b"]
    (tmp_path / "hyp.txt").write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\r\n".join(references) + "\r\n", encoding="utf-8")
    (tmp_path / "ids.tsv").write_text("d1\nd1\nd1\nd2\nd2\n", encoding="utf-8")
    result = evaluate(tmp_path / "hyp.txt", tmp_path / "ref.txt", document_ids=tmp_path / "ids.tsv", n_bootstrap=200)
    assert result.mode == "sentence" and [d.document for d in result.documents] == ["d1", "d2"]
    _assert_equal_to_sacrebleu(result.corpus, hypotheses, references, 200)


def test_paired_bootstrap_equals_sacrebleu(corpus: tuple[Path, Path, Path]) -> None:
    system_a, system_b, references = corpus
    result = compare(system_a, system_b, references, n_samples=500)
    hypotheses_a = _joined(SYSTEM_A, "a") + _joined(SYSTEM_A, "sub/b")
    hypotheses_b = _joined(SYSTEM_B, "a") + _joined(SYSTEM_B, "sub/b")
    refs = REFERENCES["a"] + REFERENCES["sub/b"]
    expected_signatures, expected = PairedTest(
        [("A", hypotheses_a), ("B", hypotheses_b)], _sacrebleu_metrics(), [refs], test_type="bs", n_samples=500
    )()
    assert (result.mode, result.test, result.samples, result.segments) == ("sentence", "bs", 500, 5)
    assert result.reason.endswith("5 segments in 2 documents")
    for key, name in zip(("bleu", "chrf", "ter"), ("BLEU", "chrF2++", "TER"), strict=True):
        score, (base, other) = result.scores[key], expected[name]
        assert (score.baseline, score.system, score.p_value) == (base.score, other.score, other.p_value)
        assert score.signature == expected_signatures[name].format()
        assert score.system_ci == pytest.approx((other.mean - other.ci, other.mean + other.ci))
        assert score.difference == pytest.approx(other.score - base.score)
    assert result.scores["bleu"].system < result.scores["bleu"].baseline


def test_compare_scores_both_systems_in_one_mode(corpus: tuple[Path, Path, Path]) -> None:
    system_a, system_b, references = corpus
    (system_b / "a.en.txt").write_text("The minister said meeting is over. He added no comment.\n", encoding="utf-8")
    (system_b / "a.align.jsonl").unlink()
    result = compare(system_a, system_b, references, n_samples=100)
    assert result.mode == "document" and result.segments == 2
    assert result.reason.startswith("the references are not line-aligned with the sources (document 'a': 3 reference")
    assert f"1 translated line in {system_b}/a.en.txt" in result.reason


def test_approximate_randomisation(corpus: tuple[Path, Path, Path]) -> None:
    result = compare(corpus[0], corpus[1], corpus[2], test="ar", n_samples=300)
    assert result.test == "ar" and result.samples == 300
    assert all(0 <= s.p_value <= 1 for s in result.scores.values())
    assert "ar:300" in result.scores["chrf"].signature


# ---------------------------------------------------------------------------- the command


def test_cli_evaluate_table_json_and_plot(
    corpus: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, plot = tmp_path / "scores.json", tmp_path / "scores.png"
    args = ["evaluate", "--hyp", str(corpus[0]), "--ref", str(corpus[2]), "--json", str(report), "--plot", str(plot)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("sentence mode: every reference has one line per source line")
    assert "corpus" in out and "sub/b" in out and "[low, high]: 95% confidence interval" in out
    assert "BLEU|nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    expected = evaluate(corpus[0], corpus[2])
    assert data["mode"] == "sentence" and data["segments"] == 5
    assert data["corpus"]["chrf"]["score"] == expected.corpus["chrf"].score
    assert {"ci_low", "ci_high", "ci_mean", "ci_radius", "signature"} <= set(data["corpus"]["ter"])
    assert data["corpus"]["bleu"]["precisions"] and data["corpus"]["bleu"]["ref_len"] > 0
    assert [d["document"] for d in data["documents"]] == ["a", "sub/b"]
    assert data["signatures"]["chrF2++"] == expected.corpus["chrf"].signature
    assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_cli_compare(corpus: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "compare.json"
    args = ["evaluate", "--compare", str(corpus[0]), str(corpus[1]), "--ref", str(corpus[2]), "--json", str(report)]
    assert main([*args, "--bootstrap", "200"]) == 0
    out = capsys.readouterr().out
    assert "paired bootstrap resampling, 200 samples over 5 segments" in out and "p-value" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data["scores"]) == {"bleu", "chrf", "ter"}
    assert 0 <= data["scores"]["bleu"]["p_value"] <= 1 and data["test"] == {
        "type": "bs",
        "samples": 200,
        "seed": "12345",
    }


def test_cli_imports_no_scorer_for_help() -> None:
    imports = "import sys, tarjama.cli; tarjama.cli.build_parser()"
    code = f"{imports}; print(*(m in sys.modules for m in ('sacrebleu', 'matplotlib')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------------------- errors


def _break(setup: str, tmp_path: Path, corpus: tuple[Path, Path, Path]) -> list[str]:
    """Make one thing wrong; return the evaluate arguments that meet it."""
    hyp, _, ref = corpus
    args = ["--hyp", str(hyp), "--ref", str(ref)]
    if setup == "missing-reference":
        (ref / "sub" / "b.en.txt").unlink()
    elif setup == "missing-translation":
        (ref / "c.txt").write_text("A third document.\n", encoding="utf-8")
    elif setup == "empty-translation":
        (hyp / "a.en.txt").write_text(" \n\n", encoding="utf-8")
    elif setup == "empty-reference":
        (ref / "a.txt").write_text("\n", encoding="utf-8")
    elif setup == "arabic-reference":
        (ref / "a.txt").write_text("قال الوزير إن الاجتماع انتهى.\n", encoding="utf-8")
    elif setup == "line-counts":
        (ref / "a.txt").write_text("One line only.\n", encoding="utf-8")
        args += ["--mode", "sentence"]
    elif setup == "alignment":
        records = (hyp / "a.align.jsonl").read_text(encoding="utf-8").replace("had ended", "has ended")
        (hyp / "a.align.jsonl").write_text(records, encoding="utf-8")
    elif setup == "no-translations":
        (tmp_path / "empty").mkdir()
        args[1] = str(tmp_path / "empty")
    elif setup == "no-hypothesis":
        args[1] = str(tmp_path / "nowhere")
    elif setup == "one-reference":
        args[3] = str(ref / "a.txt")
    elif setup == "ids-count":
        (tmp_path / "ids.tsv").write_text("d1\nd1\n", encoding="utf-8")
        (tmp_path / "ref.txt").write_text("One.\nTwo.\nThree.\n", encoding="utf-8")
        args = ["--hyp", str(hyp), "--ref", str(tmp_path / "ref.txt"), "--doc-ids", str(tmp_path / "ids.tsv")]
    elif setup == "empty-line":
        (tmp_path / "ids.tsv").write_text("d1\nd1\nd1\n", encoding="utf-8")
        (tmp_path / "ref.txt").write_text("One.\n\nThree.\n", encoding="utf-8")
        args = ["--hyp", str(hyp), "--ref", str(tmp_path / "ref.txt"), "--doc-ids", str(tmp_path / "ids.tsv")]
    elif setup == "ntrex-without-english":
        (tmp_path / "set").mkdir()
        (tmp_path / "set" / "DOCUMENT_IDS.tsv").write_text("d1\n", encoding="utf-8")
        args[3] = str(tmp_path / "set")
    elif setup == "one-segment":
        for name in ("x", "y"):
            _system(tmp_path / name, {"a": [["One sentence."]]})
        (tmp_path / "one.txt").write_text("One sentence here.\n", encoding="utf-8")
        args = ["--compare", str(tmp_path / "x"), str(tmp_path / "y"), "--ref", str(tmp_path / "one.txt")]
    elif setup == "plot-with-compare":
        args = ["--compare", str(hyp), str(hyp), "--ref", str(ref), "--plot", str(tmp_path / "p.png")]
    elif setup == "bootstrap":
        args += ["--bootstrap", "0"]
    return args


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing-reference", "sub/b.en.txt: has no reference: {ref} has no document 'sub/b'"),
        ("missing-translation", "c.txt: has no translation: {hyp} has no document 'c' (was it translated?)"),
        ("empty-translation", "a.en.txt: is empty: there is no translation to score"),
        ("empty-reference", "a.txt: is empty: a reference must hold the English text"),
        ("arabic-reference", "a.txt: is Arabic, not English; a reference must be the English translation"),
        ("line-counts", "line counts do not match (document 'a': 1 reference line in {ref}/a.txt, 3 translated"),
        ("alignment", "a.align.jsonl: line 1: target_span [0, 40] does not hold its translation in {hyp}/a.en.txt"),
        (
            "no-translations",
            "{tmp}/empty: holds no translations (*.en.txt, *.en.md, *.en.jsonl); "
            "give the -o folder of tarjama translate",
        ),
        ("no-hypothesis", "nowhere: no such file or folder"),
        ("one-reference", "a.txt: is one reference but {hyp} holds 2 translations; give a folder of references"),
        ("ids-count", "ref.txt: has 3 lines but {tmp}/ids.tsv has 2 document ids; they must be line-aligned"),
        ("empty-line", "ref.txt: line 2 (document d1) is empty; every line must hold a segment"),
        ("ntrex-without-english", "set: needs exactly one English file (*.eng.txt, *.en.txt), found: none"),
        ("one-segment", "one.txt: gives 1 segment in sentence mode; a paired test needs at least two"),
        ("plot-with-compare", "--plot draws the documents of one system: use it with --hyp, not --compare"),
        ("bootstrap", "bootstrap resamples must be 1 (none) or more, not 0"),
    ],
)
def test_errors_name_the_file_and_the_mismatch(
    setup: str, message: str, tmp_path: Path, corpus: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = _break(setup, tmp_path, corpus)
    assert main(["evaluate", *args]) == 2
    err = capsys.readouterr().err
    assert message.format(hyp=corpus[0], ref=corpus[2], tmp=tmp_path) in err
    assert err.startswith("tarjama: error: ") and "Traceback" not in err


def test_errors_are_typed(corpus: tuple[Path, Path, Path]) -> None:
    with pytest.raises(EvaluationError, match="has no reference") as caught:
        evaluate(corpus[0], corpus[2] / "sub")
    assert caught.value.path.endswith("a.en.txt")
    with pytest.raises(ConfigError, match="unknown evaluation mode 'lines'"):
        evaluate(corpus[0], corpus[2], mode="lines")
    with pytest.raises(ConfigError, match="unknown paired test 'x'"):
        compare(corpus[0], corpus[1], corpus[2], test="x")


@pytest.mark.parametrize(("module", "name"), [("sacrebleu", "sacrebleu"), ("matplotlib.figure", "matplotlib")])
def test_missing_extra_says_what_to_install(
    module: str, name: str, corpus: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = evaluate(corpus[0], corpus[2], n_bootstrap=1)
    monkeypatch.setitem(sys.modules, module, None)  # what an absent package looks like to import
    with pytest.raises(MissingExtraError, match=rf"{name} is not installed: pip install 'tarjama\[eval\]'"):
        if name == "sacrebleu":
            evaluate(corpus[0], corpus[2])
        else:
            write_plot(result, corpus[0] / "p.png")


# ---------------------------------------------------------------------------- the seed and NTREX-128


def test_seed_reference_is_paragraph_for_paragraph_and_never_an_input() -> None:
    source = SEED.read_text(encoding="utf-8").split("\n")
    reference = SEED_REFERENCE.read_text(encoding="utf-8").split("\n")
    assert [bool(line.strip()) for line in reference] == [bool(line.strip()) for line in source]
    assert [str(f.name) for f in find_inputs([ROOT / "seeds"])] == [SEED.name]


def test_seed_scored_against_its_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["translate", str(ROOT / "seeds"), "-o", str(out), *FAKE]) == 0
    assert not (out / "000_4c695357e9463a4d.ref.en.en.txt").exists()
    assert main(["evaluate", "--hyp", str(out), "--ref", str(SEED_REFERENCE)]) == 0
    assert "sentence mode: every reference has one line per source line: 15 segments in 1 document" in (
        capsys.readouterr().out
    )
    # the seeds folder as references: the English reference is preferred to the Arabic source
    assert evaluate(out, ROOT / "seeds", n_bootstrap=1).documents[0].reference == str(SEED_REFERENCE)


@pytest.mark.slow
def test_ntrex_english_against_itself_is_perfect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ntrex = shared_data("ntrex128")
    english, report = ntrex / "newstest2019-src.eng.txt", tmp_path / "self.json"
    args = ["--hyp", str(english), "--ref", str(ntrex), "--bootstrap", "1", "--json", str(report)]
    assert main(["evaluate", *args]) == 0
    assert "sentence mode: every reference has one line per source line: 1997 segments in 123 documents" in (
        capsys.readouterr().out
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    corpus = data["corpus"]
    assert (corpus["bleu"]["score"], corpus["chrf"]["score"], corpus["ter"]["score"]) == pytest.approx((100, 100, 0))
    assert len(data["documents"]) == 123
    for document in data["documents"]:
        assert (document["bleu"]["score"], document["chrf"]["score"]) == pytest.approx((100, 100))


@pytest.mark.model
def test_evaluate_set_end_to_end_on_ntrex(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ntrex = shared_data("ntrex128")
    out = tmp_path / "eval"
    args = ["evaluate-set", str(ntrex), "--model", str(tiny_model), "--beams", "1", "--documents", "2", "-o", str(out)]
    assert main([*args, "-q", "--no-cache"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("sentence mode: every reference has one line per source line")
    assert f"translations and scores in {out}" in printed.err
    data = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    test_set = read_evaluation_set(ntrex, documents=2)
    assert data["test_set"]["documents"] == 2 and data["test_set"]["segments"] == data["segments"]
    assert [d["document"] for d in data["documents"]] == sorted(test_set.sources)  # as the folders list them
    assert data["system"]["settings"]["decoding"]["beams"] == 1
    assert (out / "scores.png").read_bytes().startswith(b"\x89PNG") and (out / "scores.txt").exists()
    assert (out / "translations" / "manifest.json").exists()
    # the files beside the scores reproduce them
    again = evaluate(out / "translations", out / "reference")
    assert again.corpus["chrf"].to_dict() == data["corpus"]["chrf"]
    # the tiny model transliterates: Latin letters, nothing like the English
    assert 0 < data["corpus"]["chrf"]["score"] < 30
    # and the references, as a system, score perfectly
    perfect = tmp_path / "perfect"
    perfect.mkdir()
    for reference in (out / "reference").glob("*.txt"):
        shutil.copy(reference, perfect / f"{reference.stem}.en.txt")
    result = evaluate(perfect, out / "reference", n_bootstrap=1)
    assert result.mode == "sentence"
    assert (result.corpus["bleu"].score, result.corpus["chrf"].score) == pytest.approx((100, 100))


def test_evaluate_set_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-set", str(tmp_path), *FAKE]) == 2
    assert f"{tmp_path}: has no DOCUMENT_IDS.tsv: evaluate-set needs a line-aligned set" in capsys.readouterr().err
    (tmp_path / "DOCUMENT_IDS.tsv").write_text("a/b\n", encoding="utf-8")
    (tmp_path / "x.arb.txt").write_text("قال.\n", encoding="utf-8")
    (tmp_path / "x.eng.txt").write_text("He said.\n", encoding="utf-8")
    assert main(["evaluate-set", str(tmp_path), *FAKE]) == 2
    assert "document id 'a/b' (document 1) cannot be used as a file name" in capsys.readouterr().err
    (tmp_path / "DOCUMENT_IDS.tsv").write_text("d1\n", encoding="utf-8")
    (tmp_path / "out" / "source").mkdir(parents=True)
    (tmp_path / "out" / "source" / "old.txt").write_text("قال.\n", encoding="utf-8")
    assert main(["evaluate-set", str(tmp_path), "-o", str(tmp_path / "out"), *FAKE]) == 2
    assert "source: holds documents of another run (old.txt); choose a new -o folder" in capsys.readouterr().err


def test_evaluate_set_with_the_fake_backend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "DOCUMENT_IDS.tsv").write_text("d1\nd1\nd2\n", encoding="utf-8")
    (tmp_path / "set" / "t.arb.txt").write_text("قال الوزير.\nوأضاف: لا تعليق.\nعاصفة\n", encoding="utf-8")
    (tmp_path / "set" / "t.eng.txt").write_text("qAl Alwzyr.\nThe minister added.\nEASfp\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["evaluate-set", str(tmp_path / "set"), "-o", str(out), "--no-plot", *FAKE]) == 0
    assert (out / "source" / "d1.txt").read_text(encoding="utf-8") == "قال الوزير.\n\nوأضاف: لا تعليق.\n"
    assert (out / "translations" / "d1.en.txt").read_text(encoding="utf-8") == "qAl Alwzyr.\n\nw>DAf: lA tElyq.\n"
    assert not (out / "scores.png").exists()
    data = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert data["documents"][1]["document"] == "d2" and data["documents"][1]["chrf"]["score"] == pytest.approx(100)
    assert data["segments"] == 3 and data["mode"] == "sentence"
    assert "d1" in capsys.readouterr().out


def test_json_lines_outputs_are_scored_record_by_record(tmp_path: Path) -> None:
    """Issue 14: evaluate ignored the .en.jsonl files that translate writes for JSON Lines
    inputs. Each record is a document NAME#N, paired with record N of the references."""
    texts = ["عنوان أول\n\nقال الوزير إن الاجتماع انتهى.", "وأضاف أن الوفد سيعود غدا."]
    source = tmp_path / "in" / "news.jsonl"
    source.parent.mkdir()
    source.write_text("".join(json.dumps({"id": n, "body": t}) + "\n" for n, t in enumerate(texts)), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["translate", str(source), "-o", str(out), "--jsonl-field", "body", *FAKE]) == 0
    assert (out / "news.en.jsonl").is_file()
    english = [transliterate(texts[0]), "w>Daf >n Alwfd syEwd gdA."]  # the second with two words wrong
    references = tmp_path / "ref" / "news.jsonl"
    references.parent.mkdir()
    references.write_text("".join(json.dumps({"body": e}) + "\n" for e in english), encoding="utf-8")

    result = evaluate(out, references.parent, jsonl_field="body", n_bootstrap=1)
    assert [d.document for d in result.documents] == ["news#0", "news#1"]
    assert result.mode == "sentence" and result.segments == 3
    assert result.documents[0].scores["bleu"].score == pytest.approx(100.0)
    second = BLEU().corpus_score([transliterate(texts[1])], [[english[1]]])
    assert result.documents[1].scores["bleu"].score == second.score < 100.0


# ---------------------------------------------------------------------------- honest comparisons (issue 16)


def _line_files(tmp_path: Path, **systems: list[str]) -> dict[str, Path]:
    paths = {}
    for name, lines in systems.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def _degraded(lines: list[str], seed: int = 3) -> list[str]:
    """Each line with about a third of its words dropped (a fixed pattern)."""
    return [" ".join(w for k, w in enumerate(line.split()) if (k + seed * i) % 3) for i, line in enumerate(lines)]


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_identical_systems_differ_by_nothing(
    corpus: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], test: str
) -> None:
    report = tmp_path / "same.json"
    args = ["evaluate", "--compare", str(corpus[0]), str(corpus[0]), "--ref", str(corpus[2]), "--test", test]
    assert main([*args, "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "the systems are identical" in out and "p = 1" in out and "*" not in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["identical"] is True
    for score in data["scores"].values():
        assert score["difference"] == 0 and score["p_value"] == 1.0 and not score["significant_at_0.05"]
        assert score["difference_ci"] == [0.0, 0.0]
    assert set(data["signatures"]) == {"BLEU", "chrF2++", "TER"}


def test_outputs_that_differ_only_where_no_metric_looks_get_p_1(tmp_path: Path) -> None:
    references = [f"The council met on day {n} and agreed on the plan." for n in range(40)]
    a = [line + " ŧŧŧ" for line in _degraded(references)]
    # one wrong word for another of the same length that no reference shares a letter with
    b = [line.replace("ŧŧŧ", "ŋŋŋ") if n % 5 == 0 else line for n, line in enumerate(a)]
    files = _line_files(tmp_path, ref=references, a=a, b=b)
    result = compare(files["a"], files["b"], files["ref"], n_samples=200)
    assert not result.identical  # the strings differ: the test runs
    for score in result.scores.values():
        assert score.difference == 0.0 and score.p_value == 1.0  # sacrebleu alone would say 1/201


def test_a_small_difference_is_not_called_significant(tmp_path: Path) -> None:
    references = [line for line in _ntrex_english() if line.strip()][:300]
    a = _degraded(references)
    b = list(a)
    for n in (5, 17):  # two segments of 300 made perfect
        b[n] = references[n]
    files = _line_files(tmp_path, ref=references, a=a, b=b)
    result = compare(files["a"], files["b"], files["ref"], n_samples=1000)
    bleu, ter = result.scores["bleu"], result.scores["ter"]
    assert 0 < bleu.difference < 4 and ter.difference < 0
    assert bleu.p_value > 0.05 and not bleu.significant()
    assert bleu.difference_ci and bleu.difference_ci[0] <= 0 <= bleu.difference_ci[1]
    assert ter.difference_ci and ter.difference_ci[0] <= 0 <= ter.difference_ci[1]
    assert bleu.difference_ci[0] <= bleu.difference <= bleu.difference_ci[1]
    assert result.scores["chrf"].difference_ci is None


def test_p_values_at_the_floor_say_so(tmp_path: Path) -> None:
    references = [line for line in _ntrex_english() if line.strip()][:200]
    files = _line_files(tmp_path, ref=references, a=_degraded(references))
    result = compare(files["a"], files["ref"], files["ref"], n_samples=500)
    bleu = result.scores["bleu"]
    assert bleu.p_value == pytest.approx(1 / 501) and bleu.p_floor == pytest.approx(1 / 501)
    assert bleu.p_text == "<=0.0020" and "<=0.0020 *" in result.table()
    assert bleu.difference_ci and 0 < bleu.difference_ci[0] <= bleu.difference <= bleu.difference_ci[1]


def _ntrex_english() -> list[str]:
    return shared_data("ntrex128", "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
