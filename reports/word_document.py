"""The progress report as a Word document (.docx) an office finishes and signs (issue 18).

The figures and tables are the PDF's (reports.pdf reads the same `ReportContent`); around them go the parts of an
administrative document per Nghị định 30/2020/NĐ-CP, Phụ lục I: the header block (governing body and issuer beside
the national title and motto), "Số:", the place and date line, the document's kind and summary, the signature block
and "Nơi nhận". The narrative an office writes (assessment, difficulties, tasks ahead) is left as marked placeholders.

Speed: a province's communes × criteria matrix is thousands of cells, and python-docx finds a row's cells by walking
the whole table (quadratic), so the tables are written as WordprocessingML in one string and parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from communes.choices import NtmLevel
from ntm_portal import formats
from secondments.choices import SecondmentOutcome

from .pdf import (
    MET,
    NOT_ASSESSED,
    UNMET,
    assessment_sentences,
    criteria_marks,
    forecast_tables,
    section_numbers,
    sponsor_tables,
    task_sentences,
)
from .selectors import ReportContent

FONT = "Times New Roman"  # NĐ 30/2020, Phụ lục I: Times New Roman, Unicode (TCVN 6909:2001)
BODY_PT = 13
TABLE_PT = 11
TEXT_WIDTH_MM = 210 - 30 - 15  # A4 less the left and right margins
# XML 1.0 refuses these control characters, which a name typed or pasted into the portal may hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ROMAN = ("I", "II", "III", "IV", "V")


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    span: int = 1  # columns the cell covers (a district's heading row, say)


def report_docx(content: ReportContent, target: str | Path | BinaryIO, *, generated_at: datetime) -> None:
    """Write the report of `content` as a .docx to `target`, dated `generated_at` (the day it is issued; the office
    changes it in Word if it signs later). Labels are in the active language."""
    document = Document()
    _set_up_page_and_styles(document)
    _letterhead(document, content, generated_at.date())
    _figures(document, content)
    _narrative(document, content)
    _signature(document, content)
    _appendix(document, content)
    document.save(target)


# --- page, styles -----------------------------------------------------------------------------------------------------


def _set_up_page_and_styles(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    # NĐ 30: the page number at the top, centred, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>2</w:t></w:r></w:fldSimple>'))

    _use_font(document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")))
    normal = document.styles["Normal"]
    _use_font(normal.element.get_or_add_rPr())
    normal.font.size = Pt(BODY_PT)
    body = normal.paragraph_format
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.first_line_indent = Mm(12.7)
    body.space_before, body.space_after = Pt(0), Pt(6)
    body.line_spacing = 1.1
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        heading = document.styles[name]
        _use_font(heading.element.get_or_add_rPr())
        heading.font.size = Pt(BODY_PT)
        heading.font.color.rgb = None
        rpr = heading.element.get_or_add_rPr()
        for color in rpr.findall(qn("w:color")):
            rpr.remove(color)
        heading.font.italic = name == "Heading 3"
        heading.paragraph_format.space_before, heading.paragraph_format.space_after = Pt(6), Pt(6)
        heading.paragraph_format.first_line_indent = Mm(12.7)
    table_text = document.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(TABLE_PT)
    table_text.paragraph_format.first_line_indent = Mm(0)
    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table_text.paragraph_format.space_after = Pt(0)
    table_text.paragraph_format.line_spacing = 1.0


def _use_font(rpr) -> None:
    """Times New Roman for every script, without the theme's fonts (a theme font wins over a named one)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)


def _paragraph(
    container, text: str = "", *, bold=False, italic=False, size=None, center=False, indent=False, tight=False
):
    """A paragraph of `text`; `indent`: a body paragraph's first-line indent, `tight`: no space after (lines of a
    block such as the letterhead)."""
    paragraph = container.add_paragraph()
    if tight:
        paragraph.paragraph_format.space_after = Pt(0)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not indent:
        paragraph.paragraph_format.first_line_indent = Mm(0)
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
    return paragraph


def _short_rule(container, width_mm: float, cell_width_mm: float) -> None:
    """The short line NĐ 30 draws under the issuer, the motto and the summary: a bottom border, indented on both
    sides to `width_mm`."""
    paragraph = _paragraph(container, size=2)
    paragraph.paragraph_format.space_after = Pt(6)
    side = Mm(max((cell_width_mm - width_mm) / 2, 0))
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.line_spacing = Pt(2)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>')
    )


