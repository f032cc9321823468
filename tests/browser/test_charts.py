"""The dashboard's charts and map in Chromium on a 375 × 812 phone (issue 19): every chart text drawn at 11 px or more,
one dot with data-commune-id per commune with coordinates, a dot opening its commune's page; screenshots of the
province dashboard on a phone and a laptop and of the commune page's charts (var/screenshots/charts-*.png)."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from criteria.models import Criterion
from reports import charts
from tests.browser.conftest import PHONE, login, screenshot
from tests.communes.factories import CommuneFactory, DistrictFactory, RecognitionFactory
from tests.conftest import LIVE_PROCESSES
from tests.criteria.factories import CriteriaSetFactory, UnitTargetFactory
from tests.ntm_portal.test_dashboard import assess

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

LAPTOP = {"width": 1366, "height": 900}
AS_OF = "2020-12-31"
COMMUNES_PLACED = 12

# The size each text is drawn at on the screen: its font size times the SVG's scale from user units to CSS pixels.
TEXT_SIZES = """() => Array.from(document.querySelectorAll('figure svg text')).map(text => ({
  size: parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a,
  text: text.textContent,
  chart: text.closest('figure').className,
}))"""


@pytest.fixture
def province(geography):
    """12 communes with coordinates over 2 districts, 15–19 criteria met, a third recognised; the three of
    `geography` without coordinates; a 19-criterion set whose criterion 9 has the long name the issue saw cut."""
    criteria_set = CriteriaSetFactory(code="ntm-browser", period_start=2016, period_end=2025, criteria_count=19)
    Criterion.objects.filter(criteria_set=criteria_set, number=9).update(
        name="Xây dựng hệ thống chính trị và hành chính công"
    )
    district_c = DistrictFactory(code="169", name="Huyện Đồng Hỷ", parent=geography.province)
    for i in range(COMMUNES_PLACED):
        commune = CommuneFactory(
            name=f"Xã Bản Đồ {i + 1}",
            parent=(geography.district_a, district_c)[i % 2],
            latitude=21.55 + (i * 7 % 11) / 25,
            longitude=105.6 + (i * 5 % 12) / 20,
        )
        assess(commune, criteria_set, met=15 + i % 5)
        if i % 3 == 0:
            RecognitionFactory(commune=commune, year=2020, decision_date=datetime.date(2020, 6, 15))
    assess(geography.commune_b1, criteria_set, met=8)  # like the fixture's other two, no coordinates: listed
    UnitTargetFactory(unit=geography.province, year=2020, min_communes_meeting_standard=6)
    return geography.province


def test_the_dashboards_charts_and_map_read_on_a_phone_and_the_map_opens_a_commune(
    new_page, province_coordinator, province
):
    page = new_page(viewport=PHONE)
    login(page, province_coordinator.username)
    page.goto(reverse("dashboard:unit", args=[province.pk]) + f"?as_of={AS_OF}")

    sizes = page.evaluate(TEXT_SIZES)
    charted = {entry["chart"] for entry in sizes}
    assert {"chart chart-map", "chart chart-trend", "chart chart-bands", "chart chart-districts"} <= charted
    assert "chart chart-criteria" in charted
    too_small = [entry for entry in sizes if entry["size"] < charts.MIN_PHONE_TEXT_PX]
    assert not too_small, too_small[:5]
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    dots = page.locator(".chart-map [data-commune-id]")
    expect(dots).to_have_count(COMMUNES_PLACED)
    expect(page.locator(".chart-map .unplaced summary")).to_have_text(
        "3 xã chưa có tọa độ"
    )  # the geography fixture's three
    screenshot(page, "charts-dashboard-phone")

    dot = page.locator(".chart-map a:has(circle[data-commune-id])").first
    commune_id = dot.locator("circle").get_attribute("data-commune-id")
    dot.click()
    page.wait_for_url(f"**{reverse('communes:commune_detail', args=[commune_id])}")
    expect(page.locator("h1")).to_contain_text("Xã Bản Đồ")

    charts_on_commune = page.locator(".commune-chart svg")
    expect(charts_on_commune).to_have_count(1)
    sizes = page.evaluate(TEXT_SIZES)
    assert sizes and min(entry["size"] for entry in sizes) >= charts.MIN_PHONE_TEXT_PX
    page.locator(".commune-chart").screenshot(path=str(screenshot(page, "charts-commune-page-phone")))


def test_the_dashboard_on_a_laptop_keeps_its_charts_at_their_drawn_size(new_page, province_coordinator, province):
    page = new_page(viewport=LAPTOP)
    login(page, province_coordinator.username)
    page.goto(reverse("dashboard:unit", args=[province.pk]) + f"?as_of={AS_OF}")

    sizes = page.evaluate(TEXT_SIZES)
    assert min(entry["size"] for entry in sizes) >= charts.MIN_PHONE_TEXT_PX
    assert max(entry["size"] for entry in sizes) <= 20  # capped: not blown up to the column's width
    expect(page.locator(".chart-map [data-commune-id]")).to_have_count(COMMUNES_PLACED)
    screenshot(page, "charts-dashboard-laptop")
