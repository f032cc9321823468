"""`/` is each user's own start page (issue 19): their unit's dashboard, their commune, their agency's communes, or
the country for the admin; a visitor gets the welcome and its sign-in button."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import FieldVisitFactory, SponsorAssignmentFactory, SupportContributionFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_gets_the_welcome_with_a_sign_in_button(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("login") in response.content.decode()


def test_a_province_coordinator_lands_on_their_provinces_dashboard(client, province_coordinator, geography):
    client.force_login(province_coordinator)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:unit", args=[geography.province.pk])


def test_a_district_officer_lands_on_their_districts_dashboard(client, district_officer_a, geography):
    client.force_login(district_officer_a)
    assert client.get("/")["Location"] == reverse("dashboard:unit", args=[geography.district_a.pk])


def test_a_commune_official_lands_on_their_communes_page(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)
    assert client.get("/")["Location"] == reverse("communes:commune_detail", args=[geography.commune_a1.pk])


def test_an_agency_liaison_lands_on_their_agencys_communes_not_a_dead_end(client, agency_liaison, geography):
    client.force_login(agency_liaison)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "ntm_portal/start_liaison.html"
    assert "Sở Nông nghiệp và Phát triển nông thôn" in page
    assert reverse("communes:commune_detail", args=[geography.commune_a1.pk]) in page  # its one assigned commune
    assert geography.commune_b1.name not in page  # not another agency's
    assert "không gắn với một tỉnh hay một huyện" not in page


def test_a_superuser_lands_on_the_country_with_a_line_per_province(client, geography):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "ntm_portal/start_country.html"
    assert f'href="{reverse("dashboard:unit", args=[geography.province.pk])}"' in page
    assert "Tỉnh Thái Nguyên" in page


def test_a_user_without_unit_or_agency_is_told_whom_to_ask(client, geography):
    client.force_login(UserFactory(username="lost", role=Role.VIEWER))
    response = client.get("/")
    assert response.status_code == 200
    assert "Văn phòng Điều phối NTM tỉnh" in response.content.decode()


def test_the_old_dashboard_address_and_the_login_lead_to_the_start_page(client, province_coordinator):
    client.force_login(province_coordinator)
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("home")
    client.logout()
    response = client.post(reverse("login"), {"username": "coordinator", "password": "mat-khau-thu"})
    assert response["Location"] == reverse("home")


def test_the_liaisons_start_page_costs_the_same_queries_for_2_communes_as_for_8(
    client, agency_liaison, geography, django_assert_num_queries
):
    agency, today = agency_liaison.agency, timezone.localdate()

    def assign(commune):
        SponsorAssignmentFactory(agency=agency, commune=commune)
        FieldVisitFactory(agency=agency, commune=commune, visit_date=today)
        SupportContributionFactory(giver=agency, commune=commune, date=today)

    assign(geography.commune_a2)
    client.force_login(agency_liaison)
    with CaptureQueriesContext(connection) as two:
        assert len(client.get("/").context["communes"]) == 2
    for n in range(6):
        assign(CommuneFactory(code=f"0590{n}", name=f"Xã Thử {n}", parent=geography.district_b))
    # Sessions, user, agency, assignments, standing, the accountability figures, the to-do: none per commune.
    with django_assert_num_queries(len(two.captured_queries)):
        assert len(client.get("/").context["communes"]) == 8
