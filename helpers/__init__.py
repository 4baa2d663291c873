"""Helpers for the LLM text-generation workbook: what is not the lesson (models, devices, plots, checks)."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
