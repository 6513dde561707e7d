"""The names-and-quotations layer never damages a good translation (issue 12): the Keep
and Repair tests of scripts/eval_faithfulness.py on NTREX-128, through the real
``tarjama translate`` with the human reference as the model's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import load_script, shared_data

faithfulness = load_script("eval_faithfulness")


@pytest.mark.slow  # over 10 s: the full suite runs it, the fast loop does not
def test_keep_and_repair_on_ntrex(tmp_path: Path) -> None:
    root = shared_data("ntrex128")
    lines = faithfulness.load_lines(root)
    references = faithfulness.references_of(lines)
    wrong, chosen = faithfulness.repair_table(lines, references)
    faithfulness.write_articles(lines, tmp_path / "ntrex")
    keep = faithfulness.keep_test(faithfulness.run(tmp_path / "ntrex", tmp_path / "keep", references, None), references)
    assert keep["sentences"] > 1900
    assert keep["kept_share"] >= 0.995 and keep["methods"].get("rebuilt", 0) == 0
    assert keep["name_inconsistent_share"] <= 0.003
    records = faithfulness.run(tmp_path / "ntrex", tmp_path / "repair", wrong, None)
    repair = faithfulness.repair_test(records, references, chosen)
    assert repair["sentences"] > 200
    assert repair["restored_share"] >= 0.95 and repair["rebuilt"] == 0
