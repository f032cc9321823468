"""The permission matrix over the API: every persona × our unit's record / another province's record × every action,
with each persona's token (a token acts with exactly its owner's scope). The rules are ntm_portal.access's; this
checks the API applies them to lists, details, writes and what a write points at."""

import pytest

from .resources import READ_ONLY, WRITABLE, WRITABLE_BY_PREFIX

pytestmark = pytest.mark.django_db

PERSONAS = [
    "province_coordinator",
    "district_officer_a",
    "commune_official_a1",
    "commune_official_b1",
    "agency_liaison",
]

# Who sees our world's record of each resource (the records sit in commune A1 of district A; the agency is the
# province-level agency assigned to A1, whose liaison is `agency_liaison`). Another province's records: nobody,
# except the national criteria set, which everyone reads.
EVERYONE = set(PERSONAS)
COMMUNE_A1 = {"province_coordinator", "district_officer_a", "commune_official_a1", "agency_liaison"}
DISTRICT_A = {"province_coordinator", "district_officer_a", "commune_official_a1"}
SEES_OURS = {
    "administrative-units": COMMUNE_A1,
    "communes": COMMUNE_A1,
    "criteria-sets": EVERYONE,
    "assessment-rounds": COMMUNE_A1,
    "indicator-values": COMMUNE_A1,
    "unit-targets": DISTRICT_A,  # the district's target: the district and the units under it
    "dashboards": DISTRICT_A,  # district A's dashboard
    "agencies": EVERYONE,  # a provincial agency: everyone in the province reads the directory
    "cadres": COMMUNE_A1,  # seconded to A1 (B1's official does not get the province's roll)
    "secondment-batches": EVERYONE,  # the province's batches
    "secondments": COMMUNE_A1,
    "sponsor-assignments": COMMUNE_A1,
    "work-plans": COMMUNE_A1,
    "work-plan-items": COMMUNE_A1,
    "field-visits": COMMUNE_A1,
    "support-contributions": COMMUNE_A1,
}
SEES_THEIRS = {"criteria-sets": EVERYONE}

# Who may create, change and delete each resource in our province (DESIGN §1; ntm_portal.access.can_change).
WRITES = {
    "province_coordinator": {w.prefix for w in WRITABLE},
    "district_officer_a": {"unit-targets"},
    "agency_liaison": {"field-visits", "support-contributions", "work-plan-items"},
}


def _persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


def _sees(client, prefix, record) -> tuple[bool, bool]:
    """(in the list, detail readable): both or neither, or the test says which."""
    if prefix == "dashboards":
        listed = None
    else:
        response = client.get(f"/api/v1/{prefix}/", {"page_size": 500})
        assert response.status_code == 200, response.content
        listed = record.pk in {row["id"] for row in response.json()["results"]}
    detail = client.get(f"/api/v1/{prefix}/{record.pk}/")
    assert detail.status_code in (200, 404), detail.content
    return listed, detail.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_the_records_of_its_scope(request, api, world, elsewhere, persona):
    client = api(_persona(request, persona))
    mismatches = []
    for prefix in READ_ONLY + [w.prefix for w in WRITABLE] + ["dashboards"]:
        for where, place, rule in (("ours", world, SEES_OURS), ("theirs", elsewhere, SEES_THEIRS)):
            expected = persona in rule.get(prefix, set())
            listed, readable = _sees(client, prefix, place.records[prefix])
            if readable != expected or listed not in (None, expected):
                mismatches.append((prefix, where, f"expected {expected}, listed {listed}, detail {readable}"))
    assert mismatches == []


def test_anonymous_gets_401_everywhere_with_a_token_challenge(api, world):
    client = api(None)
    for prefix, record in world.records.items():
        for url in ([f"/api/v1/{prefix}/"] if prefix != "dashboards" else []) + [f"/api/v1/{prefix}/{record.pk}/"]:
            response = client.get(url)
            assert response.status_code == 401, url
            assert response["WWW-Authenticate"] == "Token"
    assert client.post("/api/v1/field-visits/", {}, format="json").status_code == 401


