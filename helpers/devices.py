"""Choose the device and dtype for the reader's machine: fp32 on CPU (reproducible), 16 bits on a GPU."""

from __future__ import annotations

import os

import psutil
import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
ACCELERATORS = ("cuda", "mps")


def accelerator_available(kind: str) -> bool:
    """Whether torch sees an accelerator of this kind ("cuda" or "mps")."""
    if kind == "cuda":
        return torch.cuda.is_available()
    return kind == "mps" and torch.backends.mps.is_available()


def memory_bytes(device: str) -> int:
    """The memory the model and its key/value cache share on the device: a CUDA GPU's own, else the machine's."""
    if str(device).startswith("cuda"):
        return torch.cuda.get_device_properties(device).total_memory
    return psutil.virtual_memory().total


def pick_device() -> str:
    """$WORKBOOK_DEVICE if set, else "cuda" or "mps" when one is visible, else "cpu"."""
    choice = os.environ.get("WORKBOOK_DEVICE")
    if not choice:
        return next((kind for kind in ACCELERATORS if accelerator_available(kind)), "cpu")
    return checked_device(choice, "WORKBOOK_DEVICE=")


def checked_device(choice: str, where: str = "") -> str:
    """The device named, if torch can use it here; otherwise a ValueError that names the fix."""
    kind, _, index = choice.partition(":")
    if kind not in {"cpu", *ACCELERATORS} or (index and not (kind == "cuda" and index.isdigit())):
        raise ValueError(f"{where}{choice!r}: use 'cpu', 'cuda', 'cuda:N' or 'mps'.")
    if kind != "cpu" and not accelerator_available(kind):
        raise ValueError(f"{where}{choice!r}, but torch sees no {kind} device: use the CPU.")
    if index and int(index) >= torch.cuda.device_count():
        raise ValueError(f"{where}{choice!r}, but torch sees {torch.cuda.device_count()} CUDA device(s): "
                         "use cuda:0 up to one less than that.")
    return choice


def half_dtype(device: str) -> torch.dtype:
    """The 16-bit dtype the device computes natively: float16 on MPS and CUDA GPUs older than Ampere, else bfloat16."""
    if device.startswith("mps"):
        return torch.float16
    if device.startswith("cuda") and torch.cuda.get_device_capability(device)[0] < 8:
        return torch.float16  # a T4 (Colab's free GPU) has no native bfloat16
    return torch.bfloat16


def pick_dtype(device: str | None = None) -> torch.dtype:
    """$WORKBOOK_DTYPE if set, else float32 on the CPU and the device's native 16-bit dtype on a GPU."""
    choice = os.environ.get("WORKBOOK_DTYPE")
    if choice:
        if choice not in DTYPES:
            raise ValueError(f"WORKBOOK_DTYPE={choice!r}: use one of {', '.join(DTYPES)}.")
        return DTYPES[choice]
    device = device or pick_device()
    return torch.float32 if device == "cpu" else half_dtype(device)


def describe(device: str) -> str:
    """The device, its name where it has one, and the dtype the notebooks will use on it."""
    name = f" ({torch.cuda.get_device_name(device)})" if device.startswith("cuda") else ""
    return f"{device}{name}, {str(pick_dtype(device)).removeprefix('torch.')}"


def main(argv: list[str] | None = None) -> None:
    """Print the device and dtype the notebooks will use; with --require-gpu, fail in one line if it is the CPU."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m helpers.devices", description=main.__doc__)
    parser.add_argument("--require-gpu", action="store_true", help="exit 1 unless a CUDA or Apple GPU will be used")
    args = parser.parse_args(argv)
    try:
        device = pick_device()
    except ValueError as error:
        sys.exit(f"error: {error}")
    if args.require_gpu and device == "cpu":
        sys.exit(f"error: no GPU here: torch {torch.__version__} sees no CUDA or Apple (mps) device. "
                 "Run `make test-gpu` on a GPU machine with a CUDA build of torch; on this one, `make test`.")
    print(describe(device))


if __name__ == "__main__":
    main()
