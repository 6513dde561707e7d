"""Names glossary: Arabic forms of people, organisations, places and media, each mapped
to one canonical English form and the variants English usage accepts (``United
Kingdom|UK|U.K.|Britain``).

In the English, a form is found whatever its case and diacritics (Erdoğan = Erdogan),
with a possessive ``'s``, and with or without its article (``al-Sadr``, ``al Sadr``,
``Sadr``; ``The Guardian``, ``Guardian``): see ``english_pattern``.

Some Arabic forms are also common words (``الأسد`` is Assad or "the lion"). Such an entry
is *ambiguous*: it lists ``evidence``, words that make it the name when they stand right
before it (a title, a first name, a collocation: ``بشار``, ``الرئيس``, ``نظام``), and
``find`` returns its one-word forms only with that evidence.

Matching of the Arabic is on folded words (no diacritics, one alef, ``ى``→``ي``, ``ة``→``ه``), so the
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
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .languages import ar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TYPES = ("person", "organisation", "place", "media")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_WORD = re.compile(r"(?:[^\W_]|[\u064b-\u065f\u0670])+")
_PREFIXES = tuple(ar.ATTACHED_PREFIXES)
_ARTICLE_PREFIXES = ar.ARTICLE_PREFIXES


def fold(word: str) -> str:
    """The form words are compared in: no diacritics or tatweel, one alef, final yeh and
    teh marbuta unified.

    Example:
        >>> fold("الكاظمى") == fold("الكاظمي") == fold("الكاظِمي")
        True
    """
    return _DIACRITICS.sub("", word).translate(_FOLD)


# titles that are evidence for any ambiguous person's name standing right after them
PERSON_TITLES = (
    "الرئيس", "السيد", "الشيخ", "الزعيم", "الإمام", "الامام", "آية الله", "اية الله", "الجنرال", "اللواء",
    "العميد", "العقيد", "الدكتور", "الوزير", "النائب", "القائد", "رجل الدين", "الملك", "الأمير", "الامير",
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One name: its canonical English form, its Arabic forms, what it is, where the
    English form comes from, the English variants also accepted, and (for an ambiguous
    Arabic form) the words that are evidence for the name."""

    english: str
    arabic: tuple[str, ...]
    type: str = "person"
    source: str = ""
    variants: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """The accepted English forms, the canonical one first."""
        return (self.english, *self.variants)

    @property
    def ambiguous(self) -> bool:
        return bool(self.evidence)


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
        self._evidence = {
            entry.english: {tuple(fold(w) for w in _WORD.findall(e)) for e in _evidence_words(entry)}
            for entry in self.entries
            if entry.ambiguous
        }

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
            entry = self._forms[form]
            if entry.ambiguous and len(form) == 1 and not self._evidenced(entry, words, i, prefix):
                i += 1
                continue
            start, end = words[i][0] + prefix, words[i + len(form) - 1][1]
            arabic = text[start:end]
            if form[0].startswith("ال") and not words[i][2][prefix:].startswith("ال"):
                arabic = "ا" + arabic  # "للأمم المتحدة": ل + الأمم, the name is "الأمم المتحدة"
            found.append(NameMatch(start, end, arabic, entry))
            i += len(form)
        return found

    def _evidenced(self, entry: Entry, words: list[tuple[int, int, str]], i: int, prefix: int) -> bool:
        """Whether evidence words stand right before the name; the first of them may
        carry a prefix (``والرئيس الأسد``), the name may not (``بالصدر`` is read as
        the word)."""
        if prefix:
            return False
        for evidence in self._evidence[entry.english]:
            before = [w[2] for w in words[max(0, i - len(evidence)) : i]]
            if (
                len(before) == len(evidence)
                and before[1:] == list(evidence[1:])
                and any(before[0] == p + evidence[0] for p in _PREFIXES)
            ):
                return True
        return False

    def _match_at(self, words: list[tuple[int, int, str]], i: int) -> tuple[tuple[str, ...], int] | None:
        for form, prefix in self._index.get(words[i][2], ()):
            rest = form[1:]
            following = words[i + 1 : i + len(form)]
            if len(following) == len(rest) and all(w[2] == r for w, r in zip(following, rest, strict=True)):
                return form, prefix
        return None


