"""Issue 15's workflow defects, each through the service, the browser and the API: comments on a verification are
kept, each criterion is verified or returned on its own, recognition cannot silently downgrade a commune, a round
opened by mistake can be withdrawn, the round header names what the cards say, and the commune hears of a return."""

import datetime

import pytest
from django.urls import reverse

from communes.choices import NtmLevel
from communes.models import Recognition
from criteria.choices import ChangeKind, ReviewState, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound
from criteria.services import assessment as workflow
from criteria.services.assessment import (
    AccessDenied,
    IllegalTransition,
    NeedsConfirmation,
    ReviewInput,
)
from criteria.services.transitions import TRANSITIONS
from tests.api.conftest import token_client
from tests.criteria.test_views import (
    action_url,
    approved,
    criteria_of,
    fill,
    html,
    page_url,
    submitted,
)

pytestmark = pytest.mark.django_db


def marks(assessment_round) -> dict[int, str]:
    return dict(assessment_round.criterion_results.values_list("criterion__number", "review_state"))


def state_of(assessment_round) -> str:
    assessment_round.refresh_from_db()
    return assessment_round.status


# --- the table -----------------------------------------------------------------------------------------------------


def test_every_transition_of_the_table_has_a_browser_route_and_an_api_route(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    schema = client.get("/api/schema/?format=json").json()["paths"]

    for transition in TRANSITIONS.values():
        assert reverse(transition.url_name, args=[round_a1.pk]).endswith(f"/{transition.api_path}/")
        assert f"/api/v1/assessment-rounds/{{id}}/{transition.api_path}/" in schema
        assert set(transition.from_states) <= set(RoundStatus.values)


# --- a comment is never dropped ------------------------------------------------------------------------------------


def test_a_comment_typed_on_a_criterion_then_verify_is_kept_as_the_verifiers_note(
    round_a1, commune_official_a1, district_officer_a
):
    submitted(round_a1, commune_official_a1)
    third = criteria_of(round_a1)[3]

    workflow.round_verify(
        user=district_officer_a,
        assessment_round=round_a1,
        reviews={third.pk: ReviewInput(comment="Đề nghị bổ sung ảnh hiện trạng kênh mương")},
    )

    assert state_of(round_a1) == RoundStatus.VERIFIED
    assert set(marks(round_a1).values()) == {ReviewState.VERIFIED}
    assert round_a1.criterion_results.get(criterion=third).review_comment == "Đề nghị bổ sung ảnh hiện trạng kênh mương"
    logged = round_a1.changes.get(kind=ChangeKind.REVIEW, field="review_comment")
    assert (logged.changed_by, logged.criterion, logged.new_value) == (
        district_officer_a,
        third,
        "Đề nghị bổ sung ảnh hiện trạng kênh mương",
    )


def test_in_the_browser_a_comment_then_confirm_verification_shows_the_comment_on_the_criterion(
    client, round_a1, commune_official_a1, district_officer_a
):
    submitted(round_a1, commune_official_a1)
    third = criteria_of(round_a1)[3]
    client.force_login(district_officer_a)

    response = client.post(
        action_url(round_a1, "round_verify"), {f"comment_{third.pk}": "Đề nghị bổ sung ảnh kênh mương"}, follow=True
    )

    assert "Đã thẩm tra kết quả của Xã Phú Đình" in html(response)
    assert state_of(round_a1) == RoundStatus.VERIFIED
    client.force_login(commune_official_a1)
    page = html(client.get(page_url(round_a1)))
    assert "Đề nghị bổ sung ảnh kênh mương" in page and "Đạt thẩm tra" in page


def test_verifying_while_a_criterion_is_marked_returned_is_refused_and_writes_nothing(
    client, round_a1, commune_official_a1, district_officer_a
):
    submitted(round_a1, commune_official_a1)
    tenth = criteria_of(round_a1)[10]
    changes = AssessmentChange.objects.count()
    client.force_login(district_officer_a)

    with pytest.raises(IllegalTransition, match="Tiêu chí số 10 đang được đánh dấu trả lại"):
        returned = {tenth.pk: ReviewInput(state=ReviewState.RETURNED, comment="Thiếu số liệu")}
        workflow.round_verify(user=district_officer_a, assessment_round=round_a1, reviews=returned)
    response = client.post(
        action_url(round_a1, "round_verify"),
        {f"review_{tenth.pk}": "returned", f"comment_{tenth.pk}": "Thiếu"},
        follow=True,
    )

    assert "Tiêu chí số 10 đang được đánh dấu trả lại" in html(response)
    assert state_of(round_a1) == RoundStatus.SUBMITTED and AssessmentChange.objects.count() == changes
    assert set(marks(round_a1).values()) == {ReviewState.PENDING}


def test_the_api_keeps_a_comment_sent_with_verify(round_a1, commune_official_a1, district_officer_a):
    submitted(round_a1, commune_official_a1)
    third = criteria_of(round_a1)[3]

    response = token_client(district_officer_a).post(
        f"/api/v1/assessment-rounds/{round_a1.pk}/verify/",
        {"reviews": [{"criterion_id": third.pk, "comment": "Ảnh chụp mờ, đề nghị bổ sung"}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    third_result = next(r for r in response.json()["results"] if r["number"] == 3)
    assert third_result == {
        **third_result,
        "review_state": "verified",
        "review_comment": "Ảnh chụp mờ, đề nghị bổ sung",
    }


# --- per-criterion review --------------------------------------------------------------------------------------


def test_the_district_verifies_half_returns_one_and_the_verified_half_survives_the_resubmission(
    round_a1, commune_official_a1, district_officer_a
):
    submitted(round_a1, commune_official_a1)
    criteria = criteria_of(round_a1)
    half = {criteria[n].pk: ReviewInput(state=ReviewState.VERIFIED) for n in range(1, 10)}

    workflow.round_review(user=district_officer_a, assessment_round=round_a1, reviews=half)
    assert state_of(round_a1) == RoundStatus.SUBMITTED  # 9 of 19 verified: still under review
    workflow.round_review(
        user=district_officer_a,
        assessment_round=round_a1,
        reviews={criteria[10].pk: ReviewInput(state=ReviewState.RETURNED, comment="Thu nhập chưa có điều tra")},
    )

    assert state_of(round_a1) == RoundStatus.RETURNED  # returned when any criterion is
    assert [n for n, mark in marks(round_a1).items() if mark == ReviewState.VERIFIED] == list(range(1, 10))
    assert marks(round_a1)[10] == ReviewState.RETURNED

    # The commune corrects criterion 10 and changes criterion 2: both are up for verification again.
    workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_a1,
        expected_version=round_a1.version,
        criteria={
            criteria[10].pk: workflow.CriterionInput(met=True, note="Đã bổ sung phiếu điều tra"),
            criteria[2].pk: workflow.CriterionInput(met=True, note="Cập nhật số km đường"),
        },
    )
    workflow.round_submit(user=commune_official_a1, assessment_round=round_a1)

    after = marks(round_a1)
    assert after[10] == ReviewState.PENDING and after[2] == ReviewState.PENDING
    assert [n for n, mark in after.items() if mark == ReviewState.VERIFIED] == [1, 3, 4, 5, 6, 7, 8, 9]
    workflow.round_verify(user=district_officer_a, assessment_round=round_a1)
    assert state_of(round_a1) == RoundStatus.VERIFIED


def test_the_review_form_marks_each_criterion_in_the_browser(client, round_a1, commune_official_a1, district_officer_a):
    submitted(round_a1, commune_official_a1)
    criteria = criteria_of(round_a1)
    client.force_login(district_officer_a)
    page = html(client.get(page_url(round_a1)))
    data = {f"review_{criteria[n].pk}": "verified" for n in range(1, 10)}
    data |= {f"review_{criteria[17].pk}": "returned", f"comment_{criteria[17].pk}": "Thiếu biên bản vệ sinh môi trường"}

    response = client.post(action_url(round_a1, "round_review"), data, follow=True)

    assert f'name="review_{criteria[1].pk}"' in page and "Lưu kết quả thẩm tra" in page
    assert "Đã lưu kết quả thẩm tra từng tiêu chí của Xã Phú Đình." in html(response)
    assert state_of(round_a1) == RoundStatus.RETURNED
    assert marks(round_a1)[17] == ReviewState.RETURNED and marks(round_a1)[5] == ReviewState.VERIFIED
    client.force_login(commune_official_a1)
    own_page = html(client.get(page_url(round_a1)))
    assert "Thiếu biên bản vệ sinh môi trường" in own_page and "Bị trả lại" in own_page


def test_the_header_names_unassessed_criteria_apart_from_unmet_ones(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)

    fresh = client.get(page_url(round_a1))
    fill(round_a1, commune_official_a1, unmet=(10,))
    filled = client.get(page_url(round_a1))

    assert fresh.context["unmet"] == [] and len(fresh.context["unassessed"]) == 19
    assert [c.number for c in filled.context["unmet"]] == [10] and filled.context["unassessed"] == []


# --- recognition guarded ---------------------------------------------------------------------------------------


@pytest.fixture
def advanced_since_2023(geography):
    """Xã Điềm Mặc's case: the commune already holds NTM nâng cao (3629/QĐ-UBND, 2023)."""
    commune = geography.commune_a1
    decision = Recognition.objects.create(
        commune=commune,
        level=NtmLevel.ADVANCED,
        year=2023,
        decision_number="3629/QĐ-UBND",
        decision_date=datetime.date(2023, 12, 20),
        signer="Chủ tịch UBND tỉnh",
    )
    commune.ntm_level, commune.recognition = NtmLevel.ADVANCED, decision
    commune.save()
    from criteria import ledger  # noqa: PLC0415

    ledger.refresh_communes([commune.pk])
    return decision


def recognise(round_, user, **extra):
    decision = {
        "decision_number": "88/QĐ-UBND",
        "decision_date": datetime.date(2024, 3, 1),
        "signer": "Chủ tịch UBND tỉnh",
        **extra,
    }
    return workflow.recognition_record(user=user, assessment_round=round_, **decision)


def test_recording_a_lower_level_is_refused_without_a_confirmation_and_a_reason(
    round_a1, commune_official_a1, district_officer_a, province_coordinator, advanced_since_2023, geography
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)

    with pytest.raises(NeedsConfirmation, match="đang ở mức NTM nâng cao .*3629/QĐ-UBND"):
        recognise(round_a1, province_coordinator, level=NtmLevel.STANDARD)
    with pytest.raises(NeedsConfirmation):
        recognise(round_a1, province_coordinator, level=NtmLevel.STANDARD, confirm=True)  # no reason

    assert Recognition.objects.filter(assessment_round=round_a1).count() == 0
    geography.commune_a1.refresh_from_db()
    assert geography.commune_a1.ntm_level == NtmLevel.ADVANCED


def test_a_confirmed_lower_decision_is_logged_with_its_reason_and_does_not_lower_the_commune(
    round_a1, commune_official_a1, district_officer_a, province_coordinator, advanced_since_2023, geography
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)

    recognise(
        round_a1,
        province_coordinator,
        level=NtmLevel.STANDARD,
        confirm=True,
        reason="Công nhận lại theo bộ tiêu chí 2021–2025",
    )

    geography.commune_a1.refresh_from_db()
    assert geography.commune_a1.ntm_level == NtmLevel.ADVANCED  # the highest decision in force still holds
    logged = round_a1.changes.get(kind=ChangeKind.RECOGNITION)
    assert "Đã xác nhận" in logged.comment and "Công nhận lại theo bộ tiêu chí 2021–2025" in logged.comment


def test_the_recognition_form_defaults_to_the_sets_level_and_warns_of_the_level_held(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator, advanced_since_2023
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    client.force_login(province_coordinator)

    page = client.get(page_url(round_a1))
    refused = client.post(
        action_url(round_a1, "round_recognise"),
        {
            "decision_number": "88/QĐ-UBND",
            "decision_date": "2024-03-01",
            "signer": "Chủ tịch UBND tỉnh",
            "level": "standard",
        },
    )

    form = {offer.transition.name: form for offer, form in page.context["action_panels"]}["recognise"]
    assert form["level"].value() == NtmLevel.STANDARD  # the basic 2021–2025 set certifies the standard
    assert "Xã đang ở mức NTM nâng cao (quyết định 3629/QĐ-UBND ngày 20/12/2023)" in html(page)
    assert refused.status_code == 200 and "Đánh dấu xác nhận và ghi lý do" in html(refused)
    assert not Recognition.objects.filter(assessment_round=round_a1).exists()


def test_revoking_a_decision_is_its_own_action_and_the_level_falls_back(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator, geography
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    recognise(round_a1, province_coordinator)
    client.force_login(province_coordinator)

    reason = {"comment": "Xã vi phạm tiêu chí môi trường", "revoked_on": "2024-06-01"}
    response = client.post(action_url(round_a1, "round_revoke_recognition"), reason, follow=True)

    assert "Đã ghi việc thu hồi quyết định công nhận Xã Phú Đình." in html(response)
    geography.commune_a1.refresh_from_db()
    assert geography.commune_a1.ntm_level == NtmLevel.NOT_YET and geography.commune_a1.recognition is None
    assert Recognition.objects.get(assessment_round=round_a1).revoked_on == datetime.date(2024, 6, 1)
    assert (
        round_a1.changes.filter(kind=ChangeKind.RECOGNITION, field="revoked_on")
        .get()
        .comment.endswith("Xã vi phạm tiêu chí môi trường")
    )


# --- withdrawing a round opened by mistake ----------------------------------------------------------------------


def test_whoever_opened_an_empty_round_withdraws_it_and_the_log_keeps_it(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)

    response = client.post(action_url(round_a1, "round_withdraw"), follow=True)

    assert "Đã rút kỳ đánh giá của Xã Phú Đình." in html(response)
    assert not AssessmentRound.objects.filter(pk=round_a1.pk).exists()
    withdrawn = AssessmentChange.objects.get(kind=ChangeKind.WITHDRAWN)
    assert withdrawn.changed_by == commune_official_a1 and "2022" in withdrawn.comment
    assert AssessmentChange.objects.filter(kind=ChangeKind.CREATED, assessment_round=None).exists()


def test_a_round_with_values_or_opened_by_someone_else_is_not_withdrawn(
    round_a1, commune_official_a1, province_coordinator
):
    with pytest.raises(AccessDenied, match="Chỉ người đã mở kỳ đánh giá này"):
        workflow.round_withdraw(user=province_coordinator, assessment_round=round_a1)
    fill(round_a1, commune_official_a1)
    with pytest.raises(IllegalTransition, match="chỉ rút được kỳ đánh giá chưa nhập gì"):
        workflow.round_withdraw(user=commune_official_a1, assessment_round=round_a1)

    assert AssessmentRound.objects.filter(pk=round_a1.pk).exists()


def test_the_api_withdraws_an_empty_round_with_204(round_a1, commune_official_a1):
    response = token_client(commune_official_a1).post(f"/api/v1/assessment-rounds/{round_a1.pk}/withdraw/")

    assert response.status_code == 204
    assert not AssessmentRound.objects.filter(pk=round_a1.pk).exists()


# --- the commune is told -------------------------------------------------------------------------------------------


def test_a_return_and_an_approval_mail_the_communes_officials(
    round_a1,
    commune_official_a1,
    district_officer_a,
    province_coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    commune_official_a1.email = "ubnd.phudinh@example.vn"
    commune_official_a1.save()
    submitted(round_a1, commune_official_a1)
    tenth = criteria_of(round_a1)[10]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=round_a1, comments={tenth.pk: "Thiếu phiếu điều tra thu nhập"}
        )
    returned_mail = mailoutbox[-1]
    workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_a1,
        expected_version=round_a1.version,
        criteria={tenth.pk: workflow.CriterionInput(met=True, note="Đã bổ sung")},
    )
    workflow.round_submit(user=commune_official_a1, assessment_round=round_a1)
    workflow.round_verify(user=district_officer_a, assessment_round=round_a1)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.round_approve(user=province_coordinator, assessment_round=round_a1)

    assert len(mailoutbox) == 2
    assert returned_mail.to == ["ubnd.phudinh@example.vn"] and "bị trả lại" in returned_mail.subject
    assert "10. " in returned_mail.body and "Thiếu phiếu điều tra thu nhập" in returned_mail.body
    assert f"/assessments/{round_a1.pk}/" in returned_mail.body
    assert "đã được tỉnh thẩm định" in mailoutbox[-1].subject


# --- years guarded -------------------------------------------------------------------------------------------------


def test_a_round_for_a_year_still_ahead_is_refused_in_the_browser_and_the_api(
    client, national_sets, geography, commune_official_a1
):
    next_year = datetime.date.today().year + 1
    client.force_login(commune_official_a1)

    page = client.post(reverse("criteria:round_start"), {"year": next_year}, follow=True)
    api = token_client(commune_official_a1).post(
        "/api/v1/assessment-rounds/", {"commune_id": geography.commune_a1.pk, "year": next_year}, format="json"
    )

    assert f"Năm {next_year} chưa đến" in html(page)
    assert api.status_code == 400 and f"Năm {next_year} chưa đến" in api.json()["year"][0]
    assert not AssessmentRound.objects.filter(year=next_year).exists()


def test_a_round_read_alone_over_the_api_lists_the_steps_the_caller_may_take_now(
    round_a1, commune_official_a1, district_officer_a
):
    own = token_client(commune_official_a1).get(f"/api/v1/assessment-rounds/{round_a1.pk}/").json()
    listed = token_client(commune_official_a1).get("/api/v1/assessment-rounds/").json()["results"][0]
    submitted(round_a1, commune_official_a1)
    district = token_client(district_officer_a).get(f"/api/v1/assessment-rounds/{round_a1.pk}/").json()

    assert {a["route"]: a["blocked_by"] is None for a in own["actions"]} == {"submit": False, "withdraw": True}
    assert "Chưa đánh giá các tiêu chí số 1, 2" in own["actions"][0]["blocked_by"]
    assert listed["actions"] is None
    assert [a["route"] for a in district["actions"]] == ["review", "verify", "return-to-commune"]


def test_a_round_over_the_api_links_to_its_recognition_decision(
    round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    before = token_client(province_coordinator).get(f"/api/v1/assessment-rounds/{round_a1.pk}/").json()
    recognition = workflow.recognition_record(
        user=province_coordinator,
        assessment_round=round_a1,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2023, 2, 1),
        signer="Chủ tịch UBND tỉnh",
    )

    listed = token_client(province_coordinator).get("/api/v1/assessment-rounds/").json()["results"]

    assert before["recognition_id"] is None
    assert [r["recognition_id"] for r in listed if r["id"] == round_a1.pk] == [recognition.pk]
