"""Make this CPU compute like another one, from interpreter start: on PYTHONPATH, each switch below acts if set.

- WORKBOOK_TEST_AVX512BF16=1 (or 0): `bitsandbytes.functional.has_avx512bf16` answers that value from the moment
  the module is executed, before bitsandbytes' CPU backend and nn modules read it.
- WORKBOOK_TEST_OTHER_ROUNDING=1: every linear layer computed in 16 bits (bfloat16, float16; torchao's quantized
  layers with 16-bit activations among them) and every bitsandbytes quantized layer returns its output nudged by up
  to 6 %, in a fixed pattern that depends on the call's shape (so a batch and a prompt alone are nudged differently).
  Another CPU rounds those differently (native bfloat16 or not, AVX2 or AVX-512), so an output that survives this
  holds on any CPU, and one that changes must not be pinned. Float32 arithmetic is left exactly as it is: it gives
  the same results on every x86 CPU.
"""

import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Callable
from types import ModuleType


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs `patch(module)` right after the named module is executed, before anything else can use it."""

    def __init__(self, name: str, patch: Callable[[ModuleType], None]):
        self.name, self.patch = name, patch

    def find_spec(self, name, path, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


def _force_avx512bf16(functional: ModuleType) -> None:
    functional.has_avx512bf16 = lambda: os.environ["WORKBOOK_TEST_AVX512BF16"] == "1"


def _nudged(output):
    """The output plus up to 2**-4 of itself, in a pattern fixed by each value's column and by how many rows the call
    computed: a batch is nudged otherwise than one prompt alone, as other kernels for other shapes round otherwise."""
    import torch

    columns = torch.arange(output.shape[-1], device=output.device, dtype=torch.float32)
    rows = output.numel() // max(output.shape[-1], 1)
    return output + (output.float() * torch.sin(columns * 12.9898 + rows * 78.233) * 2**-4).to(output.dtype)


def _nudge_16_bit_linear(functional: ModuleType) -> None:
    import torch

    linear, sixteen_bits = functional.linear, (torch.bfloat16, torch.float16)

    def other_rounding_linear(input, weight, bias=None):
        if torch.overrides.has_torch_function((input, weight, bias)):
            # A tensor subclass (torchao's quantized weights) looks its linear up under this very function, which
            # stands as torch.nn.functional.linear from before torchao was imported: hand the call to it, as torch does.
            output = torch.overrides.handle_torch_function(other_rounding_linear, (input, weight, bias), input, weight, bias)
        else:
            output = linear(input, weight, bias)
        return _nudged(output) if output.dtype in sixteen_bits else output

    functional.linear = other_rounding_linear


def _nudge_quantized_layers(modules: ModuleType) -> None:
    for layer in (modules.Linear4bit, modules.Linear8bitLt):
        forward = layer.forward
        layer.forward = lambda self, x, forward=forward: _nudged(forward(self, x))


if os.environ.get("WORKBOOK_TEST_AVX512BF16") in {"0", "1"}:
    sys.meta_path.insert(0, _AfterImport("bitsandbytes.functional", _force_avx512bf16))
if os.environ.get("WORKBOOK_TEST_OTHER_ROUNDING") == "1":
    sys.meta_path.insert(0, _AfterImport("torch.nn.functional", _nudge_16_bit_linear))
    sys.meta_path.insert(0, _AfterImport("bitsandbytes.nn.modules", _nudge_quantized_layers))
