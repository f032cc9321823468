"""Strict filters (issue 16): an unknown query parameter is a 400 naming it; every commune-level resource filters by
province, district and commune, several values allowed, each limited to the units the caller sees (another unit's key
answers as a missing one); whole numbers are whole. The browser lists, which share the FilterSets, keep their own
parameters."""

import pytest
from django.urls import reverse

from communes.models import AdministrativeUnit
from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory

from .conftest import build_world
from .resources import READ_ONLY, WRITABLE

pytestmark = pytest.mark.django_db

ALL_LISTS = READ_ONLY + [w.prefix for w in WRITABLE]

# The resources whose records belong to a commune, and the communes themselves.
COMMUNE_LEVEL = [
    "assessment-rounds",
    "indicator-values",
    "secondments",
    "sponsor-assignments",
    "work-plans",
    "work-plan-items",
    "field-visits",
    "support-contributions",
    "communes",
]


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


# --- unknown parameters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ALL_LISTS)
def test_an_unknown_parameter_on_a_list_is_a_400_naming_it(api, world, province_coordinator, prefix):
    response = api(province_coordinator).get(f"/api/v1/{prefix}/", {"provinceid": world.province.pk})

    assert response.status_code == 400, response.content
    message = response.json()["provinceid"][0]
    assert message.startswith("Tham số không được hỗ trợ. Các tham số hợp lệ: ")
    assert "page" in message and "format" in message


@pytest.mark.parametrize("prefix", ALL_LISTS)
def test_a_list_still_takes_its_paging_ordering_and_format(api, world, province_coordinator, prefix):
    response = api(province_coordinator).get(f"/api/v1/{prefix}/", {"page": 1, "page_size": 10, "format": "json"})

    assert world.records[prefix].pk in _ids(response)


def test_an_unknown_parameter_on_a_detail_is_a_400_too(api, world, province_coordinator):
    visit = world.records["field-visits"]

    response = api(province_coordinator).get(f"/api/v1/field-visits/{visit.pk}/", {"bogus": "1"})

    assert response.status_code == 400
    assert "bogus" in response.json()


def test_the_support_list_no_longer_ignores_a_province_it_did_not_filter_by(api, world, province_coordinator):
    """The issue's case: `?province_id=` answered all rows; it filters now, and a misspelling is named."""
    client = api(province_coordinator)

    assert _ids(client.get("/api/v1/support-contributions/", {"province_id": world.province.pk})) == {
        world.records["support-contributions"].pk
    }
    misspelt = client.get("/api/v1/support-contributions/", {"provinces": world.province.pk})
    assert misspelt.status_code == 400
    assert "province_id" in misspelt.json()["provinces"][0]


def test_the_commune_list_takes_its_progress_parameters_and_no_others(api, world, province_coordinator):
    client = api(province_coordinator)

    ok = client.get(
        "/api/v1/communes/", {"as_of": "2019-12-31", "criteria_set_code": "ntm-2016-2020", "approved_only": 1}
    )
    bad = client.get("/api/v1/communes/", {"as_of": "2019-12-31", "asof": "2019-12-31"})

    assert world.commune.pk in _ids(ok)
    assert bad.status_code == 400 and set(bad.json()) == {"asof"}


@pytest.mark.parametrize(
    ("path", "good", "bad"),
    [
        ("", {"as_of": "2019-12-31", "approved_only": "true"}, {"year": 2019}),
        ("trend/", {"from_year": 2015, "to_year": 2019}, {"criteria_set_code": "ntm-2016-2020"}),
        ("secondment-results/", {"months_after": 6}, {"min_visits": 1}),
        ("sponsor-accountability/", {"year": 2019, "min_visits": 1, "min_days": "0.5"}, {"months_after": 6}),
        ("forecast/", {"as_of": "2019-12-31"}, {"approved_only": "true"}),
    ],
)
def test_a_dashboard_takes_its_own_parameters_and_refuses_others(api, world, province_coordinator, path, good, bad):
    client = api(province_coordinator)
    url = f"/api/v1/dashboards/{world.province.pk}/{path}"

    assert client.get(url, good).status_code == 200
    refused = client.get(url, bad)
    assert refused.status_code == 400
    assert set(refused.json()) == set(bad)


def test_a_history_takes_paging_but_no_filters(api, world, province_coordinator):
    client = api(province_coordinator)
    url = f"/api/v1/field-visits/{world.records['field-visits'].pk}/history/"

    assert client.get(url, {"page": 1, "page_size": 5}).status_code == 200
    assert "commune_id" in client.get(url, {"commune_id": world.commune.pk}).json()


def test_a_dashboard_has_no_paging_to_take(api, world, province_coordinator):
    response = api(province_coordinator).get(f"/api/v1/dashboards/{world.province.pk}/", {"page": 2})

    assert response.status_code == 400
    assert "page" in response.json()


# --- province, district and commune on every commune-level resource ------------------------------------------------


