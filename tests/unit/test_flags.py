"""Flags are one enum (tarjama.document.Flag), written as their plain names."""

from __future__ import annotations

import json
import re

from tarjama import Translator
from tarjama.document import Flag

from ..conftest import ROOT


def test_flags_are_written_as_their_names(fake_backend) -> None:
    result = Translator(backend=fake_backend, cache_enabled=False).translate("Breaking news in English only.")
    (sentence,) = result.sentences
    assert sentence.flags == (Flag.NOT_ARABIC,)
    assert json.dumps(list(sentence.flags)) == '["not_arabic"]'


def test_the_readme_lists_every_flag_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Quality flags**") :]
    section = section[: section.index("\n\n")]
    named = set(re.findall(r"`([a-z_]+)`", section)) - {"flags", "quality", "min_score", "renderings", "names"}
    assert named == {flag.value for flag in Flag}
