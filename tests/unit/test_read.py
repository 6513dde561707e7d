from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tarjama.errors import InputError
from tarjama.read import decode, find_inputs, read_text

TEXT = "قال الوزير إن الاجتماع انتهى."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    ],
)
def test_text_encodings_decode(data: bytes) -> None:
    assert decode(data, "f.txt") == TEXT


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "f.txt: is binary, not text"),
        (b"caf\xe9 au lait " * 20, r"f.txt: is not UTF-8 \(byte 0xe9 at offset 3\) and does not read as Arabic"),
    ],
)
def test_bad_bytes_name_the_file(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode(data, "f.txt")


def test_explicit_encoding() -> None:
    assert decode(TEXT.encode("cp1256"), "f.txt", "windows-1256") == TEXT


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.txt: cannot be read"):
        read_text(tmp_path / "missing.txt")


def test_find_inputs_walks_folders_and_skips_outputs(tmp_path: Path) -> None:
    (tmp_path / "in" / "a").mkdir(parents=True)
    for name in ("a/x.txt", "a/y.md", "a/z.json", "b.txt", "b.en.txt"):
        (tmp_path / "in" / name).write_text(TEXT, encoding="utf-8")
    (tmp_path / "in" / "out").mkdir()
    (tmp_path / "in" / "out" / "old.txt").write_text(TEXT, encoding="utf-8")
    found = find_inputs([tmp_path / "in"], exclude=tmp_path / "in" / "out")
    assert [str(f.name) for f in found] == ["b.txt", "a/x.txt", "a/y.md"]


def test_find_inputs_does_not_follow_links_out_of_the_tree(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "secret.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "in" / "link.txt").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "in" / "ok.txt").write_text(TEXT, encoding="utf-8")
    found = {str(f.name): f.problem for f in find_inputs([tmp_path / "in"])}
    assert found == {"link.txt": f"skipped: it links outside {tmp_path / 'in'} (not followed)", "ok.txt": None}


def test_colliding_inputs_fail_before_work(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(InputError, match="would write the same outputs"):
        find_inputs([tmp_path / "a", tmp_path / "b"])


def test_missing_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope: no such file or folder"):
        find_inputs([tmp_path / "nope"])
