"""The thread-count fingerprint bug (issue 14) on the real CTranslate2 backend: two
translators that differ only in thread count share the cache scope and the folder
fingerprint, so a resume on a machine with another core count redoes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.cache import cache_scope


def test_ct2_thread_counts_keep_the_cache_scope_and_the_fingerprint(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2")
    settings = {"model_name": str(tiny_model), "model_backend": "ct2", "model_device": "cpu"}
    settings["cache_dir"] = str(tmp_path)
    one = Translator(model_threads=1, **settings)
    two = Translator(model_threads=2, **settings)
    counts = [{k: v for k, v in t.backend.describe().items() if "threads" in k} for t in (one, two)]
    assert counts[0] != counts[1]  # they do differ
    assert cache_scope(one.backend.describe()) == cache_scope(two.backend.describe())
    assert one.fingerprint() == two.fingerprint()
    assert Translator(model_threads=1, decoding_beams=1, **settings).fingerprint() != one.fingerprint()
