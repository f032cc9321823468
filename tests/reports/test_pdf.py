"""The report's PDF read back with pypdf: what a reader of the file finds in it, for the demo province.

The figures are checked against the selectors the dashboards and the API call, for the same as-of date and criteria
set: the PDF must say what the dashboard says.
"""

import datetime
import io
import unicodedata

import pytest
import weasyprint
from django.utils import timezone
from django.utils.translation import override
from pypdf import PdfReader

from criteria.forecast import ForecastStatus, unit_forecast
from criteria.selectors import commune_progress_list, default_criteria_set, unit_progress_summary
from ntm_portal.text import vnd
from reports import pdf
from reports.charts import bands_chart, criteria_chart, districts_chart
from reports.choices import JobStatus
from reports.pdf import criteria_marks, render_pdf, report_html
from reports.selectors import report_content
from reports.services import report_build
from secondments.selectors import secondment_results, sponsor_accountability, sponsor_default_year
from tests.reports.conftest import AS_OF
from tests.reports.factories import ReportJobFactory
from tests.reports.pdf_reading import figure, matrix_marks, positioned_lines, vi

# On one pytest-xdist worker, which builds the demo and its report once.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("demo_report")]

_built: dict[str, bytes] = {}


@pytest.fixture
def report_pdf(demo_province, demo_criteria_set) -> bytes:
    """The demo province's report, built in this process once per test run (the demo is deterministic)."""
    if "pdf" not in _built:
        job = ReportJobFactory(unit=demo_province, criteria_set=demo_criteria_set, as_of=AS_OF)
        job = report_build(job.pk)
        assert job.status == JobStatus.DONE, job.error
        with job.file.open("rb") as handle:
            _built["pdf"] = handle.read()
        _built["pages"] = job.pages
    return _built["pdf"]


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFC", text)


def test_the_pdf_names_the_province_and_every_commune_with_its_diacritics(report_pdf, demo_province):
    reader, text = pdf_text(report_pdf)
    communes = commune_progress_list(unit=demo_province, as_of=AS_OF)

    assert "Tiến độ xây dựng nông thôn mới Tỉnh Thái Nguyên đến ngày 31/12/2024" in " ".join(text.split())
    assert "Xã Phú Đình" in text and "Huyện Định Hóa" in text
    missing = [c.name for c in communes if c.name not in text]
    assert missing == []
    assert len(communes) == 20


def test_the_pdf_has_a_sensible_page_count_with_a_number_atop_every_page_but_the_first(report_pdf):
    reader, _text = pdf_text(report_pdf)
    pages = len(reader.pages)

    assert 5 <= pages <= 15
    assert pages == _built["pages"]
    # Nghị định 30/2020/NĐ-CP: the number centred in the top margin (20 mm, above y = 785 pt), none on the first page.
    assert [text_in_top_margin(page) for page in reader.pages] == [""] + [str(n) for n in range(2, pages + 1)]


def text_in_top_margin(page) -> str:
    parts = []

    def keep(text, cm, tm, _font, _size):
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's height on the page: its matrix times the page's
        if y > float(page.mediabox.height) - 20 * 72 / 25.4 and text.strip():
            parts.append(text.strip())

    page.extract_text(visitor_text=keep)
    return " ".join(parts)


def test_the_pdf_shows_the_figures_the_dashboard_selector_returns_for_the_same_date(
    report_pdf, demo_province, demo_criteria_set
):
    _reader, text = pdf_text(report_pdf)
    summary = unit_progress_summary(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)

    meeting = (
        f"{summary.communes_meeting_standard}/{summary.communes_total} xã ({vi(summary.percent_meeting_standard)}%)"
    )
    assert meeting in text
    assert f"{vi(summary.average_criteria_met)}/{summary.criteria_total}" in text
    for band in summary.bands:
        assert f"{band.label} {band.communes} {vi(band.percent)}%" in text
    for line in summary.districts:
        assert (
            f"{line.name} {line.communes_total} {line.communes_meeting_standard} {vi(line.percent_meeting_standard)}"
            in text
        )
    weakest = summary.criteria[0]
    assert f"{weakest.number} {weakest.name} {weakest.communes_meeting_criterion}/{weakest.communes_assessed}" in text
    assert summary.target is not None
    assert f"Mục tiêu đến năm {summary.target.year}" in text


