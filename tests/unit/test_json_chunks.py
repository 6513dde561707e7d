"""The manifest is written piece by piece, and the pieces make the same text."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tarjama.jsonl import dump_chunks, dumps
from tarjama.write import write_json

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_pieces_make_the_same_text(data: object) -> None:
    assert "".join(dump_chunks(data, indent=2)) == dumps(data, indent=2)


def test_write_json_streams_a_readable_file(tmp_path: Path) -> None:
    data = {"files": [{"name": f"{n}.txt", "text": "عربي\ud800"} for n in range(1000)]}
    write_json(tmp_path / "manifest.json", data)
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text)["files"][999]["text"] == "عربي\ud800"