@pytest.fixture
def reformed(world, criteria_set):
    """A province without districts (since the 2025 reform): its commune hangs directly under it, with one of every
    record."""
    province = ProvinceFactory(code="04", name="Tỉnh Cao Bằng")
    commune = CommuneFactory(code="01279", name="Xã Hưng Đạo", parent=province)
    assert commune.district_id is None and commune.province_id == province.pk
    return build_world(province, province, commune, criteria_set)


@pytest.fixture
def superuser(geography):
    return UserFactory(username="admin", role=Role.PROVINCE_COORDINATOR, is_superuser=True, is_staff=True)


@pytest.mark.parametrize("prefix", COMMUNE_LEVEL)
def test_the_province_filter_takes_several_provinces_with_or_without_districts(
    api, world, elsewhere, reformed, superuser, prefix
):
    client = api(superuser)
    ours, theirs, new = (w.records[prefix].pk for w in (world, elsewhere, reformed))

    both = _ids(client.get(f"/api/v1/{prefix}/", {"province_id": [world.province.pk, reformed.province.pk]}))
    only_new = _ids(client.get(f"/api/v1/{prefix}/", {"province_id": reformed.province.pk}))
    by_code = _ids(
        client.get(f"/api/v1/{prefix}/", {"province_code": [reformed.province.code, elsewhere.province.code]})
    )

    assert {ours, new} <= both and theirs not in both
    assert new in only_new and not {ours, theirs} & only_new
    assert {new, theirs} <= by_code and ours not in by_code


@pytest.mark.parametrize("prefix", COMMUNE_LEVEL)
def test_the_district_filter_takes_several_districts(api, world, elsewhere, reformed, superuser, prefix):
    client = api(superuser)
    ours, theirs, new = (w.records[prefix].pk for w in (world, elsewhere, reformed))

    both = _ids(client.get(f"/api/v1/{prefix}/", {"district_id": [world.district.pk, elsewhere.district.pk]}))
    by_code = _ids(client.get(f"/api/v1/{prefix}/", {"district_code": elsewhere.district.code}))

    assert {ours, theirs} <= both and new not in both  # a commune without a district is in none
    assert theirs in by_code and not {ours, new} & by_code


@pytest.mark.parametrize("prefix", COMMUNE_LEVEL)
def test_the_commune_filter_takes_several_communes(api, world, elsewhere, reformed, superuser, prefix):
    client = api(superuser)
    ours, theirs, new = (w.records[prefix].pk for w in (world, elsewhere, reformed))

    both = _ids(client.get(f"/api/v1/{prefix}/", {"commune_id": [world.commune.pk, reformed.commune.pk]}))
    by_code = _ids(client.get(f"/api/v1/{prefix}/", {"commune_code": [elsewhere.commune.code]}))

    assert {ours, new} <= both and theirs not in both
    assert theirs in by_code and not {ours, new} & by_code


@pytest.mark.parametrize("prefix", COMMUNE_LEVEL)
def test_a_commune_directly_under_the_province_is_found_by_its_province(
    api, world, geography, criteria_set, province_coordinator, prefix
):
    direct = CommuneFactory(code="05600", name="Xã Bình Yên", parent=geography.province)
    here = build_world(geography.province, geography.province, direct, criteria_set)
    client = api(province_coordinator)

    by_province = _ids(client.get(f"/api/v1/{prefix}/", {"province_id": geography.province.pk}))
    by_district = _ids(client.get(f"/api/v1/{prefix}/", {"district_id": geography.district_a.pk}))

    assert {world.records[prefix].pk, here.records[prefix].pk} <= by_province
    assert world.records[prefix].pk in by_district and here.records[prefix].pk not in by_district


@pytest.mark.parametrize("prefix", COMMUNE_LEVEL)
@pytest.mark.parametrize("parameter", ["province_id", "district_id", "commune_id"])
def test_another_provinces_unit_is_refused_exactly_like_a_missing_one(
    api, world, elsewhere, province_coordinator, prefix, parameter
):
    client = api(province_coordinator)
    theirs = getattr(elsewhere, parameter.removesuffix("_id")).pk
    missing = AdministrativeUnit.objects.order_by("-pk").first().pk + 1000

    other = client.get(f"/api/v1/{prefix}/", {parameter: theirs})
    absent = client.get(f"/api/v1/{prefix}/", {parameter: missing})

    assert other.status_code == absent.status_code == 400
    assert other.json()[parameter] == [f"Không có đơn vị {theirs} trong phạm vi của bạn."]
    assert absent.json()[parameter] == [f"Không có đơn vị {missing} trong phạm vi của bạn."]


def test_the_rounds_commune_filter_is_limited_to_the_callers_communes(api, world, elsewhere, commune_official_a1):
    """The issue's case: another province's commune answered an empty 200 on assessment-rounds."""
    client = api(commune_official_a1)

    own = client.get("/api/v1/assessment-rounds/", {"commune_id": world.commune.pk})
    other = client.get("/api/v1/assessment-rounds/", {"commune_id": elsewhere.commune.pk})

    assert _ids(own) == {world.records["assessment-rounds"].pk}
    assert other.status_code == 400 and "commune_id" in other.json()


