"""Issue 7's journeys, end to end in Chromium against the live server: each role's scope, a commune entering its
round on a phone, the district verifying and the province approving and recognising it, a PDF report built by a real
worker and downloaded, the commune list's search and filters, the language switch, and a screenshot of each main
page. Screenshots go to var/screenshots/journey-*.png."""

import io
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from criteria.models import CriteriaSet
from criteria.services.assessment import (
    CriterionInput,
    IndicatorInput,
    round_save,
    round_start,
    round_submit,
    round_verify,
)
from criteria.services.reference import criteria_reference_load
from reports.models import ReportJob
from tests.browser.conftest import PHONE, login, nav_link, screenshot
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

REPORT_TIMEOUT = 90_000  # ms: the real worker renders the PDF
CRITERIA_2021 = "ntm-2021-2025"


# --- set-up through the services (what the journeys start from) -------------------------------------------------------


def open_round(official, commune, year: int = 2022):
    criteria_reference_load()
    return round_start(
        user=official, commune=commune, year=year, criteria_set=CriteriaSet.objects.get(code=CRITERIA_2021)
    )


def enter_all_met_and_submit(official, assessment_round):
    """Criterion 3 by its indicators (3.1 = 85 %, 3.2 = Đạt), every other criterion Đạt as a whole; then send it."""
    indicators, criteria = {}, {}
    for criterion in assessment_round.criteria_set.criteria.prefetch_related("indicators"):
        own = list(criterion.indicators.all())
        for indicator in own:
            if indicator.comparison == "yes_no":
                indicators[indicator.pk] = IndicatorInput(value_bool=True)
            else:
                indicators[indicator.pk] = IndicatorInput(value_number=Decimal("85"))
        criteria[criterion.pk] = CriterionInput(met=None if own else True)
    assessment_round.refresh_from_db()
    round_save(
        user=official,
        assessment_round=assessment_round,
        expected_version=assessment_round.version,
        indicators=indicators,
        criteria=criteria,
    )
    assessment_round.refresh_from_db()
    round_submit(user=official, assessment_round=assessment_round, expected_version=assessment_round.version)
    assessment_round.refresh_from_db()
    return assessment_round


# --- page helpers -----------------------------------------------------------------------------------------------------


def commune_rows(page):
    return page.locator("table.commune-list tbody tr")


def commune_link(page, name: str):
    return page.locator("main").get_by_role("link", name=name, exact=True)


def round_status(page):
    return page.locator("p.meta .status")


# --- 1. scope ---------------------------------------------------------------------------------------------------------


def test_each_role_sees_only_the_communes_of_its_scope(
    new_page, geography, province_coordinator, district_officer_a, commune_official_a1, commune_official_b1
):
    # The commune official of A1: only its own commune, its nav goes to its commune page, B1's page is a 404.
    page = new_page()
    login(page, "official_a1")
    page.goto("/communes/")
    expect(commune_link(page, "Xã Phú Đình")).to_be_visible()
    expect(commune_link(page, "Xã Yên Ninh")).to_have_count(0)
    expect(commune_rows(page)).to_have_count(1)
    screenshot(page, "journey-scope-commune-list-official-a1")
    nav_link(page, "Xã của tôi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Phú Đình")
    assert page.url.endswith(f"/communes/{geography.commune_a1.pk}/")
    response = page.goto(f"/communes/{geography.commune_b1.pk}/")
    assert response.status == 404
    assert "Xã Yên Ninh" not in page.content()
    screenshot(page, "journey-scope-404-official-a1-opens-b1")

    # The district officer of A: A1 and A2, not B1.
    page = new_page()
    login(page, "officer_a")
    nav_link(page, "Danh sách xã").click()
    expect(commune_link(page, "Xã Phú Đình")).to_be_visible()
    expect(commune_link(page, "Xã Sơn Phú")).to_be_visible()
    expect(commune_link(page, "Xã Yên Ninh")).to_have_count(0)
    expect(commune_rows(page)).to_have_count(2)
    screenshot(page, "journey-scope-commune-list-officer-a")

    # The province's coordinator: all three.
    page = new_page()
    login(page, "coordinator")
    nav_link(page, "Danh sách xã").click()
    for name in ("Xã Phú Đình", "Xã Sơn Phú", "Xã Yên Ninh"):
        expect(commune_link(page, name)).to_be_visible()
    expect(commune_rows(page)).to_have_count(3)
    screenshot(page, "journey-scope-commune-list-coordinator")


# --- 2. a commune enters and submits its round on a phone -------------------------------------------------------------


