"""Cells for exported spreadsheets (CSV and XLSX) that people open in Excel or LibreOffice, and the reading
of the CSV files such programs save."""
from __future__ import annotations

import csv

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text and never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


CSV_DELIMITERS = ";,\t"


def decode_csv(data: bytes) -> str:
    """An uploaded file as text: UTF-8 (with or without a BOM), else the Windows code page that older
    spreadsheet programs save CSV files in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_dialect(text: str):
    sample = text[:8192]
    sniffer = csv.Sniffer()
    # When both separators occur as often on every line, the semicolon wins: spreadsheets that save
    # with semicolons do so because commas are common in their values ("Lee, Ann", "3,5").
    sniffer.preferred = list(CSV_DELIMITERS)
    try:
        return sniffer.sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        # One column, or too few rows to tell: the more frequent separator of the first line, if any.
        first_line = sample.splitlines()[0] if sample else ""
        dialect = csv.excel()
        dialect.delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return dialect
