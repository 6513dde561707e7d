from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tarjama.config import Settings
from tarjama.errors import ConfigError

from ..conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_default_toml_is_the_defaults() -> None:
    data = tomllib.loads((ROOT / "configs" / "default.toml").read_text(encoding="utf-8"))
    assert Settings().merged(data) == Settings()
    defaults = Settings().to_dict()
    for section, values in data.items():
        for key, value in values.items():
            assert defaults[section][key] == value, f"[{section}] {key}"


def test_file_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('[model]\ndevice = "cpu"\n[decoding]\nbeams = 2\n', encoding="utf-8")
    settings = Settings.load(config).with_overrides(decoding_beams=5, model_dtype=None)
    assert settings.model.device == "cpu"
    assert settings.decoding.beams == 5
    assert settings.model.dtype == "auto"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[model]\nnmae = 'x'\n", "unknown key 'nmae' in [model]"),
        ("[modle]\nname = 'x'\n", "unknown section [modle]"),
        ("[decoding]\nbeams = 'four'\n", "beams = 'four' should be int"),
        ("[decoding]\nbeams = true\n", "beams = True should be int"),
        ("[batching]\nbatch_tokens = -5\n", "batch_tokens must be positive"),
        ("[quality]\nrepair = 'fix'\n", "repair = 'fix' should be one of 'off', 'edit', 'rebuild'"),
        ("[quality]\nnames = 'keep'\n", "names = 'keep' should be one of bool, 'canonical'"),
        ("[model\n", "is not valid TOML"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Settings.load(config)


def test_float_settings_take_integers() -> None:
    assert Settings().merged({"decoding": {"max_length_ratio": 3}}).decoding.max_length_ratio == 3.0