# --- the document's parts (NĐ 30/2020, Phụ lục I) ---------------------------------------------------------------------


def document_date_line(place: str, day: date) -> str:
    """ "Thái Nguyên, ngày 05 tháng 01 năm 2026": NĐ 30 writes a day below 10 and the months 1 and 2 with a 0."""
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place,
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}" if day.month < 3 else str(day.month),
        "year": day.year,
    }


def _borderless_table(document, *, rows: int, widths_mm: tuple[float, float]) -> list[list]:
    """A 2-column layout table without borders (the default table style draws none), its cells emptied."""
    table = document.add_table(rows=rows, cols=2)
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads
    cells = []
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)  # each cell's own, which Word reads
            cell._tc.remove(cell.paragraphs[0]._p)
        cells.append(list(row.cells))
    return cells


def _letterhead(document, content: ReportContent, day: date) -> None:
    letterhead = content.letterhead
    widths = (65, TEXT_WIDTH_MM - 65)
    (issuer, nation), (number, dated) = _borderless_table(document, rows=2, widths_mm=widths)
    _paragraph(issuer, letterhead.governing_body, size=12, center=True, tight=True)
    _paragraph(issuer, letterhead.issuer, bold=True, size=12, center=True, tight=True)
    _short_rule(issuer, 22, widths[0])
    _paragraph(nation, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True, size=12, center=True, tight=True)
    _paragraph(nation, _("Độc lập - Tự do - Hạnh phúc"), bold=True, center=True, tight=True)
    _short_rule(nation, 60, widths[1])
    # The number is the clerk's to give when the report is registered: a blank before the office's suffix.
    blank = "\u00a0" * 6
    _paragraph(number, _("Số: %(blank)s%(suffix)s") % {"blank": blank, "suffix": letterhead.number_suffix}, center=True)
    _paragraph(dated, document_date_line(letterhead.place, day), italic=True, center=True)

    _paragraph(document)
    _paragraph(document, _("BÁO CÁO"), bold=True, size=14, center=True, tight=True)
    _paragraph(document, report_summary_line(content), bold=True, center=True, tight=True)
    _short_rule(document, 40, TEXT_WIDTH_MM)
    _placeholder(
        document,
        _(
            "[Căn cứ, thực hiện: văn bản chỉ đạo, kế hoạch mà báo cáo này trả lời. Cơ quan soạn thảo điền trước khi "
            "trình ký.]"
        ),
    )
    _paragraph(
        document,
        _(
            "Kết quả thực hiện Chương trình xây dựng nông thôn mới trên địa bàn %(unit)s, số liệu tính đến ngày "
            "%(as_of)s, đánh giá theo %(criteria_set)s, như sau:"
        )
        % {
            "unit": content.unit.name,
            "as_of": f"{content.as_of:%d/%m/%Y}",
            "criteria_set": content.criteria_set.name,
        },
        indent=True,
    )


def report_summary_line(content: ReportContent) -> str:
    return _("Kết quả xây dựng nông thôn mới trên địa bàn %(unit)s, số liệu tính đến ngày %(as_of)s") % {
        "unit": content.unit.name,
        "as_of": f"{content.as_of:%d/%m/%Y}",
    }


def _placeholder(document, text: str) -> None:
    """Text the office replaces: italic, highlighted, in brackets, so that none of it is signed by mistake."""
    paragraph = _paragraph(document, indent=True)
    run = paragraph.add_run(text)
    run.italic = True
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _narrative(document, content: ReportContent) -> None:
    """Parts II and III, as in the PDF: what the figures say (pdf.assessment_sentences, pdf.task_sentences), then
    highlighted placeholders for what only the office can write before it signs."""
    document.add_heading(_numbered(ROMAN[1], _("ĐÁNH GIÁ CHUNG")), level=1)
    for sentence in assessment_sentences(content):
        _paragraph(document, indent=True).add_run(sentence)
    _placeholder(
        document,
        _(
            "[Đánh giá kết quả đạt được, những khó khăn, vướng mắc, tồn tại, hạn chế và nguyên nhân (khách quan, chủ "
            "quan). Phần này do cơ quan soạn thảo viết.]"
        ),
    )
    document.add_heading(_numbered(ROMAN[2], _("DỰ BÁO VÀ NHIỆM VỤ THỜI GIAN TỚI")), level=1)
    document.add_heading(_numbered(1, _("Dự báo đạt chuẩn")), level=2)
    _forecast(document, content)
    document.add_heading(_numbered(2, _("Nhiệm vụ số liệu chỉ ra")), level=2)
    for task in task_sentences(content):
        _paragraph(document, indent=True).add_run(f"- {task}")
    _placeholder(
        document,
        _("[Nhiệm vụ, giải pháp trọng tâm thời gian tới, cơ quan chủ trì, thời hạn; đề xuất, kiến nghị (nếu có).]"),
    )


