"""The accountability pages of the report's PDF (issue 8), read back with pypdf: secondment results against a
comparison group, the sponsors' quarters, and the forecast, for the hand-built cases of tests/accountability_cases.py
whose figures are known in advance. Built the real way, as the worker builds it: report_build, WeasyPrint, no mocks.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.models import CriteriaSet
from reports.choices import JobStatus
from reports.selectors import report_content
from reports.services import report_build
from tests.accountability_cases import forecast_case, national_set, seconded_communes_case, sponsor_case
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.reports.factories import ReportJobFactory
from tests.reports.test_pdf import figure, pdf_text
from tests.secondments.factories import AgencyFactory, CadreFactory, FieldVisitFactory, SecondmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each builds a PDF with WeasyPrint

D = datetime.date


def built_text(unit, as_of, criteria_set) -> str:
    """The unit's report as of `as_of`, built as the worker builds it; its text with the line breaks as spaces."""
    job = report_build(ReportJobFactory(unit=unit, criteria_set=criteria_set, as_of=as_of).pk)
    assert job.status == JobStatus.DONE, job.error
    with job.file.open("rb") as handle:
        _reader, text = pdf_text(handle.read())
    return " ".join(text.split())


def cases_criteria_set() -> CriteriaSet:
    """The national set sponsor_case and forecast_case build (national_set(), 2021–2025)."""
    return CriteriaSet.objects.get(code="test-national-2021")


def test_the_pdf_shows_the_secondment_results_next_to_the_comparison_group():
    province = ProvinceFactory()
    case = seconded_communes_case(province)

    text = built_text(province, case.as_of, national_set(period_start=2016, period_end=2020))

    seconded = (
        f"Có cán bộ {case.communes_meeting_standard}/{case.communes} {figure(case.percent_meeting_standard)}% "
        f"{figure(case.median_criteria_gained)} {figure(case.median_months_to_standard)}"
    )
    comparison = (
        f"So sánh {case.comparison_reaching}/{case.comparison_communes} {figure(case.comparison_percent)}% — "
        f"{figure(case.comparison_median_months)}"
    )
    assert seconded == "Có cán bộ 13/20 65% 11 15"
    assert comparison == "So sánh 2/9 22,2% — 21"
    # A group's label beside the seconded communes' line, its period beside the comparison's.
    assert f"Tất cả cán bộ biệt phái, luân chuyển {seconded} 01/03/2016 – 31/12/2017; 20 lượt cử {comparison}" in text
    assert f"Đợt 1 năm 2016 {seconded} 01/03/2016 – 31/12/2017; 20 lượt cử {comparison}" in text
    assert f"Ban Tổ chức Tỉnh ủy Có cán bộ 12/12 100% 11 15 01/03/2016 – 31/12/2017; 12 lượt cử {comparison}" in text
    assert (
        f"Sở Nông nghiệp và Môi trường Có cán bộ 1/8 12,5% 4 30 01/03/2016 – 31/12/2017; 8 lượt cử {comparison}" in text
    )
    # The definitions, in one paragraph: the window, what M leaves out, what the comparison is.
    assert "trong vòng 12 tháng sau khi cán bộ về" in text
    assert "M không tính các xã đã đạt chuẩn khi cán bộ đến" in text
    assert "Nhóm so sánh: các xã cùng đơn vị không có cán bộ biệt phái, luân chuyển trong cùng thời kỳ" in text
    # The chart, its labels kept as text.
    assert "Tỷ lệ xã đạt chuẩn: có và không có cán bộ biệt phái" in text

    # One row per secondment: cadre, home agency, commune, dates, criteria at both ends, gain, outcome, months.
    first, thirteenth, fourteenth, last = (case.seconded[n].name for n in (0, 12, 13, 19))
    assert (
        f"Ban Tổ chức Tỉnh ủy {first} 01/03/2016 31/12/2017 8 → 19 +11 Đạt chuẩn trong thời gian biệt phái 15" in text
    )
    assert (
        f"Sở Nông nghiệp và Môi trường {thirteenth} 01/03/2016 31/12/2017 8 → 19 +11 "
        "Đạt chuẩn trong thời hạn sau khi cán bộ về 30" in text
    )
    assert (
        f"Sở Nông nghiệp và Môi trường {fourteenth} 01/03/2016 31/12/2017 8 → 12 +4 Đạt chuẩn muộn hơn thời hạn —"
        in text
    )
    assert f"Sở Nông nghiệp và Môi trường {last} 01/03/2016 31/12/2017 8 → 12 +4 Chưa đạt chuẩn —" in text
    assert all(commune.name in text for commune in case.seconded)


