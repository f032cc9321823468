"""The change history of the secondment side (issue 15): who changed a cadre, secondment, assignment, plan, visit or
support record, when, and what, old → new — written by the services, shown on the secondment's and the assignment's
pages, served by each record's `history` endpoint within the caller's scope, at a fixed cost in queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ntm_portal.choices import Role
from secondments import services
from secondments.choices import PlanItemStatus, SecondmentKind
from secondments.history import assignment_history, record_history
from tests.api.conftest import token_client
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"secondments:{name}", args=args)


@pytest.fixture
def coordinator(province_coordinator):
    province_coordinator.first_name, province_coordinator.last_name = "Trần Thu", "Hà"
    province_coordinator.save()
    return province_coordinator


@pytest.fixture
def secondment(geography):
    cadre = CadreFactory(full_name="Nguyễn Văn Hòa", home_agency=AgencyFactory(unit=geography.province))
    return SecondmentFactory(
        cadre=cadre, commune=geography.commune_a1, role_at_commune="Phó Bí thư Đảng ủy xã", criteria_met_at_start=9
    )


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated by that user's token; api(None) -> anonymous."""
    return token_client


def _change(entry, name):
    return next(change for change in entry.changes if change.field == name)


# --- what the services write ---------------------------------------------------------------------------------------


def test_a_coordinators_change_through_the_service_names_the_coordinator_the_field_and_both_values(
    coordinator, secondment, geography
):
    services.secondment_update(
        user=coordinator, instance=secondment, role_at_commune="Chủ tịch UBND xã", commune=geography.commune_a2
    )

    entries, total = record_history(secondment)

    assert total == 2 and [e.change for e in entries] == ["changed", "created"]
    newest, created = entries
    assert newest.user == coordinator and newest.who == "Trần Thu Hà"
    assert created.user is None and created.who == "(hệ thống)"  # the factory: no user
    assert [c.field for c in newest.changes] == ["commune", "role_at_commune"]  # in the model's order
    role = _change(newest, "role_at_commune")
    assert (role.label, role.old_text, role.new_text) == (
        "chức danh tại xã",
        "Phó Bí thư Đảng ủy xã",
        "Chủ tịch UBND xã",
    )
    commune = _change(newest, "commune")
    assert (commune.old, commune.new) == (geography.commune_a1.pk, geography.commune_a2.pk)
    assert (commune.old_text, commune.new_text) == ("Xã Phú Đình", "Xã Sơn Phú")


def test_ending_a_secondment_is_recorded_with_its_reason_and_the_dates_as_people_write_them(coordinator, secondment):
    services.secondment_close(user=coordinator, secondment=secondment, actual_end_date=datetime.date(2016, 10, 15))

    newest = record_history(secondment)[0][0]

    assert newest.reason == "Đã kết thúc biệt phái"
    assert (_change(newest, "actual_end_date").old_text, _change(newest, "actual_end_date").new_text) == (
        "—",
        "15/10/2016",
    )


def test_a_save_that_changes_nothing_writes_no_history(coordinator, secondment):
    services.secondment_update(user=coordinator, instance=secondment, role_at_commune=secondment.role_at_commune)

    assert record_history(secondment)[1] == 1


def test_a_deletion_names_who_deleted(coordinator, secondment):
    pk = secondment.pk
    services.secondment_delete(user=coordinator, instance=secondment)

    rows = list(secondment.history.model.objects.filter(id=pk).order_by("-history_id"))
    assert rows[0].history_type == "-" and rows[0].history_user == coordinator


def test_a_liaisons_field_visit_change_is_the_liaisons(agency_liaison, geography):
    visit = services.field_visit_create(
        user=agency_liaison,
        agency=agency_liaison.agency,
        commune=geography.commune_a1,
        visit_date=datetime.date(2018, 5, 10),
        days_on_site=Decimal("1"),
        activities="Làm việc với Ban quản lý xã",
    )
    services.field_visit_update(user=agency_liaison, instance=visit, days_on_site=Decimal("2.5"))

    entries, total = record_history(visit)

    assert total == 2 and {e.user for e in entries} == {agency_liaison}
    days = _change(entries[0], "days_on_site")
    assert (days.old, days.new, days.old_text, days.new_text) == ("1.0", "2.5", "1", "2,5")


def test_a_change_of_a_visits_criteria_alone_is_told_in_its_reason(agency_liaison, geography):
    criteria = list(CriteriaSetFactory(period_start=2016, period_end=2020, criteria_count=3).criteria.all())
    visit = services.field_visit_create(
        user=agency_liaison,
        agency=agency_liaison.agency,
        commune=geography.commune_a1,
        visit_date=datetime.date(2018, 5, 10),
        days_on_site=Decimal("1"),
        activities="Làm việc",
        criteria_addressed=criteria[:1],
    )
    services.field_visit_update(user=agency_liaison, instance=visit, criteria_addressed=criteria[1:])

    newest = record_history(visit)[0][0]

    assert newest.changes == [] and newest.reason == "Tiêu chí hỗ trợ: 1 → 2, 3"


