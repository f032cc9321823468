"""Excel (.xlsx) export of any list: one sheet, a bold frozen header, typed cells.

Offices work in Excel, so every list page and report table can be downloaded through `xlsx_response`. The
workbook is written in openpyxl's write-only mode: rows are streamed to a temporary file instead of being kept as
cell objects, so a list of 10,000 communes or visits stays cheap.
"""

from __future__ import annotations

import datetime
import io
import itertools
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import formats

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DATE_FORMAT = "DD/MM/YYYY"  # as Vietnamese offices write dates
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


class Money(int):
    """An amount in đồng for a cell: written as a number with thousands grouped ("#,##0", which a Vietnamese Excel
    shows as 50.000.000), where a plain int (a year, a count) is left as it is. `Money(value)` in an export row."""

    def __new__(cls, value):
        return None if value is None else super().__new__(cls, value)


# Column widths are measured on the header and the first rows only: the rest are streamed, never held.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60

# Excel's own limits on sheet names: 31 characters, none of []:*?/\
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    """A sheet name Excel accepts, made from any title."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", str(title)))
    cleaned = " ".join(cleaned.split()).strip("'")
    return cleaned[:31].strip() or "Sheet1"


def _plain(value):
    """The value as a cell takes it: numbers and dates typed, lazy translations and other objects as text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: show the local time, as the portal does.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        value = str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _cell(sheet, value, *, bold: bool = False):
    """A WriteOnlyCell where the value needs a style, else the plain value (several times cheaper to write)."""
    number_format = _number_format(value)
    value = _plain(value)
    needs_cell = (
        bold or number_format or isinstance(value, datetime.date) or (isinstance(value, str) and value.startswith("="))
    )
    if not needs_cell:
        return value
    cell = WriteOnlyCell(sheet, value=int(value) if isinstance(value, Money) else value)
    if number_format:
        cell.number_format = number_format
    if isinstance(value, str) and value.startswith("="):
        # Text is text: a name or note starting with "=" must not become a formula (spreadsheet injection).
        cell.data_type = "s"
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _number_format(value) -> str | None:
    """Money with thousands grouped, decimals (days on site, percentages) with a decimal comma in a Vietnamese Excel."""
    if isinstance(value, Money):
        return formats.EXCEL_MONEY_FORMAT
    if isinstance(value, float | Decimal):
        return formats.EXCEL_DECIMAL_FORMAT
    return None


def _display_width(value) -> int:
    value = _plain(value)
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return len(DATE_FORMAT)
    if isinstance(value, Money):
        return len(formats.number(value))
    if isinstance(value, float):
        return len(f"{value:.2f}")
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def rows_to_xlsx(*, title: str, columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """`write_xlsx` into memory: for small sheets."""
    buffer = io.BytesIO()
    write_xlsx(buffer, title=title, columns=columns, rows=rows)
    return buffer.getvalue()


def write_xlsx(target: BinaryIO, *, title: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """One sheet named after `title`: `columns` as a bold, frozen header, then `rows` as typed cells.

    Numbers (int, float, Decimal) stay numbers, dates and datetimes become Excel dates (aware datetimes in local
    time), None an empty cell, anything else text. `rows` may be a generator: it is read once.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    columns = list(columns)
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))

    widths = [_display_width(header) for header in columns]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _display_width(value))
    # Write-only sheets take their dimensions and panes before the first row.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"

    sheet.append([_cell(sheet, header, bold=True) for header in columns])
    last_row = 1
    for row in itertools.chain(sample, rows):
        sheet.append([_cell(sheet, value) for value in row])
        last_row += 1
    if columns:
        # The filter is written after the rows (sheetData comes first in the file), so it can span all of them.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"

    workbook.save(target)


def ascii_filename(filename: str) -> str:
    """The file name without diacritics, for browsers that ignore `filename*`: "Báo cáo Định Hóa.xlsx" ->
    "Bao cao Dinh Hoa.xlsx". Đ/đ is a letter of its own that NFKD leaves alone, so it is mapped first."""
    stem, extension = os.path.splitext(filename)
    stem = stem.replace("Đ", "D").replace("đ", "d")
    stem = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem).strip(" ._") or "export"
    return stem + re.sub(r"[^A-Za-z0-9.]", "", extension)


def _download_headers(response: HttpResponse, filename: str) -> HttpResponse:
    """Content-Disposition with an ASCII name for old clients and the UTF-8 name (RFC 5987 / RFC 6266) that every
    current browser prefers, so "Tiến độ Định Hóa.xlsx" arrives with its diacritics; no shared cache."""
    filename = str(filename).replace("\r", " ").replace("\n", " ").strip() or "export"  # str(): lazy names too
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    fallback = ascii_filename(filename).replace('"', "")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    # The files hold personal and not-yet-approved data: never keep them in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_file_response(*, filename: str, content: bytes) -> HttpResponse:
    """A download of an .xlsx already built (the assessment template, say) named `filename` (".xlsx" added when
    missing)."""
    return _download_headers(HttpResponse(content, content_type=XLSX_CONTENT_TYPE), filename)


def xlsx_response(*, filename: str, title: str, columns: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A download of `rows_to_xlsx(...)` named `filename`, with the headers of `xlsx_file_response`."""
    return xlsx_file_response(filename=filename, content=rows_to_xlsx(title=title, columns=columns, rows=rows))


def xlsx_streaming_response(
    *, filename: str, title: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> FileResponse:
    """`xlsx_response` for the long lists (every commune of a country): the workbook is written to a temporary file,
    not to memory, and sent from it in blocks (the file is deleted when the response is closed). Memory does not grow
    with the rows when `rows` is a generator, and the server hands the first block over as soon as the file is
    written, where an HttpResponse would hold the whole file twice (the buffer and its copy). The response streams:
    read it with `getvalue()` in tests, not `.content`."""
    spool = tempfile.TemporaryFile(prefix="ntm-xlsx-")  # noqa: SIM115 - FileResponse closes it
    try:
        write_xlsx(spool, title=title, columns=columns, rows=rows)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    return _download_headers(response, filename)
