"""The source language lives in one module (tarjama/languages/ar.py), chosen by a setting."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

import tarjama
from tarjama.config import Settings
from tarjama.errors import ConfigError
from tarjama.languages import ar
from tarjama.segment import Segmenter

PACKAGE = Path(tarjama.__file__).parent
# the Arabic letter range however it is written: escaped, or as the letters themselves
RANGE = re.compile(r"\\u0621|\\u064a|ء-ي", re.I)


def test_only_the_language_module_writes_the_arabic_letter_range() -> None:
    writers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if RANGE.search(path.read_text(encoding="utf-8"))
    ]
    assert writers == ["languages/ar.py"]


def test_the_letter_regex_is_the_arabic_letters_only() -> None:
    assert ar.LETTER.findall("قالَ: Ali ٣ ی") == ["ق", "ا", "ل"]  # no diacritic, Arabic digit or Persian yeh


def test_the_setting_names_a_language_module() -> None:
    assert Settings().segmentation.language == ar.CODE
    with pytest.raises(ConfigError, match="language = 'xx' should be one of 'ar'"):
        Settings().merged({"segmentation": {"language": "xx"}})


def test_the_segmenter_follows_its_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second language is a module: here a copy of Arabic that cuts long sentences only at spaces."""
    other = types.ModuleType("tarjama.languages.test")
    other.__dict__.update({k: v for k, v in vars(ar).items() if k.isupper()})
    other.CODE, other.CLAUSE_CUTS = "test", (re.compile(r"\s+"),)
    monkeypatch.setitem(sys.modules, "tarjama.languages.test", other)
    text = "قال الوزير، إن الاجتماع انتهى اليوم"
    assert Segmenter(max_input_tokens=3).units(text) == ["قال الوزير،", "إن الاجتماع انتهى", "اليوم"]
    assert Segmenter(max_input_tokens=3, language="test").units(text) == ["قال الوزير، إن", "الاجتماع انتهى اليوم"]
