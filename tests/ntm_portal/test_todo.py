"""Việc cần làm (issue 15): what each persona finds waiting for them, on their landing page and on /todo/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from criteria.choices import ChangeKind, ReviewState, RoundStatus
from criteria.models import AssessmentChange, CriterionResult
from portal.todo import todo_for
from secondments.choices import PlanItemStatus
from tests.communes.factories import CommuneFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.criteria.test_queues import make_round
from tests.secondments.factories import (
    SecondmentFactory,
    SponsorAssignmentFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def basic_set(db):
    return CriteriaSetFactory(code="co-ban", period_start=2016, period_end=2025, criteria_count=3)


def returned_round(commune, criteria_set, *, year=2023, comments=None, by=None):
    """A round the district returned, with a comment on each criterion number in `comments`."""
    assessment_round = make_round(commune, criteria_set, year, RoundStatus.RETURNED)
    for number, comment in (comments or {}).items():
        CriterionResult.objects.filter(assessment_round=assessment_round, criterion__number=number).update(
            review_state=ReviewState.RETURNED, review_comment=comment
        )
    AssessmentChange.objects.create(
        assessment_round=assessment_round,
        commune=commune,
        changed_by=by,
        kind=ChangeKind.STATE,
        field="status",
        old_value=RoundStatus.SUBMITTED,
        new_value=RoundStatus.RETURNED,
        comment="Bổ sung hồ sơ trước ngày 15",
    )
    return assessment_round


def opened_by(user, assessment_round):
    AssessmentChange.objects.create(
        assessment_round=assessment_round,
        commune=assessment_round.commune,
        changed_by=user,
        kind=ChangeKind.CREATED,
        field="status",
    )
    return assessment_round


def html(response) -> str:
    return response.content.decode()


# --- the commune official -----------------------------------------------------------------------------------------


def test_a_commune_official_lands_on_the_returned_round_and_the_districts_comment_per_criterion(
    client, geography, basic_set, commune_official_a1, district_officer_a
):
    district_officer_a.first_name, district_officer_a.last_name = "Lan", "Hoàng Thị"
    district_officer_a.save()
    returned_round(
        geography.commune_a1,
        basic_set,
        comments={2: "Thiếu biên bản nghiệm thu đường thôn Nà Lìm"},
        by=district_officer_a,
    )
    returned_round(geography.commune_b1, basic_set, comments={1: "Không thuộc xã A1"})
    client.force_login(commune_official_a1)

    landing = client.get(reverse("dashboard:home"), follow=True)

    page = html(landing)
    assert landing.redirect_chain[-1][0] == reverse("communes:commune_detail", args=[geography.commune_a1.pk])
    assert "Việc cần làm" in page and "Kỳ đánh giá bị trả lại" in page
    assert "Xã Phú Đình, kỳ đánh giá năm 2023" in page
    assert "Tiêu chí 2. Tiêu chí 2" in page and "Thiếu biên bản nghiệm thu đường thôn Nà Lìm" in page
    assert "Lan Hoàng Thị trả lại lúc" in page and "Bổ sung hồ sơ trước ngày 15" in page
    assert "Không thuộc xã A1" not in page  # commune B1's


def test_a_commune_official_sees_the_drafts_they_opened(geography, basic_set, commune_official_a1):
    mine = opened_by(commune_official_a1, make_round(geography.commune_a1, basic_set, 2024, RoundStatus.DRAFT))
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.DRAFT)  # opened by someone else
    opened_by(commune_official_a1, make_round(geography.commune_a1, basic_set, 2022, RoundStatus.SUBMITTED))

    todo = todo_for(user=commune_official_a1)

    assert todo.drafts == [mine]
    assert todo.sections == ("returned", "drafts")
    assert todo.verification_count == 0 and todo.work_plan_items == []


def test_the_todo_box_is_only_on_the_users_own_units_page(client, geography, basic_set, province_coordinator):
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.VERIFIED)
    client.force_login(province_coordinator)

    commune_page = client.get(reverse("communes:commune_detail", args=[geography.commune_a1.pk]))
    district_page = client.get(reverse("dashboard:unit", args=[geography.district_a.pk]))
    own_page = client.get(reverse("dashboard:unit", args=[geography.province.pk]))

    assert commune_page.context["todo"] is None and district_page.context["todo"] is None
    assert 'id="todo-title"' not in html(commune_page) + html(district_page)
    assert 'id="todo-title"' in html(own_page)


# --- the district officer and the province coordinator ---------------------------------------------------------


def test_a_district_officer_sees_the_communes_waiting_for_verification_on_the_dashboard(
    client, geography, basic_set, district_officer_a
):
    make_round(geography.commune_a1, basic_set, 2022, RoundStatus.SUBMITTED)
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.SUBMITTED)
    make_round(geography.commune_b1, basic_set, 2023, RoundStatus.SUBMITTED)  # district B's
    client.force_login(district_officer_a)

    response = client.get(reverse("dashboard:home"), follow=True)

    todo = response.context["todo"]
    assert todo.verification_count == 2
    assert [(r.commune.name, r.year) for r in todo.verification] == [("Xã Phú Đình", 2023), ("Xã Sơn Phú", 2023)]
    assert "Chờ thẩm tra: 2 xã" in html(response)
    assert todo.approval_count == 0 and "approval" not in todo.sections


def test_a_coordinator_sees_approvals_recognitions_and_deadlines(client, geography, basic_set, province_coordinator):
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.VERIFIED)
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.APPROVED)  # all met, not recognised
    plan = WorkPlanFactory(assignment=SponsorAssignmentFactory(commune=geography.commune_a1), year=TODAY.year)
    overdue = WorkPlanItemFactory(
        work_plan=plan, title="Hoàn thiện hồ sơ tiêu chí 17", due_date=TODAY - datetime.timedelta(days=3)
    )
    soon = WorkPlanItemFactory(
        work_plan=plan, title="Tập huấn tổ hợp tác", due_date=TODAY + datetime.timedelta(days=20)
    )
    WorkPlanItemFactory(work_plan=plan, title="Việc còn xa", due_date=TODAY + datetime.timedelta(days=90))
    WorkPlanItemFactory(
        work_plan=plan,
        title="Việc đã xong",
        due_date=TODAY - datetime.timedelta(days=1),
        status=PlanItemStatus.DONE,
        done_on=TODAY,
    )
    ending = SecondmentFactory(
        commune=geography.commune_b1,
        start_date=TODAY - datetime.timedelta(days=300),
        planned_end_date=TODAY + datetime.timedelta(days=10),
    )
    SecondmentFactory(
        commune=geography.commune_b1,
        start_date=TODAY - datetime.timedelta(days=300),
        planned_end_date=TODAY + datetime.timedelta(days=100),
    )
    SecondmentFactory(
        commune=CommuneFactory(),
        start_date=TODAY - datetime.timedelta(days=30),
        planned_end_date=TODAY + datetime.timedelta(days=5),
    )  # another province's
    client.force_login(province_coordinator)

    response = client.get(reverse("dashboard:home"), follow=True)

    todo = response.context["todo"]
    assert todo.approval_count == 2
    assert {r.status for r in todo.approval} == {RoundStatus.VERIFIED, RoundStatus.APPROVED}
    assert todo.work_plan_items == [overdue, soon]
    assert todo.secondments_ending == [ending]
    page = html(response)
    assert "Chờ thẩm định, công nhận: 2 xã" in page
    assert "Hoàn thiện hồ sơ tiêu chí 17" in page and "quá hạn từ" in page
    assert "Biệt phái sắp kết thúc" in page and ending.cadre.full_name in page


def test_an_agency_liaison_sees_their_agencys_work_plan_items_only(geography, agency_liaison):
    assignment = agency_liaison.agency.assignments.get()
    mine = WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment), due_date=TODAY)
    other = SponsorAssignmentFactory(commune=geography.commune_a1)
    WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=other), due_date=TODAY)

    todo = todo_for(user=agency_liaison)

    assert todo.work_plan_items == [mine]
    assert todo.sections == ("work_plan_items",)


def test_the_todo_page_lists_everything_and_is_linked_from_the_navigation(
    client, geography, basic_set, commune_official_a1
):
    returned_round(geography.commune_a1, basic_set, comments={3: "Ghi rõ nguồn số liệu"})
    client.force_login(commune_official_a1)

    response = client.get(reverse("todo"))

    assert response.status_code == 200
    page = html(response)
    assert f'href="{reverse("todo")}"' in page
    assert "Ghi rõ nguồn số liệu" in page and "Sửa và gửi lại" in page


def test_nothing_waiting_says_so(client, geography, district_officer_a):
    client.force_login(district_officer_a)

    assert "Không có việc nào đang chờ bạn." in html(client.get(reverse("todo")))


# --- queries -------------------------------------------------------------------------------------------------------


def test_the_todo_page_costs_the_same_queries_for_2_rows_of_each_kind_as_for_20(
    client, geography, basic_set, province_coordinator, django_assert_num_queries
):
    client.force_login(province_coordinator)
    plan = WorkPlanFactory(assignment=SponsorAssignmentFactory(commune=geography.commune_a1), year=TODAY.year)

    def add(n):
        for _ in range(n):
            commune = CommuneFactory(parent=geography.district_a)
            make_round(commune, basic_set, 2023, RoundStatus.VERIFIED)
            opened_by(province_coordinator, make_round(commune, basic_set, 2024, RoundStatus.DRAFT))
            WorkPlanItemFactory(work_plan=plan, due_date=TODAY)
            SecondmentFactory(
                commune=commune,
                start_date=TODAY - datetime.timedelta(days=9),
                planned_end_date=TODAY + datetime.timedelta(days=9),
            )

    add(2)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("todo"))
    add(18)
    # 8: session, the user with their unit; the counts (shared with the navigation); the rounds waiting for
    # verification and for approval (one line per commune); the drafts opened; the work-plan items; the secondments.
    assert len(small) == 8
    with django_assert_num_queries(len(small)):
        response = client.get(reverse("todo"))
    assert response.context["todo"].approval_count == 20 and len(response.context["todo"].drafts) == 20
