"""Names glossary: Arabic forms of people, organisations, places and media, each mapped
to one English form.

Matching is on folded words (no diacritics, one alef, ``ى``→``ي``, ``ة``→``ه``), so the
glossary lists only real spelling variants, and it tolerates the prefixes Arabic attaches
to a name: ``و ف ب ل ك`` and their pairs (``وب``, ``ول``...), ``لل`` for ``ل`` + ``ال``,
and ``ال`` before a person's first name (``الحبيب بورقيبة``). The longest match wins.

The packaged glossary is ``tarjama/data/glossary.tsv``; a user glossary (TSV with the
same columns, or TOML with ``[[names]]`` tables) is read after it, and its entries win.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TYPES = ("person", "organisation", "place", "media")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_WORD = re.compile(r"(?:[^\W_]|[\u064b-\u065f\u0670])+")
_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل")
_ARTICLE_PREFIXES = ("ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وبال")


def fold(word: str) -> str:
    """The form words are compared in: no diacritics or tatweel, one alef, final yeh and
    teh marbuta unified.

    Example:
        >>> fold("الكاظمى") == fold("الكاظمي") == fold("الكاظِمي")
        True
    """
    return _DIACRITICS.sub("", word).translate(_FOLD)


@dataclass(frozen=True)
class Entry:
    """One name: its English form, its Arabic forms, what it is and where the English
    form comes from."""

    english: str
    arabic: tuple[str, ...]
    type: str = "person"
    source: str = ""


@dataclass(frozen=True)
class NameMatch:
    """A glossary name found in a text: ``text[start:end]`` is the name without its
    attached prefix."""

    start: int
    end: int
    arabic: str
    entry: Entry


class Glossary:
    """A set of entries, indexed for matching.

    Args:
        entries: the entries; a later entry's Arabic form replaces an earlier one's.

    Example:
        >>> g = Glossary([Entry("Mustafa al-Kadhimi", ("مصطفى الكاظمي",)), Entry("Baghdad", ("بغداد",))])
        >>> [(m.arabic, m.entry.english) for m in g.find("التقى بمصطفى الكاظمى في بغداد")]
        [('مصطفى الكاظمى', 'Mustafa al-Kadhimi'), ('بغداد', 'Baghdad')]
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        forms: dict[tuple[str, ...], Entry] = {}
        for entry in entries:
            for arabic in entry.arabic:
                words = tuple(fold(w) for w in _WORD.findall(arabic))
                if words:
                    forms[words] = entry
        self.entries = list({id(e): e for e in forms.values()}.values())
        # first word as it may appear with a prefix -> (the form's words, prefix length)
        self._index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for words in forms:
            # "ال" is added only to a person's first name (الحبيب بورقيبة): on a single word it
            # makes common nouns of names (حماس -> الحماس "the enthusiasm", غاني -> الغاني)
            article = forms[words].type == "person" and len(words) > 1
            for variant, prefix in _prefixed(words[0], article):
                self._index.setdefault(variant, []).append((words, prefix))
        for candidates in self._index.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self._forms = forms

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[NameMatch]:
        """Glossary names in ``text``, left to right, longest first, not overlapping."""
        words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
        found: list[NameMatch] = []
        i = 0
        while i < len(words):
            match = self._match_at(words, i)
            if match is None:
                i += 1
                continue
            form, prefix = match
            start, end = words[i][0] + prefix, words[i + len(form) - 1][1]
            found.append(NameMatch(start, end, text[start:end], self._forms[form]))
            i += len(form)
        return found

    def _match_at(self, words: list[tuple[int, int, str]], i: int) -> tuple[tuple[str, ...], int] | None:
        for form, prefix in self._index.get(words[i][2], ()):
            rest = form[1:]
            following = words[i + 1 : i + len(form)]
            if len(following) == len(rest) and all(w[2] == r for w, r in zip(following, rest, strict=True)):
                return form, prefix
        return None


def _prefixed(word: str, article: bool) -> Iterable[tuple[str, int]]:
    """Ways ``word`` (folded) can be written with an attached prefix, with the prefix's
    length; with ``article``, also with the definite article ``ال`` added."""
    for prefix in _PREFIXES:
        yield prefix + word, len(prefix)
    if word.startswith("ال"):
        for prefix in ("لل", "ولل", "فلل"):  # ل + ال: "للكاظمي"
            yield prefix + word[2:], len(prefix) - 1
    elif article:
        for prefix in _ARTICLE_PREFIXES:
            yield prefix + word, len(prefix)


def read_entries(path: Path) -> list[Entry]:
    """Entries of a glossary file: TSV (``english, arabic, type, source``; Arabic forms
    separated by ``|``) or TOML (``[[names]]`` with ``english``, ``arabic`` (a list),
    ``type``, ``source``).

    Raises:
        ConfigError: the file cannot be read or an entry is malformed; the message
            names the file and the entry.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigError(f"cannot read glossary {path}: {error.strerror}") from None
    if path.suffix == ".toml":
        try:
            rows = tomllib.loads(text).get("names", [])
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"glossary {path} is not valid TOML: {error}") from None
        return [_entry(path, n, row) for n, row in enumerate(rows, 1)]
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    if not reader.fieldnames or not {"english", "arabic"} <= set(reader.fieldnames):
        raise ConfigError(f"glossary {path} needs a header line with the columns english and arabic (tab-separated)")
    return [_entry(path, n, {**row, "arabic": (row["arabic"] or "").split("|")}) for n, row in enumerate(reader, 2)]


def _entry(path: Path, where: int, row: dict[str, object]) -> Entry:
    english = str(row.get("english") or "").strip()
    arabic = row.get("arabic")
    forms = [str(a).strip() for a in arabic] if isinstance(arabic, list) else []
    kind = str(row.get("type") or "person").strip()
    if not english or not any(forms):
        raise ConfigError(f"glossary {path}, entry {where}: needs an English form and at least one Arabic form")
    if kind not in TYPES:
        raise ConfigError(f"glossary {path}, entry {where}: type {kind!r} is not one of {', '.join(TYPES)}")
    return Entry(english, tuple(f for f in forms if f), kind, str(row.get("source") or "").strip())


@cache
def default_entries() -> tuple[Entry, ...]:
    """The packaged glossary (``tarjama/data/glossary.tsv``)."""
    with resources.as_file(resources.files("tarjama").joinpath("data/glossary.tsv")) as path:
        return tuple(read_entries(path))


def load_glossary(paths: Iterable[str | Path] = (), use_default: bool = True) -> Glossary:
    """The packaged glossary (unless ``use_default`` is false) with the user's files on top."""
    entries = list(default_entries()) if use_default else []
    for path in paths:
        entries += read_entries(Path(path))
    return Glossary(entries)
