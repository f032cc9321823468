"""The Content-Security-Policy in Chromium: the main pages, as a signed-in coordinator sees them (charts, bars, the
language switch, the round page's scripts, Swagger UI from the vendored sidecar files), raise no violation of the
policy the site sends (issue 17, finding 9)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from criteria.models import AssessmentRound
from tests import accountability_cases
from tests.browser.conftest import login
from tests.conftest import LIVE_PROCESSES
from tests.criteria.factories import UnitTargetFactory

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

AS_OF = "2024-08-15"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

# Every violation the page reports (a blocked script, style, image, frame, form target...), collected from the start
# of each document, before any of its own scripts runs.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " at " + event.sourceFile + ":"
    + event.lineNumber + " " + (event.sample || "")
  );
});
"""


@pytest.fixture
def pages(geography):
    """The coordinator's main pages, on data that gives every chart and bar something to draw."""
    seconded = accountability_cases.seconded_communes_case(geography.province)
    accountability_cases.sponsor_case(geography.province)
    forecast = accountability_cases.forecast_case(geography.province)
    assessment_round = AssessmentRound.objects.filter(commune__parent=forecast.district).order_by("-year").first()
    province = seconded.province.pk
    UnitTargetFactory(unit=seconded.province, year=2024, min_communes_meeting_standard=5)  # the dashboard's bars
    return {
        "home": reverse("home"),
        "dashboard": reverse("dashboard:unit", args=[province]) + f"?as_of={AS_OF}",
        "dashboard-secondments": reverse("dashboard:secondments", args=[province]) + f"?as_of={AS_OF}",
        "dashboard-sponsors": reverse("dashboard:sponsors", args=[province]) + f"?as_of={AS_OF}",
        "dashboard-forecast": reverse("dashboard:forecast", args=[province]) + f"?as_of={AS_OF}",
        "communes": reverse("communes:commune_list"),
        "commune": reverse("communes:commune_detail", args=[assessment_round.commune_id]),
        "round": reverse("criteria:round_detail", args=[assessment_round.pk]),
        "reports": reverse("reports:job_request"),
        "secondments": reverse("secondments:secondment_list"),
        "api-token": reverse("api-token"),
        "locked-accounts": reverse("locked-accounts"),
        "excel": reverse("criteria:excel"),
        "api-docs": reverse("api-docs"),
        "api-redoc": reverse("api-redoc"),
    }


def test_the_main_pages_raise_no_content_security_policy_violation(new_page, province_coordinator, pages):
    page = new_page()
    page.context.add_init_script(COLLECT_VIOLATIONS)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    login(page, "coordinator")

    violations = {}
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, (name, url, response.status)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src" not in policy, (name, policy)
        if name == "api-docs":
            # Swagger UI has drawn the schema it fetched: its bundle, start-up script and styles all ran.
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
        if name == "api-redoc":
            # Redoc has drawn the schema (its policy allows the <style> elements and the worker it needs, no more).
            expect(page.get_by_role("heading", name="NTM Portal API").first).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__cspViolations")
        if name == "api-redoc":
            # Redoc's bundle always shows Redocly's logo from their CDN, whatever its options: the policy keeps that
            # request from leaving, and it is the only thing refused on the page.
            found = [v for v in found if not v.startswith(f"img-src blocked {REDOCLY_LOGO}")]
        if found:
            violations[name] = found

    assert violations == {}
    refused = [text for text in console_errors if "Content Security Policy" in text]
    assert [text for text in refused if REDOCLY_LOGO not in text] == []


def test_the_policy_refuses_an_inline_script(new_page, province_coordinator, pages):
    """The collector itself works: a script the page did not ship is blocked and reported."""
    page = new_page()
    page.context.add_init_script(COLLECT_VIOLATIONS)
    login(page, "coordinator")
    page.goto(pages["home"])

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)

    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src-elem blocked inline") for v in page.evaluate("window.__cspViolations"))


def test_the_language_switch_and_the_bars_still_work_without_inline_code(new_page, province_coordinator, pages):
    page = new_page()
    login(page, "coordinator")
    page.goto(pages["dashboard"])
    bar = page.locator(".bar-fill[data-width]").first
    expect(bar).to_be_visible()
    # The bar fills its track to the percent it says (set by portal.js, no style attribute in the page).
    filled = bar.evaluate("b => b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width")
    assert filled * 100 == pytest.approx(float(bar.get_attribute("data-width")), abs=1)

    page.get_by_label("Ngôn ngữ").select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
