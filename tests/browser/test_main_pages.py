"""Every main page, on a phone (375×812) and at a desk (1366×900), as the province's coordinator sees it (issue 19):
none is wider than the screen, the header stays short on the phone, and names sort in Vietnamese order. The
screenshots (var/screenshots/main-*.png) are the set a person looks through after a change to the layout."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login, screenshot
from tests.communes.factories import CommuneFactory
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

DESK = {"width": 1366, "height": 900}
# Code-point order would put "Bình Yên" before "Bảo Linh", "Phú Tiến" before "Phú Đình" and "Điềm Mặc" last.
VIETNAMESE_ORDER = ["Xã Bảo Linh", "Xã Bình Yên", "Xã Điềm Mặc", "Xã Phú Đình", "Xã Phú Tiến"]


def main_pages(geography) -> dict[str, str]:
    province, commune = geography.province, geography.commune_a1
    return {
        "start": reverse("home"),
        "dashboard": reverse("dashboard:unit", args=[province.pk]),
        "dashboard-secondments": reverse("dashboard:secondments", args=[province.pk]),
        "dashboard-sponsors": reverse("dashboard:sponsors", args=[province.pk]),
        "dashboard-forecast": reverse("dashboard:forecast", args=[province.pk]),
        "communes": reverse("communes:commune_list"),
        "commune": reverse("communes:commune_detail", args=[commune.pk]),
        "matrix": reverse("communes:criteria_matrix"),
        "rounds": reverse("criteria:round_list"),
        "approval-queue": reverse("criteria:approval_queue"),
        "excel": reverse("criteria:excel"),
        "secondments": reverse("secondments:secondment_list"),
        "agencies": reverse("secondments:agency_list"),
        "support": reverse("secondments:support_list"),
        "reports": reverse("reports:job_list"),
        "report-request": reverse("reports:job_request"),
        "letterhead": reverse("reports:letterhead_edit", args=[province.pk]),
        "api-token": reverse("api-token"),
    }


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desk", DESK)])
def test_no_main_page_is_wider_than_the_screen(new_page, province_coordinator, geography, size, viewport):
    page = new_page(viewport=viewport)
    login(page, "coordinator")
    too_wide = {}
    for name, url in main_pages(geography).items():
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        expect(page.locator("h1").first).to_be_visible()
        # A wide table scrolls inside its own box; the page itself never scrolls sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide[name] = width
        if size == "phone":
            assert page.locator("header.topbar").bounding_box()["height"] <= 64, name
        screenshot(page, f"main-{name}-{size}")
    assert too_wide == {}


def test_the_commune_list_sorts_names_in_vietnamese_order(new_page, province_coordinator, geography):
    for name in VIETNAMESE_ORDER:
        if name != geography.commune_a1.name:
            CommuneFactory(name=name, parent=geography.district_a)
    page = new_page(viewport=PHONE)
    login(page, "coordinator")

    page.goto(reverse("communes:commune_list") + "?sort=name")
    listed = [name.strip() for name in page.locator("table.commune-list tbody tr td:nth-child(2) a").all_inner_texts()]
    assert [name for name in listed if name in VIETNAMESE_ORDER] == VIETNAMESE_ORDER
    screenshot(page, "main-communes-by-name-phone")