def test_the_pdf_shows_the_accountability_figures_the_selectors_return_for_the_demo(report_pdf, demo_province):
    _reader, text = pdf_text(report_pdf)
    text = " ".join(text.split())

    results = secondment_results(unit=demo_province, as_of=AS_OF)
    assert results.overall is not None and results.batches
    for group in [results.overall, *results.batches, *results.home_agencies]:
        seconded, comparison = group.seconded, group.comparison
        assert (
            f"{group.label} Có cán bộ {seconded.communes_meeting_standard}/{seconded.communes} "
            f"{figure(seconded.percent_meeting_standard)}%"
        ) in text
        assert (
            f"{group.period_start:%d/%m/%Y} – {group.period_end:%d/%m/%Y}; {group.secondments} lượt cử"
            f"{'' if not group.already_meeting else f'; {group.already_meeting} xã đã đạt chuẩn khi cán bộ đến'} "
            f"So sánh {comparison.communes_meeting_standard}/{comparison.communes}"
        ) in text
    for row in results.secondments:
        assert f"{row.cadre} {row.home_agency} {row.commune} {row.start_date:%d/%m/%Y}" in text

    sponsors = sponsor_accountability(
        unit=demo_province, year=sponsor_default_year(unit=demo_province, as_of=AS_OF), as_of=AS_OF
    )
    assert sponsors.agencies
    assert f"Hỗ trợ năm {sponsors.year}: {vnd(sponsors.support_value_vnd)}" in text
    for agency in sponsors.agencies:
        assert f"{agency.name} {agency.communes_assigned} " in text
        assert f"{agency.plan_items_done} / {agency.plan_items_late} / {agency.plan_items_open}" in text
    flagged = [agency.name for agency in sponsors.agencies if agency.flagged]
    assert flagged and f"Dưới mức tối thiểu: {flagged[0]}" in text

    forecast = unit_forecast(unit=demo_province, as_of=AS_OF)
    outlook = forecast.outlook
    assert f"Số xã đạt chuẩn hiện nay {outlook.communes_meeting_standard}/{outlook.communes_total} xã" in text
    assert f"Mục tiêu {outlook.target_communes_meeting_standard} xã đạt chuẩn đến năm {outlook.target_year}" in text
    for commune in forecast.communes:
        if commune.status == ForecastStatus.PROJECTED:
            met = f"{commune.criteria_met}/{commune.criteria_total}"
            assert f"{commune.standard_year} – " in text and f"{commune.name} ({commune.district_name}, {met})" in text


def test_the_pdf_names_the_missing_criteria_of_communes_close_to_the_finish(demo_province):
    # Seed 001: at the end of 2018 Phú Đình met 15 of 19 criteria, missing housing, income, poverty and health.
    as_of = datetime.date(2018, 12, 31)
    criteria_set = default_criteria_set(year=as_of.year)
    job = report_build(ReportJobFactory(unit=demo_province, criteria_set=criteria_set, as_of=as_of).pk)
    with job.file.open("rb") as handle:
        _reader, text = pdf_text(handle.read())
    text = " ".join(text.split())

    assert (
        "Xã Phú Đình (Huyện Định Hóa) – 15/19, còn thiếu: 9. Nhà ở dân cư; 10. Thu nhập; 11. Hộ nghèo; 15. Y tế" in text
    )
    close = [
        c
        for c in commune_progress_list(unit=demo_province, as_of=as_of, criteria_set=criteria_set)
        if not c.meets_standard and c.criteria_met is not None and c.criteria_met >= 15
    ]
    for commune in close:
        assert f"{commune.name} ({commune.district_name}) – {commune.criteria_met}/19" in text


