from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from tarjama import Translator
from tarjama.config import DEFAULTS_FILE, Settings
from tarjama.errors import ConfigError

from ..conftest import ROOT, FakeBackend

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_default_toml_is_the_defaults_in_both_directions() -> None:
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert Settings().merged(data) == Settings()
    defaults = Settings().to_dict()
    for section, values in data.items():  # every key of the file is a setting, with its default
        for key, value in values.items():
            assert defaults[section][key] == value, f"[{section}] {key}"
    for section, values in defaults.items():  # every setting is in the file (unset ones commented out)
        for key, value in values.items():
            if value is None:
                assert re.search(rf"^# {key} = ", text, re.M), f"[{section}] {key} (commented out)"
            else:
                assert key in data[section], f"[{section}] {key}"


def test_default_toml_is_package_data_and_configs_points_to_it() -> None:
    packaged = resources.files("tarjama") / "data" / "default.toml"
    assert Path(str(packaged)) == DEFAULTS_FILE
    assert (ROOT / "configs" / "default.toml").read_text(encoding="utf-8") == packaged.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_wheel_ships_the_defaults(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="the wheel is built offline with hatchling: pip install hatchling")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([*command, str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("tarjama-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("tarjama/data/default.toml") == DEFAULTS_FILE.read_bytes()


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
        ("[model]\ndtype = 'float64'\n", "dtype = 'float64' should be one of 'auto', 'float32', 'float16'"),
        ("[model]\ncompute_type = 'int4'\n", "compute_type = 'int4' should be one of 'auto', 'int8'"),
        ("[model]\ndevice = 'gpu'\n", "device = 'gpu' should be auto, cpu, cuda or cuda:N"),
        ("[engine]\nname = 'spark'\n", "name = 'spark' should be one of 'local', 'ray'"),
        ("[quality]\nlength_ratio_low = 4.0\n", "length_ratio_low = 4.0 is above length_ratio_high = 3.0"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Settings.load(config)


def test_devices_with_an_index_are_taken() -> None:
    assert Settings().merged({"model": {"device": "cuda:1"}}).model.device == "cuda:1"


def test_the_api_refuses_ray_options_for_the_local_engine(fake_backend: FakeBackend, tmp_path: Path) -> None:
    translator = Translator(backend=fake_backend, cache_enabled=False, engine_workers=2)
    with pytest.raises(ConfigError, match=r"\[engine\] workers: options of the ray engine, set for the local engine"):
        translator.translate_folder([ROOT / "seeds"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_float_settings_take_integers() -> None:
    assert Settings().merged({"decoding": {"max_length_ratio": 3}}).decoding.max_length_ratio == 3.0
