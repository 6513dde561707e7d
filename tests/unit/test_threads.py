"""Thread counts: the default from the cores this process may use, the setting checked
and carried to the backends, and kept out of what decides the outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tarjama import threads
from tarjama.config import Settings
from tarjama.errors import ConfigError
from tarjama.translator import Translator


def test_cgroup_v2_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = tmp_path / "proc-cgroup"
    proc.write_text("0::/job\n")
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "cpu.max").write_text("150000 100000\n")
    monkeypatch.setattr(threads, "PROC_CGROUP", proc)
    assert threads.cgroup_cpu_quota(tmp_path) == 1.5
    (tmp_path / "job" / "cpu.max").write_text("max 100000\n")
    assert threads.cgroup_cpu_quota(tmp_path) is None


def test_cgroup_v1_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = tmp_path / "proc-cgroup"
    proc.write_text("4:memory:/x\n1:cpu,cpuacct:/job\n")
    folder = tmp_path / "cpu,cpuacct" / "job"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("200000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    monkeypatch.setattr(threads, "PROC_CGROUP", proc)
    assert threads.cgroup_cpu_quota(tmp_path) == 2.0
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    assert threads.cgroup_cpu_quota(tmp_path) is None


def test_available_cores_is_the_affinity_lowered_by_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda: None)
    assert threads.available_cores() == 4
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda: 1.5)
    assert threads.available_cores() == 2
    monkeypatch.setattr(threads, "cgroup_cpu_quota", lambda: 0.2)
    assert threads.available_cores() == 1


def test_omp_num_threads_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.default_threads() == 3
    monkeypatch.setattr(threads, "available_cores", lambda: 5)
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert threads.default_threads() == 5
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert threads.default_threads() == 5


@pytest.mark.parametrize("value", [0, -2, "2", 1.5, True])
def test_threads_setting_is_checked(value: object) -> None:
    with pytest.raises(ConfigError, match="threads"):
        Settings().merged({"model": {"threads": value}})


def test_threads_reach_the_backend_and_the_manifest_but_not_the_fingerprint(tmp_path: Path) -> None:
    one = Translator(model_backend="fake", model_threads=1, cache_enabled=False)
    three = Translator(model_backend="fake", model_threads=3, cache_enabled=False)
    assert one.backend.settings["threads"] == 1  # type: ignore[attr-defined]
    assert one.describe()["settings"]["model"]["threads"] == 1
    assert one.fingerprint() == three.fingerprint()
    (tmp_path / "a.txt").write_text("قال الوزير.", encoding="utf-8")
    first = one.translate_folder([tmp_path / "a.txt"], tmp_path / "out")
    assert first.manifest["settings"]["model"]["threads"] == 1
    again = three.translate_folder([tmp_path / "a.txt"], tmp_path / "out")
    assert again.manifest["totals"]["resumed"] == 1  # a different thread count redoes nothing


@pytest.mark.slow  # over 10 s: the full suite runs it, the fast loop does not
def test_configure_torch_sets_intra_and_inter_op_threads() -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        threads.configure_torch(2)
        assert torch.get_num_threads() == 2
        # inter-op threads can be set once per process, before parallel work; after that it stays
        assert torch.get_num_interop_threads() in (1, torch.get_num_interop_threads())
    finally:
        torch.set_num_threads(before)


def test_openmp_waits_passively_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    threads.prepare_openmp()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    threads.prepare_openmp()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
