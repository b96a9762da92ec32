"""Device selection: auto picks CUDA only when present; asking for absent CUDA is a clear error."""

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.compute import device as dv  # noqa: E402
from catdyn.backends.torch.compute.device import DeviceError, describe_device, resolve_device  # noqa: E402
from catdyn.errors import CatdynError  # noqa: E402


def _fake_cuda(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


def test_cpu_is_always_there() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_auto_falls_back_to_cpu_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cuda(monkeypatch, 0)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")


def test_auto_picks_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cuda(monkeypatch, 2)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)


def test_cuda_asked_for_but_absent_is_a_catdyn_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cuda(monkeypatch, 0)
    with pytest.raises(DeviceError) as info:
        resolve_device("cuda")
    assert isinstance(info.value, CatdynError)
    text = str(info.value)
    assert "'cuda' was asked for" in text and "0 CUDA device" in text and "--device cpu" in text


def test_cuda_index_beyond_the_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cuda(monkeypatch, 1)
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    with pytest.raises(DeviceError, match="cuda:1"):
        resolve_device("cuda:1")


@pytest.mark.parametrize("spec", ["tpu", "cuda:x", "cuda:-1", "", 3])
def test_unknown_specs(spec: object) -> None:
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device(spec)  # type: ignore[arg-type]


def test_a_broken_cuda_probe_reads_as_no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> bool:
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(torch.cuda, "is_available", boom)
    assert dv.cuda_available() is False
    assert resolve_device("auto") == torch.device("cpu")


def test_describe_cpu() -> None:
    info = describe_device("cpu")
    assert info["type"] == "cpu" and info["threads"] == torch.get_num_threads()