# --- the pages -----------------------------------------------------------------------------------------------------


def test_a_change_through_the_form_shows_on_the_secondment_page(client, coordinator, secondment, geography):
    client.force_login(coordinator)
    form = {
        "cadre": secondment.cadre_id,
        "commune": geography.commune_a1.pk,
        "kind": SecondmentKind.SECONDED,
        "role_at_commune": "Chủ tịch UBND xã",
        "decided_by": secondment.decided_by,
        "decision_number": secondment.decision_number,
        "decision_date": "01/03/2016",
        "start_date": "15/03/2016",
        "criteria_met_at_start": "9",
    }
    assert client.post(url("secondment_edit", secondment.pk), form).status_code == 302

    response = client.get(url("secondment_detail", secondment.pk))

    page = response.content.decode()
    assert "Lịch sử thay đổi" in page
    newest = response.context["history"][0]
    assert newest.user == coordinator and [c.field for c in newest.changes] == ["role_at_commune"]
    assert "Trần Thu Hà" in page and "Sửa" in page
    assert "Chức danh tại xã: Phó Bí thư Đảng ủy xã → Chủ tịch UBND xã" in page
    assert timezone.localtime(newest.changed_at).strftime("%d/%m/%Y %H:%M") in page


def test_the_assignment_page_lists_the_changes_of_its_plans_visits_and_support(client, agency_liaison, geography):
    assignment = agency_liaison.agency.assignments.get()
    item = WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment))
    visit = FieldVisitFactory(agency=assignment.agency, commune=assignment.commune)
    FieldVisitFactory(agency=assignment.agency, commune=geography.commune_b1)  # another commune: not counted below
    services.work_plan_item_update(
        user=agency_liaison, instance=item, status=PlanItemStatus.DONE, done_on=datetime.date(2018, 6, 20)
    )
    services.field_visit_update(user=agency_liaison, instance=visit, hours_on_site=Decimal("4"))
    client.force_login(agency_liaison)

    response = client.get(url("assignment_detail", assignment.pk))

    history = response.context["history"]
    assert response.context["history_total"] == 6  # the assignment, the plan, the item ×2, the visit ×2
    assert history[0].record == "Chuyến công tác xã 10/05/2018" and history[0].who == "liaison"
    assert history[1].record.startswith("Nội dung kế hoạch: ")
    assert [c.new_text for c in history[1].changes] == ["Hoàn thành", "20/06/2018"]
    assert "Phân công giúp đỡ xã" in [e.record for e in history]


def test_an_assignments_history_shows_the_newest_changes_and_counts_them_all(agency_liaison):
    assignment = agency_liaison.agency.assignments.get()
    visit = FieldVisitFactory(agency=assignment.agency, commune=assignment.commune)
    for days in range(2, 7):
        services.field_visit_update(user=agency_liaison, instance=visit, days_on_site=Decimal(days))

    entries, total = assignment_history(assignment, limit=3)

    assert total == 7 and len(entries) == 3  # the assignment, the visit created and changed 5 times
    assert [_change(e, "days_on_site").new for e in entries] == ["6.0", "5.0", "4.0"]


def _change_secondment(user, secondment, communes, count):
    for n in range(count):
        services.secondment_update(
            user=user, instance=secondment, role_at_commune=f"Chức danh {n}", commune=communes[n % 2]
        )


def test_the_secondment_page_costs_the_same_queries_for_2_changes_as_for_20(
    client, coordinator, secondment, geography, django_assert_num_queries
):
    communes = [geography.commune_a2, geography.commune_a1]
    path = url("secondment_detail", secondment.pk)
    client.force_login(coordinator)
    _change_secondment(coordinator, secondment, communes, 2)
    client.get(path)

    # 8: session, user, the user's unit; the secondment (joined); its visits (none); its history rows (users joined,
    # each row's previous row id and the count in the same query), the previous rows, the communes' labels.
    with django_assert_num_queries(8):
        client.get(path)
    _change_secondment(coordinator, secondment, communes, 18)
    with django_assert_num_queries(8):
        response = client.get(path)
    assert len(response.context["history"]) == 21 and all(
        e.user == coordinator for e in response.context["history"][:20]
    )


