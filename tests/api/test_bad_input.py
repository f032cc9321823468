"""Bad input of any kind is a 4xx with a JSON body naming the field and the reason — never a 500."""

import pytest

from criteria.models import AssessmentRound

pytestmark = pytest.mark.django_db


QUERY_CASES = [
    # (url, query, the field the error names)
    ("/api/v1/assessment-rounds/", {"status": "bogus"}, "status"),
    ("/api/v1/assessment-rounds/", {"commune_id": "abc"}, "commune_id"),
    ("/api/v1/communes/", {"district": "99999"}, "district"),  # an unknown code
    ("/api/v1/communes/", {"district_id": "99999999999999999999999"}, "district_id"),  # no 64-bit key
    ("/api/v1/communes/", {"especially_disadvantaged": "maybe"}, "especially_disadvantaged"),
    ("/api/v1/communes/", {"as_of": "2019-02-30"}, "as_of"),
    ("/api/v1/communes/", {"as_of": "0001-01-01"}, "as_of"),
    ("/api/v1/communes/", {"criteria_set": "no-such-set"}, "criteria_set"),
    ("/api/v1/communes/", {"ordering": "password"}, "ordering"),
    ("/api/v1/communes/", {"ordering": "-name,province__secret"}, "ordering"),
    ("/api/v1/communes/", {"q": "dinh\x00hoa"}, "q"),
    ("/api/v1/communes/", {"q": "x" * 5000}, "q"),
    ("/api/v1/field-visits/", {"year": "2019.5"}, "year"),
    ("/api/v1/field-visits/", {"date_from": "yesterday"}, "date_from"),
    ("/api/v1/unit-targets/", {"year": "99999"}, "year"),
    ("/api/v1/secondments/", {"commune": "\x00"}, "commune"),
    ("/api/v1/secondments/", {"cadre_id": "-1"}, "cadre_id"),
    ("/api/v1/work-plan-items/", {"criterion_number": "NaN"}, "criterion_number"),
]


@pytest.mark.parametrize(("url", "query", "field"), QUERY_CASES, ids=lambda v: repr(v)[:40])
def test_a_bad_query_parameter_is_a_400_naming_it(api, world, province_coordinator, url, query, field):
    response = api(province_coordinator).get(url, query)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in response.json() and response.json()[field]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"as_of": "2019-13-01"}, "as_of"), ({"approved_only": "sometimes"}, "approved_only")],
)
def test_a_bad_dashboard_parameter_is_a_400_naming_it(api, world, province_coordinator, query, field):
    response = api(province_coordinator).get(f"/api/v1/dashboards/{world.province.pk}/", query)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [({"from_year": 2020, "to_year": 2010}, "from_year"), ({"from_year": 1990, "to_year": 2030}, "from_year")],
)
def test_a_bad_trend_range_is_a_400(api, world, province_coordinator, query, field):
    response = api(province_coordinator).get(f"/api/v1/dashboards/{world.province.pk}/trend/", query)

    assert response.status_code == 400
    assert field in response.json()


def test_a_huge_or_nonsense_key_in_the_path_is_a_json_404(api, world, province_coordinator):
    client = api(province_coordinator)
    for key in ("99999999999999999999999", "abc", "%00", "0.5", "1,2"):
        response = client.get(f"/api/v1/field-visits/{key}/")
        assert response.status_code == 404, key
        assert "detail" in response.json()


def test_a_page_past_the_end_is_a_json_404(api, world, province_coordinator):
    response = api(province_coordinator).get("/api/v1/communes/", {"page": 99})

    assert response.status_code == 404
    assert "detail" in response.json()


BODY_CASES = [
    # (body, the field the error names)
    ({"name": "Sở Y tế", "kind": "ministry", "level": "province", "unit_id": "{province}"}, "kind"),
    ({"name": "Sở Y tế", "kind": "department", "level": "province", "unit_id": "abc"}, "unit_id"),
    ({"name": "Sở Y tế", "kind": "department", "level": "province", "unit_id": 99999999999999999999}, "unit_id"),
    ({"name": "Sở Y tế", "kind": "department", "level": "province", "unit_id": True}, "unit_id"),
    ({"name": "Sở\x00Y tế", "kind": "department", "level": "province", "unit_id": "{province}"}, "name"),
    ({"name": "S" * 5000, "kind": "department", "level": "province", "unit_id": "{province}"}, "name"),
    ({"kind": "department", "level": "province", "unit_id": "{province}"}, "name"),
    ({"name": "Sở Y tế", "kind": "district_body", "level": "province", "unit_id": "{province}"}, "level"),  # clean()
    ({"name": "Sở Y tế", "kind": "department", "level": "province", "unit_id": "{commune}"}, "unit_id"),  # clean()
]


@pytest.mark.parametrize(("body", "field"), BODY_CASES, ids=lambda v: repr(v)[:50])
def test_a_bad_body_field_is_a_400_naming_it(api, world, province_coordinator, body, field):
    places = {"{province}": world.province.pk, "{commune}": world.commune.pk}
    body = {name: places.get(value, value) if isinstance(value, str) else value for name, value in body.items()}

    response = api(province_coordinator).post("/api/v1/agencies/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_malformed_json_is_a_400(api, world, province_coordinator):
    response = api(province_coordinator).post(
        "/api/v1/agencies/", '{"name": "Sở Y tế",', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_list_where_an_object_belongs_is_a_400(api, world, province_coordinator):
    response = api(province_coordinator).post("/api/v1/agencies/", [1, 2], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_form_body_is_a_415(api, world, province_coordinator):
    response = api(province_coordinator).post("/api/v1/agencies/", {"name": "Sở Y tế"})  # multipart

    assert response.status_code == 415
    assert "detail" in response.json()


def test_a_transition_the_state_does_not_allow_is_a_409_saying_why(api, world, commune_official_a1):
    assessment_round = world.records["assessment-rounds"]  # approved

    response = api(commune_official_a1).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/submit/", {}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert "Đã" in response.json()["detail"] or "trạng thái" in response.json()["detail"]


def test_a_return_without_any_comment_is_a_400(api, world, district_officer_a):
    assessment_round = world.records["assessment-rounds"]
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(status="submitted")

    response = api(district_officer_a).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/return-to-commune/", {}, format="json"
    )

    assert response.status_code == 400
    assert "comments" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"version": "one"},
        {"version": 1, "indicators": "all"},
        {"version": 1, "indicators": [{"indicator": "x"}]},
        {"version": 1, "indicators": [{"indicator": 1, "value_number": "1e400"}]},
        {"version": 1, "indicators": [{"indicator": 1, "value_number": "NaN"}]},
        {"version": 1, "criteria": [{"criterion_id": 1, "met": "perhaps"}]},
        {"version": 1, "criteria": [{"criterion_id": 1}, {"criterion_id": 1}]},
    ],
    ids=lambda v: repr(v)[:40],
)
def test_bad_values_are_a_400_naming_the_field(api, world, commune_official_a1, body):
    assessment_round = world.records["assessment-rounds"]
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(status="draft")

    response = api(commune_official_a1).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/values/", body, format="json"
    )

    assert response.status_code == 400, response.content
    assert set(response.json()) & {"version", "indicators", "criteria"}
