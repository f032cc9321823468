"""Assessments in Excel: the template an office downloads, fills in and uploads again.

The template has one row per commune the user may edit and one column per value to enter: a criterion assessed
as a whole ("TC5 Trường học": Đạt / Chưa đạt) or an indicator ("3.1 ... (%)": a number). A "Hướng dẫn" sheet
explains the columns and the targets, and a "Thông tin" sheet carries the criteria set and the year, which the
upload reads back.

The upload is all or nothing: every row is checked first, and nothing is written while anything is wrong (the
errors name the Excel row and column). Then every commune goes through the workflow services (`round_start`,
`round_save`) in one transaction, so permissions, round states, the audit log and optimistic locking are exactly
those of the web form; a refusal by a service for one commune rolls back the whole file too.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from communes.models import AdministrativeUnit
from ntm_portal.access import AccessDenied, Action, action_q, can
from ntm_portal.text import fold_vietnamese

from ..choices import Comparison, SetLevel
from ..models import PERCENT_COMPARISONS, AssessmentRound, CriteriaSet, Criterion, Indicator
from ..permissions import require_may_import
from .assessment import (
    EDITABLE_STATES,
    CriterionInput,
    IndicatorInput,
    InvalidValue,
    WorkflowError,
    applicable_threshold,
    round_save,
    round_start,
)

# The upload's limits are the settings' EXCEL_IMPORT_* (config/settings/base.py), read at each upload.
MAX_ERRORS_LISTED = 200

DATA_SHEET = "Đánh giá"
GUIDE_SHEET = "Hướng dẫn"
INFO_SHEET = "Thông tin"
CODE_HEADER, NAME_HEADER, DISTRICT_HEADER = "Mã xã", "Tên xã", "Huyện"
MET, NOT_MET = "Đạt", "Chưa đạt"
INFO_SET_CODE, INFO_SET_NAME, INFO_YEAR = "Mã bộ tiêu chí", "Tên bộ tiêu chí", "Năm đánh giá"
INFO_UNIT, INFO_CREATED_BY, INFO_CREATED_AT = "Đơn vị", "Người tải mẫu", "Thời điểm tải mẫu"
TEMPLATE_VERSION = 1

# Accepted spellings, compared after folding diacritics and case: "Đạt", "dat", "KHÔNG ĐẠT", "chưa đạt"...
_MET_WORDS = {"dat": True, "co": True, "khong dat": False, "chua dat": False, "khong": False}
# The zip signature of every .xlsx, and the OLE2 signature of .xls files and password-protected workbooks.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NUMBER_TEXT = re.compile(r"[+-]?\d+(\.\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}([.,]\d{3})+")
# IndicatorValue.value_number: 14 digits, 2 of them decimals.
_MAX_NUMBER = Decimal(10) ** 12
_CENT = Decimal("0.01")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INFO_FILL = PatternFill("solid", fgColor="F2F2F2")
_LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")
_WRAP = Alignment(wrap_text=True, vertical="top")


# --- errors and results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One problem in the uploaded file, where the user sees it: Excel row number (0: the file as a whole) and
    column ("E (TC5 Trường học)", or "" for a whole row or file)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row and self.column:
            return _("Dòng %(row)s, cột %(column)s: %(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        if self.row:
            return _("Dòng %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}
        return self.reason


def cell_error_dicts(errors: list[CellError]) -> list[dict[str, Any]]:
    """The errors as the API and an import job's row keep them."""
    return [{"row": e.row, "column": e.column, "reason": e.reason, "message": str(e)} for e in errors]