def test_a_secondment_still_running_on_the_as_of_date_reads_as_such(geography):
    SecondmentFactory(
        cadre=CadreFactory(full_name="Lê Thị Đang Công Tác", home_agency=AgencyFactory(unit=geography.province)),
        commune=geography.commune_a1,
        start_date=D(2024, 3, 1),
        criteria_met_at_start=12,
    )

    text = built_text(geography.province, D(2024, 12, 31), national_set())

    assert "Lê Thị Đang Công Tác Sở Thử Nghiệm" in text
    assert f"{geography.commune_a1.name} 01/03/2024 đang công tác 12 → ? — Chưa đạt chuẩn —" in text


def test_the_pdf_shows_each_sponsors_quarters_flags_support_and_work_plans():
    province = ProvinceFactory()
    case = sponsor_case(province)

    text = built_text(province, case.as_of, cases_criteria_set())

    assert f"Năm {case.year} (số liệu đến 15/08/2024): 3 cơ quan, doanh nghiệp; 8 lượt đến xã, 8,5 ngày" in text
    # The minimums used, and the flagged agency named in words, not only in colour.
    assert "Mức tối thiểu: 1 lượt đến xã và 1 ngày làm việc tại xã cho mỗi xã được phân công, mỗi quý." in text
    assert case.agencies_flagged == 1
    assert "Dưới mức tối thiểu: Công ty Chè Thử (2 quý)." in text
    # Agency × quarter: visits / days on site, the flagged quarters marked, Q3 not over yet; the year; plan items.
    assert "Quý 1 Quý 2 Quý 3 (chưa kết thúc) Cả năm" in text
    assert "Công ty Chè Thử 1 1 / 0,5 dưới mức tối thiểu 0 / 0 dưới mức tối thiểu 0 / 0 1 / 0,5 0 / 2 / 0" in text
    assert "Sở Y tế 2 3 / 3 2 / 3 1 / 1 6 / 7 2 / 1 / 1" in text
    assert "Sở GTVT 1 — 1 / 1 0 / 0 1 / 1 0 / 0 / 0" in text  # nothing assigned in Q1
    assert text.count("dưới mức tối thiểu") == 2 + 1  # the enterprise's two quarters, and the explanation
    # Communes not visited.
    assert "Công ty Chè Thử – Quý 2: Xã Đỡ Đầu Z; Quý 3 (chưa kết thúc): Xã Đỡ Đầu Z" in text
    # Support, đồng written as the offices write them, by agency, kind and criterion; 2023's left out.
    assert case.support_total_vnd == 2_150_000_000
    assert "Hỗ trợ năm 2024: 2.150.000.000 đ" in text
    assert "Công ty Chè Thử 2.050.000.000 đ Sở Y tế 100.000.000 đ" in text
    assert "Tiền mặt 100.000.000 đ" in text and "Hạ tầng 2.000.000.000 đ" in text
    assert "Tiêu chí 2. Tiêu chí 2 2.000.000.000 đ" in text and "Không gắn với tiêu chí 50.000.000 đ" in text
    assert "999.000.000" not in text
    # Work-plan items due in the year.
    plans = f"{case.plan_items_done} hoàn thành, {case.plan_items_late} trễ hạn, {case.plan_items_open} chưa đến hạn"
    assert f"Nhiệm vụ đến hạn trong năm 2024: {plans}." in text
    assert plans == "2 hoàn thành, 3 trễ hạn, 1 chưa đến hạn"


def test_the_tasks_name_an_agency_below_the_minimums_in_full_and_its_table_row_by_its_short_name():
    province = ProvinceFactory()
    case = sponsor_case(province)
    case.enterprise.short_name = "Cty Chè Thử"
    case.enterprise.save()

    text = built_text(province, case.as_of, cases_criteria_set())

    assert (
        "- Đôn đốc các cơ quan, doanh nghiệp chưa đạt mức tối thiểu về số lượt đến xã, số ngày làm việc tại xã: "
        "Công ty Chè Thử." in text
    )
    assert "Cty Chè Thử 1 1 / 0,5 dưới mức tối thiểu" in text  # the agency × quarter table's narrow column


