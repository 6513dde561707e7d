"""Names and quotations kept aligned (tarjama.protect), and the quality flags, proven
with deterministic fake backends that misbehave in known ways."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.backends import Backend, Hypothesis
from tarjama.document import Flag
from tarjama.glossary import Entry, Glossary, load_glossary
from tarjama.quality import inconsistent_renderings, repetition, sentence_flags
from tarjama.segment import Segmenter

from ..conftest import transliterate

GLOSSARY = [
    Entry("Esmail Qaani", ("إسماعيل قاآني", "اسماعيل غاني"), "person", "enwiki:Esmail_Qaani"),
    Entry("Qaani", ("غاني", "قاآني"), "person", "enwiki:Esmail_Qaani"),
    Entry("Baghdad", ("بغداد",), "place", "enwiki:Baghdad"),
    Entry("al-Kadhimi", ("الكاظمي",), "person", "enwiki:Mustafa_Al-Kadhimi"),
]


class Scripted(Backend):
    """A backend whose translation of each text is given by a function."""

    name = "scripted"

    def __init__(self, translate: Callable[[str], str], options: dict[str, object] | None = None) -> None:
        self.function = translate
        self.options = options or {}
        self.seen: list[str] = []

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        self.seen += sentences
        return [Hypothesis(self.function(s)) for s in sentences]

    def with_options(self, **decoding: object) -> Scripted:
        return Scripted(self.function, decoding)


def drop_quotes(text: str) -> str:
    return "".join(ch for ch in transliterate(text) if ch not in '«»“”"')


def translator(function: Callable[[str], str], tmp_path: Path, **overrides: object) -> Translator:
    glossary = tmp_path / "names.toml"
    lines = []
    for e in GLOSSARY:
        arabic = ", ".join(f'"{a}"' for a in e.arabic)
        lines.append(f'[[names]]\nenglish = "{e.english}"\narabic = [{arabic}]\ntype = "{e.type}"\n')
    glossary.write_text("\n".join(lines), encoding="utf-8")
    settings = {
        "quality_default_glossary": False,
        "quality_glossary": [str(glossary)],
        "cache_enabled": False,
        **overrides,
    }
    return Translator(backend=Scripted(function), **settings)


# --- quotations -------------------------------------------------------------------


def test_marks_kept_by_the_model_become_english_marks(tmp_path: Path) -> None:
    result = translator(transliterate, tmp_path).translate("قال «انتهى الأمر» ثم غادر.")
    (item,) = result.sentences
    assert item.translation == "qAl “AnthY Al>mr” vm gAdr."
    assert item.method == "whole" and item.flags == ()
    (quote,) = item.quotes
    assert item.translation[slice(*quote.target_span)] == "“AnthY Al>mr”"
    assert item.sentence.text[slice(*quote.source_span)] == "«انتهى الأمر»"


LONG_QUOTES = "قال «انتهى الأمر كله في تلك الليلة» ثم أضاف «لا تعليق لدينا على هذا الآن» للصحفيين."


def test_quotes_placed_by_rebuilding_only_when_asked(tmp_path: Path) -> None:
    (item,) = translator(drop_quotes, tmp_path, quality_repair="rebuild").translate(LONG_QUOTES).sentences
    assert item.method == "rebuilt"
    assert "quote_mismatch" not in item.flags
    assert [item.translation[slice(*q.target_span)] for q in item.quotes] == [
        "“AnthY Al>mr klh fy tlk Allylp”",
        "“lA tElyq ldynA ElY h*A Al|n”",
    ]
    assert item.translation.count("“") == 2 and item.translation.count("”") == 2


def test_by_default_a_sentence_that_lost_its_quotations_keeps_the_models_words(tmp_path: Path) -> None:
    (item,) = translator(drop_quotes, tmp_path).translate(LONG_QUOTES).sentences
    assert item.method == "whole" and item.translation == drop_quotes(LONG_QUOTES)
    assert item.flags == ("quote_mismatch",)
    (off,) = translator(drop_quotes, tmp_path, quality_repair="off").translate(LONG_QUOTES).sentences
    assert off.method == "whole" and off.flags == ("quote_mismatch",)


def test_quote_marks_written_into_the_source_constrain_a_second_translation(tmp_path: Path) -> None:
    # the model drops Arabic marks but copies English ones, as Marian models copy Latin text
    def model(text: str) -> str:
        return "".join(ch for ch in transliterate(text) if ch not in "«»")

    (item,) = translator(model, tmp_path).translate(LONG_QUOTES).sentences
    assert item.method == "constrained" and item.flags == ()
    assert item.translation == transliterate(LONG_QUOTES).replace("«", "“").replace("»", "”")


@pytest.mark.parametrize(
    ("english", "placed"),
    [
        ("He said 'the deal is over for all of us' and left, 'no comment for now'.", 2),
        ("“The deal is over for all of us, no comment for now,” he said.", 2),  # merged
        ('"The deal is over" he said, "for all of us." And then: "no comment for now."', 2),  # split
        ("Yes: the deal is over for all of us, no comment for now.", 0),
    ],
)
def test_quotations_matched_the_english_way(tmp_path: Path, english: str, placed: int) -> None:
    (item,) = translator(lambda t: english, tmp_path, quality_repair="off").translate(LONG_QUOTES).sentences
    assert sum(q.target_span is not None for q in item.quotes) == placed
    assert ("quote_mismatch" in item.flags) == (placed == 0)


@pytest.mark.parametrize(
    "english",
    ["Siminoff appeared on the channel.", "Peter Jones 'furious' after the deal", "Siminoff ‘appeared’ on it"],
)
def test_a_short_quotation_may_lose_its_marks(tmp_path: Path, english: str) -> None:
    (item,) = translator(lambda t: english, tmp_path).translate('ظهر "سيمينوف" على القناة.').sentences
    assert item.flags == () and item.translation == english
    assert item.quotes[0].short


def test_how_short_a_quotation_is_is_configurable(tmp_path: Path) -> None:
    text = 'قال إن "الوضع لم يعد يحتمل" أمس.'  # four words
    (item,) = translator(drop_quotes, tmp_path).translate(text).sentences
    assert item.flags == ("quote_mismatch",) and not item.quotes[0].short
    (item,) = translator(drop_quotes, tmp_path, quality_short_quote_words=4).translate(text).sentences
    assert item.flags == () and item.quotes[0].short and item.quotes[0].target_span is None


def test_quote_marks_are_configurable(tmp_path: Path) -> None:
    result = translator(transliterate, tmp_path, quality_quote_marks='""').translate("قال «نعم» أمس.")
    assert result.text == 'qAl "nEm" >ms.'


def test_quotation_over_two_sentences_opens_in_one_and_closes_in_the_other(tmp_path: Path) -> None:
    text = "قال «لقد وصلنا إلى اتفاق نهائي اليوم. وسنوقع عليه في الأسبوع المقبل.» ثم غادر."
    first, second, third = translator(drop_quotes, tmp_path, quality_repair="rebuild").translate(text).sentences
    assert first.translation.count("“") == 1 and "”" not in first.translation
    assert second.translation.endswith("”") and "“" not in second.translation
    assert third.quotes == () and third.flags == ()


def test_unclosed_quote_opens_and_runs_to_the_sentence_end(tmp_path: Path) -> None:
    rebuild = translator(drop_quotes, tmp_path, quality_repair="rebuild")
    (item,) = rebuild.translate("وقال ” ان محاولة الاغتيال تكشف اهمية").sentences
    (quote,) = item.quotes
    assert item.translation[quote.target_span[0]] == "“"
    assert quote.target_span[1] == len(item.translation)


# --- names ------------------------------------------------------------------------


def test_glossary_matches_spelling_variants_and_prefixes() -> None:
    glossary = Glossary(GLOSSARY)
    text = "وصل اسماعيل غانى وبغداد ولبغداد للكاظمي والكاظمى بالكاظمي البغدادي"
    assert [(m.arabic, m.entry.english) for m in glossary.find(text)] == [
        ("اسماعيل غانى", "Esmail Qaani"),
        ("بغداد", "Baghdad"),
        ("بغداد", "Baghdad"),
        ("الكاظمي", "al-Kadhimi"),  # "للكاظمي": ل + الكاظمي
        ("الكاظمى", "al-Kadhimi"),
        ("الكاظمي", "al-Kadhimi"),
    ]


def test_wrong_rendering_of_a_name_is_replaced(tmp_path: Path) -> None:
    def model(text: str) -> str:
        return {"غاني": "Ghani"}.get(text, transliterate(text).replace("gAny", "Ghani"))

    (item,) = translator(model, tmp_path).translate("وحث غاني على التهدئة.").sentences
    assert item.method == "substituted"
    assert "Qaani" in item.translation and "Ghani" not in item.translation
    (name,) = item.names
    assert name.found and item.translation[slice(*name.target_span)] == "Qaani"


def test_name_the_model_translates_as_a_word_is_written_into_the_source(tmp_path: Path) -> None:
    # the model renders "بغداد" inside the sentence as a common word, alone as something else
    def model(text: str) -> str:
        return "the garden" if text == "بغداد" else transliterate(text).replace("bgdAd", "Eden")

    (item,) = translator(model, tmp_path).translate("وصل الوزير إلى بغداد أمس.").sentences
    assert item.method == "constrained" and item.flags == ()
    assert item.translation == "wSl Alwzyr <lY Baghdad >ms."


def latin_dropped(text: str) -> str:
    """A model that renders بغداد as a common word (alone as another) and drops "Baghdad"
    written into its input."""
    if text == "بغداد":
        return "the garden"
    return " ".join(w for w in transliterate(text).replace("bgdAd", "Eden").split() if w != "Baghdad")


class Limited(Scripted):
    """A model that takes at most ``LIMIT`` input tokens (whitespace words and the end
    token, ``Backend.count_tokens``) and, as a real one truncates its input, translates
    only those; it drops Arabic quotation marks and copies English ones."""

    LIMIT = 12

    @property
    def max_input_tokens(self) -> int:
        return self.LIMIT

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        self.seen += sentences
        kept = [" ".join(s.split()[: self.LIMIT - 1]) for s in sentences]
        return [Hypothesis("".join(ch for ch in transliterate(s) if ch not in "«»")) for s in kept]

    def with_options(self, **decoding: object) -> Limited:
        view = Limited(self.function, decoding)
        view.seen = self.seen
        return view


def test_a_constrained_translation_of_a_sentence_too_long_for_the_model_goes_in_units() -> None:
    """The first translation of an over-long sentence comes in units the model takes; so
    must its constrained retranslation, or the model cuts it short, and a translation
    with its quotation right but its last words gone looks close enough to keep."""
    text = "قال «انتهى الأمر كله في تلك الليلة» ثم غادر القاعة دون أن يجيب عن أسئلة الصحفيين أمس."
    backend = Limited(transliterate)
    (item,) = Translator(backend=backend, cache_enabled=False, quality_default_glossary=False).translate(text).sentences
    assert len(text.split()) >= Limited.LIMIT  # too long for the model: translated in units
    assert all(len(seen.split()) < Limited.LIMIT for seen in backend.seen)
    assert item.method == "constrained" and item.flags == ()
    assert item.translation == transliterate(text).replace("«", "“").replace("»", "”")


def test_a_constrained_translation_that_fails_a_check_is_not_kept(tmp_path: Path) -> None:
    (item,) = translator(latin_dropped, tmp_path).translate("وصل الوزير إلى بغداد أمس.").sentences
    assert item.method == "whole" and item.flags == ("name_missing",)
    assert item.translation == latin_dropped("وصل الوزير إلى بغداد أمس.")


def test_name_the_model_translates_as_a_word_is_rebuilt_when_asked(tmp_path: Path) -> None:
    (item,) = (
        translator(latin_dropped, tmp_path, quality_repair="rebuild").translate("وصل الوزير إلى بغداد أمس.").sentences
    )
    assert item.method == "rebuilt"
    assert "Baghdad" in item.translation and "Eden" not in item.translation
    assert item.flags == ()


def test_user_glossary_wins_over_the_default(tmp_path: Path) -> None:
    user = tmp_path / "mine.tsv"
    user.write_text("english\tarabic\ttype\tsource\nGhany\tغاني\tperson\tmy newsroom\n", encoding="utf-8")
    glossary = Glossary([*GLOSSARY, *load_glossary([user], use_default=False).entries])
    assert glossary.find("قال غاني")[0].entry.english == "Ghany"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("english\tarabic\nQaani\t\n", "entry 2: needs an English form and at least one Arabic form"),
        ("name\tforms\nQaani\tغاني\n", "needs a header line with the columns english and arabic"),
        ("english\tarabic\ttype\nQaani\tغاني\tperon\n", "type 'peron' is not one of"),
    ],
)
def test_bad_glossary_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    from tarjama.errors import ConfigError

    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_glossary([path], use_default=False)


# --- flags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "translation", "expected"),
    [
        ("قال الوزير إن الاجتماع انتهى أمس.", "The minister said the meeting ended yesterday.", []),
        ("قال الوزير إن الاجتماع انتهى أمس.", "the war of the war of the war of the war", ["repetition"]),
        ("قال الوزير إن الاجتماع انتهى أمس.", "Yes.", ["length_ratio"]),
        ("قال الوزير.", "Yes.", []),  # too short to judge
        ("قال الوزير إن الاجتماع انتهى أمس.", "The minister said الاجتماع ended.", ["untranslated"]),
    ],
)
def test_sentence_flags(source: str, translation: str, expected: list[str]) -> None:
    assert sentence_flags(source, translation) == expected


def test_repetition_needs_a_real_loop() -> None:
    assert repetition("no no no no")
    assert not repetition("no no no")
    assert not repetition("New York, New York")


def test_flags_fire_in_the_pipeline(tmp_path: Path) -> None:
    def model(text: str) -> str:
        return {"جملة تتكرر فيها الكلمات كثيرا.": "again and again and again and again"}.get(text, transliterate(text))

    result = translator(model, tmp_path).translate("جملة تتكرر فيها الكلمات كثيرا.\nجملة سليمة تماما.")
    assert [item.flags for item in result.sentences] == [("repetition",), ()]


def test_truncated_and_empty(tmp_path: Path) -> None:
    class Cut(Scripted):
        def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
            return [Hypothesis("" if "فارغة" in s else transliterate(s), truncated="طويلة" in s) for s in sentences]

    t = Translator(backend=Cut(transliterate), quality_names=False, cache_enabled=False)
    items = t.translate("جملة طويلة جدا.\nجملة فارغة.").sentences
    assert items[0].flags == ("truncated",)
    assert items[1].translation == "جملة فارغة." and items[1].flags == ("empty", "untranslated")


def test_retry_flagged_keeps_the_better_translation(tmp_path: Path) -> None:
    def model(text: str) -> str:
        return "loop loop loop loop" if text.startswith("تكرار") else transliterate(text)

    class Safer(Scripted):
        def with_options(self, **decoding: object) -> Scripted:
            return Scripted(transliterate, decoding)

    settings = {"quality_names": False, "cache_enabled": False}
    plain = Translator(backend=Safer(model), **settings).translate("تكرار في الجملة.")
    retried = Translator(backend=Safer(model), quality_retry_flagged=True, **settings).translate("تكرار في الجملة.")
    assert plain.sentences[0].flags == ("repetition",)
    assert retried.sentences[0].flags == () and retried.sentences[0].method == "retried"
    assert retried.text == transliterate("تكرار في الجملة.")


def test_same_name_rendered_two_ways_is_flagged(tmp_path: Path) -> None:
    def model(text: str) -> str:
        return {"أولى.": "He met Ghani in the city.", "ثانية.": "Then Ghani left.", "ثالثة.": "Qaani spoke."}[text]

    result = Translator(backend=Scripted(model), quality_names=False, cache_enabled=False).translate(
        "أولى.\nثانية.\nثالثة."
    )
    assert [item.flags for item in result.sentences] == [(), (), ()]  # "Qaani" starts its sentence: not judged
    renderings = inconsistent_renderings(["He met Ghani here.", "He saw Qaani there.", "Then Ghani left."])
    assert [r.variants for r in renderings] == [{"Ghani": 2, "Qaani": 1}]
    assert renderings[0].preferred == "Ghani"


def test_inconsistent_rendering_flag_and_manifest(tmp_path: Path) -> None:
    from tarjama.cli import main

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("أولى.\nثانية.\nثالثة.\n", encoding="utf-8")
    model = {"أولى.": "He met Ghani here.", "ثانية.": "Then Ghani left.", "ثالثة.": "They saw Qaani again."}
    from tarjama.backends import register_backend

    register_backend("scripted-names", lambda **_: Scripted(lambda t: model[t]))
    out = tmp_path / "out"
    code = main(["translate", str(tmp_path / "in"), "-o", str(out), "--backend", "scripted-names", "-q"])
    assert code == 0
    records = [json.loads(line) for line in (out / "a.align.jsonl").open(encoding="utf-8")]
    assert [r["flags"] for r in records] == [[], [], ["name_inconsistent"]]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["renderings"] == [{"variants": {"Ghani": 2, "Qaani": 1}, "preferred": "Ghani"}]
    assert manifest["totals"]["flags"] == {"name_inconsistent": 1}


def test_segmenter_quote_parts() -> None:
    (s,) = Segmenter().segment("قال «نعم» و“لا”.").sentences
    assert [(s.text[q.start : q.end], q.opens, q.closes) for q in s.quotes] == [
        ("«نعم»", True, True),
        ("“لا”", True, True),
    ]


def test_a_name_and_its_adjective_are_not_two_spellings() -> None:
    assert inconsistent_renderings(["He was in Iraq.", "Then the Iraqi army came.", "Troops left Iraq."]) == []


def test_english_marks_hug_their_quotation(tmp_path: Path) -> None:
    (item,) = translator(transliterate, tmp_path).translate("وقال ” انتهى الأمر ” ثم غادر.").sentences
    assert item.translation == "wqAl “AnthY Al>mr” vm gAdr."
    assert item.translation[slice(*item.quotes[0].target_span)] == "“AnthY Al>mr”"


def test_packaged_glossary() -> None:
    from tarjama.glossary import TYPES, default_entries, fold

    entries = default_entries()
    assert len(entries) >= 300
    assert all(e.source.startswith("enwiki:") and e.type in TYPES for e in entries)
    english_of: dict[tuple[str, ...], set[str]] = {}
    for e in entries:
        for a in e.arabic:
            english_of.setdefault(tuple(fold(w) for w in a.split()), set()).add(e.english)
    assert all(len(v) == 1 for v in english_of.values()), "an Arabic form maps to two English forms"
    english = [e.english for e in entries]
    assert len(english) == len(set(english))
    seed_names = Glossary(entries).find("وصل اسماعيل غانى قائد قوة القدس الى بغداد للقاء مصطفى الكاظمى")
    assert [m.entry.english for m in seed_names] == ["Esmail Qaani", "Quds Force", "Baghdad", "Mustafa al-Kadhimi"]


def test_definite_article_only_before_a_persons_first_name() -> None:
    glossary = Glossary(
        [Entry("Hamas", ("حماس",), "organisation"), Entry("Habib Bourguiba", ("حبيب بورقيبة",), "person")]
    )
    assert [m.entry.english for m in glossary.find("حركة حماس وقال الحبيب بورقيبة")] == ["Hamas", "Habib Bourguiba"]
    assert glossary.find("أبدى الحماس الكبير") == []


def test_rebuilt_name_takes_its_prefix_in_english(tmp_path: Path) -> None:
    (item,) = (
        translator(latin_dropped, tmp_path, quality_repair="rebuild").translate("سافر الوزير لبغداد أمس.").sentences
    )
    assert item.method == "rebuilt"
    assert item.translation == "sAfr Alwzyr to Baghdad >ms."


@pytest.mark.parametrize(
    "article",
    [
        ["The Welsh assembly met.", "Members in Wales worried.", "The Welsh members spoke."],  # a name, its adjective
        ["On Friday the court met.", "Then Ford spoke to it."],  # other words, same consonants
        ["Tough Talk And Then We Fell In Love Again", "They said they live in Love Street."],  # title case
        ["He said he Didn't know.", "The Town Hall was closed."],
    ],
)
def test_different_words_are_not_one_name_spelled_two_ways(article: list[str]) -> None:
    assert inconsistent_renderings(article) == []


def test_name_inconsistent_marks_whole_words_only() -> None:
    from tarjama.quality import mentions

    assert mentions("He met Qaani.", {"Qaani"}) and not mentions("Liverpool won.", {"Live"})


# --- markup (issue 13, item 9) ------------------------------------------------------


class KeepsMarkup(Scripted):
    """Transliterates the text and copies markup (link syntax, targets, tags) verbatim."""

    def __init__(self, rename: dict[str, str] | None = None) -> None:
        def model(text: str) -> str:
            if text in (rename or {}):
                return (rename or {})[text]
            parts = re.split(r"(\]\([^)]*\)|<[^>]+>|!?\[)", text)
            out = "".join(p if k % 2 else transliterate(p) for k, p in enumerate(parts))
            for arabic, english in (rename or {}).items():
                out = out.replace(transliterate(arabic), english)
            return out

        super().__init__(model)


def markdown(backend: Backend, text: str, tmp_path: Path) -> list:
    t = translator(backend.function, tmp_path)  # type: ignore[attr-defined]
    return list(t.translate_article(t.segmenter.segment(text, markdown=True)).sentences)


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        ('[التقرير](https://x.org/a "عنوان")', '](https://x.org/a "عنوان")'),  # a link title
        ('<span title="نعم">', '<span title="نعم">'),  # an HTML attribute
        ("<a href=\"https://x.org/مصر\" title='نعم'>", "<a href=\"https://x.org/مصر\" title='نعم'>"),
    ],
)
def test_quote_marks_inside_markup_are_never_rewritten(tmp_path: Path, markup: str, kept: str) -> None:
    text = f'قال {markup} إن "الوضع صعب جدا في المنطقة" أمس.'
    (item,) = markdown(KeepsMarkup(), text, tmp_path)
    assert kept in item.translation and item.flags == ()
    assert item.translation.count("“") == 1 and item.translation.count("”") == 1


def test_link_and_image_targets_are_never_translated(tmp_path: Path) -> None:
    text = 'انظر [الصفحة](https://ar.wikipedia.org/wiki/مصر) و![صورة](https://x.org/صورة.png "صورة") هنا.'
    for backend in (KeepsMarkup(), Scripted(transliterate)):  # the second mangles the markup: it is rebuilt
        (item,) = markdown(backend, text, tmp_path)
        assert "](https://ar.wikipedia.org/wiki/مصر)" in item.translation
        assert '](https://x.org/صورة.png "صورة")' in item.translation
        assert item.flags == ()  # the Arabic in a link target is not "untranslated"
    (item,) = markdown(
        Scripted(transliterate),
        "اقرأ [التقرير](https://x.org/تقرير) وشاهد ![الصورة](https://x.org/صورة.png).",
        tmp_path,
    )
    assert item.translation == "Aqr> [Altqryr](https://x.org/تقرير) w$Ahd ![AlSwrp](https://x.org/صورة.png)."


def test_reference_definitions_are_markup_whole(tmp_path: Path) -> None:
    definition = '[1]: https://x.org/تقرير "عنوان التقرير"'
    t = translator(transliterate, tmp_path)
    result = t.translate_article(t.segmenter.segment(f"راجع [التقرير][1] الآن.\n\n{definition}\n", markdown=True))
    assert result.text.endswith(f"\n\n{definition}\n")


def test_a_name_is_never_substituted_inside_markup(tmp_path: Path) -> None:
    # the model renders بغداد as "Eden", alone too; the link target holds "Eden" as well
    (item,) = markdown(KeepsMarkup({"بغداد": "Eden"}), "قرأ [التقرير](https://x.org/Eden) عن بغداد.", tmp_path)
    assert "](https://x.org/Eden)" in item.translation and item.translation.endswith("En Baghdad.")
    assert item.method == "substituted" and item.flags == ()


# --- accepted renderings (issue 12) -------------------------------------------------

VARIANTS = [
    Entry("United Kingdom", ("المملكة المتحدة",), "place", variants=("UK", "U.K.", "Britain")),
    Entry("Recep Tayyip Erdoğan", ("رجب طيب أردوغان",), "person"),
    Entry("Muqtada al-Sadr", ("مقتدى الصدر",), "person"),
    Entry("al-Assad", ("الأسد",), "person", evidence=("بشار", "نظام")),
    Entry("Jeddah", ("جدة",), "place", evidence=("مدينة",)),
    Entry("United Nations", ("الأمم المتحدة",), "organisation", variants=("UN",)),
]


def variants_translator(tmp_path: Path, model: Callable[[str], str], **overrides: object) -> Translator:
    path = tmp_path / "variants.tsv"
    rows = ["english\tarabic\ttype\tsource\tevidence"]
    rows += [f"{'|'.join(e.forms)}\t{'|'.join(e.arabic)}\t{e.type}\t\t{'|'.join(e.evidence)}" for e in VARIANTS]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings = {"quality_default_glossary": False, "quality_glossary": [str(path)], "cache_enabled": False}
    return Translator(backend=Scripted(model), **{**settings, **overrides})


@pytest.mark.parametrize(
    ("arabic", "english", "rendering"),
    [
        ("غادرت المملكة المتحدة الاتحاد.", "Britain's exit was long.", "Britain"),
        ("غادرت المملكة المتحدة الاتحاد.", "The U.K. left.", "U.K."),
        ("قال رجب طيب أردوغان.", "Recep Tayyip Erdogan said.", "Recep Tayyip Erdogan"),  # no diacritic
        ("قال مقتدى الصدر.", "Moqtada Sadr said.", None),  # another spelling: not accepted
        ("قال مقتدى الصدر.", "MUQTADA AL SADR said.", "MUQTADA AL SADR"),
        ("قال مقتدى الصدر.", "Muqtada Sadr said.", "Muqtada Sadr"),  # without the article
        ("دعت الأمم المتحدة.", "It was called by us.", None),  # "UN" only in capitals
    ],
)
def test_accepted_renderings(tmp_path: Path, arabic: str, english: str, rendering: str | None) -> None:
    (item,) = variants_translator(tmp_path, lambda t: english, quality_repair="off").translate(arabic).sentences
    (name,) = item.names
    assert name.rendering == rendering and item.translation == english
    assert ("name_missing" in item.flags) == (rendering is None)


def test_canonical_names_rewrite_a_variant_in_place(tmp_path: Path) -> None:
    t = variants_translator(tmp_path, lambda t: "Britain's exit from the EU was long.", quality_names="canonical")
    (item,) = t.translate("خروج المملكة المتحدة من الاتحاد كان طويلا.").sentences
    assert item.translation == "United Kingdom's exit from the EU was long."
    assert item.names[0].rendering == "United Kingdom" and item.method == "whole"


def test_a_misspelt_name_is_restored_to_the_nearest_accepted_form(tmp_path: Path) -> None:
    def model(text: str) -> str:
        return "Britian" if text == "المملكة المتحدة" else "Britian left the union."

    (item,) = variants_translator(tmp_path, model).translate("غادرت المملكة المتحدة الاتحاد.").sentences
    assert item.translation == "Britain left the union." and item.method == "substituted"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("رأى الأسد في الغابة.", []),  # the lion
        ("وقال بشار الأسد إن", ["al-Assad"]),  # a first name
        ("قصفت قوات نظام الأسد البلدة.", ["al-Assad"]),  # a collocation
        ("والرئيس الأسد قال", ["al-Assad"]),  # a title, with a prefix
        ("قالت جدة الطفل.", []),  # the grandmother
        ("في مدينة جدة أمس.", ["Jeddah"]),
        ("ألم في الصدر.", []),  # the chest
        ("قال مقتدى الصدر.", ["Muqtada al-Sadr"]),
    ],
)
def test_ambiguous_forms_are_names_only_with_evidence(text: str, found: list[str]) -> None:
    assert [m.entry.english for m in Glossary(VARIANTS).find(text)] == found


def test_ambiguous_word_without_evidence_is_never_substituted(tmp_path: Path) -> None:
    (item,) = variants_translator(tmp_path, lambda t: "The lion was seen.").translate("رئي الأسد.").sentences
    assert item.translation == "The lion was seen." and item.names == () and item.flags == ()


def test_a_name_fused_with_its_preposition_is_translated_alone_with_its_article(tmp_path: Path) -> None:
    seen: list[str] = []

    def model(text: str) -> str:
        seen.append(text)
        return "Uinted Nations" if text == "الأمم المتحدة" else "He spoke to the Uinted Nations."

    (item,) = variants_translator(tmp_path, model).translate("تحدث للأمم المتحدة.").sentences
    assert "الأمم المتحدة" in seen and item.names[0].arabic == "الأمم المتحدة"
    assert item.translation == "He spoke to the United Nations."


def test_glossary_files_give_variants_and_evidence(tmp_path: Path) -> None:
    toml = tmp_path / "names.toml"
    toml.write_text(
        '[[names]]\nenglish = "Kyiv"\narabic = ["كييف"]\ntype = "place"\nvariants = ["Kiev"]\n'
        '[[names]]\nenglish = "al-Assad|Assad"\narabic = ["الأسد"]\nevidence = ["بشار"]\n',
        encoding="utf-8",
    )
    kyiv, assad = load_glossary([toml], use_default=False).entries
    assert kyiv.forms == ("Kyiv", "Kiev") and not kyiv.ambiguous
    assert assad.forms == ("al-Assad", "Assad") and assad.evidence == ("بشار",) and assad.ambiguous


@pytest.mark.parametrize(
    ("arabic", "english"),
    [
        ("الاتحاد الأوروبي", "the EU"),
        ("المملكة المتحدة", "the UK"),
        ("بريطانيا", "the U.K."),
        ("الولايات المتحدة", "the U.S."),
        ("الولايات المتحدة", "America"),
        ("داعش", "ISIL"),
        ("داعش", "Daesh"),
        ("أردوغان", "Erdoğan"),
        ("الأمم المتحدة", "the UN"),
    ],
)
def test_packaged_glossary_accepts_english_usage(arabic: str, english: str) -> None:
    from tarjama.glossary import english_pattern, fold_latin

    (match,) = load_glossary().find(arabic)
    assert english_pattern(match.entry.forms).search(fold_latin(f"He said {english} did it."))


def test_a_misspelt_second_mention_is_restored(tmp_path: Path) -> None:
    # both mentions of the name would be "found" at the one spelt right; the other is misspelt
    def model(text: str) -> str:
        return "Erdogen" if text == "أردوغان" else "Anti-Erdogen crowds met Erdogan's allies."

    glossary = [*VARIANTS, Entry("Erdogan", ("أردوغان",), "person")]
    t = Translator(backend=Scripted(model), quality_default_glossary=False, cache_enabled=False)
    t.protector.glossary = Glossary(glossary)
    (item,) = t.translate("التقى معارضو أردوغان بحلفاء أردوغان.").sentences
    assert item.translation == "Anti-Erdogan crowds met Erdogan's allies." and item.method == "substituted"
    first, second = item.names
    assert first.target_span != second.target_span


def test_a_constrained_translation_that_rewrites_the_sentence_is_not_kept(tmp_path: Path) -> None:
    # given the name in English, the model puts it in but says the rest another way
    first = "The minister spoke warmly about the new plan."

    def model(text: str) -> str:
        return {"حماس": "enthusiasm", "تحدث الوزير بحماس عن الخطة الجديدة.": first}.get(
            text, "The minister spoke of Hamas and the plan."
        )

    t = Translator(backend=Scripted(model), quality_default_glossary=False, cache_enabled=False)
    t.protector.glossary = Glossary([Entry("Hamas", ("حماس",), "organisation")])
    (item,) = t.translate("تحدث الوزير بحماس عن الخطة الجديدة.").sentences
    assert item.translation == first and item.method == "whole" and item.flags == ("name_missing",)


@pytest.mark.parametrize(
    ("english", "mended"),
    [
        ("Tromp met the heads of the Trump Organization.", "Trump met the heads of the Trump Organization."),
        ("Hope met the heads of the Trump Organization.", None),  # another word, not a misspelling
        ("They tromp around the Trump Organization.", None),  # not capitalised: a word
    ],
)
def test_a_misspelling_beside_the_name_found_is_mended(tmp_path: Path, english: str, mended: str | None) -> None:
    def model(text: str) -> str:
        return {"ترامب": english.split()[0] if english[0].isupper() else "tromp"}.get(text, english)

    t = Translator(backend=Scripted(model), quality_default_glossary=False, cache_enabled=False)
    t.protector.glossary = Glossary([Entry("Trump", ("ترامب",))])
    (item,) = t.translate("التقى ترامب برؤساء منظمته.").sentences
    assert item.translation == (mended or english) and item.flags == ()


def test_an_empty_answer_inside_a_long_quotation_keeps_the_source(tmp_path: Path) -> None:
    middle = "وسنوقع عليه في الأسبوع المقبل مع الشركاء."
    text = f"قال «لقد وصلنا إلى اتفاق نهائي اليوم. {middle} ثم نبدأ العمل في الشهر التالي مباشرة.» ثم غادر."
    items = translator(lambda t: "" if t == middle else transliterate(t), tmp_path).translate(text).sentences
    assert items[1].sentence.text == middle and items[1].translation == middle
    assert Flag.EMPTY in items[1].flags and all(q.target_span is None for q in items[1].quotes)
