"""Source languages: what the pipeline knows of the language it translates from.

A language is a module of this package named by its code (``ar.py``), defining the names
``ar.py`` defines: its letters, the segmenter's rules file, clause cuts, attached prefixes
and legacy encodings. The ``[segmentation] language`` setting chooses it. A second source
language is a new module here (and a rules file), not an edit of every stage.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def source_language(code: str) -> ModuleType:
    """The module of the source language ``code`` (``"ar"``).

    Example:
        >>> source_language("ar").LETTER.findall("قال Ali")
        ['ق', 'ا', 'ل']
    """
    return importlib.import_module(f"{__name__}.{code}")
