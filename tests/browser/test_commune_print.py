"""The commune page printed (issue 18): Chromium with the print media type shows the commune's content without the
portal's header and navigation, and the page offers a Print button that calls the browser's print dialog."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from criteria.choices import RoundStatus
from tests.browser.conftest import login, screenshot
from tests.conftest import LIVE_PROCESSES
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, CriterionResultFactory
from tests.secondments.factories import AgencyFactory, SponsorAssignmentFactory

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]


@pytest.fixture
def commune_url(geography):
    criteria_set = CriteriaSetFactory(period_start=2000, period_end=2100, criteria_count=5)
    assessment_round = AssessmentRoundFactory(
        commune=geography.commune_a1, criteria_set=criteria_set, year=2024, status=RoundStatus.APPROVED
    )
    for criterion in criteria_set.criteria.all():
        CriterionResultFactory(assessment_round=assessment_round, criterion=criterion, met=criterion.number != 3)
    SponsorAssignmentFactory(agency=AgencyFactory(name="Sở Tài chính"), commune=geography.commune_a1)
    return reverse("communes:commune_detail", args=[geography.commune_a1.pk])


def test_the_printed_commune_page_has_no_header_navigation_or_buttons(new_page, province_coordinator, commune_url):
    page = new_page()
    login(page, "coordinator")
    page.goto(commune_url)
    print_button = page.locator("button[data-print]")
    expect(print_button).to_be_visible()  # print-page.js shows it once it can do something
    expect(page.get_by_role("link", name="Tải PDF một trang")).to_be_visible()
    expect(page.locator("header.topbar nav")).to_be_visible()

    page.emulate_media(media="print")
    screenshot(page, "commune-page-print")

    expect(page.locator("header.topbar nav")).not_to_be_visible()
    expect(page.locator("header.topbar")).not_to_be_visible()
    expect(print_button).not_to_be_visible()
    expect(page.get_by_role("heading", name="Xã Phú Đình")).to_be_visible()
    expect(page.get_by_role("cell", name="Sở Tài chính", exact=True)).to_be_visible()
    # Black on white: the printed body has no coloured background.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgb(255, 255, 255)",
        "rgba(0, 0, 0, 0)",
    )


def test_the_print_button_opens_the_print_dialog(new_page, province_coordinator, commune_url):
    page = new_page()
    login(page, "coordinator")
    page.goto(commune_url)
    # The dialog itself is the browser's: count the calls instead of opening it.
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")

    page.locator("button[data-print]").click()

    assert page.evaluate("window.__printed") == 1
