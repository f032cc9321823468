"""The province and district dashboards in the browser: where /dashboard/ sends each role, the selector's figures
against the target, district rows, communes close to the finish, inline charts, scope (a district officer reads the
province's figures but no other district's commune names; another province is a 404), the as-of date, and the same
queries for 2 communes as for 20."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.choices import NtmLevel
from criteria import ledger
from criteria.choices import RoundStatus
from criteria.models import CriterionResult
from ntm_portal.choices import Role
from ntm_portal.text import vnd
from tests.communes.factories import CommuneFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionResultFactory,
    UnitTargetFactory,
)
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2020, 12, 31)


@pytest.fixture
def criteria_set(db):
    """A national basic set of 19 criteria covering the rounds below and today."""
    return CriteriaSetFactory(code="ntm-test", period_start=2000, period_end=2100, criteria_count=19)


def assess(commune, criteria_set, *, met: int, year=2020):
    """An approved round of `commune` meeting criteria 1..met, the others not. Its results in one insert, then the
    ledger brought up to date once, as a service saving the round does (the factory would refresh it per result)."""
    assessment_round = AssessmentRoundFactory(
        commune=commune, criteria_set=criteria_set, year=year, status=RoundStatus.APPROVED
    )
    CriterionResult.objects.bulk_create(
        [
            CriterionResultFactory.build(
                assessment_round=assessment_round, criterion=criterion, met=criterion.number <= met
            )
            for criterion in criteria_set.criteria.all()
        ]
    )
    ledger.refresh_communes([commune.pk])  # which invalidates the cached figures too
    return assessment_round


@pytest.fixture
def province_case(geography, criteria_set):
    """4 communes: A1 recognised (19/19), A2 at 17/19 (close to the finish), B1 at 16/19, B2 at 8/19; a province
    target of 2 communes meeting the standard by 2020."""
    commune_b2 = CommuneFactory(code="05623", name="Xã Ôn Lương", parent=geography.district_b)
    assess(geography.commune_a1, criteria_set, met=19)
    assess(geography.commune_a2, criteria_set, met=17)
    assess(geography.commune_b1, criteria_set, met=16)
    assess(commune_b2, criteria_set, met=8)
    RecognitionFactory(commune=geography.commune_a1, year=2020, decision_date=datetime.date(2020, 6, 15))
    UnitTargetFactory(unit=geography.province, year=2020, min_communes_meeting_standard=2)
    geography.commune_b2 = commune_b2
    return geography


def dashboard_url(unit, as_of=AS_OF) -> str:
    url = reverse("dashboard:unit", args=[unit.pk])
    return f"{url}?as_of={as_of.isoformat()}" if as_of else url


def get_dashboard(client, user, unit, as_of=AS_OF):
    client.force_login(user)
    response = client.get(dashboard_url(unit, as_of))
    assert response.status_code == 200
    return response.content.decode()


# --- /dashboard/: each role to its own dashboard ---------------------------------------------------------------


def test_a_province_coordinator_is_sent_to_the_province_dashboard(client, province_coordinator, geography):
    client.force_login(province_coordinator)
    response = client.get("/dashboard/", follow=True)  # by way of the start page, `/`
    assert response.redirect_chain[-1] == (reverse("dashboard:unit", args=[geography.province.pk]), 302)


def test_a_district_officer_is_sent_to_its_district_dashboard(client, district_officer_a, geography):
    client.force_login(district_officer_a)
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain[-1] == (reverse("dashboard:unit", args=[geography.district_a.pk]), 302)


def test_a_commune_official_is_sent_to_its_commune_page(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain[-1] == (reverse("communes:commune_detail", args=[geography.commune_a1.pk]), 302)


def test_an_agency_liaison_is_sent_to_its_agencys_start_page(client, agency_liaison):
    client.force_login(agency_liaison)
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.templates[0].name == "ntm_portal/start_liaison.html"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, geography):
    for url in ("/dashboard/", dashboard_url(geography.province)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the province dashboard --------------------------------------------------------------------------------------


def test_the_province_dashboard_shows_the_selectors_figures_against_the_target(
    client, province_coordinator, province_case
):
    page = get_dashboard(client, province_coordinator, province_case.province)

    assert "1/4 xã (25,0%)" in page  # communes meeting the standard, N/M and %
    assert "1/2 xã = 50,0%" in page  # against the target of 2
    assert "Mục tiêu 2 xã" in page
    assert "chưa đạt" in page
    assert "15/19" in page  # the average: (19 + 17 + 16 + 8) / 4
    assert "NTM nâng cao" in page and "NTM kiểu mẫu" in page
    assert "Xã chưa có kỳ đánh giá" in page


def test_the_province_dashboard_has_a_row_per_district_linking_to_its_dashboard(
    client, province_coordinator, province_case
):
    page = get_dashboard(client, province_coordinator, province_case.province)

    for district in (province_case.district_a, province_case.district_b):
        assert district.name in page
        assert f'href="{dashboard_url(district)}"' in page
    assert "1/2 (50,0%)" in page  # district A: A1 of A1, A2
    assert "0/2 (0,0%)" in page  # district B


def test_the_communes_close_to_the_finish_are_listed_with_their_missing_criteria(
    client, province_coordinator, province_case
):
    page = get_dashboard(client, province_coordinator, province_case.province)

    near = page[page.index('id="near-title"') :]
    assert "Xã Sơn Phú" in near and "Xã Yên Ninh" in near
    assert near.index("Xã Sơn Phú") < near.index("Xã Yên Ninh")  # 17 before 16
    assert "Còn thiếu: 18. Tiêu chí 18; 19. Tiêu chí 19" in near
    assert "Xã Ôn Lương" not in near  # 8/19 is far from the finish
    assert "Xã Phú Đình" not in near  # recognised already


def test_the_charts_are_inlined_as_svg(client, province_coordinator, province_case):
    page = get_dashboard(client, province_coordinator, province_case.province)

    for chart in ("chart-trend", "chart-bands", "chart-districts", "chart-criteria"):
        start = page.index(f'class="chart {chart}"')
        assert page[start : start + 200].count("<svg") == 1
    assert "&lt;svg" not in page


def test_the_secondment_and_sponsor_summaries_are_shown_with_the_support_in_dong(
    client, province_coordinator, province_case
):
    agency = AgencyFactory(name="Công ty Than Núi Hồng", unit=province_case.province)
    SponsorAssignmentFactory(agency=agency, commune=province_case.commune_b1, start_date=datetime.date(2019, 1, 1))
    FieldVisitFactory(agency=agency, commune=province_case.commune_b1, visit_date=datetime.date(2020, 5, 4))
    SupportContributionFactory(
        giver=agency, commune=province_case.commune_b1, date=datetime.date(2020, 5, 4), value_vnd=22_500_000_000
    )
    SecondmentFactory(
        cadre=CadreFactory(),
        commune=province_case.commune_a1,
        start_date=datetime.date(2019, 3, 1),
        decision_date=datetime.date(2019, 2, 1),
    )

    page = get_dashboard(client, province_coordinator, province_case.province)

    assert "22.500.000.000 đ" in page
    assert "Công ty Than Núi Hồng" in page
    secondments = page[page.index('id="secondments-title"') : page.index('id="sponsors-title"')]
    assert "1/1 xã" in secondments  # the commune that received a cadre met the standard


def test_vnd_is_written_with_dots_between_thousands():
    assert vnd(22_500_000_000) == "22.500.000.000 đ"
    assert vnd(None) == "0 đ"


def test_the_page_links_to_the_pdf_report_and_the_commune_list(client, province_coordinator, province_case):
    page = get_dashboard(client, province_coordinator, province_case.province)

    assert reverse("reports:job_request") in page
    assert reverse("communes:commune_list") in page
    assert reverse("communes:criteria_matrix") in page


@pytest.mark.parametrize("page", ["unit", "secondments", "sponsors", "forecast"])
def test_a_district_that_ended_says_so_after_its_last_day_and_offers_it(client, district_officer_a, geography, page):
    geography.district_a.valid_to = datetime.date(2025, 6, 30)
    geography.district_a.save()
    client.force_login(district_officer_a)
    url = reverse(f"dashboard:{page}", args=[geography.district_a.pk])

    after = client.get(url, {"as_of": "2026-03-01"}).content.decode()
    before = client.get(url, {"as_of": "2025-06-30"}).content.decode()

    assert "hết hiệu lực sau ngày 30/06/2025" in after and 'href="?as_of=2025-06-30"' in after
    assert "hết hiệu lực" not in before


# --- scope -------------------------------------------------------------------------------------------------------


def test_a_district_officer_sees_the_province_figures_but_no_commune_name_of_district_b(
    client, district_officer_a, province_case
):
    page = get_dashboard(client, district_officer_a, province_case.province)

    assert "1/4 xã (25,0%)" in page
    assert "1/2 xã = 50,0%" in page
    assert province_case.district_b.name in page  # a district line is an aggregate
    assert "<svg" in page
    for name in ("Xã Yên Ninh", "Xã Ôn Lương"):
        assert name not in page
    assert "Xã Sơn Phú" in page  # its own district's commune close to the finish
    assert f'href="{dashboard_url(province_case.district_a)}"' in page
    assert f'href="{dashboard_url(province_case.district_b)}"' not in page


def test_a_district_officer_cannot_open_another_districts_dashboard(client, district_officer_a, province_case):
    client.force_login(district_officer_a)
    assert client.get(dashboard_url(province_case.district_b)).status_code == 404
    assert client.get(dashboard_url(province_case.district_a)).status_code == 200


def test_the_district_dashboard_shows_its_own_figures(client, district_officer_a, province_case):
    UnitTargetFactory(unit=province_case.district_a, year=2020, min_communes_meeting_standard=1)

    page = get_dashboard(client, district_officer_a, province_case.district_a)

    assert "1/2 xã (50,0%)" in page
    assert "1/1 xã = 100,0%" in page
    assert "Xã Sơn Phú" in page
    assert "Xã Yên Ninh" not in page


def test_another_provinces_dashboard_is_a_404(client, province_coordinator, geography):
    elsewhere = ProvinceFactory(name="Tỉnh Bắc Kạn")
    client.force_login(province_coordinator)
    assert client.get(dashboard_url(elsewhere)).status_code == 404


def test_a_commune_has_no_dashboard_of_its_own(client, province_coordinator, geography):
    client.force_login(province_coordinator)
    assert client.get(dashboard_url(geography.commune_a1)).status_code == 404


def test_a_commune_official_reads_the_province_summary_without_other_communes_names(
    client, commune_official_b1, province_case
):
    page = get_dashboard(client, commune_official_b1, province_case.province)

    assert "1/4 xã (25,0%)" in page
    assert "Xã Sơn Phú" not in page
    assert "Xã Yên Ninh" in page  # its own commune, 16/19


# --- the as-of date ----------------------------------------------------------------------------------------------


def test_a_recognition_after_the_as_of_date_does_not_count(client, province_coordinator, province_case):
    before = get_dashboard(client, province_coordinator, province_case.province, as_of=datetime.date(2020, 6, 14))
    after = get_dashboard(client, province_coordinator, province_case.province, as_of=datetime.date(2020, 6, 15))

    assert "0/4 xã (0,0%)" in before
    assert "0/2 xã = 0,0%" in before
    assert "1/4 xã (25,0%)" in after


def test_an_invalid_as_of_date_is_said_and_today_is_used(client, province_coordinator, province_case):
    client.force_login(province_coordinator)
    response = client.get(reverse("dashboard:unit", args=[province_case.province.pk]) + "?as_of=2020-13-45")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["as_of"] == datetime.date.today()


# --- queries -----------------------------------------------------------------------------------------------------


def test_the_dashboard_costs_the_same_queries_for_2_communes_as_for_20(client, criteria_set):
    """28 queries, none per commune or district: the session and the user with their unit (2); the dashboard's unit
    (1); the to-do box of the coordinator's own unit: the navigation's counts, which it shares, the rounds waiting for
    verification and approval, the drafts they opened, the work-plan items and secondments coming due (6); the
    summary: the set with its criteria, the targets, the counts per criterion, the groups (4); the trend: the sets,
    the per-year groups in one UNION ALL, the targets (3); whether the user may list the unit's communes (1); the
    commune list for "close to the finish": the set, the communes, their rounds (3); the secondment summary (3) and
    the sponsor summary (4); the map: the set with its criteria counted, the communes with their coordinates and
    standing (2). The charts and the map are drawn from those results."""
    from tests.communes.factories import DistrictFactory

    province = ProvinceFactory()
    districts = [DistrictFactory(parent=province) for _ in range(2)]
    coordinator = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=province)
    agency = AgencyFactory(unit=province)
    client.force_login(coordinator)

    def add_communes(n):
        for i in range(n):
            # On the map, each one a dot: a dot costs no query.
            commune = CommuneFactory(parent=districts[i % len(districts)], latitude=21.5 + i / 100, longitude=105.7)
            assess(commune, criteria_set, met=15 + i % 5)
            if i % 4 == 0:
                RecognitionFactory(commune=commune, level=NtmLevel.STANDARD, decision_date=datetime.date(2020, 1, 2))
            SponsorAssignmentFactory(agency=agency, commune=commune, start_date=datetime.date(2019, 1, 1))
            FieldVisitFactory(agency=agency, commune=commune, visit_date=datetime.date(2020, 3, 3))
            SecondmentFactory(
                commune=commune, start_date=datetime.date(2019, 3, 1), decision_date=datetime.date(2019, 2, 1)
            )

    add_communes(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(dashboard_url(province)).status_code == 200
    districts += [DistrictFactory(parent=province) for _ in range(3)]
    add_communes(18)
    with CaptureQueriesContext(connection) as large:
        response = client.get(dashboard_url(province))
    assert response.status_code == 200
    assert len(response.context["summary"].districts) == 5
    assert response.content.decode().count("data-commune-id=") == 20
    # 31: the sponsor figures' period (issue 16: the latest visit, reading_period) and the map (issue 19: 2).
    assert len(small) == len(large) == 31, [q["sql"][:120] for q in large.captured_queries]
