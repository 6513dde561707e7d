"""``tarjama export``: the aligned pairs of a translated folder in four formats, each
read back to the same pairs; TMX checked against the TMX 1.4b structure by a real XML
parser (lxml, with a DTD of the elements used)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tarjama.cli import main
from tarjama.export import ExportFormat, Pair, folder_pairs, read_pairs

from ..fakes import UNSURE

SCORED = ["--backend", "scored-fake", "--model", "fake-model", "-q"]

# The TMX 1.4b content model (https://www.gala-global.org/tmx-14b) of the elements an
# export writes, with the attributes the standard requires of each.
TMX_DTD = """
<!ELEMENT tmx (header, body)>
<!ATTLIST tmx version CDATA #FIXED "1.4">
<!ELEMENT header (note|prop|ude)*>
<!ATTLIST header creationtool CDATA #REQUIRED creationtoolversion CDATA #REQUIRED
    segtype (block|paragraph|sentence|phrase) #REQUIRED o-tmf CDATA #REQUIRED
    adminlang CDATA #REQUIRED srclang CDATA #REQUIRED datatype CDATA #REQUIRED>
<!ELEMENT note (#PCDATA)>
<!ELEMENT ude EMPTY>
<!ELEMENT prop (#PCDATA)>
<!ATTLIST prop type CDATA #REQUIRED>
<!ELEMENT body (tu*)>
<!ELEMENT tu ((note|prop)*, tuv+)>
<!ATTLIST tu tuid CDATA #IMPLIED>
<!ELEMENT tuv ((note|prop)*, seg)>
<!ATTLIST tuv xml:lang CDATA #REQUIRED>
<!ELEMENT seg (#PCDATA)>
"""

ARTICLES = {
    "a.txt": f"عنوان أول\n\nقال الوزير إن الاجتماع انتهى. ثم قال كلاما {UNSURE}ا جدا.\n",
    "sub/b.md": "عنوان ثان\n\nوأضاف «نعم» للصحفيين.\n\nThis line is in English.\n",
}


@pytest.fixture
def translated(tmp_path: Path) -> Path:
    source = tmp_path / "in"
    for name, text in ARTICLES.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")
    (source / "c.jsonl").write_text(
        json.dumps({"id": 1, "text": "قال الوزير."}, ensure_ascii=False) + "\n"
        + json.dumps({"id": 2, "text": "ثم غادر."}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "out"
    assert main(["translate", str(source), "-o", str(out), *SCORED]) == 0
    return out


def hostile(tmp_path: Path) -> Path:
    """An output folder (as translate writes it) whose sentences hold what each format
    must escape: tabs, line breaks, a carriage return, a backslash, XML markup, U+2028."""
    out = tmp_path / "hostile"
    out.mkdir()
    texts = [
        ("قال\tالوزير", "qAl\tAlwzyr"),
        ("سطر\nآخر", "line\r\nother \\n not a break"),
        ("<b>&amp;</b>", 'x < y & "z" > w'),
        ("فاصل\u2028سطر", "sep\u2028line\u2029end"),
    ]
    records = [
        {"paragraph": 0, "sentence": i, "source": s, "translation": t, "flags": ["repetition"] * (i == 2), "score": -i}
        for i, (s, t) in enumerate(texts)
    ]
    (out / "x.align.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    entry = {"name": "x.txt", "status": "done", "output": "x.en.txt", "alignment": "x.align.jsonl"}
    (out / "manifest.json").write_text(json.dumps({"files": [entry]}), encoding="utf-8")
    return out


@pytest.mark.parametrize("format", [f.value for f in ExportFormat])
def test_each_format_reads_back_to_the_same_pairs(translated: Path, tmp_path: Path, format: str) -> None:
    expected = list(folder_pairs(translated))
    assert len(expected) == 8
    assert {p.document for p in expected} == {"a.txt", "sub/b.md", "c.jsonl#0", "c.jsonl#1"}
    # every sentence the model made has a score; the English line was copied, without one
    assert [p.source for p in expected if p.score is None] == ["This line is in English."]
    file = tmp_path / f"corpus.{format}"
    assert main(["export", str(translated), "-o", str(file), "--format", format]) == 0
    back = read_pairs(file, format)
    if format == "moses":
        assert [(p.source, p.translation) for p in back] == [(p.source, p.translation) for p in expected]
        assert not file.exists() and file.with_name("corpus.moses.ar").is_file()
    else:
        assert back == expected


@pytest.mark.parametrize("format", ["tsv", "jsonl", "tmx"])
def test_hostile_text_round_trips_exactly(tmp_path: Path, format: str) -> None:
    folder = hostile(tmp_path)
    file = tmp_path / f"h.{format}"
    assert main(["export", str(folder), "-o", str(file)]) == 0  # format from the suffix
    assert read_pairs(file, format) == list(folder_pairs(folder))


def test_moses_files_stay_line_aligned_whatever_the_text(tmp_path: Path) -> None:
    folder = hostile(tmp_path)
    assert main(["export", str(folder), "-o", str(tmp_path / "corpus"), "--format", "moses"]) == 0
    arabic = (tmp_path / "corpus.ar").read_text(encoding="utf-8").split("\n")
    english = (tmp_path / "corpus.en").read_text(encoding="utf-8").split("\n")
    assert len(arabic) == len(english) == 5  # four lines and the final newline
    assert english[1] == "line  other \\n not a break"
    assert english[3] == "sep line end"
    assert (tmp_path / "corpus.ar").read_text(encoding="utf-8").splitlines() == arabic[:-1]


def test_tmx_is_valid_tmx_1_4b(translated: Path, tmp_path: Path) -> None:
    etree = pytest.importorskip("lxml.etree")
    file = tmp_path / "corpus.tmx"
    assert main(["export", str(translated), "-o", str(file)]) == 0
    document = etree.parse(str(file), etree.XMLParser(resolve_entities=False, no_network=True))
    dtd = etree.DTD(__import__("io").StringIO(TMX_DTD))
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    root = document.getroot()
    assert root.get("version") == "1.4"
    header = root.find("header")
    assert header.get("srclang") == "ar" and header.get("segtype") == "sentence"
    units = root.findall("body/tu")
    assert len(units) == 8
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert all([tuv.get(lang) for tuv in tu.findall("tuv")] == ["ar", "en"] for tu in units)
    # and a hostile folder's export is valid too
    assert main(["export", str(hostile(tmp_path)), "-o", str(tmp_path / "h.tmx")]) == 0
    assert dtd.validate(etree.parse(str(tmp_path / "h.tmx")))


def test_filters_leave_out_flagged_and_low_scoring_pairs(translated: Path, tmp_path: Path) -> None:
    every = list(folder_pairs(translated))
    file = tmp_path / "f.jsonl"
    (unsure,) = [p for p in every if UNSURE in p.source]
    assert "low_confidence" in unsure.flags  # scored -3.6, below the default min_score
    assert main(["export", str(translated), "-o", str(file), "--exclude-flag", "low_confidence"]) == 0
    assert read_pairs(file, "jsonl") == [p for p in every if p != unsure]
    assert main(["export", str(translated), "-o", str(file), "--min-score", "-0.35"]) == 0
    kept = read_pairs(file, "jsonl")
    # scored below -0.35 (the unsure sentence, long ones) or not scored at all (the English line): out
    assert kept == [p for p in every if p.score is not None and p.score >= -0.35]
    assert unsure not in kept and 0 < len(kept) < len(every) - 2
    both = ["--exclude-flag", "low_confidence", "--exclude-flag", "repetition", "--min-score", "-0.35"]
    assert main(["export", str(translated), "-o", str(file), *both]) == 0
    assert read_pairs(file, "jsonl") == kept


def test_export_errors_name_the_problem(translated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(translated), "-o", str(tmp_path / "corpus.txt")]) == 2
    assert "cannot tell the format of" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nowhere"), "-o", str(tmp_path / "c.tsv")]) == 2
    assert "manifest.json: cannot be read" in capsys.readouterr().err
    (translated / "a.align.jsonl").write_text("{not json\n", encoding="utf-8")
    assert main(["export", str(translated), "-o", str(tmp_path / "c.tsv")]) == 2
    assert "a.align.jsonl: line 1 is not JSON" in capsys.readouterr().err
    assert not (tmp_path / "c.tsv").exists()  # nothing half-written


def test_reading_a_file_of_another_format_says_so(tmp_path: Path) -> None:
    from tarjama.errors import InputError

    (tmp_path / "x.tsv").write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a tarjama tsv export"):
        read_pairs(tmp_path / "x.tsv", "tsv")
    assert Pair("d", 0, 0, "s", "t").flags == ()


def test_characters_xml_cannot_hold_become_replacement_characters(caplog: pytest.LogCaptureFixture) -> None:
    from xml.etree import ElementTree

    from tarjama.export import tmx_text

    text = tmx_text([Pair("d", 0, 0, "قال\x01", "said\x1b")])
    assert "\ufffd" in ElementTree.fromstring(text.encode()).find("body/tu/tuv/seg").text
    assert "2 characters that XML cannot hold" in caplog.text


def test_an_unknown_flag_is_a_usage_error(translated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["export", str(translated), "-o", str(tmp_path / "c.tsv"), "--exclude-flag", "low-confidence"])
    assert stop.value.code == 2
    assert "invalid choice: 'low-confidence'" in capsys.readouterr().err
