"""Issue 15's review journeys in Chromium, on a phone (375×812) and a desk: the district officer verifies half the
criteria and returns one with a comment; the commune official then finds the returned round and the comment.
Screenshots go to var/screenshots/review-*.png."""

import re

import pytest
from playwright.sync_api import expect

from criteria.choices import ReviewState, RoundStatus
from criteria.models import AssessmentRound
from criteria.services.assessment import round_return_to_commune, round_verify
from ntm_portal.choices import Role
from tests.browser.conftest import DESKTOP, PHONE, login, nav_link, screenshot
from tests.browser.test_journeys import enter_all_met_and_submit, open_round, round_status
from tests.communes.factories import CommuneFactory
from tests.conftest import LIVE_PROCESSES
from tests.ntm_portal.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

RETURN_COMMENT = "Thiếu phiếu điều tra thu nhập bình quân đầu người năm 2022"


@pytest.mark.parametrize(("viewport", "device"), [(PHONE, "phone"), (DESKTOP, "desk")])
def test_the_district_verifies_half_the_criteria_returns_one_and_the_commune_reads_the_comment(
    new_page, geography, district_officer_a, commune_official_a1, viewport, device
):
    assessment_round = enter_all_met_and_submit(
        commune_official_a1, open_round(commune_official_a1, geography.commune_a1)
    )
    criteria = {c.number: c for c in assessment_round.criteria_set.criteria.all()}

    page = new_page(viewport=viewport)
    login(page, "officer_a")
    page.goto(f"/assessments/{assessment_round.pk}/")
    expect(round_status(page)).to_have_text("Đã gửi thẩm tra")
    for number in range(1, 10):
        page.locator(f'input[name="review_{criteria[number].pk}"][value="verified"]').check()
    page.locator(f'input[name="review_{criteria[10].pk}"][value="returned"]').check()
    page.locator(f'textarea[name="comment_{criteria[10].pk}"]').fill(RETURN_COMMENT)
    screenshot(page, f"review-{device}-district-marks-half-and-returns-one")
    page.get_by_role("button", name="Lưu kết quả thẩm tra").click()
    page.wait_for_load_state()

    expect(round_status(page)).to_have_text("Bị trả lại")
    expect(page.locator(".review-progress")).to_contain_text("9 tiêu chí đạt, 1 trả lại, 9 chưa thẩm tra")
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.RETURNED
    marks = dict(assessment_round.criterion_results.values_list("criterion__number", "review_state"))
    assert [n for n, mark in marks.items() if mark == ReviewState.VERIFIED] == list(range(1, 10))
    assert marks[10] == ReviewState.RETURNED

    page = new_page(viewport=viewport)
    login(page, "official_a1")
    page.goto(f"/assessments/{assessment_round.pk}/")
    expect(page.locator(".returned-criteria")).to_contain_text(f"10. Thu nhập: “{RETURN_COMMENT}”")
    tenth = page.locator("#criterion-10")
    expect(tenth).to_contain_text(RETURN_COMMENT)
    expect(tenth).to_contain_text("Bị trả lại")
    expect(page.locator("#criterion-1")).to_contain_text("Đạt thẩm tra")
    screenshot(page, f"review-{device}-commune-reads-the-returned-criterion")


@pytest.mark.parametrize(("viewport", "device"), [(PHONE, "phone"), (DESKTOP, "desk")])
def test_the_commune_official_lands_on_the_returned_round_and_its_comment(
    new_page, geography, district_officer_a, commune_official_a1, viewport, device
):
    assessment_round = enter_all_met_and_submit(
        commune_official_a1, open_round(commune_official_a1, geography.commune_a1)
    )
    tenth = assessment_round.criteria_set.criteria.get(number=10)
    round_return_to_commune(
        user=district_officer_a, assessment_round=assessment_round, comments={tenth.pk: RETURN_COMMENT}
    )

    page = new_page(viewport=viewport)
    login(page, "official_a1")  # lands on the commune's page

    todo = page.locator("section.todo")
    expect(todo).to_contain_text("Kỳ đánh giá bị trả lại")
    expect(todo).to_contain_text(RETURN_COMMENT)
    expect(page.locator("header nav")).to_contain_text("Việc cần làm")
    screenshot(page, f"review-{device}-commune-landing-page-returned-round")
    todo.get_by_role("link", name="Sửa và gửi lại").click()
    expect(round_status(page)).to_have_text("Bị trả lại")


@pytest.mark.parametrize(("viewport", "device"), [(PHONE, "phone"), (DESKTOP, "desk")])
def test_the_coordinator_bulk_approves_three_communes_after_a_confirmation(
    new_page, geography, province_coordinator, district_officer_a, viewport, device
):
    communes = [
        geography.commune_a1,
        *(CommuneFactory(name=f"Xã Thử {n}", parent=geography.district_a) for n in (1, 2)),
    ]
    rounds = []
    for commune in communes:
        official = UserFactory(role=Role.COMMUNE_OFFICIAL, unit=commune)
        assessment_round = enter_all_met_and_submit(official, open_round(official, commune))
        round_verify(user=district_officer_a, assessment_round=assessment_round)
        rounds.append(assessment_round)

    page = new_page(viewport=viewport)
    login(page, "coordinator")
    queue_link = nav_link(page, "Chờ thẩm định")
    expect(queue_link).to_contain_text("3")
    queue_link.click()
    for commune in communes:
        page.get_by_label(f"Chọn {commune.name}, năm 2022").check()
    screenshot(page, f"review-{device}-approval-queue-three-selected")
    page.get_by_role("button", name="Thẩm định các xã đã chọn").click()
    page.wait_for_load_state()
    for commune in communes:
        expect(page.locator("main")).to_contain_text(commune.name)
    assert all(r.status == RoundStatus.VERIFIED for r in AssessmentRound.objects.filter(pk__in=[r.pk for r in rounds]))
    screenshot(page, f"review-{device}-bulk-approval-confirmation")
    page.get_by_role("button", name=re.compile("Thẩm định đạt: 3 xã|: 3 xã")).click()
    page.wait_for_load_state()

    statuses = set(AssessmentRound.objects.filter(pk__in=[r.pk for r in rounds]).values_list("status", flat=True))
    assert statuses == {RoundStatus.APPROVED}
    screenshot(page, f"review-{device}-bulk-approval-done")
