"""Force bitsandbytes' CPU-feature check, so a test can take the branch this CPU would not.

On PYTHONPATH with WORKBOOK_TEST_AVX512BF16=1 (or 0), `bitsandbytes.functional.has_avx512bf16` answers that
value from the moment the module is executed: before bitsandbytes' CPU backend and nn modules read it.
"""

import importlib.abc
import importlib.util
import os
import sys

FORCED = os.environ.get("WORKBOOK_TEST_AVX512BF16")


class _ForceAvx512Bf16(importlib.abc.MetaPathFinder):
    """Wraps the loader of bitsandbytes.functional so that has_avx512bf16 returns the forced value."""

    def find_spec(self, name, path, target=None):
        if name != "bitsandbytes.functional":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            module.has_avx512bf16 = lambda: FORCED == "1"

        spec.loader.exec_module = exec_module
        return spec


if FORCED in {"0", "1"}:
    sys.meta_path.insert(0, _ForceAvx512Bf16())
