"""The report's .docx and .xlsx (issue 18) read back with python-docx and openpyxl, for the demo province.

The figures are checked against the dashboard API for the same unit, date and criteria set (as tests/reports/test_pdf.py
checks the PDF's against the selectors): what an office sends on must say what the dashboard says.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from django.utils.translation import override
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt
from openpyxl import load_workbook

from criteria.selectors import commune_progress_list
from reports.choices import JobStatus
from reports.pdf import criteria_marks
from reports.selectors import report_content
from reports.services import report_build
from reports.word_document import document_date_line, report_docx
from tests.api.conftest import token_client
from tests.reports.conftest import AS_OF
from tests.reports.factories import ReportJobFactory
from tests.reports.pdf_reading import vi

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("demo_report")]

_built: dict[str, object] = {}
NUMBER_AS_TEXT = re.compile(r"^-?\d+([.,]\d+)?%?$")


@pytest.fixture
def office_files(demo_province, demo_criteria_set) -> dict:
    """The demo province's report job, built once per test run with its PDF, .docx and .xlsx (the demo is
    deterministic)."""
    if not _built:
        job = ReportJobFactory(unit=demo_province, criteria_set=demo_criteria_set, as_of=AS_OF)
        job = report_build(job.pk)
        assert job.status == JobStatus.DONE, job.error
        for kind in ("docx", "xlsx"):
            with job.report_file(kind).open("rb") as handle:
                _built[kind] = handle.read()
        _built["names"] = (job.file.name, job.docx_file.name, job.xlsx_file.name)
        _built["timings"] = job.timings
        # The document is dated the day it was built, in the portal's time zone.
        _built["days"] = {timezone.localdate(job.started_at), timezone.localdate(job.finished_at)}
    return _built


@pytest.fixture
def dashboard(demo_province, demo_criteria_set, demo_coordinator) -> dict:
    """The dashboard API's progress figures for the report's unit, date and criteria set."""
    response = token_client(demo_coordinator).get(
        f"/api/v1/dashboards/{demo_province.pk}/",
        {"as_of": AS_OF.isoformat(), "criteria_set_id": demo_criteria_set.pk},
    )
    assert response.status_code == 200, response.content
    return response.json()["progress"]


def docx_rows(data: bytes) -> list[list[str]]:
    """Every table row of the document, as its cells' texts."""
    document = Document(io.BytesIO(data))
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def sheet_rows(workbook, title: str) -> list[tuple]:
    """The data rows of a sheet (below its title, date and header rows)."""
    return list(workbook[title].iter_rows(min_row=4, values_only=True))


def test_the_job_stores_a_docx_and_an_xlsx_beside_its_pdf(office_files, demo_province):
    pdf, docx, xlsx = office_files["names"]

    assert (pdf[-4:], docx[-5:], xlsx[-5:]) == (".pdf", ".docx", ".xlsx")
    assert docx[:-5] == pdf[:-4] == xlsx[:-5]
    assert office_files["docx"].startswith(b"PK") and office_files["xlsx"].startswith(b"PK")
    assert {"docx", "xlsx"} <= set(office_files["timings"])


