"""The progress report's tables as an Excel workbook (.xlsx), one sheet a table (issue 18).

Offices send the tables on as Excel and sum, filter and chart them there, so every figure is a typed cell: counts and
averages are numbers, shares are fractions shown as percentages, đồng are whole numbers with thousands separators,
dates are dates. Excel shows the separators of the reader's locale (a decimal comma on a Vietnamese Windows). The
figures are the PDF's (`ReportContent`), never computed again here.

Written in openpyxl's write-only mode: the communes × criteria sheet of a large province is thousands of cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from communes.choices import NtmLevel
from ntm_portal.excel import DATE_FORMAT, sheet_title
from secondments.choices import SecondmentOutcome

from .selectors import ReportContent

PERCENT = "0.0%"
ONE_DECIMAL = "0.0"
MONEY = "#,##0"
INTEGER = "0"
HEADER_ROW = 3  # after the title row and the row giving the date and the criteria set


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    number_format: str | None = None  # for the column's numbers and dates; text columns None


@dataclass(frozen=True)
class _Formatted:
    """A value with a number format of its own, in a column whose rows differ (counts, shares, averages)."""

    value: object
    number_format: str


@dataclass(frozen=True)
class Sheet:
    title: str  # the table's name: the sheet's tab, and the first words of its title row
    columns: list[Column]
    rows: Iterable[Sequence]
    frozen_columns: int = 0  # columns kept in view while scrolling right (a commune's name)


def report_xlsx(content: ReportContent, target: str | Path | BinaryIO) -> None:
    """Write the tables of `content` to `target`, one sheet each, labels in the active language."""
    workbook = Workbook(write_only=True)
    for sheet in report_sheets(content):
        _write_sheet(workbook, sheet, content)
    workbook.save(target)


def report_sheets(content: ReportContent) -> list[Sheet]:
    sheets = [_overall(content), _bands(content)]
    if content.summary.districts:
        sheets.append(_districts(content))
    sheets += [_criteria(content), _matrix(content), _secondment_groups(content), _secondments(content)]
    sheets += [_sponsors(content), _support(content)]
    return sheets


def _fraction(percent: float | None) -> float | None:
    """The selectors' shares are percents (65.0): Excel's percentage format wants the fraction (0.65)."""
    return None if percent is None else round(percent / 100, 6)


def _overall(content: ReportContent) -> Sheet:
    summary = content.summary
    levels = {level: str(label) for level, label in NtmLevel.choices if level != NtmLevel.NOT_YET}
    rows: list[tuple] = [
        (_("Tổng số xã"), summary.communes_total, INTEGER),
        (_("Số xã đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)"), summary.communes_meeting_standard, INTEGER),
        (_("Tỷ lệ xã đạt chuẩn"), _fraction(summary.percent_meeting_standard), PERCENT),
        *(
            (f"· {levels[level]}", count, INTEGER)
            for level, count in summary.communes_by_level.items()
            if level in levels
        ),
        (_("Bình quân số tiêu chí đạt/xã"), summary.average_criteria_met, ONE_DECIMAL),
        (_("Số tiêu chí của bộ tiêu chí"), summary.criteria_total, INTEGER),
        (_("Xã có ít tiêu chí đạt nhất (số tiêu chí)"), summary.lowest_criteria_met, INTEGER),
        (_("Số xã đã có kỳ đánh giá"), summary.communes_assessed, INTEGER),
        (_("Số xã chưa có kỳ đánh giá"), summary.communes_without_round, INTEGER),
    ]
    target = summary.target
    if target:
        goal = _("Mục tiêu đến năm %(year)s") % {"year": target.year}
        if target.decision:
            goal = f"{goal} ({target.decision})"
        if target.min_communes_meeting_standard is not None:
            rows += [
                (f"{goal}: " + _("số xã đạt chuẩn tối thiểu"), target.min_communes_meeting_standard, INTEGER),
                (f"{goal}: " + _("tỷ lệ đạt mục tiêu số xã"), _fraction(target.percent_of_target), PERCENT),
            ]
        if target.min_average_criteria is not None:
            rows.append(
                (f"{goal}: " + _("bình quân tiêu chí/xã tối thiểu"), float(target.min_average_criteria), ONE_DECIMAL)
            )
        if target.min_criteria_per_commune is not None:
            rows.append((f"{goal}: " + _("số tiêu chí tối thiểu mỗi xã"), target.min_criteria_per_commune, INTEGER))
    return Sheet(
        _("Kết quả chung"),
        [Column(_("Chỉ tiêu"), 62), Column(_("Giá trị"), 14)],
        [(label, _Formatted(value, number_format)) for label, value, number_format in rows],
    )


def _bands(content: ReportContent) -> Sheet:
    return Sheet(
        _("Số xã theo số tiêu chí đạt"),
        [
            Column(_("Số tiêu chí đạt"), 22),
            Column(_("Từ"), 8, INTEGER),
            Column(_("Đến"), 8, INTEGER),
            Column(_("Số xã"), 10, INTEGER),
            # xgettext:no-python-format
            Column(_("% số xã đã đánh giá"), 20, PERCENT),
        ],
        [
            (band.label, band.min_criteria, band.max_criteria, band.communes, _fraction(band.percent))
            for band in content.summary.bands
        ],
    )


def _districts(content: ReportContent) -> Sheet:
    return Sheet(
        _("Kết quả theo huyện"),
        [
            Column(_("Huyện"), 28),
            Column(_("Số xã"), 9, INTEGER),
            Column(_("Đạt chuẩn"), 11, INTEGER),
            Column(_("% đạt chuẩn"), 12, PERCENT),
            Column(_("Số xã đã đánh giá"), 12, INTEGER),
            Column(_("BQ tiêu chí"), 11, ONE_DECIMAL),
            Column(_("Mục tiêu (xã)"), 13, INTEGER),
            Column(_("Năm mục tiêu"), 12, INTEGER),
            Column(_("% mục tiêu"), 12, PERCENT),
        ],
        [
            (
                d.name or _("Trực thuộc tỉnh"),
                d.communes_total,
                d.communes_meeting_standard,
                _fraction(d.percent_meeting_standard),
                d.communes_assessed,
                d.average_criteria_met,
                d.target.min_communes_meeting_standard if d.target else None,
                d.target.year if d.target else None,
                _fraction(d.target.percent_of_target) if d.target else None,
            )
            for d in content.summary.districts
        ],
        frozen_columns=1,
    )


def _criteria(content: ReportContent) -> Sheet:
    return Sheet(
        _("Kết quả theo tiêu chí"),
        [
            Column(_("TC"), 6, INTEGER),
            Column(_("Tiêu chí"), 40),
            Column(_("Số xã đạt"), 11, INTEGER),
            Column(_("Số xã đã đánh giá"), 12, INTEGER),
            # xgettext:no-python-format
            Column(_("% xã đã đánh giá"), 14, PERCENT),
        ],
        [
            (c.number, c.name, c.communes_meeting_criterion, c.communes_assessed, _fraction(c.percent))
            for c in content.summary.criteria
        ],
    )


def _matrix(content: ReportContent) -> Sheet:
    """1 a criterion met, 0 not met, empty no round: a sum down a column counts the communes meeting it."""
    numbers = [number for number, _name in content.criteria]
    levels = {level: str(label) for level, label in NtmLevel.choices}
    rows = []
    for block in content.districts:
        district = block.name or _("Trực thuộc tỉnh")
        for commune in block.communes:
            if commune.criteria_met is None:
                marks = [None] * len(numbers)
            else:
                missing = {number for number, _name in commune.unmet_criteria}
                marks = [0 if number in missing else 1 for number in numbers]
            rows.append(
                (
                    district,
                    commune.code,
                    commune.name,
                    *marks,
                    commune.criteria_met,
                    1 if commune.meets_standard else 0,
                    levels.get(commune.ntm_level, commune.ntm_level),
                )
            )
    return Sheet(
        _("Xã × tiêu chí"),
        [
            Column(_("Huyện"), 22),
            Column(_("Mã xã"), 8),
            Column(_("Xã"), 24),
            *(Column(_("TC %(number)s") % {"number": number}, 6, INTEGER) for number in numbers),
            Column(_("Số tiêu chí đạt"), 10, INTEGER),
            Column(_("Đạt chuẩn (1 có, 0 chưa)"), 12, INTEGER),
            Column(_("Mức đạt"), 16),
        ],
        rows,
        frozen_columns=3,
    )


def _secondment_groups(content: ReportContent) -> Sheet:
    results = content.secondment_results
    groupings = (
        (_("Chung"), [results.overall] if results.overall else []),
        (_("Theo đợt cử"), results.batches),
        (_("Theo cơ quan cử cán bộ"), results.home_agencies),
    )
    rows = []
    for grouping, groups in groupings:
        for g in groups:
            figures = []
            for x in (g.seconded, g.comparison):
                figures += [
                    x.communes,
                    x.communes_meeting_standard,
                    _fraction(x.percent_meeting_standard),
                    x.median_criteria_gained,
                    x.median_months_to_standard,
                ]
            rows.append((grouping, g.label, g.period_start, g.period_end, g.secondments, g.already_meeting, *figures))
    figure_columns = []
    for side in (_("Có cán bộ"), _("So sánh")):
        figure_columns += [
            Column(f"{side}: " + _("số xã (M)"), 12, INTEGER),
            Column(f"{side}: " + _("đạt chuẩn (N)"), 12, INTEGER),
            Column(f"{side}: " + _("tỷ lệ N/M"), 11, PERCENT),
            Column(f"{side}: " + _("tiêu chí tăng thêm (trung vị)"), 14, ONE_DECIMAL),
            Column(f"{side}: " + _("số tháng đến khi đạt chuẩn (trung vị)"), 16, ONE_DECIMAL),
        ]
    return Sheet(
        _("Biệt phái - kết quả"),
        [
            Column(_("Nhóm"), 20),
            Column(_("Đợt, cơ quan"), 30),
            Column(_("Từ"), 12, DATE_FORMAT),
            Column(_("Đến"), 12, DATE_FORMAT),
            Column(_("Lượt cử"), 9, INTEGER),
            Column(_("Xã đã đạt chuẩn khi cán bộ đến"), 14, INTEGER),
            *figure_columns,
        ],
        rows,
        frozen_columns=2,
    )


def _secondments(content: ReportContent) -> Sheet:
    outcomes = {value: str(label) for value, label in SecondmentOutcome.choices}
    return Sheet(
        _("Từng lượt cử"),
        [
            Column(_("Cán bộ"), 24),
            Column(_("Chức danh tại xã"), 22),
            Column(_("Cơ quan cử"), 26),
            Column(_("Xã"), 22),
            Column(_("Huyện"), 20),
            Column(_("Từ"), 12, DATE_FORMAT),
            Column(_("Đến"), 12, DATE_FORMAT),
            Column(_("Tiêu chí đầu"), 10, INTEGER),
            Column(_("Tiêu chí cuối"), 10, INTEGER),
            Column(_("Tăng"), 8, INTEGER),
            Column(_("Kết quả"), 34),
            Column(_("Số tháng"), 9, INTEGER),
        ],
        [
            (
                s.cadre,
                s.role_at_commune,
                s.home_agency,
                s.commune,
                s.district,
                s.start_date,
                s.end_date,
                s.criteria_at_start,
                s.criteria_at_end,
                s.criteria_gained,
                outcomes.get(s.outcome, s.outcome),
                s.months_to_standard,
            )
            for s in content.secondment_results.secondments
        ],
        frozen_columns=1,
    )


def _sponsors(content: ReportContent) -> Sheet:
    sponsors = content.sponsors
    quarter_columns = []
    for quarter in sponsors.quarters:
        label = _("Quý %(quarter)s") % {"quarter": quarter}
        quarter_columns += [
            Column(f"{label}: " + _("lượt đến xã"), 10, INTEGER),
            Column(f"{label}: " + _("ngày tại xã"), 10, ONE_DECIMAL),
            Column(f"{label}: " + _("dưới mức tối thiểu (1 có)"), 12, INTEGER),
        ]
    rows = []
    for agency in sponsors.agencies:
        quarters = []
        for q in agency.quarters:
            quarters += [q.field_visits, q.days_on_site, 1 if q.below_minimum else 0]
        rows.append(
            (
                agency.name,
                agency.communes_assigned,
                *quarters,
                agency.field_visits,
                agency.days_on_site,
                agency.quarters_below_minimum,
                agency.plan_items_done,
                agency.plan_items_late,
                agency.plan_items_open,
                agency.support_value_vnd,
            )
        )
    return Sheet(
        _("Cơ quan giúp đỡ xã") + f" {sponsors.year}",
        [
            Column(_("Cơ quan, doanh nghiệp"), 34),
            Column(_("Số xã"), 8, INTEGER),
            *quarter_columns,
            Column(_("Cả năm: lượt đến xã"), 11, INTEGER),
            Column(_("Cả năm: ngày tại xã"), 11, ONE_DECIMAL),
            Column(_("Số quý dưới mức tối thiểu"), 12, INTEGER),
            Column(_("Kế hoạch: hoàn thành"), 12, INTEGER),
            Column(_("Kế hoạch: trễ hạn"), 11, INTEGER),
            Column(_("Kế hoạch: chưa đến hạn"), 12, INTEGER),
            Column(_("Hỗ trợ (đồng)"), 18, MONEY),
        ],
        rows,
        frozen_columns=1,
    )


def _support(content: ReportContent) -> Sheet:
    sponsors = content.sponsors
    rows = [(_("Tổng"), "", sponsors.support_value_vnd)]
    for grouping, lines in (
        (_("Theo cơ quan, doanh nghiệp"), sponsors.support_by_agency),
        (_("Theo hình thức"), sponsors.support_by_kind),
        (_("Theo tiêu chí"), sponsors.support_by_criterion),
    ):
        rows += [(grouping, line.label, line.value_vnd) for line in lines]
    return Sheet(
        _("Hỗ trợ năm %(year)s") % {"year": sponsors.year},
        [Column(_("Nhóm"), 26), Column(_("Nội dung"), 44), Column(_("Giá trị (đồng)"), 20, MONEY)],
        rows,
    )


# --- writing --------------------------------------------------------------------------------------------------------


def _write_sheet(workbook: Workbook, sheet: Sheet, content: ReportContent) -> None:
    worksheet = workbook.create_sheet(title=sheet_title(sheet.title))
    # A write-only sheet takes its widths and panes before its first row.
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{HEADER_ROW + 1}"

    title = WriteOnlyCell(worksheet, value=_text(f"{sheet.title} – {content.unit.name}"))
    title.font = Font(bold=True, size=13)
    worksheet.append([title])
    as_of = WriteOnlyCell(worksheet, value=content.as_of)
    as_of.number_format = DATE_FORMAT
    as_of.alignment = Alignment(horizontal="left")
    worksheet.append([_("Số liệu tính đến ngày"), as_of, _text(content.criteria_set.name)])

    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(worksheet, value=_text(column.title))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    worksheet.append(header)

    formats = [column.number_format for column in sheet.columns]
    last_row = HEADER_ROW
    for row in sheet.rows:
        worksheet.append([_cell(worksheet, value, formats[index]) for index, value in enumerate(row)])
        last_row += 1
    if last_row > HEADER_ROW:
        worksheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(sheet.columns))}{last_row}"


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _cell(worksheet, value, number_format: str | None):
    """Numbers and dates as typed cells in their format; text as text, even when it starts with "=" (a name typed
    into the portal must never run as a formula)."""
    if isinstance(value, _Formatted):
        value, number_format = value.value, value.number_format
    if value is None:
        return None
    if isinstance(value, str):
        text = _text(value)
        if not text.startswith("="):
            return text
        cell = WriteOnlyCell(worksheet, value=text)
        cell.data_type = "s"
        return cell
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int | float | date):
        return _text(str(value))
    cell = WriteOnlyCell(worksheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell
