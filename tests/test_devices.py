"""Device and dtype choice, including GPUs this machine does not have (their availability is faked)."""

import pytest
import torch

from helpers.devices import half_dtype, memory_bytes, pick_device, pick_dtype


@pytest.fixture
def machine(monkeypatch):
    """Pretend the machine has the given accelerators: machine(cuda=(major, minor) or None, mps=bool)."""
    monkeypatch.delenv("WORKBOOK_DEVICE", raising=False)
    monkeypatch.delenv("WORKBOOK_DTYPE", raising=False)

    def fake(cuda: tuple[int, int] | None = None, mps: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda is not None)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: int(cuda is not None))
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


def test_cpu_defaults_to_float32(machine):
    machine()
    assert pick_device() == "cpu"
    assert pick_dtype() is torch.float32


@pytest.mark.parametrize("capability, dtype", [((7, 5), torch.float16), ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)])
def test_cuda_gets_its_native_half_precision(machine, capability, dtype):
    machine(cuda=capability)  # 7.5: a T4, Colab's free GPU; 8.0: A100; 9.0: H100/H200
    assert pick_device() == "cuda"
    assert pick_dtype() is dtype


def test_apple_silicon_gets_mps_in_float16(machine, monkeypatch):
    machine(mps=True)
    assert pick_device() == "mps" and pick_dtype() is torch.float16
    monkeypatch.setenv("WORKBOOK_DEVICE", "mps")
    assert pick_device() == "mps"
    monkeypatch.setenv("WORKBOOK_DEVICE", "cpu")
    assert pick_device() == "cpu" and pick_dtype() is torch.float32


def test_cuda_wins_over_mps_and_cpu_half_is_bfloat16(machine):
    machine(cuda=(8, 6), mps=True)
    assert pick_device() == "cuda"
    assert half_dtype("cpu") is torch.bfloat16


def test_overrides_are_honoured(machine, monkeypatch):
    machine()
    monkeypatch.setenv("WORKBOOK_DEVICE", "cpu")
    monkeypatch.setenv("WORKBOOK_DTYPE", "bfloat16")
    assert pick_device() == "cpu"
    assert pick_dtype() is torch.bfloat16


@pytest.mark.parametrize("variable, value, fix", [("WORKBOOK_DTYPE", "fp8", "float32"), ("WORKBOOK_DEVICE", "tpu", "'mps'")])
def test_bad_overrides_name_the_fix(machine, monkeypatch, variable, value, fix):
    machine()
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=fix):
        pick_dtype() if variable == "WORKBOOK_DTYPE" else pick_device()


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "mps"])
def test_absent_accelerator_override_is_refused(machine, monkeypatch, device):
    machine()
    monkeypatch.setenv("WORKBOOK_DEVICE", device)
    with pytest.raises(ValueError, match="use the CPU"):
        pick_device()


def test_cuda_index_must_exist(machine, monkeypatch):
    machine(cuda=(8, 0))
    monkeypatch.setenv("WORKBOOK_DEVICE", "cuda:0")
    assert pick_device() == "cuda:0"
    monkeypatch.setenv("WORKBOOK_DEVICE", "cuda:1")
    with pytest.raises(ValueError, match="sees 1 CUDA device"):
        pick_device()


def test_memory_is_the_gpus_own_on_cuda_and_the_machines_elsewhere(monkeypatch):
    import psutil

    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device: type("Properties", (), {"total_memory": 16 * 2**30}))
    assert memory_bytes("cuda:0") == 16 * 2**30
    assert memory_bytes("cpu") == memory_bytes("mps") == psutil.virtual_memory().total != 16 * 2**30