def test_a_commune_official_enters_saves_and_submits_its_round_on_a_phone(new_page, geography, commune_official_a1):
    open_round(commune_official_a1, geography.commune_a1)
    page = new_page(viewport=PHONE)
    login(page, "official_a1")
    nav_link(page, "Kỳ đánh giá").click()
    page.locator("main table").get_by_role("link", name="Xã Phú Đình").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("kỳ đánh giá năm 2022")
    expect(round_status(page)).to_have_text("Đang nhập")
    screenshot(page, "journey-round-phone-empty")

    criterion_3 = page.locator("#criterion-3")
    criterion_3.get_by_label(re.compile(r"^3\.1 ")).fill("85")
    criterion_3.get_by_label(re.compile(r"^3\.2 ")).select_option(label="Đạt")
    for number in [n for n in range(1, 20) if n != 3]:
        page.locator(f"#criterion-{number}").get_by_label("Kết quả", exact=True).select_option(label="Đạt")
    page.get_by_role("button", name="Lưu số liệu").click()
    page.wait_for_load_state()

    score = page.get_by_role("region", name="Kết quả")
    expect(score.locator(".score-big")).to_contain_text("19/19")
    expect(page.locator("#criterion-3").get_by_label(re.compile(r"^3\.1 "))).to_have_value("85")
    screenshot(page, "journey-round-phone-saved-19-of-19")

    page.get_by_role("button", name="Gửi thẩm tra").click()
    page.wait_for_load_state()
    expect(round_status(page)).to_have_text("Đã gửi thẩm tra")
    expect(page.get_by_text("Chế độ chỉ xem")).to_be_visible()
    expect(page.get_by_role("button", name="Lưu số liệu")).to_have_count(0)
    expect(page.locator("#criterion-1 select")).to_have_count(0)
    expect(score.locator(".score-big")).to_contain_text("19/19")
    screenshot(page, "journey-round-phone-submitted-read-only")


# --- 3. the district verifies, the province approves and records the recognition --------------------------------------


def test_the_district_verifies_the_province_approves_and_the_commune_is_recognised(
    new_page, geography, province_coordinator, district_officer_a, commune_official_a1
):
    assessment_round = open_round(commune_official_a1, geography.commune_a1)
    enter_all_met_and_submit(commune_official_a1, assessment_round)

    page = new_page()
    login(page, "officer_a")
    nav_link(page, "Chờ thẩm tra").click()
    expect(page.locator("main table")).to_contain_text("Xã Phú Đình")
    screenshot(page, "journey-verification-queue-officer-a")
    page.locator("main table").get_by_role("link", name="Thẩm tra", exact=True).click()
    expect(round_status(page)).to_have_text("Đã gửi thẩm tra")
    page.get_by_role("button", name="Xác nhận đã thẩm tra").click()
    page.wait_for_load_state()
    expect(round_status(page)).to_have_text("Đã thẩm tra")
    screenshot(page, "journey-round-verified-officer-a")

    page = new_page()
    login(page, "coordinator")
    nav_link(page, "Chờ thẩm định").click()
    expect(page.locator("main table")).to_contain_text("Xã Phú Đình")
    screenshot(page, "journey-approval-queue-coordinator")
    page.locator("main table").get_by_role("link", name="Thẩm định", exact=True).click()
    page.get_by_role("button", name="Thẩm định đạt").click()
    page.wait_for_load_state()
    expect(round_status(page)).to_have_text("Tỉnh đã thẩm định")

    page.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    page.get_by_label("Ngày quyết định").fill("2022-12-20")
    page.get_by_label("Người ký").fill("Chủ tịch UBND tỉnh")
    page.get_by_role("button", name="Ghi quyết định").click()
    page.wait_for_load_state()
    expect(page.locator(".recognised")).to_contain_text("1234/QĐ-UBND")
    screenshot(page, "journey-round-recognised-coordinator")

    page.goto(f"/communes/{assessment_round.commune_id}/")
    expect(page.locator(".commune-head .level")).to_have_text("Đạt chuẩn NTM")
    expect(page.locator(".commune-head .recognition")).to_contain_text("Quyết định 1234/QĐ-UBND ngày 20/12/2022")
    screenshot(page, "journey-commune-page-recognised")


# --- 4. a PDF report built by the real worker, watched and downloaded -------------------------------------------------


def test_the_coordinator_requests_a_pdf_report_watches_it_being_built_and_downloads_it(
    new_page, settings, celery_worker_process, geography, province_coordinator
):
    settings.REPORTS_QUEUE = celery_worker_process.queue
    settings.MEDIA_ROOT = celery_worker_process.media_root
    criteria_reference_load()

    page = new_page()
    login(page, "coordinator")
    nav_link(page, "Báo cáo").click()
    page.get_by_role("link", name="Yêu cầu báo cáo mới").click()
    form = page.locator("main form")
    form.get_by_label("Phạm vi (tỉnh hoặc huyện)").select_option(label="Tỉnh Thái Nguyên")
    screenshot(page, "journey-report-request-coordinator")
    form.get_by_role("button", name="Tạo báo cáo").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tỉnh Thái Nguyên")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=REPORT_TIMEOUT)
    expect(page.locator(".job-status")).to_have_class(re.compile(r"\bjob-done\b"))
    expect(page.locator('[data-field="progress"]')).to_have_text("100")
    download_link = page.get_by_role("link", name="Tải báo cáo PDF")
    expect(download_link).to_be_visible()
    screenshot(page, "journey-report-job-done")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert "Thái Nguyên" in text and "Phú Đình" in text
    Path(ReportJob.objects.get().file.path).unlink()  # the session worker's media folder outlives the test