def test_the_matrix_prints_each_communes_marks_on_the_line_of_its_name(report_pdf, demo_province, demo_criteria_set):
    reader, _text = pdf_text(report_pdf)
    numbers = sorted(c.number for c in demo_criteria_set.criteria.all())
    communes = commune_progress_list(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
    lines = positioned_lines(reader)

    marks_found = {}
    for commune in communes:
        marks = criteria_marks(commune.criteria_met, commune.unmet_criteria, numbers)
        marks_found[commune.name] = matrix_marks(lines, commune.name)
        assert marks_found[commune.name] == [*marks, str(commune.criteria_met)], commune.name
    assert len(marks_found) == 20


def test_the_pdf_embeds_only_the_fonts_the_project_ships(report_pdf):
    reader, _text = pdf_text(report_pdf)
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])

    assert fonts <= {
        "Report-Serif",
        "Report-Serif-Bold",
        "Report-Serif-Italic",
        "Report-Serif-Bold-Italic",
        "DejaVu-Sans-Semi-Condensed",
        "DejaVu-Sans-Bold-Semi-Condensed",
        "Report-Mono",
        "Report-Mono-Bold",
    }, fonts


def test_the_pdfs_own_user_agent_stylesheet_lays_the_report_out_as_weasyprints_does(
    demo_province, demo_criteria_set, monkeypatch
):
    with override("vi"):
        content = report_content(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
        html = report_html(content, charts={}, generated_at=timezone.localtime())

    def laid_out_with(html_class) -> list[tuple]:
        """Every piece of text: page, position, font and size."""
        monkeypatch.setattr(pdf, "PrintHTML", html_class)
        target = io.BytesIO()
        render_pdf(html, target)
        pieces = []
        for number, page in enumerate(PdfReader(target).pages):

            def keep(text, cm, tm, font, size, number=number):
                if text.strip():
                    x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    pieces.append((number, round(x, 2), round(y, 2), font and font["/BaseFont"], size, text))

            page.extract_text(visitor_text=keep)
        return pieces

    ours = laid_out_with(pdf.PrintHTML)
    weasyprints = laid_out_with(weasyprint.HTML)

    assert ours == weasyprints
    assert ours[-1][0] >= 4  # five pages or more
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text for *_where, text in ours)


def test_the_english_report_writes_figures_as_the_vietnamese_one_does(demo_province, demo_criteria_set):
    with override("en"):
        content = report_content(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
        html = report_html(content, charts={}, generated_at=timezone.localtime(), language="en")
    share = content.summary.percent_meeting_standard
    average = content.summary.average_criteria_met

    assert "progress report" in html and average % 1  # an English report, with a fraction to write
    assert f"({vi(share)}%)" in html and f"{vi(average)}/{content.summary.criteria_total}" in html
    assert f"({share:.1f}%)" not in html  # not the English decimal point


def test_a_communes_marks_are_one_string_with_a_character_per_criterion():
    numbers = list(range(1, 20))

    assert criteria_marks(17, [(9, "Nhà ở dân cư"), (10, "Thu nhập")], numbers) == "●" * 8 + "○○" + "●" * 9
    assert criteria_marks(None, [], numbers) == "·" * 19


def test_the_charts_are_svg_with_their_labels_kept_as_text(demo_province, demo_criteria_set):
    summary = unit_progress_summary(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)

    with override("vi"):
        charts = [bands_chart(summary), districts_chart(summary), criteria_chart(summary)]

    for svg in charts:
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "font-family=\"'DejaVu Sans Condensed'\"" in svg
        assert "style" not in svg  # presentation attributes only: the pages' CSP refuses inline styles
    assert "Huyện Định Hóa" in charts[1]  # a real <text>, not glyph outlines
    assert "Số xã theo số tiêu chí đạt" in charts[0]
