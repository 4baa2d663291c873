"""Helpers for the LLM text-generation workbook: what is not the lesson (models, devices, plots, checks)."""

from importlib.resources import files
from pathlib import Path

# The repository's top-level data/ (prompts, exercise code), installed as the package helpers.data (pyproject.toml).
DATA_DIR = Path(str(files("helpers.data")))