def test_the_assignment_page_costs_the_same_queries_for_2_changes_as_for_20(
    client, agency_liaison, geography, django_assert_num_queries
):
    assignment = agency_liaison.agency.assignments.get()
    item = WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment))
    visit = FieldVisitFactory(agency=assignment.agency, commune=assignment.commune)
    support = SupportContributionFactory(giver=assignment.agency, commune=assignment.commune)
    path = url("assignment_detail", assignment.pk)
    client.force_login(agency_liaison)

    def changes(count):
        for n in range(count):
            services.field_visit_update(user=agency_liaison, instance=visit, days_on_site=Decimal(n + 2))
            services.support_contribution_update(user=agency_liaison, instance=support, value_vnd=1_000_000 * (n + 2))
            services.work_plan_item_update(user=agency_liaison, instance=item, title=f"Nội dung {n}")

    changes(2)
    client.get(path)
    # 18: the page's 10 without its history (test_views); the history rows of the assignment, its plans, their items,
    # the visits and the support (each with its previous row's id and the count); the previous rows of the items, the
    # visits and the support (no key changed: no labels).
    with django_assert_num_queries(18):
        client.get(path)
    changes(18)
    with django_assert_num_queries(18):
        response = client.get(path)
    assert len(response.context["history"]) == 50 and response.context["history_total"] == 65


# --- the API -------------------------------------------------------------------------------------------------------


def test_the_history_endpoint_returns_who_when_and_what(api, coordinator, secondment, geography):
    services.secondment_update(user=coordinator, instance=secondment, commune=geography.commune_a2)

    body = api(coordinator).get(f"/api/v1/secondments/{secondment.pk}/history/").json()

    assert body["count"] == 2
    newest = body["results"][0]
    assert newest["changed_by"] == "coordinator" and newest["change"] == "changed"
    assert newest["changes"] == [
        {"field": "commune_id", "old": geography.commune_a1.pk, "new": geography.commune_a2.pk}
    ]
    assert body["results"][1] | {"changed_at": None} == {
        "changed_at": None,
        "changed_by": None,
        "change": "created",
        "reason": "",
        "changes": [],
    }


def test_a_liaisons_change_through_the_api_is_the_liaisons(api, agency_liaison, geography):
    visit = FieldVisitFactory(agency=agency_liaison.agency, commune=geography.commune_a1)
    client = api(agency_liaison)

    assert client.patch(f"/api/v1/field-visits/{visit.pk}/", {"days_on_site": "3"}, format="json").status_code == 200
    body = client.get(f"/api/v1/field-visits/{visit.pk}/history/").json()

    assert body["results"][0]["changed_by"] == "liaison"
    assert body["results"][0]["changes"] == [{"field": "days_on_site", "old": "1.0", "new": "3.0"}]


def test_another_provinces_user_gets_404_on_the_history_endpoint(api, secondment, agency_liaison):
    other = ProvinceFactory()
    outsider = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=other)
    other_visit = FieldVisitFactory(commune=CommuneFactory(parent=DistrictFactory(parent=other)))

    assert api(outsider).get(f"/api/v1/secondments/{secondment.pk}/history/").status_code == 404
    assert api(agency_liaison).get(f"/api/v1/field-visits/{other_visit.pk}/history/").status_code == 404
    assert api(None).get(f"/api/v1/secondments/{secondment.pk}/history/").status_code == 401


@pytest.mark.parametrize(
    "endpoint",
    [
        "cadres",
        "secondments",
        "sponsor-assignments",
        "work-plans",
        "work-plan-items",
        "field-visits",
        "support-contributions",
    ],
)
def test_every_tracked_record_has_a_history_endpoint(api, province_coordinator, geography, endpoint):
    assignment = SponsorAssignmentFactory(commune=geography.commune_a1)
    item = WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment))
    records = {
        "cadres": CadreFactory(home_agency=AgencyFactory(unit=geography.province)),
        "secondments": SecondmentFactory(commune=geography.commune_a1),
        "sponsor-assignments": assignment,
        "work-plans": item.work_plan,
        "work-plan-items": item,
        "field-visits": FieldVisitFactory(commune=geography.commune_a1),
        "support-contributions": SupportContributionFactory(commune=geography.commune_a1),
    }

    response = api(province_coordinator).get(f"/api/v1/{endpoint}/{records[endpoint].pk}/history/")

    assert response.status_code == 200 and response.json()["results"][0]["change"] == "created"


def test_the_history_endpoint_costs_the_same_queries_for_2_changes_as_for_20(
    api, coordinator, secondment, geography, django_assert_num_queries
):
    communes = [geography.commune_a2, geography.commune_a1]
    client = api(coordinator)
    path = f"/api/v1/secondments/{secondment.pk}/history/"
    _change_secondment(coordinator, secondment, communes, 2)
    client.get(path)

    # 6: token and user, the user's unit; the secondment; the rows counted, a page of them; the previous rows.
    with django_assert_num_queries(6):
        client.get(path)
    _change_secondment(coordinator, secondment, communes, 18)
    with django_assert_num_queries(6):
        assert len(client.get(path).json()["results"]) == 21


def test_the_admin_shows_a_secondments_history(admin_client, coordinator, secondment):
    services.secondment_update(user=coordinator, instance=secondment, role_at_commune="Chủ tịch UBND xã")

    response = admin_client.get(reverse("admin:secondments_secondment_history", args=[secondment.pk]))

    assert response.status_code == 200 and "coordinator" in response.content.decode()
