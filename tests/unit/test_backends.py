"""What every backend shares (tarjama.backends.base): the decoding settings, declared once."""

from __future__ import annotations

import gc

import pytest

from tarjama.backends import Backend, Hypothesis, load_backend, register_backend
from tarjama.backends.base import Decoding, collector_paused
from tarjama.errors import ConfigError


class Echo(Backend):
    """A backend that names the settings it takes, and no others."""

    name = "echo"

    def __init__(self, model: str, beams: int = 1) -> None:
        self.model = model
        self.decoding = Decoding(beams=beams)

    def translate_batch(self, sentences: list[str]) -> list[Hypothesis]:
        return [Hypothesis(s) for s in sentences]


def test_with_options_changes_decoding_on_a_copy_sharing_the_model() -> None:
    backend = Echo("m", beams=2)
    safer = backend.with_options(beams=4, no_repeat_ngram_size=3)
    assert safer.decoding == Decoding(beams=4, no_repeat_ngram_size=3)
    assert backend.decoding == Decoding(beams=2) and safer.model is backend.model


def test_with_options_refuses_what_is_not_a_decoding_setting() -> None:
    with pytest.raises(ConfigError, match="unknown decoding setting beam; known: beams, no_repeat_ngram_size"):
        Echo("m").with_options(beam=4)


def test_a_backend_gets_the_settings_it_declares_and_takes_no_others() -> None:
    register_backend("echo", Echo)
    backend = load_backend("echo", model="m", beams=3, dtype="float16", compute_type="int8")
    assert isinstance(backend, Echo) and backend.decoding.beams == 3
    with pytest.raises(TypeError, match="dtype"):
        Echo("m", dtype="float16")  # type: ignore[call-arg]


def test_the_collector_is_paused_while_loading_and_left_as_it_was() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the model cannot be loaded")
    assert gc.isenabled()
    gc.disable()  # a program that runs without the collector keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("score", [float("nan"), float("-inf"), float("inf")])
def test_a_score_that_is_not_a_finite_number_is_no_score(score: float) -> None:
    # NaN compares false with every min_score, and neither NaN nor infinity is JSON
    assert Hypothesis("x", score=score).score is None
    assert Hypothesis("x", score=-0.5).score == -0.5
