"""GET /api/v1/me/todo/: the caller's to-do, scoped to the token's owner, in the schema, at a fixed query cost."""

import datetime

import pytest
from django.utils import timezone

from criteria.choices import RoundStatus
from tests.communes.factories import CommuneFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.criteria.test_queues import make_round
from tests.ntm_portal.test_todo import returned_round
from tests.secondments.factories import SecondmentFactory, WorkPlanFactory, WorkPlanItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/todo/"
TODAY = timezone.localdate()


@pytest.fixture
def basic_set(db):
    return CriteriaSetFactory(code="co-ban", period_start=2016, period_end=2025, criteria_count=3)


@pytest.fixture
def waiting_work(geography, basic_set, agency_liaison):
    """Something for every persona: A1's round returned with a comment, A2's submitted, B1's verified, a work-plan
    item of the liaison's agency due in a week, a secondment to B1 ending in ten days."""
    returned_round(geography.commune_a1, basic_set, comments={2: "Thiếu biên bản"})
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.SUBMITTED)
    make_round(geography.commune_b1, basic_set, 2023, RoundStatus.VERIFIED)
    assignment = agency_liaison.agency.assignments.get()
    WorkPlanItemFactory(
        work_plan=WorkPlanFactory(assignment=assignment),
        title="Họp dân thôn Nà Lìm",
        due_date=TODAY + datetime.timedelta(days=7),
    )
    SecondmentFactory(
        commune=geography.commune_b1,
        start_date=TODAY - datetime.timedelta(days=200),
        planned_end_date=TODAY + datetime.timedelta(days=10),
    )


def test_a_commune_official_gets_their_returned_round_with_the_comment_per_criterion(
    api, waiting_work, commune_official_a1
):
    response = api(commune_official_a1).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["sections"] == ["returned", "drafts"]
    (returned,) = body["returned"]
    assert returned["round"]["commune"]["name"] == "Xã Phú Đình" and returned["round"]["year"] == 2023
    assert returned["criteria"] == [{"number": 2, "name": "Tiêu chí 2", "comment": "Thiếu biên bản"}]
    assert returned["comment"] == "Bổ sung hồ sơ trước ngày 15"
    assert body["verification"] == {"count": 0, "rounds": []} and body["work_plan_items"] == []


def test_another_communes_official_does_not_see_it(api, waiting_work, commune_official_b1):
    body = api(commune_official_b1).get(URL).json()

    assert body["returned"] == [] and body["total"] == 0


def test_a_district_officer_gets_their_districts_verification_queue(api, waiting_work, district_officer_a):
    body = api(district_officer_a).get(URL).json()

    assert body["verification"]["count"] == 1
    assert [r["commune"]["name"] for r in body["verification"]["rounds"]] == ["Xã Sơn Phú"]
    assert body["approval"] == {"count": 0, "rounds": []}
    assert "secondments_ending" not in body["sections"]


def test_the_coordinator_gets_approvals_and_secondments_ending(api, waiting_work, province_coordinator):
    body = api(province_coordinator).get(URL).json()

    assert body["approval"]["count"] == 1
    (line,) = body["approval"]["rounds"]
    assert line["commune"]["name"] == "Xã Yên Ninh" and line["criteria_met"] == 3 and line["criteria_total"] == 3
    assert [s["commune"]["name"] for s in body["secondments_ending"]] == ["Xã Yên Ninh"]
    assert body["returned"] == []


def test_the_liaison_gets_their_agencys_work_plan_items(api, waiting_work, agency_liaison):
    body = api(agency_liaison).get(URL).json()

    assert [(i["title"], i["overdue"], i["commune"]["name"]) for i in body["work_plan_items"]] == [
        ("Họp dân thôn Nà Lìm", False, "Xã Phú Đình")
    ]
    assert body["sections"] == ["work_plan_items"]


def test_an_anonymous_caller_is_refused(api, waiting_work):
    assert api(None).get(URL).status_code == 401


def test_naming_another_user_is_refused_not_read(api, waiting_work, commune_official_b1, commune_official_a1):
    response = api(commune_official_b1).get(URL, {"user": commune_official_a1.pk})

    assert response.status_code == 400
    assert response.json()["user"][0].startswith("Tham số không được hỗ trợ.")
    assert api(commune_official_b1).get(URL).json()["returned"] == []


def test_a_nul_byte_in_a_parameter_is_a_400(api, district_officer_a):
    assert api(district_officer_a).get(URL, {"q": "a\x00b"}).status_code == 400


def test_the_schema_describes_the_todo(client, province_coordinator):
    client.force_login(province_coordinator)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/me/todo/"]["get"]
    assert operation["summary"] == "The caller's to-do"
    assert "Todo" in schema["components"]["schemas"]


def test_the_todo_costs_the_same_queries_for_2_rounds_as_for_20(
    api, geography, basic_set, province_coordinator, django_assert_num_queries
):
    client = api(province_coordinator)
    for _ in range(2):
        make_round(CommuneFactory(parent=geography.district_a), basic_set, 2023, RoundStatus.VERIFIED)
    client.get(URL)
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    for _ in range(18):
        make_round(CommuneFactory(parent=geography.district_a), basic_set, 2023, RoundStatus.VERIFIED)

    with django_assert_num_queries(len(small)):
        body = client.get(URL).json()

    assert body["approval"]["count"] == 20 and len(body["approval"]["rounds"]) == 20
