"""Cells for exported spreadsheets (CSV and XLSX) that people open in Excel or LibreOffice."""
from __future__ import annotations

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text and never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
