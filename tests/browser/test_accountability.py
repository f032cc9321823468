"""Issue 8's dashboards in Chromium: the province coordinator opens the dashboard, picks a date, and goes through the
tabs (secondment results, sponsors, the forecast), each showing its chart or headline figure for the hand-built cases
of tests/accountability_cases.py, the date kept from tab to tab. Screenshots: var/screenshots/accountability-*.png."""

import pytest
from playwright.sync_api import expect

from tests import accountability_cases
from tests.browser.conftest import PHONE, login, screenshot
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

AS_OF = "2024-08-15"  # the sponsor case's date; the secondments ended in 2017, the forecast's rounds in 2023


@pytest.fixture
def cases(geography):
    """The three cases in the coordinator's province (the sponsor and forecast cases share one national set)."""
    seconded = accountability_cases.seconded_communes_case(geography.province)
    sponsors = accountability_cases.sponsor_case(geography.province)
    forecast = accountability_cases.forecast_case(geography.province)
    return seconded, sponsors, forecast


def tab(page, name: str):
    return page.locator("nav.dash-tabs").get_by_role("link", name=name, exact=True)


def test_the_coordinator_goes_through_the_accountability_tabs(new_page, province_coordinator, cases):
    page = new_page()
    login(page, "coordinator")
    page.locator("header nav").get_by_role("link", name="Tổng quan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tỉnh Thái Nguyên")
    page.get_by_label("Tính đến ngày").fill(AS_OF)
    page.get_by_role("button", name="Xem").click()
    expect(tab(page, "Tiến độ chung")).to_have_attribute("aria-current", "page")

    tab(page, "Cán bộ biệt phái").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?as_of={AS_OF}")
    expect(page.locator(".figure-seconded .figure-value")).to_have_text("13/20 xã đạt chuẩn (65,0%)")
    expect(page.locator(".chart-secondments svg")).to_be_visible()
    expect(tab(page, "Cán bộ biệt phái")).to_have_attribute("aria-current", "page")
    screenshot(page, "accountability-secondments")

    tab(page, "Cơ quan giúp đỡ xã").click()
    expect(page.locator(".figure-support .figure-value")).to_have_text("2.150.000.000 đ")
    expect(page.locator("tr.agency-row.is-flagged")).to_have_count(1)
    expect(page.locator("tr.agency-row").first).to_contain_text("Công ty Chè Thử")
    flag = page.locator("tr.is-flagged .flag").first
    expect(flag).to_have_attribute("title", "Dưới mức tối thiểu: cần ít nhất 1 lượt và 1 ngày tại xã trong quý")
    expect(page.get_by_label("Năm")).to_have_value("2024")
    screenshot(page, "accountability-sponsors")

    tab(page, "Dự báo về đích").click()
    expect(page.locator(".chart-forecast svg")).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text("chưa có mục tiêu")
    screenshot(page, "accountability-forecast")

    page.locator("main").get_by_role("link", name="Huyện Dự Báo", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huyện Dự Báo")
    expect(page.locator(".verdict-unmet")).to_contain_text("thiếu 1 xã")
    expect(page.locator(".deciding-list li.on-track")).to_contain_text("Xã Dự Báo F3")
    expect(page.locator(".deciding-list li.off-track")).to_contain_text("Xã Dự Báo F4")
    screenshot(page, "accountability-forecast-district")

    tab(page, "Tiến độ chung").click()
    expect(page.get_by_label("Tính đến ngày")).to_have_value(AS_OF)


def test_the_accountability_pages_read_on_a_phone(new_page, province_coordinator, cases):
    seconded, _sponsors, forecast = cases
    page = new_page(viewport=PHONE)
    login(page, "coordinator")
    checks = {
        "secondments": (seconded.province, ".figure-seconded .figure-value", "13/20 xã đạt chuẩn (65,0%)"),
        "sponsors": (seconded.province, ".figure-support .figure-value", "2.150.000.000 đ"),
        "forecast": (forecast.district, ".verdict", "thiếu 1 xã"),
    }
    for name, (unit, selector, text) in checks.items():
        page.goto(f"/dashboard/{unit.pk}/{name}/?as_of={AS_OF}")
        expect(page.locator(selector)).to_contain_text(text)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page scrolls sideways ({width}px)"
        screenshot(page, f"accountability-{name}-phone")