def _appendix(document, content: ReportContent) -> None:
    """The communes × criteria matrix after the signature, as the PDF's appendix."""
    document.add_page_break()
    document.add_heading(_("PHỤ LỤC: BẢNG XÃ × TIÊU CHÍ"), level=1)
    _matrix(document, content)


def _signature(document, content: ReportContent) -> None:
    letterhead = content.letterhead
    _paragraph(document)
    [[recipients, signer]] = _borderless_table(document, rows=1, widths_mm=(80, TEXT_WIDTH_MM - 80))
    _paragraph(recipients, _("Nơi nhận:"), bold=True, italic=True, size=12, tight=True)
    # NĐ 30: one recipient a line, each after "- " and ending ";", the last ("Lưu: VT") ending ".".
    lines = letterhead.recipients
    for position, line in enumerate(lines, start=1):
        _paragraph(recipients, f"- {line}{'.' if position == len(lines) else ';'}", size=11, tight=True)
    if letterhead.signer_capacity:
        _paragraph(signer, letterhead.signer_capacity, bold=True, center=True, tight=True)
    _paragraph(signer, letterhead.signer_title, bold=True, center=True, tight=True)
    for _line in range(4):  # room for the signature and the seal
        _paragraph(signer)
    if letterhead.signer_name:
        _paragraph(signer, letterhead.signer_name, bold=True, center=True)


# --- the figures: the PDF's sections, in its order ------------------------------------------------------------------


def _numbered(number: int | str, title: str) -> str:
    return f"{number}. {title}"


def _one_decimal(value: float | None, suffix: str = "") -> str:
    # As the PDF's template writes figures (ntm_formats): "65,0", whatever the report's language.
    return "—" if value is None else f"{formats.number(value, 1)}{suffix}"


