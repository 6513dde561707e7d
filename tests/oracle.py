"""The test oracle: the task the tiny model (tests/fixtures/tiny-translit) is trained on.

Arabic letters become their Buckwalter transliteration, everything else stays: a test can
say exactly what the model, or the fake backend, must answer. scripts/make_tiny_model.py
trains on this same function, so the tests' expectations and the model's task cannot drift.
"""

from __future__ import annotations

# Buckwalter transliteration (Tim Buckwalter, 2002), plus Arabic punctuation and
# Arabic-Indic digits mapped to their Latin forms.
# fmt: off
BUCKWALTER = {
    "ء": "'", "آ": "|", "أ": ">", "ؤ": "&", "إ": "<", "ئ": "}", "ا": "A", "ب": "b",
    "ة": "p", "ت": "t", "ث": "v", "ج": "j", "ح": "H", "خ": "x", "د": "d", "ذ": "*",
    "ر": "r", "ز": "z", "س": "s", "ش": "$", "ص": "S", "ض": "D", "ط": "T", "ظ": "Z",
    "ع": "E", "غ": "g", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": "w", "ى": "Y", "ي": "y", "ً": "F", "ٌ": "N", "ٍ": "K", "َ": "a",
    "ُ": "u", "ِ": "i", "ّ": "~", "ْ": "o", "ٰ": "`", "ٱ": "{",
    "،": ",", "؛": ";", "؟": "?", "٪": "%",
    **{chr(0x0660 + d): str(d) for d in range(10)},
}
# fmt: on


def transliterate(text: str) -> str:
    """The target side of the task: Arabic letters to Buckwalter, the rest unchanged."""
    return "".join(BUCKWALTER.get(ch, ch) for ch in text)
