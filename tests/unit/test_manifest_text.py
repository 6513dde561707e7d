"""The manifest written piece by piece (``tarjama.outputs.write_manifest`` with its
files list as encoded entries, as a folder run writes it) is the same text as the
manifest written whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tarjama.jsonl import dumps
from tarjama.outputs import entry_text, read_manifest, write_manifest

# keys and values as a manifest's entries have them, and the awkward ones: newlines,
# quotes, Arabic, lone surrogates (escaped), empty lists and objects
_TEXT = st.text(alphabet=st.sampled_from(["a", "\n", '"', "\\", "ق", "\ud800", " ", "\u2028"]), max_size=8)
_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12,
)
_ENTRY = st.dictionaries(_TEXT, _VALUE, max_size=5).map(lambda entry: {"name": "a.txt", "status": "failed", **entry})


@settings(max_examples=150, deadline=None)
@given(entries=st.lists(_ENTRY, max_size=4), head=st.dictionaries(_TEXT, _VALUE, max_size=3))
def test_streamed_files_give_the_text_of_the_whole_manifest(
    tmp_path_factory: Any, entries: list[Any], head: dict[str, Any]
) -> None:
    folder: Path = tmp_path_factory.mktemp("out")
    top = {key: value for key, value in head.items() if key not in ("files", "totals")}
    manifest = {**top, "files": entries, "totals": {"done": 0}}
    write_manifest(folder, {**manifest, "files": []}, (entry_text(entry) for entry in entries))
    streamed = (folder / "manifest.json").read_text(encoding="utf-8")
    assert streamed == dumps(manifest, indent=2) + "\n"
    write_manifest(folder, manifest)  # the entries themselves: the same text
    assert (folder / "manifest.json").read_text(encoding="utf-8") == streamed
    assert read_manifest(folder) is not None
