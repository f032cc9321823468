"""/api/v1/recognitions/: the decisions of the communes each persona sees, filtered, and revoked through the
workflow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.choices import NtmLevel
from communes.models import Recognition
from criteria.choices import RoundStatus
from tests.communes.factories import CommuneFactory, RecognitionFactory

from .conftest import record_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def decisions(geography):
    """A1 standard since 2019 (revoked in 2021), A2 advanced in 2022, B1 standard in 2020."""
    return {
        "a1": RecognitionFactory(
            commune=geography.commune_a1,
            year=2019,
            decision_date=datetime.date(2019, 6, 1),
            revoked_on=datetime.date(2021, 3, 1),
        ),
        "a2": RecognitionFactory(
            commune=geography.commune_a2, level=NtmLevel.ADVANCED, year=2022, decision_date=datetime.date(2022, 5, 2)
        ),
        "b1": RecognitionFactory(commune=geography.commune_b1, year=2020, decision_date=datetime.date(2020, 9, 9)),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("province_coordinator", {"a1", "a2", "b1"}),
        ("district_officer_a", {"a1", "a2"}),
        ("commune_official_a1", {"a1"}),
        ("commune_official_b1", {"b1"}),
        ("agency_liaison", {"a1"}),
    ],
)
def test_each_persona_lists_the_decisions_of_the_communes_it_sees(api, decisions, request, persona, visible):
    client = api(request.getfixturevalue(persona))

    assert ids(client.get("/api/v1/recognitions/")) == {decisions[name].pk for name in visible}


def test_another_communes_decision_is_a_404(api, decisions, commune_official_a1):
    client = api(commune_official_a1)

    assert client.get(f"/api/v1/recognitions/{decisions['b1'].pk}/").status_code == 404
    assert client.get(f"/api/v1/recognitions/{decisions['a1'].pk}/").status_code == 200


def test_a_decision_reads_with_ids_for_its_references(api, decisions, province_coordinator, geography):
    body = api(province_coordinator).get(f"/api/v1/recognitions/{decisions['a1'].pk}/").json()

    assert body["commune_id"] == geography.commune_a1.pk
    assert (body["level"], body["year"], body["decision_date"], body["revoked_on"]) == (
        "standard",
        2019,
        "2019-06-01",
        "2021-03-01",
    )
    assert set(body) == {
        "id",
        "commune_id",
        "level",
        "year",
        "decision_number",
        "decision_date",
        "signer",
        "criteria_set_id",
        "assessment_round_id",
        "revoked_on",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "advanced"}, {"a2"}),
        ({"level": "standard"}, {"a1", "b1"}),
        ({"year": 2020}, {"b1"}),
        ({"commune_code": "05557"}, {"a2"}),
        ({"in_force_on": "2020-12-31"}, {"a1", "b1"}),
        ({"in_force_on": "2021-03-01"}, {"b1"}),  # revoked on that day: no longer in force
        ({"in_force_on": "2019-01-01"}, set()),
    ],
)
def test_the_filters_narrow_the_list(api, decisions, province_coordinator, params, expected):
    client = api(province_coordinator)

    assert ids(client.get("/api/v1/recognitions/", params)) == {decisions[name].pk for name in expected}


def test_the_commune_id_filter(api, decisions, province_coordinator, geography):
    client = api(province_coordinator)

    response = client.get("/api/v1/recognitions/", {"commune_id": geography.commune_b1.pk})

    assert ids(response) == {decisions["b1"].pk}


@pytest.mark.parametrize(
    "params",
    [
        {"in_force_on": "31/12/2020"},
        {"in_force_on": "12/31/2020"},
        {"year": "abc"},
        {"level": "not_yet"},
        {"commune_id": 0},
    ],
)
def test_a_bad_filter_value_is_a_400_naming_it(api, decisions, province_coordinator, params):
    response = api(province_coordinator).get("/api/v1/recognitions/", params)

    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_another_units_commune_id_is_refused_like_a_missing_one(api, decisions, commune_official_a1, geography):
    response = api(commune_official_a1).get("/api/v1/recognitions/", {"commune_id": geography.commune_b1.pk})

    assert response.status_code == 400 and "commune_id" in response.json()


def test_the_list_costs_the_same_queries_for_2_rows_as_for_22(api, geography, province_coordinator):
    client = api(province_coordinator)
    for _ in range(2):
        RecognitionFactory(commune=CommuneFactory(parent=geography.district_a), decision_date=datetime.date(2020, 1, 1))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/recognitions/").json()["count"] == 2
    for _ in range(20):
        RecognitionFactory(commune=CommuneFactory(parent=geography.district_b), decision_date=datetime.date(2020, 1, 1))

    # token + user, the user's unit (scope), the count, the page
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/recognitions/").json()["results"]) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


def _recognised_round(api, coordinator, geography, criteria_set):
    assessment_round = record_round(geography.commune_a2, criteria_set, year=2019, status=RoundStatus.APPROVED)
    decision = {"decision_number": "77/QĐ-UBND", "decision_date": "2019-11-20", "signer": "Chủ tịch UBND tỉnh"}
    response = api(coordinator).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/recognise/", decision, format="json"
    )
    assert response.status_code == 201, response.content
    return Recognition.objects.get(assessment_round=assessment_round)


def test_a_decision_recorded_through_the_round_is_listed_with_its_round(
    api, geography, criteria_set, province_coordinator
):
    recognition = _recognised_round(api, province_coordinator, geography, criteria_set)

    body = api(province_coordinator).get(f"/api/v1/recognitions/{recognition.pk}/").json()

    assert (body["assessment_round_id"], body["criteria_set_id"]) == (
        recognition.assessment_round_id,
        recognition.criteria_set_id,
    )


def test_the_province_revokes_a_decision_through_its_round(api, geography, criteria_set, province_coordinator):
    recognition = _recognised_round(api, province_coordinator, geography, criteria_set)
    client = api(province_coordinator)

    response = client.post(
        f"/api/v1/recognitions/{recognition.pk}/revoke/",
        {"reason": "Không duy trì được tiêu chí môi trường", "revoked_on": "2020-06-30"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["revoked_on"] == "2020-06-30"
    geography.commune_a2.refresh_from_db()
    assert geography.commune_a2.ntm_level == NtmLevel.NOT_YET
    assert recognition.assessment_round.changes.filter(field="revoked_on").exists()
    again = client.post(f"/api/v1/recognitions/{recognition.pk}/revoke/", {"reason": "Lần nữa"}, format="json")
    assert again.status_code == 409


def test_a_district_officer_cannot_revoke(api, geography, criteria_set, province_coordinator, district_officer_a):
    recognition = _recognised_round(api, province_coordinator, geography, criteria_set)

    response = api(district_officer_a).post(
        f"/api/v1/recognitions/{recognition.pk}/revoke/", {"reason": "Thử"}, format="json"
    )

    assert response.status_code == 403
    recognition.refresh_from_db()
    assert recognition.revoked_on is None


def test_a_decision_without_a_round_cannot_be_revoked_here(api, decisions, province_coordinator):
    response = api(province_coordinator).post(
        f"/api/v1/recognitions/{decisions['b1'].pk}/revoke/", {"reason": "Sai sót"}, format="json"
    )

    assert response.status_code == 409 and response.json()["code"] == "no_round"


def test_a_revocation_needs_a_reason(api, decisions, province_coordinator):
    response = api(province_coordinator).post(f"/api/v1/recognitions/{decisions['b1'].pk}/revoke/", {}, format="json")

    assert response.status_code == 400 and "reason" in response.json()