# --- whole numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "query"),
    [
        ("assessment-rounds", {"year": "2018.5"}),
        ("assessment-rounds", {"year": "2019.0"}),
        ("assessment-rounds", {"commune_id": "1.5"}),
        ("assessment-rounds", {"district_id": "1e3"}),
        ("indicator-values", {"assessment_round_id": "1.5"}),
        ("indicator-values", {"criterion_number": "1.5"}),
        ("work-plans", {"year": "2018.5"}),
        ("support-contributions", {"criterion_number": "2.0"}),
        ("communes", {"target_year": "2020.5"}),
        ("criteria-sets", {"year": " 2019.9"}),
    ],
    ids=lambda v: str(v),
)
def test_a_number_that_is_not_whole_is_a_400(api, world, province_coordinator, prefix, query):
    response = api(province_coordinator).get(f"/api/v1/{prefix}/", query)

    assert response.status_code == 400, response.content
    assert set(response.json()) == set(query)


def test_a_whole_year_still_filters(api, world, province_coordinator):
    client = api(province_coordinator)

    assert _ids(client.get("/api/v1/assessment-rounds/", {"year": "2019"})) == {world.records["assessment-rounds"].pk}
    assert _ids(client.get("/api/v1/assessment-rounds/", {"year": "2018"})) == set()


@pytest.mark.parametrize("value", ["maybe", "2", "on"])
def test_a_boolean_that_is_not_true_or_false_is_a_400(api, world, province_coordinator, value):
    response = api(province_coordinator).get("/api/v1/indicator-values/", {"met": value})

    assert response.status_code == 400
    assert "met" in response.json()


# --- the browser lists share the FilterSets and keep their own parameters --------------------------------------------


def test_the_commune_list_page_takes_its_page_sort_and_excel_export(client, world, province_coordinator):
    client.force_login(province_coordinator)
    url = reverse("communes:commune_list")

    page = client.get(url, {"page": 1, "sort": "name", "district_id": world.district.pk})
    export = client.get(url, {"format": "xlsx", "district_id": world.district.pk})

    assert page.status_code == 200
    assert world.commune.name in page.content.decode()
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_round_list_page_takes_its_filters_page_and_excel_export(client, world, province_coordinator):
    client.force_login(province_coordinator)
    url = reverse("criteria:round_list")

    page = client.get(url, {"year": 2019, "district_id": world.district.pk, "status": "approved", "page": 1})
    other_year = client.get(url, {"year": 2018, "district_id": world.district.pk, "page": 1})
    export = client.get(url, {"format": "xlsx", "year": 2019})

    link = reverse("criteria:round_detail", args=[world.records["assessment-rounds"].pk])
    assert page.status_code == 200 and f'href="{link}"' in page.content.decode()
    assert other_year.status_code == 200 and f'href="{link}"' not in other_year.content.decode()
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_secondment_list_page_takes_its_page_and_excel_export(client, world, province_coordinator):
    client.force_login(province_coordinator)
    url = reverse("secondments:secondment_list")

    page = client.get(url, {"page": 1, "commune_id": world.commune.pk})
    export = client.get(url, {"format": "xlsx"})

    assert page.status_code == 200
    assert export.status_code == 200


# --- the endpoints added since (recognitions, reports, tokens, the Excel template) -----------------------------------


@pytest.mark.parametrize("url", ["/api/v1/recognitions/", "/api/v1/reports/", "/api/v1/auth/tokens/"])
def test_the_newer_lists_refuse_an_unknown_parameter_and_take_paging(api, world, province_coordinator, url):
    client = api(province_coordinator)

    assert client.get(url, {"page": 1, "page_size": 10}).status_code == 200
    refused = client.get(url, {"bogus": 1})
    assert refused.status_code == 400 and "bogus" in refused.json()


def test_recognitions_filter_by_province_district_and_commune(api, world, elsewhere, reformed, superuser):
    client = api(superuser)

    def communes(query):
        response = client.get("/api/v1/recognitions/", query)
        assert response.status_code == 200, response.json()
        return {row["commune_id"] for row in response.json()["results"]}

    assert communes({"province_id": [world.province.pk, reformed.province.pk]}) == {
        world.commune.pk,
        reformed.commune.pk,
    }
    assert communes({"district_id": elsewhere.district.pk}) == {elsewhere.commune.pk}
    assert communes({"commune_id": [reformed.commune.pk]}) == {reformed.commune.pk}


def test_the_excel_template_takes_its_own_parameters_only(api, world, province_coordinator):
    response = api(province_coordinator).get(
        "/api/v1/assessment-excel/template/", {"unit_id": world.commune.pk, "year": 2019, "yaer": 2019}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"yaer"}
