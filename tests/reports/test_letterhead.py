"""The province's report letterhead: who may edit it, and what the report then carries."""

import pytest
from django.urls import reverse

from ntm_portal.choices import Role
from reports.letterhead import default_letterhead, letterhead_for
from reports.models import ReportLetterhead
from tests.communes.factories import ProvinceFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "governing_body": "UBND TỈNH THÁI NGUYÊN",
    "issuer": "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI",
    "number_suffix": "/BC-VPĐP",
    "place": "Thái Nguyên",
    "signer_capacity": "KT. CHÁNH VĂN PHÒNG",
    "signer_title": "PHÓ CHÁNH VĂN PHÒNG",
    "signer_name": "Nguyễn Văn An",
    "recipients": "Văn phòng Điều phối NTM Trung ương;\nThường trực UBND tỉnh;\nLưu: VT.",
}


@pytest.fixture
def other_province():
    return ProvinceFactory(code="20", name="Tỉnh Lạng Sơn")


@pytest.fixture
def personas(geography, province_coordinator, district_officer_a, commune_official_a1, agency_liaison, other_province):
    return {
        "province_coordinator": province_coordinator,
        "other_province_coordinator": UserFactory(role=Role.PROVINCE_COORDINATOR, unit=other_province),
        "district_officer": district_officer_a,
        "commune_official": commune_official_a1,
        "agency_liaison": agency_liaison,
        "viewer": UserFactory(role=Role.VIEWER, unit=geography.province),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


# (persona, status on the own province's page, status on another province's page)
MATRIX = [
    ("province_coordinator", 200, 403),
    ("other_province_coordinator", 403, 200),
    ("district_officer", 403, 403),
    ("commune_official", 403, 403),
    ("agency_liaison", 403, 403),
    ("viewer", 403, 403),
    ("superuser", 200, 200),
]


@pytest.mark.parametrize(("persona", "own_status", "other_status"), MATRIX)
def test_only_the_provinces_coordination_office_may_open_its_letterhead(
    client, personas, geography, other_province, persona, own_status, other_status
):
    client.force_login(personas[persona])

    own = client.get(reverse("reports:letterhead_edit", args=[geography.province.pk]))
    other = client.get(reverse("reports:letterhead_edit", args=[other_province.pk]))

    assert (own.status_code, other.status_code) == (own_status, other_status)


@pytest.mark.parametrize(("persona", "own_status", "other_status"), MATRIX)
def test_only_the_provinces_coordination_office_may_save_its_letterhead(
    client, personas, geography, other_province, persona, own_status, other_status
):
    client.force_login(personas[persona])

    for province, status in ((geography.province, own_status), (other_province, other_status)):
        response = client.post(reverse("reports:letterhead_edit", args=[province.pk]), FORM)
        saved = ReportLetterhead.objects.filter(unit=province).exists()
        assert (response.status_code, saved) == ((302, True) if status == 200 else (403, False))


def test_a_district_is_no_province_and_has_no_letterhead_page(client, personas, geography):
    client.force_login(personas["superuser"])

    assert client.get(reverse("reports:letterhead_edit", args=[geography.district_a.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, geography):
    response = client.get(reverse("reports:letterhead_edit", args=[geography.province.pk]))

    assert response.status_code == 302
    assert "login" in response.url


def test_the_coordinator_reaches_their_provinces_letterhead_from_the_report_request_page(
    client, province_coordinator, geography
):
    client.force_login(province_coordinator)
    page = client.get(reverse("reports:job_request")).content.decode()
    own = client.get(reverse("reports:letterhead"))

    assert reverse("reports:letterhead_edit", args=[geography.province.pk]) in page
    assert own.url == reverse("reports:letterhead_edit", args=[geography.province.pk])


def test_a_district_officer_sees_no_letterhead_link(client, district_officer_a):
    client.force_login(district_officer_a)

    assert "letterhead" not in client.get(reverse("reports:job_request")).content.decode()
    assert client.get(reverse("reports:letterhead")).status_code == 403


def test_the_form_starts_from_the_wording_reports_use_until_saved(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    page = client.get(reverse("reports:letterhead_edit", args=[geography.province.pk])).content.decode()

    assert "UBND TỈNH THÁI NGUYÊN" in page
    assert "Lưu: VT" in page


def test_the_saved_letterhead_is_the_one_the_province_and_its_districts_report_under(
    client, province_coordinator, geography
):
    client.force_login(province_coordinator)
    client.post(reverse("reports:letterhead_edit", args=[geography.province.pk]), FORM)

    for unit in (geography.province, geography.district_a):
        letterhead = letterhead_for(unit)
        assert (letterhead.signer_capacity, letterhead.signer_title, letterhead.signer_name) == (
            "KT. CHÁNH VĂN PHÒNG",
            "PHÓ CHÁNH VĂN PHÒNG",
            "Nguyễn Văn An",
        )
        assert letterhead.recipients == ["Văn phòng Điều phối NTM Trung ương;", "Thường trực UBND tỉnh;", "Lưu: VT."]


def test_without_a_saved_letterhead_a_district_is_worded_from_its_name(geography):
    assert letterhead_for(geography.district_a) == default_letterhead(geography.district_a)
    assert letterhead_for(geography.district_a).governing_body == "UBND HUYỆN ĐỊNH HÓA"


def test_a_required_part_left_empty_is_refused(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.post(reverse("reports:letterhead_edit", args=[geography.province.pk]), {**FORM, "issuer": ""})

    assert response.status_code == 200
    assert not ReportLetterhead.objects.exists()