def _evidence_words(entry: Entry) -> tuple[str, ...]:
    return entry.evidence + (PERSON_TITLES if entry.type == "person" else ())


_APOSTROPHES = "'’ʼʻʿʾ`"
_ARTICLES = ("al", "el", "the")
_ARABIC_ARTICLE = r"(?:[aAeE][lL]|[aAeE](?:[sStTdDzZ][hH]|[nNrRsStTdDzZ]))"


def fold_latin(text: str) -> str:
    """``text`` without diacritics, apostrophes made straight; one character for one, so
    offsets in the folded text are offsets in ``text``.

    Example:
        >>> fold_latin("Erdoğan’s")
        "Erdogan's"
    """
    folded = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        folded.append("'" if base in _APOSTROPHES else base)
    return "".join(folded)


_SEPARATOR = r"[\s\-‐‑]+"


@cache
def english_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds any of ``forms`` in ``fold_latin`` text: in any case (an
    acronym, ``US``, only in capitals), words joined by spaces or hyphens, apostrophes
    optional, an article (``al``, ``el``, ``the``) optional; a possessive ``'s`` stays
    outside the match.

    Example:
        >>> p = english_pattern(("Abu Mahdi al-Muhandis",))
        >>> [bool(p.search(fold_latin(t))) for t in ("Abu Mahdi Al Muhandis's", "abu mahdi muhandis", "Muhandis")]
        [True, True, False]
        >>> [bool(english_pattern(("United States", "US")).search(t)) for t in ("the US army", "told us")]
        [True, False]
        >>> bool(english_pattern(("Abdel Fattah el-Sisi",)).search("Abdel Fattah al-Sisi"))
        True
    """
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        words = [w for w in re.split(_SEPARATOR, fold_latin(form)) if w]
        body = ""
        for k, word in enumerate(words):
            escaped = re.escape(word).replace("'", "'?")
            if word.lower() in _ARTICLES and k < len(words) - 1:
                # al-, el- and the article assimilated to a sun letter (ash-Sham, az-Zawahiri)
                article = _ARABIC_ARTICLE if word.lower() != "the" else escaped
                body += f"(?:{article}{_SEPARATOR})?"
            else:
                body += escaped + (_SEPARATOR if k < len(words) - 1 else "")
        acronym = form.replace(".", "").isupper()
        alternatives.append(body if acronym else f"(?i:{body})")
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


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
    """Entries of a glossary file: TSV (``english, arabic, type, source`` and an optional
    ``evidence``; the English forms, the canonical one first, the Arabic forms and the
    evidence words each separated by ``|``) or TOML (``[[names]]`` with ``english``, an
    ``arabic`` list, ``type``, ``source`` and optional ``variants`` and ``evidence``
    lists).

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
    reader = csv.DictReader(text.split("\n"), delimiter="\t", quoting=csv.QUOTE_NONE)
    if not reader.fieldnames or not {"english", "arabic"} <= set(reader.fieldnames):
        raise ConfigError(f"glossary {path} needs a header line with the columns english and arabic (tab-separated)")
    return [
        _entry(path, n, {**row, "arabic": _split(row["arabic"]), "evidence": _split(row.get("evidence"))})
        for n, row in enumerate(reader, 2)
    ]


def _split(cell: str | None) -> list[str]:
    return (cell or "").split("|") if cell else []


def _entry(path: Path, where: int, row: dict[str, object]) -> Entry:
    english, *variants = [e.strip() for e in str(row.get("english") or "").split("|")]
    listed = row.get("variants") or []
    variants += [str(v).strip() for v in listed] if isinstance(listed, list) else []
    arabic = row.get("arabic")
    forms = [str(a).strip() for a in arabic] if isinstance(arabic, list) else []
    evidence = row.get("evidence") or []
    kind = str(row.get("type") or "person").strip()
    if not english or not any(forms):
        raise ConfigError(f"glossary {path}, entry {where}: needs an English form and at least one Arabic form")
    if kind not in TYPES:
        raise ConfigError(f"glossary {path}, entry {where}: type {kind!r} is not one of {', '.join(TYPES)}")
    return Entry(
        english,
        tuple(f for f in forms if f),
        kind,
        str(row.get("source") or "").strip(),
        tuple(v for v in variants if v),
        tuple(str(e).strip() for e in evidence if str(e).strip()) if isinstance(evidence, list) else (),
    )


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