def test_the_docx_has_the_parts_of_an_official_document(office_files):
    document = Document(io.BytesIO(office_files["docx"]))
    header = document.tables[0]
    # The signature closes the text; the appendix's matrix tables come after it, as in the PDF.
    signature = next(table for table in document.tables if table.cell(0, 0).text.startswith("Nơi nhận:"))
    texts = [p.text for p in document.paragraphs]

    assert header.cell(0, 0).text.split("\n")[:2] == ["UBND TỈNH THÁI NGUYÊN", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"]
    assert header.cell(0, 1).text.split("\n")[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert re.fullmatch(r"Số: \s+/BC-VPĐP", header.cell(1, 0).text)
    date_line = header.cell(1, 1).paragraphs[0]
    assert date_line.text in {document_date_line("Thái Nguyên", day) for day in office_files["days"]}
    assert all(run.italic for run in date_line.runs)
    title = texts.index("BÁO CÁO")
    assert texts[title + 1] == (
        "Kết quả xây dựng nông thôn mới trên địa bàn Tỉnh Thái Nguyên, số liệu tính đến ngày 31/12/2024"
    )
    recipients = signature.cell(0, 0).text.split("\n")
    assert recipients[0] == "Nơi nhận:"
    assert recipients[1:] == [
        "- Văn phòng Điều phối nông thôn mới Trung ương;",
        "- Thường trực UBND Tỉnh Thái Nguyên;",
        "- Các thành viên Ban Chỉ đạo;",
        "- Lưu: VT.",
    ]
    assert signature.cell(0, 1).text.split("\n")[0] == "CHÁNH VĂN PHÒNG"


def test_the_docx_is_a4_with_the_decrees_margins_in_times_new_roman(office_files):
    document = Document(io.BytesIO(office_files["docx"]))
    section = document.sections[0]
    normal = document.styles["Normal"]

    # Word keeps lengths in twentieths of a point: to the tenth of a millimetre.
    assert [round(length.mm, 1) for length in (section.page_width, section.page_height)] == [210, 297]
    assert [round(length.mm, 1) for length in (section.top_margin, section.bottom_margin)] == [20, 20]
    assert [round(length.mm, 1) for length in (section.left_margin, section.right_margin)] == [30, 15]
    assert normal.font.name == "Times New Roman" and Pt(13) <= normal.font.size <= Pt(14)
    assert document.styles["Heading 1"].font.name == "Times New Roman"


def test_the_docx_leaves_the_offices_narrative_as_marked_placeholders(office_files):
    document = Document(io.BytesIO(office_files["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    placeholders = [
        run for p in document.paragraphs for run in p.runs if run.font.highlight_color == WD_COLOR_INDEX.YELLOW
    ]

    assert "II. ĐÁNH GIÁ CHUNG" in headings and "III. DỰ BÁO VÀ NHIỆM VỤ THỜI GIAN TỚI" in headings
    assert "2. Nhiệm vụ số liệu chỉ ra" in headings and "PHỤ LỤC: BẢNG XÃ × TIÊU CHÍ" in headings
    assert headings.index("III. DỰ BÁO VÀ NHIỆM VỤ THỜI GIAN TỚI") < headings.index("PHỤ LỤC: BẢNG XÃ × TIÊU CHÍ")
    assert len(placeholders) >= 2
    assert all(run.italic and run.text.startswith("[") and run.text.endswith("]") for run in placeholders)


def test_the_docx_shows_the_figures_the_dashboard_api_returns(office_files, dashboard):
    rows = docx_rows(office_files["docx"])

    meeting = (
        f"{dashboard['communes_meeting_standard']}/{dashboard['communes_total']} xã "
        f"({vi(dashboard['percent_meeting_standard'])}%)"
    )
    assert ["Số xã đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)", meeting] in rows
    average = f"{vi(dashboard['average_criteria_met'])}/{dashboard['criteria_total']}"
    assert ["Bình quân số tiêu chí đạt/xã", average] in rows
    for band in dashboard["bands"]:
        assert [band["label"], str(band["communes"]), f"{vi(band['percent'])}%"] in rows
    for criterion in dashboard["criteria"]:
        counts = f"{criterion['communes_meeting_criterion']}/{criterion['communes_assessed']}"
        assert [
            str(criterion["number"]),
            criterion["name"],
            counts,
            f"{vi(criterion['percent_meeting_criterion'])}%",
        ] in rows
    district_rows = {row[0]: row[1:4] for row in rows if len(row) == 7}
    assert dashboard["districts"]
    for district in dashboard["districts"]:
        assert district_rows[district["name"]] == [
            str(district["communes_total"]),
            str(district["communes_meeting_standard"]),
            vi(district["percent_meeting_standard"]),
        ]


def test_the_docx_matrix_gives_every_commune_its_marks(office_files, demo_province, demo_criteria_set):
    rows = docx_rows(office_files["docx"])
    communes = commune_progress_list(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
    numbers = list(range(1, 20))
    matrix = {row[0]: row[1:] for row in rows if len(row) == len(numbers) + 2}

    assert len(communes) == 20
    for commune in communes:
        name = next(key for key in matrix if key == commune.name or key.startswith(f"{commune.name} – "))
        marks = criteria_marks(commune.criteria_met, commune.unmet_criteria, numbers)
        assert matrix[name] == [*marks, str(commune.criteria_met)], commune.name


def test_the_docx_date_line_pads_days_below_10_and_january_and_february(demo_province, demo_criteria_set):
    content = report_content(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
    target = io.BytesIO()

    with override("vi"):
        report_docx(content, target, generated_at=datetime.datetime(2025, 1, 5, 9, 0))
        lines = [
            document_date_line("Thái Nguyên", datetime.date(2025, 2, 28)),
            document_date_line("Thái Nguyên", datetime.date(2025, 12, 9)),
        ]

    assert Document(target).tables[0].cell(1, 1).text == "Thái Nguyên, ngày 05 tháng 01 năm 2025"
    assert lines == ["Thái Nguyên, ngày 28 tháng 02 năm 2025", "Thái Nguyên, ngày 09 tháng 12 năm 2025"]


def test_the_xlsx_shows_the_figures_the_dashboard_api_returns(office_files, dashboard):
    workbook = load_workbook(io.BytesIO(office_files["xlsx"]))
    overall = {row[0]: row[1] for row in sheet_rows(workbook, "Kết quả chung")}

    assert overall["Tổng số xã"] == dashboard["communes_total"]
    assert overall["Số xã đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)"] == dashboard["communes_meeting_standard"]
    assert overall["Tỷ lệ xã đạt chuẩn"] == pytest.approx(dashboard["percent_meeting_standard"] / 100)
    assert overall["Bình quân số tiêu chí đạt/xã"] == pytest.approx(dashboard["average_criteria_met"])
    assert [row[3] for row in sheet_rows(workbook, "Số xã theo số tiêu chí đạt")] == [
        band["communes"] for band in dashboard["bands"]
    ]
    assert sheet_rows(workbook, "Kết quả theo tiêu chí") == [
        (
            c["number"],
            c["name"],
            c["communes_meeting_criterion"],
            c["communes_assessed"],
            pytest.approx(c["percent_meeting_criterion"] / 100),
        )
        for c in dashboard["criteria"]
    ]
    districts = {row[0]: row[1:3] for row in sheet_rows(workbook, "Kết quả theo huyện")}
    for district in dashboard["districts"]:
        assert districts[district["name"]] == (district["communes_total"], district["communes_meeting_standard"])


def test_the_xlsx_matrix_adds_up_to_the_dashboards_counts(office_files, dashboard):
    workbook = load_workbook(io.BytesIO(office_files["xlsx"]))
    header = [cell.value for cell in workbook["Xã × tiêu chí"][3]]
    rows = sheet_rows(workbook, "Xã × tiêu chí")

    assert len(rows) == dashboard["communes_total"]
    for criterion in dashboard["criteria"]:
        column = header.index(f"TC {criterion['number']}")
        assert sum(row[column] or 0 for row in rows) == criterion["communes_meeting_criterion"], criterion["number"]
    meeting = header.index("Đạt chuẩn (1 có, 0 chưa)")
    assert sum(row[meeting] for row in rows) == dashboard["communes_meeting_standard"]


def test_the_xlsx_types_numbers_as_numbers_with_vietnamese_formats(office_files):
    workbook = load_workbook(io.BytesIO(office_files["xlsx"]))

    assert len(workbook.sheetnames) >= 8
    for sheet in workbook.worksheets:
        assert "Tỉnh Thái Nguyên" in sheet["A1"].value and sheet["A1"].font.bold
        assert sheet["B2"].value == datetime.datetime(2024, 12, 31) and sheet["B2"].number_format == "DD/MM/YYYY"
        assert sheet["C2"].value == "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021–2025"
        assert all(cell.font.bold for cell in sheet[3] if cell.value is not None), sheet.title
        assert sheet.freeze_panes.endswith("4"), sheet.title
        assert sheet.column_dimensions["A"].width > 5, sheet.title
        header = [cell.value for cell in sheet[3]]
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                if header[cell.column - 1] in ("Mã xã", "Số tiêu chí đạt") or not isinstance(cell.value, str):
                    continue  # commune codes keep their leading zeros; a band is named "19", "15–18"
                assert not NUMBER_AS_TEXT.match(cell.value), (sheet.title, cell.coordinate, cell.value)
    percent = workbook["Kết quả theo tiêu chí"]["E4"]
    assert isinstance(percent.value, float) and percent.number_format == "0.0%"
    support = next(title for title in workbook.sheetnames if title.startswith("Hỗ trợ năm "))
    money = workbook[support]["C4"]
    assert isinstance(money.value, int) and money.value > 0 and money.number_format == "#,##0"
    started = workbook["Từng lượt cử"]["F4"]
    assert isinstance(started.value, datetime.datetime) and started.number_format == "DD/MM/YYYY"
