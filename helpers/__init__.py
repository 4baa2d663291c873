"""Helpers for the LLM text-generation workbook: what is not the lesson (models, devices, plots, checks)."""

import logging
import warnings
from importlib.resources import files
from pathlib import Path

# transformers imports torchao (the speed lab's int8 and int4 rows) whenever it loads a model, and torchao 0.18 then
# logs, into every notebook, that its CUDA-only kernels do not load on a CPU build of torch and that torch no longer
# needs one of its registrations. Nothing the workbook runs uses either; real errors still show.
logging.getLogger("torchao").setLevel(logging.ERROR)
logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
# torch 2.13's max-autotune (the speed lab's compiled rows) calls its own deprecated storage API once per process.
warnings.filterwarnings("ignore", message="TypedStorage is deprecated", category=UserWarning, module=r"torch\._inductor\.")

# The repository's top-level data/ (prompts, exercise code), installed as the package helpers.data (pyproject.toml).
DATA_DIR = Path(str(files("helpers.data")))
