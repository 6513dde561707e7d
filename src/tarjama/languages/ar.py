"""Arabic, the source language: its letters, segmentation rules, clause cuts, attached
prefixes and legacy encodings. This is the one place that knows them; every module reads
them from here (``tarjama.languages`` says how a language is chosen).
"""

from __future__ import annotations

import re

CODE = "ar"

# the letters, hamza to yeh (U+0621-U+064A, tatweel included): diacritics and the extended
# letters of Persian and Urdu are not among them
LETTERS = "\u0621-\u064a"
LETTER = re.compile(f"[{LETTERS}]")
LETTER_RUN = re.compile(f"[{LETTERS}]{{2,}}")
# the Unicode block of the script (letters, digits, punctuation, marks)
BLOCK = ("\u0600", "\u06ff")

# the segmenter's word lists (abbreviations, sentence starters...), a file of the package
SEGMENTATION_RULES = "data/segmentation.toml"
# the conjunction "and", written attached: a word that starts with it may start a sentence
CONJUNCTION = "و"
# clause boundaries for over-long sentences, strongest first: the cut goes after the
# separator and its following spaces
CLAUSE_CUTS = (
    re.compile(r"[؛;]\s+"),
    re.compile(r"[،,]\s+"),
    re.compile(r":\s+"),
    re.compile(rf"\s+(?={CONJUNCTION}\w)"),
    re.compile(r"\s+"),
)

# the one-letter prefixes written attached to a word (and, so, in, to, like, and their
# pairs), with their English for sentences rebuilt around a name
ATTACHED_PREFIXES = {
    "": "", "و": "and", "ف": "so", "ب": "in", "ل": "to", "ك": "like",
    "وب": "and in", "ول": "and to", "وك": "and like", "فب": "so in", "فل": "so to",
}  # fmt: skip
DEFINITE_ARTICLE = "ال"
# the definite article with the prefixes that attach before it (لل: ل + ال)
ARTICLE_PREFIXES = ("ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وبال")

# legacy encodings tried, in this order, on bytes that are not UTF-8
LEGACY_ENCODINGS = ("windows-1256", "iso-8859-6")
