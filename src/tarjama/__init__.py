"""tarjama: Arabic to English machine translation of news articles, with alignment.

Example:
    >>> from tarjama import Translator  # doctest: +SKIP
    >>> translator = Translator(model_name="Helsinki-NLP/opus-mt-ar-en")  # doctest: +SKIP
    >>> print(translator.translate("وصل الرئيس إلى بغداد.").text)  # doctest: +SKIP
"""

from __future__ import annotations

from .config import Settings
from .document import Article, ArticleTranslation, Paragraph, Sentence, SentenceTranslation
from .errors import ConfigError, InputError, MissingExtraError, ModelLoadError, TarjamaError
from .folder import Progress, RunReport
from .segment import Segmenter
from .translator import Translator
from .version import __version__

__all__ = [
    "Article",
    "ArticleTranslation",
    "ConfigError",
    "InputError",
    "MissingExtraError",
    "ModelLoadError",
    "Paragraph",
    "Progress",
    "RunReport",
    "Segmenter",
    "Sentence",
    "SentenceTranslation",
    "Settings",
    "TarjamaError",
    "Translator",
    "__version__",
]