def _expected_write(persona: str, prefix: str, where: str, op: str) -> int:
    if prefix not in WRITES.get(persona, set()):
        return 403  # the role changes no record of this kind: refused before the body is read
    if where == "theirs":
        return 400 if op == "create" else 404  # a foreign key to another unit's row / a row outside the scope
    return {"create": 201, "update": 200, "delete": 204}[op]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_writes_exactly_what_its_role_and_unit_allow(request, api, world, elsewhere, persona):
    """For every writable resource: create (pointing at our / their rows), change and delete (our / their record)."""
    client = api(_persona(request, persona))
    outcomes, expected = {}, {}
    for resource in WRITABLE:
        prefix = resource.prefix
        for where, place in (("ours", world), ("theirs", elsewhere)):
            created = client.post(f"/api/v1/{prefix}/", resource.body(place), format="json")
            record = resource.fresh(place)
            changed = client.patch(f"/api/v1/{prefix}/{record.pk}/", resource.change, format="json")
            deleted = client.delete(f"/api/v1/{prefix}/{record.pk}/")
            for op, response in (("create", created), ("update", changed), ("delete", deleted)):
                outcomes[prefix, where, op] = response.status_code
                expected[prefix, where, op] = _expected_write(persona, prefix, where, op)
            if created.status_code == 400:
                # Refused for pointing at another province's row: the body names the field.
                assert set(created.json()) & set(resource.body(place)), created.json()
    assert outcomes == expected


def test_a_write_that_points_a_record_of_ours_at_another_province_is_refused(
    api, world, elsewhere, province_coordinator
):
    client = api(province_coordinator)
    visit = world.records["field-visits"]

    response = client.patch(f"/api/v1/field-visits/{visit.pk}/", {"commune_id": elsewhere.commune.pk}, format="json")

    assert response.status_code == 400
    assert "commune_id" in response.json()
    visit.refresh_from_db()
    assert visit.commune_id == world.commune.pk


def test_a_district_officer_cannot_set_the_provinces_target(api, world, district_officer_a):
    body = {"unit_id": world.province.pk, "year": 2025, "min_communes_meeting_standard": 100}

    response = api(district_officer_a).post("/api/v1/unit-targets/", body, format="json")

    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_district_officer_cannot_set_another_districts_target(api, world, geography, district_officer_a):
    body = {"unit_id": geography.district_b.pk, "year": 2025, "min_communes_meeting_standard": 3}

    response = api(district_officer_a).post("/api/v1/unit-targets/", body, format="json")

    assert response.status_code == 400  # district B is not in the officer's scope: no such unit for them
    assert "unit_id" in response.json()


def test_a_liaison_cannot_log_a_visit_for_a_commune_its_agency_is_not_assigned_to(
    api, world, geography, agency_liaison
):
    body = WRITABLE_BY_PREFIX["field-visits"].body(world) | {"commune_id": geography.commune_a2.pk}

    response = api(agency_liaison).post("/api/v1/field-visits/", body, format="json")

    assert response.status_code == 400
    assert "commune_id" in response.json()


def test_a_liaison_cannot_log_a_visit_in_another_agencys_name(
    api, world, geography, agency_liaison, province_coordinator
):
    other_agency = api(province_coordinator).post(
        "/api/v1/agencies/", WRITABLE_BY_PREFIX["agencies"].body(world), format="json"
    )
    body = WRITABLE_BY_PREFIX["field-visits"].body(world) | {"agency_id": other_agency.json()["id"]}

    response = api(agency_liaison).post("/api/v1/field-visits/", body, format="json")

    # The liaison sees its own agency only, so the other one is no choice at all.
    assert response.status_code == 400
    assert "agency_id" in response.json()


def test_a_token_of_another_provinces_coordinator_sees_none_of_ours(api, world, elsewhere):
    client = api(elsewhere.coordinator)

    listed = client.get("/api/v1/communes/").json()["results"]
    detail = client.get(f"/api/v1/assessment-rounds/{world.records['assessment-rounds'].pk}/")

    assert [row["id"] for row in listed] == [elsewhere.commune.pk]
    assert detail.status_code == 404


def test_a_session_sees_what_the_same_users_token_sees(client, api, world, district_officer_a):
    client.force_login(district_officer_a)
    by_session = client.get("/api/v1/secondments/").json()
    by_token = api(district_officer_a).get("/api/v1/secondments/").json()

    assert by_session == by_token
    assert by_session["count"] == 1