# --- 5. search without diacritics, filter by district -----------------------------------------------------------------


def test_the_commune_list_search_ignores_diacritics_and_the_district_filter_narrows_it(
    new_page, geography, province_coordinator
):
    page = new_page()
    login(page, "coordinator")
    page.goto("/communes/")
    expect(commune_rows(page)).to_have_count(3)

    filters = page.get_by_role("form", name="Lọc danh sách xã")
    filters.get_by_label("Tìm xã").fill("phu dinh")
    filters.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    expect(commune_rows(page)).to_have_count(1)
    expect(commune_link(page, "Xã Phú Đình")).to_be_visible()
    screenshot(page, "journey-commune-search-phu-dinh")

    page.goto("/communes/")
    filters.locator("summary").click()
    filters.get_by_label("Huyện", exact=True).select_option(label="Huyện Phú Lương")
    filters.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    expect(commune_rows(page)).to_have_count(1)
    expect(commune_link(page, "Xã Yên Ninh")).to_be_visible()
    expect(commune_link(page, "Xã Phú Đình")).to_have_count(0)
    screenshot(page, "journey-commune-filter-district-b")

    filters.get_by_label("Huyện", exact=True).select_option(label="Huyện Định Hóa")
    filters.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    expect(commune_rows(page)).to_have_count(2)
    expect(commune_link(page, "Xã Yên Ninh")).to_have_count(0)


# --- 6. the language switch -------------------------------------------------------------------------------------------


def test_the_header_language_select_switches_to_english_and_back(
    new_page, english_messages, geography, province_coordinator
):
    page = new_page()
    login(page, "coordinator")
    page.goto("/communes/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    with page.expect_navigation():
        page.locator("header").get_by_label("Ngôn ngữ").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav_link(page, "Commune list")).to_be_visible()
    expect(nav_link(page, "Overview")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commune list")
    page.locator("header details.nav-user > summary").click()  # the account's dropdown
    expect(page.locator("header").get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "journey-language-english")

    with page.expect_navigation():
        page.locator("header").get_by_label("Language").select_option("vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(nav_link(page, "Danh sách xã")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danh sách xã")
    screenshot(page, "journey-language-vietnamese-again")


# --- 7. every main page as the coordinator ----------------------------------------------------------------------------


def test_screenshots_of_the_main_pages_as_the_coordinator(
    new_page, geography, province_coordinator, district_officer_a, commune_official_a1
):
    # A1's round verified by the district: it waits in the coordinator's approval queue. (The verification queue of a
    # province with districts stays empty for the coordinator: the district verifies.)
    assessment_round = open_round(commune_official_a1, geography.commune_a1)
    enter_all_met_and_submit(commune_official_a1, assessment_round)
    round_verify(user=district_officer_a, assessment_round=assessment_round)
    page = new_page()
    login(page, "coordinator")

    nav_link(page, "Tổng quan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tỉnh Thái Nguyên")
    screenshot(page, "journey-page-dashboard")

    nav_link(page, "Danh sách xã").click()
    expect(commune_rows(page)).to_have_count(3)
    screenshot(page, "journey-page-commune-list")

    nav_link(page, "Ma trận tiêu chí").click()
    expect(page.locator("main")).to_contain_text("Xã Phú Đình")
    screenshot(page, "journey-page-matrix")

    page.locator("main").get_by_role("link", name="Xã Phú Đình").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Phú Đình")
    expect(page.locator(".score-box")).to_contain_text("19/19")
    screenshot(page, "journey-page-commune")

    nav_link(page, "Kỳ đánh giá").click()
    expect(page.locator("main table")).to_contain_text("Xã Phú Đình")
    screenshot(page, "journey-page-round-list")

    nav_link(page, "Chờ thẩm tra").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chờ thẩm tra")
    screenshot(page, "journey-page-verification-queue")

    nav_link(page, "Chờ thẩm định").click()
    expect(page.locator("main table")).to_contain_text("Xã Phú Đình")
    screenshot(page, "journey-page-approval-queue")

    nav_link(page, "Biệt phái, luân chuyển").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "journey-page-secondment-list")

    nav_link(page, "Báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "journey-page-report-list")

    phone = new_page(viewport=PHONE)
    login(phone, "coordinator")
    phone.goto(f"/assessments/{assessment_round.pk}/")
    expect(round_status(phone)).to_have_text("Đã thẩm tra")
    screenshot(phone, "journey-page-round-phone")
