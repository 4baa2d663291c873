"""The workbook's lesson data (prompts, the exercises' code), installed with the helpers as the package helpers.data."""