def test_the_pdf_shows_the_forecast_of_a_province_and_of_its_district():
    province = ProvinceFactory()
    case = forecast_case(province)
    criteria_set = cases_criteria_set()

    text = built_text(province, case.as_of, criteria_set)

    assert "tối đa 4 kỳ đánh giá hằng năm gần nhất theo bộ tiêu chí hiện hành" in text  # the method, in a sentence
    assert "bình phương nhỏ nhất" in text
    # The province has no target of its own; its district's decides.
    assert "Số xã đạt chuẩn hiện nay 2/6 xã" in text
    assert "chưa có mục tiêu số xã đạt chuẩn từ năm 2023" in text
    assert (
        f"Huyện Dự Báo {case.communes_meeting_standard}/6 "
        f"{case.target_communes_meeting_standard} xã năm {case.target_year} "
        f"{case.communes_projected} xã – không đạt, thiếu {case.shortfall} xã "
        "Xã Dự Báo F3 (2024, kịp); Xã Dự Báo F4 (2027, không kịp)" in text
    )
    # Communes not yet meeting the standard, by projected year; stalled and without data last.
    assert (
        "2024 – 1 xã: Xã Dự Báo F3 (Huyện Dự Báo, 17/19) 2027 – 1 xã: Xã Dự Báo F4 (Huyện Dự Báo, 13/19) "
        "Không đạt theo xu hướng hiện tại – 1 xã: Xã Dự Báo F5 (Huyện Dự Báo, 14/19) "
        "Chưa đủ số liệu – 1 xã: Xã Dự Báo F6 (Huyện Dự Báo, 18/19)" in text
    )
    assert "Dự báo số xã đạt chuẩn NTM theo xu hướng hiện tại" in text  # the chart

    text = built_text(case.district, case.as_of, criteria_set)

    assert "Mục tiêu 4 xã đạt chuẩn đến năm 2025 (NQ thử 01)" in text
    assert "Số xã đạt chuẩn đến năm 2025 theo xu hướng hiện tại 3 xã" in text
    assert "Đạt mục tiêu theo xu hướng hiện tại không đạt, thiếu 1 xã" in text
    assert "Xã Dự Báo F3 (2024, kịp); Xã Dự Báo F4 (2027, không kịp)" in text
    assert "Theo huyện Huyện" not in text  # a district has no district lines


def test_the_report_content_costs_the_same_queries_for_20_more_secondments_and_visits(django_assert_num_queries):
    province = ProvinceFactory()
    seconded_communes_case(province)
    sponsor_case(province)
    criteria_set = cases_criteria_set()
    as_of = D(2024, 12, 31)
    # 21 queries, whatever the number of communes, secondments and visits:
    # 7 progress: unit_progress_summary's criteria of the set, targets, met results per criterion, commune groups;
    #   commune_progress_list's criteria of the set, the set in force before it, the communes with their standing.
    # 4 round history, shared: the national sets, the communes, the rounds with their met count, the recognitions.
    # 1 secondment_results: the secondments with cadre, agency, commune, district and batch.
    # 5 sponsors: sponsor_default_year's latest visit; sponsor_accountability's assignments, visits by agency,
    #   commune and quarter, support by giver, kind and criterion, work-plan items by agency and status.
    # 1 unit_forecast: the targets in force.
    # 1 letterhead_for: the province's letterhead, as its coordination office saved it.
    # 2 communes_map_points: the set in force with its criteria counted, the communes with position and standing.
    with CaptureQueriesContext(connection) as before:
        content = report_content(unit=province, as_of=as_of, criteria_set=criteria_set)
    assert len(content.secondment_results.secondments) == 20
    assert len(before) == 21, "\n".join(q["sql"][:120] for q in before.captured_queries)

    district = DistrictFactory(parent=province, name="Huyện Thêm")
    for number in range(20):
        commune = CommuneFactory(parent=district, name=f"Xã Thêm {number:02d}")
        SecondmentFactory(
            cadre=CadreFactory(home_agency=AgencyFactory(unit=province)),
            commune=commune,
            start_date=D(2023, 1, 1) + datetime.timedelta(days=number),
            criteria_met_at_start=10,
        )
        FieldVisitFactory(
            agency=AgencyFactory(unit=province),
            commune=commune,
            visit_date=D(2024, 1, 10) + datetime.timedelta(days=7 * number),
            days_on_site=Decimal(1),
        )

    with django_assert_num_queries(len(before)):
        content = report_content(unit=province, as_of=as_of, criteria_set=criteria_set)
    assert len(content.secondment_results.secondments) == 40
    assert len(content.secondment_results.home_agencies) == 2 + 20
    assert len(content.sponsors.agencies) == 3 + 20