class ExcelImportError(WorkflowError):
    """The uploaded file was refused as a whole; `errors` lists every problem found, nothing was written."""

    def __init__(self, errors: list[CellError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass
class ImportReport:
    rounds_created: int  # communes that had no round for the year and set
    rounds_changed: int  # rounds that existed before the upload and had at least one value changed
    values_changed: int  # cells whose value differs from what was stored (an unchanged cell is not a change)
    communes: list[str] = field(default_factory=list)  # names of the communes written, in file order


# --- what the template holds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    header: str
    criterion: Criterion
    indicator: Indicator | None = None

    @property
    def kind(self) -> str:
        """Either "met" (Đạt / Chưa đạt) or "number"."""
        if self.indicator is None or self.indicator.comparison == Comparison.YES_NO:
            return "met"
        return "number"

    @property
    def is_percent(self) -> bool:
        return self.indicator is not None and self.indicator.comparison in PERCENT_COMPARISONS


def _normal(header: Any) -> str:
    """Headers are compared without diacritics, case or repeated spaces: "tc5  truong hoc" is "TC5 Trường học"."""
    return " ".join(fold_vietnamese(str(header)).split()) if header is not None else ""


INFO_YEAR_KEY = _normal(INFO_YEAR)
INFO_SET_KEY = _normal(INFO_SET_CODE)


def _value_columns(criteria: list[Criterion]) -> list[_Column]:
    columns = []
    for criterion in criteria:
        indicators = list(criterion.indicators.all())
        if not indicators:
            columns.append(_Column(f"TC{criterion.number} {criterion.name}", criterion))
        for indicator in indicators:
            header = f"{indicator.code} {indicator.name}"
            if indicator.comparison in PERCENT_COMPARISONS:
                header += " (%)"
            elif indicator.comparison != Comparison.YES_NO and indicator.unit:
                header += f" ({indicator.unit})"
            columns.append(_Column(" ".join(header.split()), criterion, indicator))
    return columns


def _criteria(criteria_set: CriteriaSet) -> list[Criterion]:
    """The set's criteria with their indicators and targets: 3 queries (indicator.criterion is filled in by the
    prefetch, so applicable_threshold() costs none)."""
    return list(
        Criterion.objects.filter(criteria_set=criteria_set)
        .select_related("criteria_set")
        .prefetch_related("indicators__targets")
        .order_by("number")
    )


def _resolve_set(year: int, criteria_set: CriteriaSet | None) -> CriteriaSet:
    if criteria_set is None:
        criteria_set = (
            CriteriaSet.objects.filter(
                province__isnull=True, level=SetLevel.BASIC, period_start__lte=year, period_end__gte=year
            )
            .order_by("period_start", "code")
            .first()
        )
        if criteria_set is None:
            raise InvalidValue(
                {"year": _("Không có bộ tiêu chí quốc gia nào áp dụng cho năm %(year)s.") % {"year": year}}
            )
    elif not (criteria_set.period_start <= year <= criteria_set.period_end):
        raise InvalidValue({"year": _outside_period(year, criteria_set)})
    return criteria_set


def _outside_period(year: int, criteria_set: CriteriaSet) -> str:
    return _("Năm %(year)s nằm ngoài giai đoạn %(start)s–%(end)s của “%(set)s”.") % {
        "year": year,
        "start": criteria_set.period_start,
        "end": criteria_set.period_end,
        "set": criteria_set.name,
    }


def _valid_in(communes, year: int):
    """Units that existed during the year (codes are reused after mergers, so a code alone is not enough)."""
    return communes.in_force_during(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _one_per_code(communes) -> dict[str, AdministrativeUnit]:
    """By code; where a code was reused within the year, the unit that existed at its end (the round's as-of)."""
    by_code: dict[str, AdministrativeUnit] = {}
    for commune in communes:
        known = by_code.get(commune.code)
        if known is None or (
            known.valid_to is not None and (commune.valid_to is None or commune.valid_to > known.valid_to)
        ):
            by_code[commune.code] = commune
    return by_code


def _rounds_of(commune_ids: QuerySet, criteria_set: CriteriaSet, year: int) -> dict[int, AssessmentRound]:
    """Each commune's round for the year and set, with its results and values: 3 queries."""
    rounds = (
        AssessmentRound.objects.filter(commune__in=commune_ids, criteria_set=criteria_set, year=year)
        .select_related("commune")
        .prefetch_related("criterion_results", "indicator_values")
    )
    return {r.commune_id: r for r in rounds}


def _met_text(met: bool | None) -> str | None:
    return None if met is None else (MET if met else NOT_MET)


def _current_value(column: _Column, assessment_round: AssessmentRound | None):
    """What the round holds for a column: bool or None for Đạt / Chưa đạt, Decimal or None for numbers."""
    if assessment_round is None:
        return None
    if column.indicator is None:
        result = next(
            (r for r in assessment_round.criterion_results.all() if r.criterion_id == column.criterion.pk), None
        )
        return result.met if result else None
    value = next((v for v in assessment_round.indicator_values.all() if v.indicator_id == column.indicator.pk), None)
    if value is None:
        return None
    return value.value_bool if column.kind == "met" else value.value_number


# --- the template -------------------------------------------------------------------------------------------------


def round_template_xlsx(*, user, unit: AdministrativeUnit, year: int, criteria_set: CriteriaSet | None = None) -> bytes:
    """The workbook to fill in: one row per commune within `unit` that `user` may edit, current values prefilled.

    `criteria_set` defaults to the national basic set whose period contains `year`. A fixed number of queries
    whatever the number of communes. Raises InvalidValue for a year no set covers, AccessDenied when the user may
    edit no commune within `unit`.
    """
    criteria_set = _resolve_set(year, criteria_set)
    commune_ids = _valid_in(AdministrativeUnit.objects.communes().within(unit), year).filter(
        action_q(user, Action.EDIT, path="")
    )
    commune_ids = commune_ids.values("pk")
    candidates = (
        AdministrativeUnit.objects.filter(pk__in=commune_ids)
        .select_related("district")
        .order_by("district__code", "code")
    )
    communes = [c for c in _one_per_code(candidates).values() if can(user, Action.EDIT, c)]
    if not communes:
        raise AccessDenied(_("Bạn không có quyền nhập số liệu cho xã nào thuộc %(unit)s.") % {"unit": unit.name})
    criteria = _criteria(criteria_set)
    columns = _value_columns(criteria)
    rounds = _rounds_of(commune_ids, criteria_set, year)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    _write_data_sheet(sheet, communes, columns, rounds)
    _write_guide_sheet(workbook.create_sheet(GUIDE_SHEET), criteria_set, year, communes, columns)
    _write_info_sheet(workbook.create_sheet(INFO_SHEET), criteria_set, year, unit, user)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_data_sheet(sheet, communes, columns: list[_Column], rounds: dict[int, AssessmentRound]) -> None:
    headers = [CODE_HEADER, NAME_HEADER, DISTRICT_HEADER] + [c.header for c in columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[1].height = 90
    for commune in communes:
        assessment_round = rounds.get(commune.pk)
        values = []
        for column in columns:
            current = _current_value(column, assessment_round)
            values.append(_met_text(current) if column.kind == "met" else current)
        sheet.append([commune.code, commune.name, commune.district.name if commune.district else None, *values])
        row = sheet.max_row
        sheet.cell(row, 1).number_format = "@"  # codes keep their leading zeros
        if assessment_round is not None and assessment_round.status not in EDITABLE_STATES:
            for cell in sheet[row]:
                cell.fill = _LOCKED_FILL
            sheet.cell(row, 1).comment = Comment(
                _("Kỳ đánh giá đang ở trạng thái “%(status)s”: không sửa được qua tệp này.")
                % {"status": assessment_round.get_status_display()},
                "NTM Portal",
            )

    last_row = max(sheet.max_row, 2)
    met_list = DataValidation(
        type="list",
        formula1=f'"{MET},{NOT_MET}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Giá trị không hợp lệ"),
        error=_("Chọn Đạt hoặc Chưa đạt (hoặc để trống)."),
    )
    percent = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Giá trị không hợp lệ"),
        error=_("Nhập tỷ lệ phần trăm từ 0 đến 100."),
    )
    number = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Giá trị không hợp lệ"),
        error=_("Nhập một số không âm."),
    )
    for index, column in enumerate(columns, start=4):
        letter = get_column_letter(index)
        validation = met_list if column.kind == "met" else (percent if column.is_percent else number)
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.column_dimensions[letter].width = 16 if column.kind == "met" else 20
    for validation in (met_list, percent, number):
        if validation.sqref:
            sheet.add_data_validation(validation)
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 22
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"


def _comparison_sign(indicator: Indicator) -> str:
    return "≤" if indicator.comparison in (Comparison.AT_MOST, Comparison.PERCENT_AT_MOST) else "≥"


def _targets_text(column: _Column, communes) -> str:
    """The target each commune of the file must reach, grouped: "≥ 36: Xã Phú Đình, Xã Sơn Phú"."""
    if column.indicator is None:
        return _("Đánh giá chung cả tiêu chí: Đạt khi đáp ứng mọi yêu cầu của tiêu chí.")
    indicator = column.indicator
    if indicator.comparison == Comparison.YES_NO:
        return _("Đạt")
    unit = "%" if column.is_percent else (f" {indicator.unit}" if indicator.unit else "")
    groups: dict[Decimal | None, list[str]] = {}
    for commune in communes:
        groups.setdefault(applicable_threshold(indicator, commune), []).append(commune.name)
    parts = []
    for threshold, names in groups.items():
        if threshold is None:
            target = _("chưa có mức chuẩn (Văn phòng Điều phối sẽ cập nhật)")
        else:
            target = f"{_comparison_sign(indicator)} {threshold.normalize():f}{unit}"
        if len(groups) == 1:
            parts.append(target)
        else:
            shown = ", ".join(names[:5]) + (_(" và %(n)s xã khác") % {"n": len(names) - 5} if len(names) > 5 else "")
            parts.append(f"{target}: {shown}")
    return "\n".join(parts)


def _allowed_text(column: _Column) -> str:
    if column.kind == "met":
        return _("Đạt / Chưa đạt")
    if column.is_percent:
        return _("Số từ 0 đến 100 (tỷ lệ %), ví dụ 80,5")
    return _("Số không âm, ví dụ 45,5") + (f" ({column.indicator.unit})" if column.indicator.unit else "")


def _write_guide_sheet(sheet, criteria_set: CriteriaSet, year: int, communes, columns: list[_Column]) -> None:
    title = _("Hướng dẫn nhập kết quả tự đánh giá: %(set)s, năm %(year)s")
    sheet.append([title % {"set": criteria_set.name, "year": year}])
    sheet["A1"].font = Font(bold=True, size=13)
    lines = [
        _(
            "Mỗi dòng của trang “%(sheet)s” là một xã. Không sửa cột “Mã xã” và dòng tiêu đề; không thêm, xóa hay đổi "
            "tên cột."
        )
        % {"sheet": DATA_SHEET},
        _("Ô để trống: giữ nguyên giá trị đang có trên hệ thống (muốn xóa một giá trị, hãy sửa trên trang web)."),
        _(
            "Tiêu chí đánh giá chung (cột “TCn ...”) và chỉ tiêu có/không: ghi Đạt hoặc Chưa đạt (viết hoa, thường "
            "hay không dấu đều được: “dat”, “khong dat”)."
        ),
        _(
            "Chỉ tiêu số: ghi số, dấu thập phân là dấu phẩy hoặc dấu chấm (80,5 hay 80.5); tỷ lệ phần trăm từ 0 đến "
            "100; không nhận số âm. Số được làm tròn đến 2 chữ số thập phân."
        ),
        _("Dòng tô xám: kỳ đánh giá đã gửi thẩm tra, đã thẩm tra hoặc đã thẩm định, không sửa được qua tệp này."),
        _(
            "Khi tải tệp lên, hệ thống kiểm tra toàn bộ tệp trước: chỉ cần một ô sai thì không ghi gì cả, và danh sách "
            "lỗi ghi rõ dòng, cột. Tệp tối đa %(mb)s MB, dạng .xlsx."
        )
        % {"mb": _mb(settings.EXCEL_IMPORT_MAX_BYTES)},
        _("Không sửa trang “%(sheet)s”: hệ thống đọc bộ tiêu chí và năm đánh giá từ trang đó.") % {"sheet": INFO_SHEET},
    ]
    for line in lines:
        sheet.append([f"• {line}"])
    sheet.append([])
    sheet.append([_("Cột"), _("Tiêu đề cột"), _("Tiêu chí"), _("Giá trị hợp lệ"), _("Mức cần đạt")])
    table_header = sheet.max_row
    for cell in sheet[table_header]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    sheet.append(["A", CODE_HEADER, "", _("Mã đơn vị hành chính của Tổng cục Thống kê (không sửa)"), ""])
    sheet.append(["B", NAME_HEADER, "", _("Để đối chiếu, không bắt buộc"), ""])
    sheet.append(["C", DISTRICT_HEADER, "", _("Để đối chiếu, không bắt buộc"), ""])
    for index, column in enumerate(columns, start=4):
        criterion = column.criterion
        sheet.append(
            [
                get_column_letter(index),
                column.header,
                f"{criterion.number}. {criterion.name}",
                _allowed_text(column),
                _targets_text(column, communes),
            ]
        )
    for row in sheet.iter_rows(min_row=table_header + 1):
        for cell in row:
            cell.alignment = _WRAP
    for letter, width in zip("ABCDE", (8, 60, 36, 34, 50), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_info_sheet(sheet, criteria_set: CriteriaSet, year: int, unit: AdministrativeUnit, user) -> None:
    rows = [
        (INFO_SET_CODE, criteria_set.code),
        (INFO_SET_NAME, criteria_set.name),
        (INFO_YEAR, year),
        (INFO_UNIT, f"{unit.name} ({unit.code})"),
        (INFO_CREATED_BY, getattr(user, "username", "")),
        (INFO_CREATED_AT, timezone.localtime().replace(tzinfo=None, microsecond=0)),
        (_("Phiên bản mẫu"), TEMPLATE_VERSION),
    ]
    for key, value in rows:
        sheet.append([key, value])
    for row in sheet.iter_rows():
        row[0].font, row[0].fill = _HEADER_FONT, _INFO_FILL
    sheet.cell(3, 2).number_format = "0"
    sheet.cell(6, 2).number_format = "DD/MM/YYYY HH:MM"
    sheet.append([])
    sheet.append([_("Trang này để hệ thống nhận ra bộ tiêu chí và năm của tệp: xin đừng sửa.")])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 50
    sheet.protection.sheet = True  # no password: it only guards against a slip of the keyboard


# --- the upload ---------------------------------------------------------------------------------------------------


class _Refused(Exception):
    """Internal: the file cannot be read any further; carries the errors found so far."""

    def __init__(self, *errors: CellError):
        self.errors = list(errors)


class _BadCell(Exception):
    """Internal: one cell's value is not acceptable; the message is the reason shown to the user."""


@dataclass
class _RowPlan:
    row: int
    commune: AdministrativeUnit
    assessment_round: AssessmentRound | None
    criteria: dict[int, CriterionInput]
    indicators: dict[int, IndicatorInput]
    changed: int


def _file_error(reason: str) -> CellError:
    return CellError(row=0, column="", reason=reason)


def _mb(size: int) -> str:
    """A size in MB as the messages show it: "5", "0,5"."""
    return f"{size / 2**20:.1f}".removesuffix(".0").replace(".", ",")


def _read_bytes(file) -> bytes:
    """The upload's bytes, refusing anything over EXCEL_IMPORT_MAX_BYTES before reading more than that."""
    limit = settings.EXCEL_IMPORT_MAX_BYTES
    too_big = _("Tệp nặng hơn %(mb)s MB: hãy xóa các trang, ảnh hoặc định dạng không cần thiết rồi tải lên lại.") % {
        "mb": _mb(limit)
    }
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > limit:
            raise _Refused(_file_error(too_big))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise _Refused(_file_error(too_big))
    if not data:
        raise _Refused(_file_error(_("Tệp rỗng.")))
    return data


class _Uncalculated:
    """Internal: the value of a formula cell the file holds no computed value for (a workbook written by a program,
    not saved by Excel or LibreOffice). Read as empty, it would leave the stored value as it is while the upload
    reports success: such a cell is refused instead."""

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return self.formula


def _refuse_uncalculated(sheet, rows, label) -> None:
    """Refuses the file when a cell of `rows` (from _sheet_rows) is a formula without a computed value, naming each
    such cell: its sheet, its address, and `label(index)` as its column."""
    errors = [
        CellError(
            number,
            label(index),
            _(
                "Ô %(cell)s (trang “%(sheet)s”) là công thức %(formula)s chưa có giá trị đã tính: hãy nhập giá trị, "
                "hoặc "
                "mở tệp bằng Excel rồi lưu lại."
            )
            % {"cell": f"{get_column_letter(index + 1)}{number}", "sheet": sheet.title, "formula": value},
        )
        for number, row in rows
        for index, (value, _format) in enumerate(row)
        if isinstance(value, _Uncalculated)
    ]
    if errors:
        raise _Refused(*errors)


def _damaged() -> str:
    return _("Tệp Excel bị hỏng, không đọc được: hãy mở lại bằng Excel, lưu dạng .xlsx rồi tải lên lại.")


def _open_formulas(data: bytes, has_formulas: bool):
    """The workbook read a second time, for its formulas, when any worksheet holds one (`_check_upload` says);
    else None.

    The upload is read with `data_only=True`: a formula cell gives the value Excel computed and saved with it
    ("=80+5" reads 85). A formula without a saved value reads as empty, like a cell left blank: only this second
    reading tells the two apart. Most uploads have no formula, and are read once.
    """
    if not has_formulas:
        return None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001 - as in _open_workbook
        raise _Refused(_file_error(_damaged())) from error


def _open_workbook(data: bytes) -> tuple[Any, bool]:
    """The workbook, opened in read-only mode (rows are parsed as they are read), once `_check_upload` found it
    within every limit; and whether a sheet holds a formula."""
    has_formulas = _check_upload(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), has_formulas
    except Exception as error:  # noqa: BLE001 - openpyxl raises a zoo of errors on a damaged file; each means the same
        raise _Refused(_file_error(_damaged())) from error


def upload_checked(file) -> bytes:
    """The upload's bytes, once within every limit that can be checked without openpyxl (its size, its zip, one
    streaming pass over its XML): what a large upload passes before it is queued. Raises ExcelImportError."""
    try:
        data = _read_bytes(file)
        _check_upload(data)
    except _Refused as refused:
        raise ExcelImportError(refused.errors) from None
    return data


def _check_upload(data: bytes) -> bool:
    """Refuses what is not an .xlsx or is beyond the limits; returns whether a sheet holds a formula."""
    not_excel = _("Tệp không phải là bảng tính Excel (.xlsx). Hãy tải mẫu từ hệ thống, điền rồi lưu dạng .xlsx.")
    if data.startswith(_OLE2_MAGIC):
        raise _Refused(
            _file_error(
                _(
                    "Tệp là dạng Excel 97–2003 (.xls) hoặc đã được đặt mật khẩu. Hãy mở bằng Excel, bỏ mật khẩu nếu "
                    "có, "
                    "và lưu lại dạng “Excel Workbook (.xlsx)”."
                )
            )
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _Refused(_file_error(not_excel))
    return _check_archive(data, not_excel)


# Reading a zip part can fail in all these ways on a damaged or hostile file; each means "damaged" to the user.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError)


def _check_archive(data: bytes, not_excel: str) -> bool:
    """Refuses, before openpyxl reads anything, a workbook beyond the EXCEL_IMPORT_* limits; returns whether any
    sheet holds a formula.

    First the zip's directory: number of parts, each part's and the total unpacked size, and the compression ratio.
    These declared sizes bind: zipfile stops a part at its declared size and fails its checksum if more follows.
    Then one streaming pass over each XML part (`_Census`) counts what openpyxl would build.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if "xl/workbook.xml" not in {part.filename for part in parts}:
                raise _Refused(_file_error(not_excel))
            _check_directory(parts)
            census = _Census()
            for part in parts:
                if part.filename.endswith((".xml", ".rels")):
                    census.read(archive, part)
            return census.formulas
    except (*_ZIP_ERRORS, expat.ExpatError) as error:
        raise _Refused(_file_error(_damaged())) from error


def _check_directory(parts: list[zipfile.ZipInfo]) -> None:
    errors = []
    if len(parts) > settings.EXCEL_IMPORT_MAX_ENTRIES:
        errors.append(
            _("Tệp gồm %(n)s thành phần, vượt giới hạn %(limit)s thành phần của một tệp Excel.")
            % {
                "n": len(parts),
                "limit": settings.EXCEL_IMPORT_MAX_ENTRIES,
            }
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > settings.EXCEL_IMPORT_MAX_UNPACKED_BYTES:
        errors.append(
            _("Tệp giải nén ra %(size)s MB dữ liệu, vượt giới hạn %(limit)s MB.")
            % {
                "size": _mb(unpacked),
                "limit": _mb(settings.EXCEL_IMPORT_MAX_UNPACKED_BYTES),
            }
        )
    largest = max(parts, key=lambda part: part.file_size, default=None)
    if largest is not None and largest.file_size > settings.EXCEL_IMPORT_MAX_PART_BYTES:
        reason = _("Phần “%(part)s” của tệp giải nén ra %(size)s MB, vượt giới hạn %(limit)s MB cho mỗi phần.")
        limit = _mb(settings.EXCEL_IMPORT_MAX_PART_BYTES)
        errors.append(reason % {"part": largest.filename, "size": _mb(largest.file_size), "limit": limit})
    packed = sum(part.compress_size for part in parts)
    if unpacked > settings.EXCEL_IMPORT_MAX_RATIO * max(packed, 1):
        reason = _("Tệp nén %(ratio)s lần, vượt giới hạn %(limit)s lần (một tệp Excel thường nén khoảng 20 lần).")
        errors.append(reason % {"ratio": unpacked // max(packed, 1), "limit": settings.EXCEL_IMPORT_MAX_RATIO})
    if errors:
        advice = _("Tệp chưa được đọc: hãy tải mẫu mới từ hệ thống, điền rồi tải lên lại.")
        raise _Refused(*(_file_error(error) for error in errors), _file_error(advice))


class _Census:
    """One streaming pass over each XML part of the upload with expat, building no tree, before openpyxl reads it.

    In every worksheet (a part with <sheetData>) it counts the rows and cells holding a value, the cells openpyxl
    would build (a row is as wide as its last cell, empty cells included) and the column of each value, and stops at
    the first limit passed. A DOCTYPE is refused: a workbook never has one, and entity tricks start there.
    """

    def __init__(self):
        self.formulas = False
        self.sheets = 0
        self.cells_built = 0
        self.max_rows = settings.EXCEL_IMPORT_MAX_ROWS
        self.max_columns = settings.EXCEL_IMPORT_MAX_COLUMNS
        self.max_cells = settings.EXCEL_IMPORT_MAX_CELLS

    def read(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
        self.in_sheet_data = self.in_cell = self.row_has_value = self.cell_has_value = False
        self.row = self.column = self.row_width = self.rows = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler, parser.EndElementHandler = self._start, self._end
        parser.StartDoctypeDeclHandler = self._doctype
        with archive.open(part) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _doctype(self, *args) -> None:
        raise _Refused(_file_error(_damaged()))

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "sheetData":
            self.in_sheet_data = True
            self.sheets += 1
            if self.sheets > settings.EXCEL_IMPORT_MAX_SHEETS:
                raise _Refused(
                    _file_error(
                        _("Tệp có hơn %(limit)s trang tính: mẫu chỉ có 3 trang.")
                        % {
                            "limit": settings.EXCEL_IMPORT_MAX_SHEETS,
                        }
                    )
                )
        elif not self.in_sheet_data:
            return
        elif local == "row":
            self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            self.column = self.row_width = 0
            self.row_has_value = False
        elif local == "c":
            reference = attrs.get("r")
            self.column = column_index_from_string(reference.rstrip("0123456789")) if reference else self.column + 1
            self.row_width = max(self.row_width, self.column)
            self.in_cell, self.cell_has_value = True, False
        elif self.in_cell and local in ("v", "is", "f"):
            self.cell_has_value = True
            self.formulas = self.formulas or local == "f"

    def _end(self, name: str) -> None:
        local = name.rpartition(" ")[2]
        if not self.in_sheet_data:
            return
        if local == "sheetData":
            self.in_sheet_data = False
        elif local == "c":
            self.in_cell = False
            if self.cell_has_value:
                self.row_has_value = True
                if self.column > self.max_columns:
                    cell = f"{get_column_letter(self.column)}{self.row}"
                    raise _Refused(
                        _file_error(
                            _(
                                "Ô %(cell)s có dữ liệu ở cột thứ %(column)s: một tệp chỉ được dùng %(limit)s cột đầu "
                                "tiên."
                            )
                            % {"cell": cell, "column": self.column, "limit": self.max_columns}
                        )
                    )
        elif local == "row":
            self.cells_built += self.row_width
            if self.cells_built > self.max_cells:
                raise _Refused(
                    _file_error(
                        _(
                            "Tệp có hơn %(limit)s ô (tính cả ô trống nằm giữa các ô có dữ liệu): hãy xóa các dòng, "
                            "cột thừa, "
                            "kể cả những ô chỉ có định dạng, rồi tải lên lại."
                        )
                        % {"limit": f"{self.max_cells:,}".replace(",", ".")}
                    )
                )
            if self.row_has_value:
                self.rows += 1
                if self.rows > self.max_rows + 1:  # the header row, then one row per commune
                    raise _Refused(_file_error(_too_many_rows(self.max_rows)))


def _too_many_rows(limit: int) -> str:
    return _("Tệp có hơn %(n)s dòng: mỗi tệp chỉ nhập tối đa %(n)s xã.") % {"n": limit}


def _sheet_rows(sheet, formulas=None) -> list[tuple[int, list[tuple[Any, str | None]]]]:
    """(Excel row number, [(value, number format)]) for the rows that hold anything. With `formulas` (the workbook
    read with its formulas, see _open_formulas), a formula cell without a computed value is an _Uncalculated."""
    sheet.reset_dimensions()  # some writers store a wrong sheet size, which would cut columns off
    formula_rows = None
    if formulas is not None and sheet.title in formulas.sheetnames:
        formula_sheet = formulas[sheet.title]
        formula_sheet.reset_dimensions()
        formula_rows = formula_sheet.iter_rows()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        row = [(cell.value, getattr(cell, "number_format", None)) for cell in cells]
        if formula_rows is not None:
            # The same file read twice: its rows and cells come in the same order.
            for index, formula_cell in enumerate(next(formula_rows, ())):
                if (
                    getattr(formula_cell, "data_type", None) == "f"
                    and index < len(row)
                    and row[index][0] is None
                    and cells[index].data_type != "str"  # a formula whose computed value is "" (t="str")
                ):
                    row[index] = (_Uncalculated(str(formula_cell.value)), row[index][1])
        if any(_filled(value) for value, _format in row):
            rows.append((number, row))
            if len(rows) > settings.EXCEL_IMPORT_MAX_ROWS + 1:
                raise _Refused(_file_error(_too_many_rows(settings.EXCEL_IMPORT_MAX_ROWS)))
    return rows


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_info(workbook, formulas=None) -> tuple[dict[str, tuple[int, Any]], bool]:
    """The "Thông tin" sheet as {folded key: (row, value)}, and whether the sheet exists."""
    sheet = next((s for s in workbook.worksheets if _normal(s.title) == _normal(INFO_SHEET)), None)
    if sheet is None:
        return {}, False
    info = {}
    rows = _sheet_rows(sheet, formulas)
    _refuse_uncalculated(sheet, rows, lambda index: f"{sheet.title}!{get_column_letter(index + 1)}")
    for number, row in rows:
        if len(row) >= 2 and _filled(row[0][0]):
            info[_normal(row[0][0])] = (number, row[1][0])
    return info, True


def _resolve_upload(
    info: dict[str, tuple[int, Any]], has_info: bool, year: int | None, criteria_set: CriteriaSet | None
) -> tuple[int, CriteriaSet]:
    """The year and set of the upload, from the arguments and the "Thông tin" sheet, which must agree."""
    info_column = f"{INFO_SHEET}!B"
    file_year = None
    if INFO_YEAR_KEY in info:
        row, value = info[INFO_YEAR_KEY]
        try:
            file_year = _whole_number(value)
        except _BadCell:
            reason = _("Năm đánh giá “%(value)s” không hợp lệ.") % {"value": value}
            raise _Refused(CellError(row, info_column, reason)) from None
    if year is not None and file_year is not None and file_year != year:
        raise _Refused(
            CellError(
                info[INFO_YEAR_KEY][0],
                info_column,
                _("Tệp là mẫu của năm %(file)s, nhưng đang nhập cho năm %(year)s: hãy tải mẫu của năm %(year)s.")
                % {"file": file_year, "year": year},
            )
        )
    year = year if year is not None else file_year
    if year is None:
        reason = (
            _("Không đọc được năm đánh giá trên trang “%(sheet)s”.")
            if has_info
            else _("Tệp thiếu trang “%(sheet)s” (mẫu tải từ hệ thống luôn có): không biết tệp dành cho năm nào.")
        )
        raise _Refused(_file_error(reason % {"sheet": INFO_SHEET}))

    file_set = None
    if INFO_SET_KEY in info:
        row, code = info[INFO_SET_KEY]
        code = str(code).strip() if code is not None else ""
        file_set = CriteriaSet.objects.filter(code=code).first()
        if file_set is None:
            raise _Refused(CellError(row, info_column, _("Không có bộ tiêu chí mã “%(code)s”.") % {"code": code}))
        if criteria_set is not None and file_set.pk != criteria_set.pk:
            raise _Refused(
                CellError(
                    row,
                    info_column,
                    _("Tệp là mẫu của “%(file)s”, không phải “%(set)s”: hãy tải đúng mẫu rồi nhập lại.")
                    % {"file": file_set.name, "set": criteria_set.name},
                )
            )
    try:
        return year, _resolve_set(year, criteria_set or file_set)
    except InvalidValue as error:
        raise _Refused(_file_error(" ".join(error.errors.values()))) from error


def _whole_number(value) -> int:
    if isinstance(value, bool):
        raise _BadCell(str(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise _BadCell(str(value))


def _data_sheet(workbook):
    """The sheet named "Đánh giá", else the first worksheet that is neither the guide nor the information."""
    sheets = workbook.worksheets  # worksheets only, not chart sheets
    sheet = next((s for s in sheets if _normal(s.title) == _normal(DATA_SHEET)), None)
    if sheet is None:
        others = (_normal(GUIDE_SHEET), _normal(INFO_SHEET))
        sheet = next((s for s in sheets if _normal(s.title) not in others), None)
    if sheet is None:
        raise _Refused(_file_error(_("Tệp không có trang dữ liệu “%(sheet)s”.") % {"sheet": DATA_SHEET}))
    return sheet


def _header_labels(row: list[tuple[Any, str | None]]) -> dict[int, str]:
    return {
        i: str(value).strip()
        for i, (value, _format) in enumerate(row)
        if _filled(value) and not isinstance(value, _Uncalculated)
    }


def _map_columns(header_row: int, headers: dict[int, str], columns: list[_Column], criteria_set, year):
    """{cell index: _Column, or "code" / "name" / "district"}; refuses unknown, repeated and missing columns."""
    expected: dict[str, Any] = {_normal(CODE_HEADER): "code", _normal(NAME_HEADER): "name"}
    expected[_normal(DISTRICT_HEADER)] = "district"
    expected.update({_normal(c.header): c for c in columns})
    mapping: dict[int, Any] = {}
    seen: dict[str, int] = {}
    errors = []
    for index, header in headers.items():
        key = _normal(header)
        letter = get_column_letter(index + 1)
        if key not in expected:
            reason = _("Cột “%(header)s” không có trong mẫu.") % {"header": header}
            errors.append(CellError(header_row, letter, reason))
        elif key in seen:
            errors.append(
                CellError(
                    header_row,
                    letter,
                    _("Cột “%(header)s” lặp lại (đã có ở cột %(first)s).")
                    % {
                        "header": header,
                        "first": get_column_letter(seen[key] + 1),
                    },
                )
            )
        else:
            seen[key] = index
            mapping[index] = expected[key]
    required = [CODE_HEADER] + [c.header for c in columns]
    for header in required:
        if _normal(header) not in seen:
            errors.append(CellError(header_row, "", _("Thiếu cột “%(header)s”.") % {"header": header}))
    if errors:
        errors.append(
            _file_error(
                _(
                    "Các cột của tệp không khớp với mẫu của “%(set)s” năm %(year)s: có thể tệp là mẫu của bộ tiêu chí "
                    "hay năm "
                    "khác, hoặc tiêu đề cột đã bị sửa. Hãy tải mẫu mới, điền rồi tải lên lại."
                )
                % {"set": criteria_set.name, "year": year}
            )
        )
        raise _Refused(*errors)
    return mapping


def _column_label(index: int, headers: dict[int, str]) -> str:
    letter = get_column_letter(index + 1)
    return f"{letter} ({headers[index]})" if index in headers else letter


def _parse_met(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = _normal(value)
        if word in _MET_WORDS:
            return _MET_WORDS[word]
    raise _BadCell(_("“%(value)s” không phải là Đạt hoặc Chưa đạt.") % {"value": value})


def _decimal_from_text(text: str, *, percent: bool) -> Decimal:
    cleaned = "".join(text.split())
    if percent and cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if "," in cleaned and "." in cleaned:
        # Both marks: the last one separates the decimals ("1.234,5" and "1,234.5" are both 1234.5).
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal_mark == "," else ",", "").replace(decimal_mark, ".")
    elif _GROUPED_NUMBER.fullmatch(cleaned) and (cleaned.count(",") > 1 or cleaned.count(".") > 1):
        cleaned = cleaned.replace(",", "").replace(".", "")  # "1.234.567": thousands marks only
    else:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER_TEXT.fullmatch(cleaned):
        raise _BadCell(_("“%(value)s” không phải là số.") % {"value": text})
    return Decimal(cleaned)


def _parse_number(value, number_format: str | None, column: _Column) -> Decimal:
    if isinstance(value, bool):
        raise _BadCell(_("Cột này cần một số, không phải Đúng/Sai."))
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise _BadCell(
            _(
                "Ô đang chứa ngày giờ, không phải số (Excel có thể đã tự đổi số như “8.5” thành ngày): hãy định dạng ô "
                "là Number rồi nhập lại."
            )
        )
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if column.is_percent and number_format and "%" in number_format:
            number *= 100  # a cell formatted as percent stores 80% as 0.8
    elif isinstance(value, str):
        number = _decimal_from_text(value, percent=column.is_percent)
    else:
        raise _BadCell(_("“%(value)s” không phải là số.") % {"value": value})
    try:
        number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise _BadCell(_("Số quá lớn.")) from error
    if column.is_percent and not (0 <= number <= 100):
        raise _BadCell(_("Tỷ lệ phải nằm trong khoảng 0–100%%, không phải %(value)s.") % {"value": value})
    # Every NTM indicator is a count, a share, an amount or a distance: none can be negative.
    if number < 0:
        raise _BadCell(_("Giá trị không được âm (%(value)s).") % {"value": value})
    if number >= _MAX_NUMBER:
        raise _BadCell(_("Số quá lớn (%(value)s).") % {"value": value})
    return number


def _code_of(value) -> str:
    if isinstance(value, bool):
        raise _BadCell(str(value))
    if isinstance(value, int | float) and float(value).is_integer():
        # The cell was typed as a number and lost its leading zeros: GSO commune codes have 5 digits.
        return f"{int(value):05d}"
    if isinstance(value, str):
        return value.strip()
    raise _BadCell(str(value))


def _names_match(written: str, commune: AdministrativeUnit) -> bool:
    """The name on the row agrees with the code ("Phú Đình" and "Xã Phú Đình" do): a guard against rows whose
    columns were sorted apart in Excel."""
    written, actual = _normal(written), _normal(commune.name)
    return written == actual or written in actual or actual in written


def rounds_import_xlsx(
    *,
    user,
    file,
    year: int | None = None,
    criteria_set: CriteriaSet | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportReport:
    """Read a filled-in template and save its values, all or nothing.

    `year` and `criteria_set` default to those on the file's "Thông tin" sheet (and must agree with it when given).
    An empty cell leaves the stored value as it is. Raises ExcelImportError listing every problem (Excel row and
    column); nothing is written then. Raises AccessDenied, before reading a byte of the file, when the user may enter
    values for no commune at all.

    The file is bounded before it is parsed (the EXCEL_IMPORT_* settings: its size, the sizes its zip declares, the
    rows, columns and cells of its sheets), then read in openpyxl's read-only mode, row by row. `progress(percent,
    stage)`, when given, hears how far the import got (criteria.services.excel_jobs shows it to the user).
    """
    require_may_import(user)
    try:
        data = _read_bytes(file)
        workbook, has_formulas = _open_workbook(data)
        formulas = None
        try:
            formulas = _open_formulas(data, has_formulas)
            return _import_workbook(user, workbook, formulas, year, criteria_set, progress or _no_progress)
        except SyntaxError as error:
            # A sheet's XML is only parsed as its rows are read: a damaged one fails here, not when the file opens
            # (xml.etree's ParseError and lxml's XMLSyntaxError are both SyntaxErrors).
            raise _Refused(_file_error(_damaged())) from error
        finally:
            workbook.close()
            if formulas is not None:
                formulas.close()
    except _Refused as refused:
        errors = refused.errors
        if len(errors) > MAX_ERRORS_LISTED:
            hidden = len(errors) - MAX_ERRORS_LISTED
            errors = errors[:MAX_ERRORS_LISTED] + [
                _file_error(_("… và %(n)s lỗi khác: sửa các lỗi trên rồi tải lên lại.") % {"n": hidden})
            ]
        raise ExcelImportError(errors) from None


def _no_progress(percent: int, stage: str) -> None:
    pass


def _import_workbook(user, workbook, formulas, year, criteria_set, progress) -> ImportReport:
    progress(10, _("Đang đọc các dòng của tệp"))
    info, has_info = _read_info(workbook, formulas)
    sheet = _data_sheet(workbook)
    rows = _sheet_rows(sheet, formulas)
    progress(30, _("Đang kiểm tra %(n)s dòng") % {"n": len(rows)})
    if not rows:
        raise _Refused(_file_error(_("Tệp trống: trang “%(sheet)s” không có dữ liệu.") % {"sheet": sheet.title}))
    header_at = next(
        (i for i, (_number, row) in enumerate(rows[:10]) if any(_normal(v) == _normal(CODE_HEADER) for v, _f in row)),
        None,
    )
    if header_at is None:
        raise _Refused(
            _file_error(
                _("Không tìm thấy dòng tiêu đề có cột “%(code)s” trên trang “%(sheet)s”: hãy dùng mẫu tải từ hệ thống.")
                % {"code": CODE_HEADER, "sheet": sheet.title}
            )
        )
    year, criteria_set = _resolve_upload(info, has_info, year, criteria_set)
    columns = _value_columns(_criteria(criteria_set))
    header_row, header_cells = rows[header_at]
    headers = _header_labels(header_cells)
    _refuse_uncalculated(sheet, rows, lambda index: _column_label(index, headers))
    mapping = _map_columns(header_row, headers, columns, criteria_set, year)
    data_rows = rows[header_at + 1 :]
    if not data_rows:
        raise _Refused(_file_error(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")))
    plans = _check_rows(user, data_rows, mapping, headers, criteria_set, year)
    return _write(user, plans, mapping, headers, criteria_set, year, progress)


def _check_rows(user, data_rows, mapping, headers, criteria_set, year) -> list[_RowPlan]:
    code_index = next(i for i, target in mapping.items() if target == "code")
    name_index = next((i for i, target in mapping.items() if target == "name"), None)
    code_column = _column_label(code_index, headers)
    errors: list[CellError] = []

    codes: dict[int, str] = {}
    for number, row in data_rows:
        value = row[code_index][0] if code_index < len(row) else None
        if not _filled(value):
            errors.append(CellError(number, code_column, _("Thiếu mã xã.")))
            continue
        try:
            codes[number] = _code_of(value)
        except _BadCell:
            errors.append(CellError(number, code_column, _("Mã xã “%(value)s” không hợp lệ.") % {"value": value}))
    for number, row in data_rows:
        for index, (value, _format) in enumerate(row):
            if index not in mapping and _filled(value):
                reason = _("Ô có dữ liệu nằm ở cột không có tiêu đề.")
                errors.append(CellError(number, get_column_letter(index + 1), reason))

    commune_ids = (
        _valid_in(AdministrativeUnit.objects.communes(), year).filter(code__in=set(codes.values())).values("pk")
    )
    communes = _one_per_code(AdministrativeUnit.objects.filter(pk__in=commune_ids).select_related("district"))
    rounds = _rounds_of(commune_ids, criteria_set, year)

    plans: list[_RowPlan] = []
    first_row_of: dict[int, int] = {}
    for number, row in data_rows:
        if number not in codes:
            continue
        code = codes[number]
        commune = communes.get(code)
        if commune is None:
            errors.append(
                CellError(
                    number,
                    code_column,
                    _("Không có xã nào mã “%(code)s” (năm %(year)s).")
                    % {
                        "code": code,
                        "year": year,
                    },
                )
            )
            continue
        if not can(user, Action.EDIT, commune):
            errors.append(
                CellError(
                    number,
                    code_column,
                    _("Bạn không có quyền nhập số liệu cho %(commune)s (mã %(code)s).")
                    % {"commune": commune.name, "code": code},
                )
            )
            continue
        if commune.pk in first_row_of:
            errors.append(
                CellError(
                    number,
                    code_column,
                    _("%(commune)s (mã %(code)s) đã có ở dòng %(first)s.")
                    % {
                        "commune": commune.name,
                        "code": code,
                        "first": first_row_of[commune.pk],
                    },
                )
            )
            continue
        first_row_of[commune.pk] = number
        if name_index is not None and name_index < len(row) and _filled(row[name_index][0]):
            written = str(row[name_index][0])
            if not _names_match(written, commune):
                errors.append(
                    CellError(
                        number,
                        _column_label(name_index, headers),
                        _(
                            "Mã %(code)s là %(commune)s, không phải “%(written)s”: các cột có thể đã bị sắp xếp lệch "
                            "nhau."
                        )
                        % {"code": code, "commune": commune.name, "written": written},
                    )
                )
                continue
        plan = _plan_row(number, row, commune, rounds.get(commune.pk), mapping, headers, errors)
        if plan is not None and plan.changed:
            plans.append(plan)
    if errors:
        raise _Refused(*errors)
    return plans


def _plan_row(number, row, commune, assessment_round, mapping, headers, errors) -> _RowPlan | None:
    """What the row changes in the commune's round; appends the problems of its cells to `errors`."""
    plan = _RowPlan(number, commune, assessment_round, criteria={}, indicators={}, changed=0)
    problems = len(errors)
    results = {r.criterion_id: r for r in assessment_round.criterion_results.all()} if assessment_round else {}
    values = {v.indicator_id: v for v in assessment_round.indicator_values.all()} if assessment_round else {}
    for index, column in mapping.items():
        if not isinstance(column, _Column) or index >= len(row):
            continue
        value, number_format = row[index]
        if not _filled(value):
            continue  # an empty cell leaves the stored value as it is
        try:
            given = _parse_met(value) if column.kind == "met" else _parse_number(value, number_format, column)
        except _BadCell as problem:
            errors.append(CellError(number, _column_label(index, headers), str(problem)))
            continue
        if given == _current_value(column, assessment_round):
            continue
        plan.changed += 1
        if column.indicator is None:
            note = results[column.criterion.pk].note if column.criterion.pk in results else ""
            plan.criteria[column.criterion.pk] = CriterionInput(met=given, note=note)
        else:
            note = values[column.indicator.pk].note if column.indicator.pk in values else ""
            # round_save replaces the note too: pass the stored one so that an upload never erases it.
            plan.indicators[column.indicator.pk] = (
                IndicatorInput(value_bool=given, note=note)
                if column.kind == "met"
                else IndicatorInput(value_number=given, note=note)
            )
    if len(errors) > problems:
        return None
    if plan.changed and assessment_round is not None and assessment_round.status not in EDITABLE_STATES:
        reason = _(
            "Kỳ đánh giá năm %(year)s của %(commune)s đang ở trạng thái “%(status)s”: chỉ sửa được khi đang "
            "nhập hoặc bị trả lại."
        )
        state = {
            "year": assessment_round.year,
            "commune": commune.name,
            "status": assessment_round.get_status_display(),
        }
        errors.append(CellError(number, "", reason % state))
        return None
    return plan


def _write(user, plans: list[_RowPlan], mapping, headers, criteria_set, year, progress) -> ImportReport:
    """Every row through the workflow services, in one transaction: one refusal and nothing is written."""
    column_of_key: dict[str, str] = {}
    for index, column in mapping.items():
        if isinstance(column, _Column):
            label = _column_label(index, headers)
            if column.indicator is not None:
                column_of_key[column.indicator.code] = label
                column_of_key[f"indicator:{column.indicator.pk}"] = label
            else:
                column_of_key[f"criterion:{column.criterion.pk}"] = label
    report = ImportReport(rounds_created=0, rounds_changed=0, values_changed=0, communes=[])
    errors: list[CellError] = []
    with transaction.atomic():
        for done, plan in enumerate(plans):
            progress(
                50 + 50 * done // len(plans),
                _("Đang ghi số liệu: %(done)s/%(n)s xã")
                % {
                    "done": done,
                    "n": len(plans),
                },
            )
            try:
                assessment_round = plan.assessment_round
                if assessment_round is None:
                    assessment_round = round_start(
                        user=user, commune=plan.commune, year=year, criteria_set=criteria_set
                    )
                    report.rounds_created += 1
                else:
                    report.rounds_changed += 1
                # The version read while checking the file: a change made since then is refused, not overwritten.
                round_save(
                    user=user,
                    assessment_round=assessment_round,
                    expected_version=assessment_round.version,
                    indicators=plan.indicators,
                    criteria=plan.criteria,
                )
            except InvalidValue as error:
                for key, message in error.errors.items():
                    errors.append(CellError(plan.row, column_of_key.get(key, ""), message))
                continue
            except (WorkflowError, AccessDenied, IntegrityError) as error:
                # Each service runs in its own savepoint, so the transaction is still usable for the next rows.
                errors.append(CellError(plan.row, "", f"{plan.commune.name}: {error}"))
                continue
            report.values_changed += plan.changed
            report.communes.append(plan.commune.name)
        if errors:
            raise _Refused(*errors)  # leaving the block with an exception rolls every row back
    return report
