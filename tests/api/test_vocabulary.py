"""One vocabulary across the API (issue 16): a reference is `<name>_id` in bodies, answers and filters, an official
code is a separate `<name>_code` filter, and a figure has one name in every reading."""

import pytest

from criteria.models import AssessmentRound, CriteriaSet

pytestmark = pytest.mark.django_db

# The records other records point at. Anywhere in the schema, an integer under one of these bare names would be a
# reference that does not say it is a key (`commune` was an id in bodies, a code in filters and a name in rows).
REFERENCED = {
    "agency",
    "assessment_round",
    "assignment",
    "batch",
    "cadre",
    "commune",
    "criteria_set",
    "criterion",
    "derived_from",
    "district",
    "giver",
    "home_agency",
    "indicator",
    "parent",
    "province",
    "secondment",
    "unit",
    "work_plan",
}
# The old names of figures that now have one name each.
RETIRED_FIGURES = {"communes_reaching", "percent_reaching", "communes_meeting", "target_communes", "unit_code"}


@pytest.fixture
def schema(api, province_coordinator):
    response = api(province_coordinator).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def _properties(schema):
    for component, body in schema["components"]["schemas"].items():
        for name, prop in (body.get("properties") or {}).items():
            yield component, name, prop


def test_no_reference_in_the_schema_is_a_bare_integer_without_id(schema):
    bare = [
        (component, name)
        for component, name, prop in _properties(schema)
        if name in REFERENCED and (prop.get("type") == "integer" or prop.get("items", {}).get("type") == "integer")
    ]

    assert bare == []


def test_no_filter_takes_a_bare_reference_name(schema):
    parameters = {
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }

    assert [(path, name) for path, name in sorted(parameters) if name in REFERENCED] == []
    assert ("/api/v1/assessment-rounds/", "criteria_set_id") in parameters
    assert ("/api/v1/assessment-rounds/", "criteria_set_code") in parameters
    assert ("/api/v1/support-contributions/", "commune_code") in parameters


def test_the_retired_figure_names_are_gone(schema):
    assert {name for _component, name, _prop in _properties(schema)} & RETIRED_FIGURES == set()


def test_a_round_is_started_with_the_ids_of_its_commune_and_its_set(api, geography, criteria_set, commune_official_a1):
    body = {"commune_id": geography.commune_a1.pk, "year": 2020, "criteria_set_id": criteria_set.pk}

    response = api(commune_official_a1).post("/api/v1/assessment-rounds/", body, format="json")

    assert response.status_code == 201, response.json()
    started = AssessmentRound.objects.get(pk=response.json()["id"])
    assert (started.commune, started.criteria_set) == (geography.commune_a1, criteria_set)
    assert response.json()["criteria_set"] == {
        "id": criteria_set.pk,
        "code": criteria_set.code,
        "name": criteria_set.name,
    }


def test_a_round_names_the_set_it_is_refused_on_by_its_key(api, geography, criteria_set, commune_official_a1):
    foreign = CriteriaSet.objects.order_by("-pk").first().pk + 1000
    body = {"commune_id": geography.commune_a1.pk, "year": 2020, "criteria_set_id": foreign}

    response = api(commune_official_a1).post("/api/v1/assessment-rounds/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["criteria_set_id"]


def test_rounds_filter_by_the_sets_key_or_its_code_alike(api, world, province_coordinator, criteria_set):
    client = api(province_coordinator)

    by_id = client.get("/api/v1/assessment-rounds/", {"criteria_set_id": criteria_set.pk}).json()["results"]
    by_code = client.get("/api/v1/assessment-rounds/", {"criteria_set_code": criteria_set.code}).json()["results"]

    assert [r["id"] for r in by_id] == [r["id"] for r in by_code]
    assert world.records["assessment-rounds"].pk in {r["id"] for r in by_id}


def test_the_dashboard_reads_the_set_by_key_or_by_code_but_not_both(api, world, province_coordinator, criteria_set):
    client = api(province_coordinator)
    url = f"/api/v1/dashboards/{world.province.pk}/"

    by_id = client.get(url, {"as_of": "2020-12-31", "criteria_set_id": criteria_set.pk})
    by_code = client.get(url, {"as_of": "2020-12-31", "criteria_set_code": criteria_set.code})
    both = client.get(url, {"criteria_set_id": criteria_set.pk, "criteria_set_code": criteria_set.code})

    assert by_id.status_code == by_code.status_code == 200
    assert by_id.json()["progress"] == by_code.json()["progress"]
    assert by_id.json()["progress"]["criteria_set_id"] == criteria_set.pk
    assert both.status_code == 400 and "criteria_set_code" in both.json()


def test_a_reading_row_names_its_subject_by_key_and_its_own_attributes_plainly(api, world, province_coordinator):
    progress = api(province_coordinator).get(f"/api/v1/dashboards/{world.province.pk}/").json()["progress"]

    assert (progress["unit_id"], progress["code"], progress["name"], progress["level"]) == (
        world.province.pk,
        world.province.code,
        world.province.name,
        "province",
    )
    assert {"district_id", "code", "name"} <= set(progress["districts"][0])


def test_me_refuses_a_parameter_it_does_not_read(api, province_coordinator):
    response = api(province_coordinator).get("/api/v1/me/", {"unit_id": 1})

    assert response.status_code == 400
    assert "unit_id" in response.json()
