import pytest
import torch

from helpers.devices import pick_device, pick_dtype


def test_cpu_defaults_to_float32(monkeypatch):
    monkeypatch.delenv("WORKBOOK_DTYPE", raising=False)
    assert pick_dtype("cpu") is torch.float32
    assert pick_dtype("cuda") is torch.bfloat16


def test_overrides_are_honoured(monkeypatch):
    monkeypatch.setenv("WORKBOOK_DEVICE", "cpu")
    monkeypatch.setenv("WORKBOOK_DTYPE", "bfloat16")
    assert pick_device() == "cpu"
    assert pick_dtype() is torch.bfloat16


@pytest.mark.parametrize("variable, value, fix", [("WORKBOOK_DTYPE", "fp8", "float32"), ("WORKBOOK_DEVICE", "tpu", "'cpu'")])
def test_bad_overrides_name_the_fix(monkeypatch, variable, value, fix):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=fix):
        pick_dtype() if variable == "WORKBOOK_DTYPE" else pick_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_override_without_gpu_is_refused(monkeypatch):
    monkeypatch.setenv("WORKBOOK_DEVICE", "cuda")
    with pytest.raises(ValueError, match="unset it"):
        pick_device()
