"""Cells for exported spreadsheets (CSV and XLSX) that people open in Excel or LibreOffice, an XLSX workbook
streamed as its rows are read, and the reading of the CSV files such programs save."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from typing import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text and never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


CSV_DELIMITERS = ";,\t"
# Excel reads a CSV file as UTF-8 only when it begins with a byte-order mark (without one "Ekström" opens
# as "EkstrÃ¶m"); LibreOffice and Python's "utf-8-sig" read past it.
BYTE_ORDER_MARK = "\ufeff"


def csv_buffer() -> io.StringIO:
    """Where an exported CSV file is written: it begins with the byte-order mark."""
    buffer = io.StringIO(newline="")
    buffer.write(BYTE_ORDER_MARK)
    return buffer


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


# A workbook of one sheet written as its rows are read ------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>',
    # Style 1 shows a date and time as openpyxl writes them.
    "xl/styles.xml": f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '</styleSheet>',
}
# Characters XML 1.0 cannot hold (openpyxl refuses them too).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SEND_EVERY = 64 * 1024


class _Chunks:
    """What the zip writes, kept until taken: a stream the zip cannot seek in, so it writes each part's
    sizes after the part (data descriptors)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts, self.size = b"".join(self.parts), [], 0
        return data


def _cell(reference: str, value) -> str:
    """A cell's XML: text always as text (an inline string, never a formula), numbers, dates and times."""
    if isinstance(value, str):
        return (f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">'
                f'{escape(_NOT_IN_XML.sub("", value))}</t></is></c>')
    if isinstance(value, datetime):
        return f'<c r="{reference}" s="1"><v>{to_excel(value)!r}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{reference}"><v>{value!r}</v></c>'


def streamed_xlsx(sheet_name: str, rows: Iterable[list]) -> Iterator[bytes]:
    """The bytes of an XLSX workbook whose one sheet holds `rows` (text, numbers, naive datetimes, None for
    an empty cell), given out while the rows are read: the whole workbook is never in memory."""
    chunks = _Chunks()
    with zipfile.ZipFile(chunks, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in _PARTS.items():
            archive.writestr(name, _XML + content)
        archive.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
                         f'<sheet name={quoteattr(sheet_name[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            columns: list[str] = []
            for number, row in enumerate(rows, start=1):
                columns.extend(get_column_letter(index) for index in range(len(columns) + 1, len(row) + 1))
                sheet.write((f'<row r="{number}">' + "".join(
                    _cell(f"{column}{number}", value) for column, value in zip(columns, row) if value is not None)
                    + "</row>").encode())
                if chunks.size >= _SEND_EVERY:
                    yield chunks.take()
            sheet.write(b"</sheetData></worksheet>")
    yield chunks.take()