def _figure(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{formats.number(value, -1)}{suffix}"


def _figures(document, content: ReportContent) -> None:
    summary = content.summary
    sections = section_numbers(has_districts=bool(summary.districts))
    document.add_heading(_numbered(ROMAN[0], _("KẾT QUẢ THỰC HIỆN")), level=1)

    document.add_heading(_numbered(sections["overall"], _("Kết quả chung")), level=2)
    _table(document, None, _overall_rows(content), [95, TEXT_WIDTH_MM - 95])
    document.add_heading(_numbered(sections["bands"], _("Số xã theo số tiêu chí đạt")), level=2)
    _table(
        document,
        # xgettext:no-python-format
        [_("Số tiêu chí đạt"), _("Số xã"), _("% số xã đã đánh giá")],
        [[band.label, str(band.communes), _one_decimal(band.percent, "%")] for band in summary.bands],
        [75, 45, 45],
        numeric={1, 2},
    )

    if summary.districts:
        document.add_heading(_numbered(sections["districts"], _("Kết quả theo huyện")), level=2)
        _table(
            document,
            [_("Huyện"), _("Số xã"), _("Đạt chuẩn"), "%", _("BQ tiêu chí"), _("Mục tiêu (xã)"), _("% mục tiêu")],
            [
                [
                    d.name or _("Trực thuộc tỉnh"),
                    str(d.communes_total),
                    str(d.communes_meeting_standard),
                    _one_decimal(d.percent_meeting_standard),
                    _one_decimal(d.average_criteria_met),
                    "—"
                    if d.target is None or d.target.min_communes_meeting_standard is None
                    else f"{d.target.min_communes_meeting_standard} ({d.target.year})",
                    _one_decimal(d.target.percent_of_target if d.target else None, "%"),
                ]
                for d in summary.districts
            ],
            [45, 17, 20, 17, 20, 25, 21],
            numeric={1, 2, 3, 4, 5, 6},
        )

    document.add_heading(_numbered(sections["criteria"], _("Kết quả theo tiêu chí (yếu nhất trước)")), level=2)
    _table(
        document,
        # xgettext:no-python-format
        [_("TC"), _("Tiêu chí"), _("Số xã đạt"), _("% xã đã đánh giá")],
        [
            [
                str(c.number),
                c.name,
                f"{c.communes_meeting_criterion}/{c.communes_assessed}",
                _one_decimal(c.percent, "%"),
            ]
            for c in summary.criteria
        ],
        [12, 103, 25, 25],
        numeric={2, 3},
    )

    document.add_heading(_numbered(sections["near_finish"], _("Xã sắp về đích")), level=2)
    _near_finish(document, content)
    document.add_heading(_numbered(sections["secondments"], _("Kết quả cán bộ biệt phái, luân chuyển")), level=2)
    _secondments(document, content)
    document.add_heading(_numbered(sections["sponsors"], _("Trách nhiệm cơ quan giúp đỡ xã")), level=2)
    _sponsors(document, content)


def _overall_rows(content: ReportContent) -> list[list]:
    summary = content.summary
    communes, criteria = _("xã"), _("tiêu chí")
    levels = {level: str(label) for level, label in NtmLevel.choices if level != NtmLevel.NOT_YET}
    rows = [
        [
            _("Số xã đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)"),
            Cell(
                f"{summary.communes_meeting_standard}/{summary.communes_total} {communes} "
                f"({_one_decimal(summary.percent_meeting_standard, '%')})",
                bold=True,
            ),
        ],
        *([f"· {levels[level]}", str(count)] for level, count in summary.communes_by_level.items() if level in levels),
        [
            _("Bình quân số tiêu chí đạt/xã"),
            Cell(
                "—"
                if summary.average_criteria_met is None
                else f"{_one_decimal(summary.average_criteria_met)}/{summary.criteria_total}",
                bold=True,
            ),
        ],
        [
            _("Xã có ít tiêu chí đạt nhất"),
            "—" if summary.lowest_criteria_met is None else f"{summary.lowest_criteria_met} {criteria}",
        ],
        [_("Xã đã có kỳ đánh giá / chưa có"), f"{summary.communes_assessed} / {summary.communes_without_round}"],
    ]
    target = summary.target
    if target:
        title = _("Mục tiêu đến năm %(year)s") % {"year": target.year}
        rows.append([f"{title} ({target.decision})" if target.decision else title, ""])
        if target.min_communes_meeting_standard is not None:
            value = f"{target.communes_meeting_standard}/{target.min_communes_meeting_standard} {communes}"
            if target.percent_of_target is not None:
                value += " – " + _("đạt %(percent)s%% mục tiêu") % {"percent": _one_decimal(target.percent_of_target)}
            rows.append(
                [
                    "· " + _("Số xã đạt chuẩn tối thiểu"),
                    value + (" – " + _("đạt") if target.communes_target_met else ""),
                ]
            )
        if target.min_average_criteria is not None:
            verdict = _("đạt") if target.average_target_met else _("chưa đạt")
            rows.append(
                [
                    "· " + _("Bình quân tiêu chí/xã tối thiểu"),
                    f"{_one_decimal(target.min_average_criteria)} – {verdict}",
                ]
            )
        if target.min_criteria_per_commune is not None:
            floor = _("Không xã nào dưới %(floor)s tiêu chí") % {"floor": target.min_criteria_per_commune}
            rows.append([f"· {floor}", _("đạt") if target.min_criteria_target_met else _("chưa đạt")])
    return rows


def _near_finish(document, content: ReportContent) -> None:
    summary = content.summary
    _paragraph(
        document,
        _("%(count)s xã chưa đạt chuẩn đã đạt từ %(low)s/%(total)s tiêu chí trở lên, với các tiêu chí còn thiếu:")
        % {"count": len(content.near_finish), "low": content.near_finish_from, "total": summary.criteria_total},
        indent=True,
    )
    rows = []
    for commune in content.near_finish:
        name = f"{commune.name} ({commune.district_name})" if commune.district_name else commune.name
        missing = "; ".join(f"{number}. {criterion}" for number, criterion in commune.unmet_criteria)
        rows.append(
            [
                name,
                f"{commune.criteria_met}/{commune.criteria_total}",
                missing or _("đủ tiêu chí, chờ quyết định công nhận"),
            ]
        )
    if rows:
        _table(document, [_("Xã"), _("Đạt"), _("Còn thiếu")], rows, [55, 15, 95], numeric={1})


def _forecast(document, content: ReportContent) -> None:
    tables = forecast_tables(content.forecast)
    outlook = tables["outlook"]["o"]
    communes = _("xã")
    rows = [[_("Số xã đạt chuẩn hiện nay"), f"{outlook.communes_meeting_standard}/{outlook.communes_total} {communes}"]]
    if outlook.target_communes_meeting_standard is not None:
        target = _("%(n)s xã đạt chuẩn đến năm %(year)s") % {
            "n": outlook.target_communes_meeting_standard,
            "year": outlook.target_year,
        }
        rows += [
            [_("Mục tiêu"), f"{target} ({outlook.decision})" if outlook.decision else target],
            [
                _("Số xã đạt chuẩn đến năm %(year)s theo xu hướng hiện tại") % {"year": outlook.target_year},
                f"{outlook.communes_projected} {communes}",
            ],
            [
                _("Đạt mục tiêu theo xu hướng hiện tại"),
                _("đạt") if outlook.met_on_trend else _("không đạt, thiếu %(n)s xã") % {"n": outlook.shortfall},
            ],
        ]
        if tables["outlook"]["deciding"]:
            rows.append(
                [
                    _("Các xã quyết định việc đạt mục tiêu (năm dự kiến, kịp hay không)"),
                    "; ".join(tables["outlook"]["deciding"]),
                ]
            )
    by_status = tables["by_status"]
    rows.append(
        [
            _("Xã chưa đạt chuẩn"),
            _(
                "%(projected)s dự kiến đạt theo xu hướng; %(stalled)s không đạt theo xu hướng hiện tại; "
                "%(no_data)s chưa đủ số liệu"
            )
            % {
                "projected": by_status.get("projected", 0),
                "stalled": by_status.get("stalled", 0),
                "no_data": by_status.get("no_data", 0),
            },
        ]
    )
    _table(document, None, rows, [95, TEXT_WIDTH_MM - 95])
    if tables["pending"]:
        document.add_heading(_("Xã chưa đạt chuẩn theo năm dự kiến đạt chuẩn"), level=3)
        communes_label = _("xã")
        for label, members in tables["pending"]:
            paragraph = _paragraph(document, indent=True)
            paragraph.add_run(f"{label[:1].upper()}{label[1:]}").bold = True
            paragraph.add_run(f" – {len(members)} {communes_label}: {'; '.join(members)}")


def _matrix(document, content: ReportContent) -> None:
    numbers = [number for number, _name in content.criteria]
    _paragraph(
        document,
        _(
            "%(met)s đạt, %(unmet)s chưa đạt, %(none)s chưa có kỳ đánh giá, theo thứ tự tiêu chí; rồi số tiêu chí đạt. "
            "Tên in đậm: xã đã đạt chuẩn, kèm mức đạt."
        )
        % {"met": MET, "unmet": UNMET, "none": NOT_ASSESSED},
        indent=True,
    )
    levels = {level: str(label) for level, label in NtmLevel.choices if level != NtmLevel.NOT_YET}
    name_mm, met_mm = 48, 11
    mark_mm = (TEXT_WIDTH_MM - name_mm - met_mm) / max(len(numbers), 1)
    communes, meeting = _("xã"), _("đạt chuẩn")
    for block in content.districts:
        title = block.name or _("Xã trực thuộc tỉnh")
        document.add_heading(
            f"{title} – {len(block.communes)} {communes}, {block.communes_meeting_standard} {meeting}", level=3
        )
        rows = []
        for commune in block.communes:
            level = levels.get(commune.ntm_level, "")
            name = Cell(f"{commune.name} – {level}", bold=True) if commune.meets_standard and level else commune.name
            marks = criteria_marks(commune.criteria_met, commune.unmet_criteria, numbers)
            rows.append([name, *marks, "–" if commune.criteria_met is None else str(commune.criteria_met)])
        _table(
            document,
            [_("Xã"), *map(str, numbers), _("Đạt")],
            rows,
            [name_mm, *([mark_mm] * len(numbers)), met_mm],
            numeric={len(numbers) + 1},
            centered=set(range(1, len(numbers) + 1)),
        )


def _secondments(document, content: ReportContent) -> None:
    results = content.secondment_results
    if not results.overall:
        _paragraph(document, _("Chưa có cán bộ nào được cử về các xã trong phạm vi báo cáo."), italic=True, indent=True)
        return
    _paragraph(
        document,
        _(
            "N/M: số xã đạt chuẩn trong thời gian cán bộ công tác tại xã hoặc trong vòng %(months)s tháng sau khi cán "
            "bộ về, trên số xã chưa đạt chuẩn khi cán bộ đến. Nhóm so sánh: các xã cùng đơn vị không có cán bộ biệt "
            "phái, luân chuyển trong cùng thời kỳ. Số tiêu chí tăng thêm và số tháng đến khi đạt chuẩn là trung vị."
        )
        % {"months": results.months_after},
        indent=True,
    )
    for title, groups in (
        (_("Chung"), [results.overall]),
        (_("Theo đợt cử"), results.batches),
        (_("Theo cơ quan cử cán bộ"), results.home_agencies),
    ):
        if not groups:
            continue
        document.add_heading(title, level=3)
        rows = []
        for group in groups:
            period = f"{group.period_start:%d/%m/%Y} – {group.period_end:%d/%m/%Y}"
            for kind, figures in ((_("Có cán bộ"), group.seconded), (_("So sánh"), group.comparison)):
                rows.append(
                    [
                        Cell(f"{group.label}\n{period}", bold=True) if figures is group.seconded else "",
                        kind,
                        f"{figures.communes_meeting_standard}/{figures.communes}",
                        _figure(figures.percent_meeting_standard, "%"),
                        _figure(figures.median_criteria_gained),
                        _figure(figures.median_months_to_standard),
                    ]
                )
        _table(
            document,
            [
                _("Nhóm, thời kỳ"),
                _("Xã"),
                _("Đạt chuẩn N/M"),
                "%",
                _("Tiêu chí tăng thêm (trung vị)"),
                _("Số tháng đến khi đạt chuẩn (trung vị)"),
            ],
            rows,
            [50, 22, 22, 17, 27, 27],
            numeric={2, 3, 4, 5},
        )
    document.add_heading(_("Từng lượt cử"), level=3)
    outcomes = {value: str(label) for value, label in SecondmentOutcome.choices}
    _table(
        document,
        [
            _("Cán bộ"),
            _("Cơ quan cử"),
            _("Xã"),
            _("Từ"),
            _("Đến"),
            _("Tiêu chí đầu → cuối"),
            _("Tăng"),
            _("Kết quả"),
            _("Số tháng"),
        ],
        [
            [
                s.cadre,
                s.home_agency,
                s.commune,
                f"{s.start_date:%d/%m/%Y}",
                f"{s.end_date:%d/%m/%Y}" if s.end_date else _("đang công tác"),
                f"{_unknown(s.criteria_at_start)} → {_unknown(s.criteria_at_end)}",
                "—" if s.criteria_gained is None else f"{'+' if s.criteria_gained > 0 else ''}{s.criteria_gained}",
                outcomes.get(s.outcome, s.outcome),
                "—" if s.months_to_standard is None else str(s.months_to_standard),
            ]
            for s in results.secondments
        ],
        [22, 20, 20, 17, 17, 15, 10, 30, 14],
        numeric={5, 6, 8},
    )


def _unknown(value: int | None) -> str:
    return "?" if value is None else str(value)


def _sponsors(document, content: ReportContent) -> None:
    tables = sponsor_tables(content.sponsors)
    sponsors = content.sponsors
    if not sponsors.agencies:
        _paragraph(
            document,
            _(
                "Chưa có cơ quan, doanh nghiệp nào được phân công giúp đỡ các xã trong phạm vi báo cáo trong năm "
                "%(year)s."
            )
            % {"year": sponsors.year},
            italic=True,
            indent=True,
        )
        return
    _paragraph(
        document,
        _(
            "Năm %(year)s (số liệu đến %(as_of)s): %(agencies)s cơ quan, doanh nghiệp; %(visits)s lượt đến xã, "
            "%(days)s ngày làm việc tại xã."
        )
        % {
            "year": sponsors.year,
            "as_of": f"{sponsors.as_of:%d/%m/%Y}",
            "agencies": len(sponsors.agencies),
            "visits": tables["visits"],
            "days": _figure(tables["days"]),
        },
        indent=True,
    )
    quarters = tables["quarters"]
    header = [_("Cơ quan, doanh nghiệp"), _("Số xã")]
    not_over, below = _("chưa kết thúc"), _("dưới mức tối thiểu")
    for quarter, complete in quarters:
        label = _("Quý %(quarter)s") % {"quarter": quarter}
        header.append(label if complete else f"{label} ({not_over})")
    header += [_("Cả năm"), _("Kế hoạch: xong / trễ / chưa đến hạn")]
    rows = []
    for agency in sponsors.agencies:
        cells = [Cell(agency.name, bold=agency.flagged), str(agency.communes_assigned)]
        for quarter in agency.quarters:
            if quarter.communes_assigned or quarter.field_visits:
                text = f"{quarter.field_visits} / {_figure(quarter.days_on_site)}"
                cells.append(f"{text} {below}" if quarter.below_minimum else text)
            else:
                cells.append("—")
        cells += [
            f"{agency.field_visits} / {_figure(agency.days_on_site)}",
            f"{agency.plan_items_done} / {agency.plan_items_late} / {agency.plan_items_open}",
        ]
        rows.append(cells)
    quarter_mm = 17
    name_mm = TEXT_WIDTH_MM - 12 - quarter_mm * len(quarters) - 20 - 25
    _table(document, header, rows, [name_mm, 12, *([quarter_mm] * len(quarters)), 20, 25], numeric={1})

    document.add_heading(_("Kế hoạch giúp đỡ"), level=3)
    _paragraph(
        document,
        _("Nhiệm vụ đến hạn trong năm %(year)s: %(done)s hoàn thành, %(late)s trễ hạn, %(open)s chưa đến hạn.")
        % {
            "year": sponsors.year,
            "done": sponsors.plan_items_done,
            "late": sponsors.plan_items_late,
            "open": sponsors.plan_items_open,
        },
        indent=True,
    )
    support = _("Hỗ trợ năm %(year)s") % {"year": sponsors.year}
    document.add_heading(f"{support}: {tables['total']}", level=3)
    for title, lines in tables["support"]:
        _table(document, [title, _("Giá trị")], [[label, value] for label, value in lines], [115, 50], numeric={1})


# --- tables as WordprocessingML -------------------------------------------------------------------------------------


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _cell_xml(value: str | Cell, width: int, *, align: str | None, bold: bool = False) -> str:
    cell = value if isinstance(value, Cell) else Cell(str(value))
    span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
    justify = f'<w:jc w:val="{align}"/>' if align else ""
    bold_run = "<w:rPr><w:b/></w:rPr>" if bold or cell.bold else ""
    lines = _XML_ILLEGAL.sub("", cell.text).split("\n")
    text = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}</w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="TableText"/>{justify}</w:pPr><w:r>{bold_run}{text}</w:r></w:p></w:tc>'
    )


def _table(
    document,
    header: Sequence[str] | None,
    rows: Iterable[Sequence[str | Cell]],
    widths_mm: Sequence[float],
    *,
    numeric: set[int] = frozenset(),
    centered: set[int] = frozenset(),
) -> None:
    """A bordered table of fixed column widths: `header` (repeated on every page) bold, then `rows`; columns in
    `numeric` right-aligned, in `centered` centred."""
    widths = [_twips(mm) for mm in widths_mm]

    def align(index: int) -> str | None:
        return "right" if index in numeric else "center" if index in centered else None

    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblBorders>{borders}'
        '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="57" w:type="dxa"/>'
        '<w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{width}"/>' for width in widths),
        "</w:tblGrid>",
    ]
    if header:
        parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        parts += [_cell_xml(text, widths[i], align="center", bold=True) for i, text in enumerate(header)]
        parts.append("</w:tr>")
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        column = 0
        for value in row:
            span = value.span if isinstance(value, Cell) else 1
            parts.append(_cell_xml(value, sum(widths[column : column + span]), align=align(column)))
            column += span
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    table = parse_xml("".join(parts))
    document.element.body.sectPr.addprevious(table)
    _paragraph(document).paragraph_format.space_after = Pt(0)  # Word joins two tables that touch