def test_a_session_write_needs_the_csrf_token(world, province_coordinator):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(province_coordinator)

    response = browser.post(
        "/api/v1/agencies/", WRITABLE_BY_PREFIX["agencies"].body(world), content_type="application/json"
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- the workflow over the API: who may move a round, by persona -------------------------------------------------


def _round_in(world, status):
    from criteria.models import AssessmentRound

    assessment_round = world.records["assessment-rounds"]
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(status=status)
    return assessment_round


def _recognised(assessment_round, request):
    import datetime  # noqa: PLC0415

    from communes.models import Recognition  # noqa: PLC0415

    Recognition.objects.create(
        commune=assessment_round.commune,
        level="standard",
        year=assessment_round.year,
        decision_number="77/QĐ-UBND",
        decision_date=datetime.date(assessment_round.year + 1, 1, 10),
        signer="Chủ tịch UBND tỉnh",
        assessment_round=assessment_round,
    )


def _all_met(assessment_round, request):
    assessment_round.criterion_results.update(met=True)
    from criteria import ledger  # noqa: PLC0415

    ledger.refresh_communes([assessment_round.commune_id])


def _empty_opened_by_a1(assessment_round, request):
    """An empty draft that commune A1's official opened: only they may withdraw it."""
    from criteria.choices import ChangeKind  # noqa: PLC0415
    from criteria.models import AssessmentChange  # noqa: PLC0415

    assessment_round.indicator_values.all().delete()
    assessment_round.evidence_files.all().delete()
    assessment_round.criterion_results.update(met=None, note="")
    AssessmentChange.objects.create(
        assessment_round=assessment_round,
        commune=assessment_round.commune,
        kind=ChangeKind.CREATED,
        field="status",
        changed_by=request.getfixturevalue("commune_official_a1"),
        new_value="draft",
    )


DECISION = {
    "decision_number": "78/QĐ-UBND",
    "decision_date": "2024-01-10",
    "signer": "Chủ tịch UBND tỉnh",
    "confirm": True,
    "reason": "Công nhận theo bộ tiêu chí mới",
}
TRANSITIONS = [
    # (the route, the state it starts from, its body, the persona allowed, what else the round needs, success code)
    ("submit", "draft", {}, "commune_official_a1", None, 200),
    ("review", "submitted", {"comment": "Đã xem hồ sơ, thẩm tra tiếp"}, "district_officer_a", None, 200),
    ("verify", "submitted", {}, "district_officer_a", None, 200),
    ("return-to-commune", "submitted", {"comment": "Bổ sung hồ sơ tiêu chí 3"}, "district_officer_a", None, 200),
    ("approve", "verified", {}, "province_coordinator", None, 200),
    ("return-to-district", "verified", {"comment": "Thẩm tra lại tiêu chí 3"}, "province_coordinator", None, 200),
    ("reopen", "approved", {"comment": "Sai số liệu thu nhập"}, "province_coordinator", None, 200),
    ("recognise", "approved", DECISION, "province_coordinator", _all_met, 201),
    ("revoke-recognition", "approved", {"comment": "Vi phạm môi trường"}, "province_coordinator", _recognised, 200),
    ("withdraw", "draft", {}, "commune_official_a1", _empty_opened_by_a1, 204),
]


def test_the_api_matrix_covers_every_transition_of_the_table():
    from criteria.services.transitions import TRANSITIONS as TABLE  # noqa: PLC0415

    assert {route for route, *_rest in TRANSITIONS} == {t.api_path for t in TABLE.values()}


@pytest.mark.parametrize(("action", "state", "body", "allowed", "prepare", "success"), TRANSITIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_transition_is_allowed_to_its_one_persona(
    request, api, world, persona, action, state, body, allowed, prepare, success
):
    assessment_round = _round_in(world, state)
    if prepare:
        prepare(assessment_round, request)

    response = api(_persona(request, persona)).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/{action}/", body, format="json"
    )

    if persona == allowed:
        assert response.status_code == success, response.content[:300]
    elif persona == "commune_official_b1":
        assert response.status_code == 404  # A1's round is not even visible to B1
    else:
        assert response.status_code == 403, response.json()
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("commune_official_a1", 201),
        ("province_coordinator", 201),
        ("district_officer_a", 403),
        ("agency_liaison", 403),
        ("commune_official_b1", 400),  # A1 is no commune of theirs: the field is refused
    ],
)
def test_who_may_start_a_round_for_commune_a1(request, api, world, geography, persona, expected):
    response = api(request.getfixturevalue(persona)).post(
        "/api/v1/assessment-rounds/", {"commune_id": geography.commune_a1.pk, "year": 2018}, format="json"
    )

    assert response.status_code == expected, response.json()
    if expected == 400:
        assert "commune_id" in response.json()


# Every figure a dashboard gives, read by each persona for our district A and for another province's district.
DASHBOARD_READINGS = ["", "trend/", "secondment-results/", "sponsor-accountability/", "forecast/"]


@pytest.mark.parametrize("reading", DASHBOARD_READINGS)
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_each_persona_reads_each_dashboard_figure_of_exactly_the_units_it_may(
    request, api, world, elsewhere, persona, reading
):
    client = api(_persona(request, persona))
    for place, rule in ((world, SEES_OURS), (elsewhere, SEES_THEIRS)):
        response = client.get(f"/api/v1/dashboards/{place.records['dashboards'].pk}/{reading}")
        expected = 401 if persona == "anonymous" else 200 if persona in rule.get("dashboards", set()) else 404
        assert response.status_code == expected, (place.records["dashboards"], response.content[:200])
