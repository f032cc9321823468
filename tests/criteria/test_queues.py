"""The review queues (issue 15): only what waits, one line per commune, filters and sort, bulk actions through a
confirmation page (all or nothing), the navigation's counts, and fixed query counts."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from communes.choices import NtmLevel
from criteria.choices import ChangeKind, ReviewState, RoundStatus, SetLevel
from criteria.models import AssessmentChange, AssessmentRound, CriterionResult
from criteria.selectors import approval_queue, verification_queue
from tests.communes.factories import CommuneFactory, RecognitionFactory
from tests.criteria.factories import AssessmentChangeFactory, AssessmentRoundFactory, CriteriaSetFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def basic_set(db):
    """A national basic set covering 2016–2025 with 3 criteria: small rounds, the same rules."""
    return CriteriaSetFactory(
        code="co-ban", name="Bộ tiêu chí cơ bản", period_start=2016, period_end=2025, criteria_count=3
    )


@pytest.fixture
def advanced_set(db):
    return CriteriaSetFactory(
        code="nang-cao",
        name="Bộ tiêu chí nâng cao",
        period_start=2021,
        period_end=2025,
        level=SetLevel.ADVANCED,
        criteria_count=3,
    )


def make_round(commune, criteria_set, year, status, *, met=None, waited_days=None):
    """A round in `status` whose criteria are all met (or the first `met` of them), its last change of state
    `waited_days` ago."""
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=year, status=status)
    criteria = list(criteria_set.criteria.order_by("number"))
    CriterionResult.objects.bulk_create(
        CriterionResult(assessment_round=assessment_round, criterion=c, met=met is None or n < met)
        for n, c in enumerate(criteria)
    )
    from criteria import ledger  # noqa: PLC0415

    ledger.refresh_communes([commune.pk])
    if waited_days is not None:
        AssessmentChangeFactory(
            assessment_round=assessment_round,
            new_value=status,
            changed_at=timezone.now() - datetime.timedelta(days=waited_days),
        )
    assessment_round.refresh_from_db()
    return assessment_round


def lines(response) -> list[tuple[str, int]]:
    return [(row.round.commune.name, row.round.year) for row in response.context["rows"]]


def html(response) -> str:
    return response.content.decode()


# --- what the approval queue holds -------------------------------------------------------------------------------


def test_a_commune_recognised_in_2016_does_not_flood_the_approval_queue(
    client, geography, basic_set, province_coordinator
):
    phuc_ha = CommuneFactory(name="Xã Phúc Hà", parent=geography.district_a)
    rounds = {year: make_round(phuc_ha, basic_set, year, RoundStatus.APPROVED) for year in range(2016, 2025)}
    RecognitionFactory(
        commune=phuc_ha,
        assessment_round=rounds[2016],
        year=2016,
        level=NtmLevel.STANDARD,
        decision_date=datetime.date(2016, 12, 20),
    )
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    assert response.status_code == 200
    assert lines(response) == []
    assert "Xã Phúc Hà" not in html(response)
    assert "Không có kỳ đánh giá nào đang chờ." in html(response)


def test_a_commune_not_yet_recognised_appears_once_with_its_latest_all_met_round(
    client, geography, basic_set, province_coordinator
):
    for year in (2021, 2022, 2023):
        make_round(geography.commune_a1, basic_set, year, RoundStatus.APPROVED)
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.APPROVED, met=2)  # 2/3: nothing to recognise
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    assert lines(response) == [("Xã Phú Đình", 2023)]
    assert "Ghi quyết định công nhận" in html(response)
    assert "Xã Sơn Phú" not in html(response)


def test_a_commune_at_the_standard_still_waits_for_its_advanced_recognition(
    client, geography, basic_set, advanced_set, province_coordinator
):
    basic = make_round(geography.commune_a1, basic_set, 2018, RoundStatus.APPROVED)
    RecognitionFactory(
        commune=geography.commune_a1, assessment_round=basic, year=2018, decision_date=datetime.date(2018, 12, 1)
    )
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.APPROVED)  # the standard is held: not again
    make_round(geography.commune_a1, advanced_set, 2022, RoundStatus.APPROVED)
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    # One line per commune, its latest waiting round: the advanced 2022 one (the basic 2023 one does not wait).
    assert lines(response) == [("Xã Phú Đình", 2022)]


def test_a_revoked_recognition_puts_the_commune_back_in_the_queue(client, geography, basic_set, province_coordinator):
    old = make_round(geography.commune_a1, basic_set, 2016, RoundStatus.APPROVED)
    RecognitionFactory(
        commune=geography.commune_a1,
        assessment_round=old,
        year=2016,
        decision_date=datetime.date(2016, 12, 1),
        revoked_on=datetime.date(2020, 1, 10),
    )
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.APPROVED)
    client.force_login(province_coordinator)

    assert lines(client.get(reverse("criteria:approval_queue"))) == [("Xã Phú Đình", 2023)]


def test_the_approval_queue_shows_a_verified_round_before_an_older_approved_one_of_the_same_commune(
    client, geography, basic_set, province_coordinator
):
    make_round(geography.commune_a1, basic_set, 2022, RoundStatus.APPROVED)
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.VERIFIED)
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    assert lines(response) == [("Xã Phú Đình", 2023)]
    assert "Thẩm định" in html(response)


def test_the_verification_queue_lists_only_the_officers_district_one_line_per_commune(
    client, geography, basic_set, district_officer_a
):
    make_round(geography.commune_a1, basic_set, 2022, RoundStatus.SUBMITTED)
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.DRAFT)
    make_round(geography.commune_b1, basic_set, 2023, RoundStatus.SUBMITTED)  # district B's
    client.force_login(district_officer_a)

    response = client.get(reverse("criteria:verification_queue"))

    assert lines(response) == [("Xã Phú Đình", 2023)]
    assert "Xã Yên Ninh" not in html(response)


def test_a_commune_official_has_no_queue(client, geography, basic_set, commune_official_a1):
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    client.force_login(commune_official_a1)

    assert lines(client.get(reverse("criteria:verification_queue"))) == []
    assert lines(client.get(reverse("criteria:approval_queue"))) == []


# --- filters and sort --------------------------------------------------------------------------------------------


@pytest.fixture
def waiting(geography, basic_set, advanced_set):
    """Verified rounds: A1 2023 (waiting 40 days), A2 2022 (10 days), B1 2023 advanced (3 days)."""
    return {
        "a1": make_round(geography.commune_a1, basic_set, 2023, RoundStatus.VERIFIED, waited_days=40),
        "a2": make_round(geography.commune_a2, basic_set, 2022, RoundStatus.VERIFIED, waited_days=10),
        "b1": make_round(geography.commune_b1, advanced_set, 2023, RoundStatus.VERIFIED, waited_days=3),
    }


def test_the_queue_shows_the_longest_waiting_first_and_toggles(client, waiting, province_coordinator):
    client.force_login(province_coordinator)
    url = reverse("criteria:approval_queue")

    longest_first = client.get(url)
    newest_first = client.get(url, {"sort": "recent"})

    assert lines(longest_first) == [("Xã Phú Đình", 2023), ("Xã Sơn Phú", 2022), ("Xã Yên Ninh", 2023)]
    assert lines(newest_first) == [("Xã Yên Ninh", 2023), ("Xã Sơn Phú", 2022), ("Xã Phú Đình", 2023)]
    assert "40 ngày" in html(longest_first)
    assert "Xếp: mới chuyển đến trước" in html(longest_first) and "Xếp: chờ lâu nhất trước" in html(newest_first)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"district_id": "district_b"}, [("Xã Yên Ninh", 2023)]),
        ({"criteria_set": "advanced"}, [("Xã Yên Ninh", 2023)]),
        ({"year": "2022"}, [("Xã Sơn Phú", 2022)]),
        ({"waiting_days": "7"}, [("Xã Phú Đình", 2023), ("Xã Sơn Phú", 2022)]),
        ({"waiting_days": "30"}, [("Xã Phú Đình", 2023)]),
        ({"status": RoundStatus.APPROVED}, []),
        ({"status": RoundStatus.VERIFIED}, [("Xã Phú Đình", 2023), ("Xã Sơn Phú", 2022), ("Xã Yên Ninh", 2023)]),
    ],
)
def test_each_filter_narrows_the_queue(
    client, waiting, geography, advanced_set, province_coordinator, params, expected
):
    values = {"district_b": geography.district_b.pk, "advanced": advanced_set.pk}
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"), {k: values.get(v, v) for k, v in params.items()})

    assert response.status_code == 200
    assert lines(response) == expected


def test_a_filter_picks_each_communes_latest_round_among_the_matching_ones(
    client, geography, basic_set, district_officer_a
):
    make_round(geography.commune_a1, basic_set, 2022, RoundStatus.SUBMITTED)
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    client.force_login(district_officer_a)

    assert lines(client.get(reverse("criteria:verification_queue"), {"year": 2022})) == [("Xã Phú Đình", 2022)]


def test_a_wrong_filter_value_says_so_and_shows_the_whole_queue(client, waiting, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"), {"waiting_days": "-3"})

    assert response.status_code == 200
    assert len(lines(response)) == 3
    assert response.context["filterset"].form.errors["waiting_days"]


def test_the_state_filter_offers_the_states_of_the_queues_transitions(client, waiting, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    choices = [value for value, _label in response.context["filterset"].form.fields["status"].choices if value]
    assert choices == [RoundStatus.VERIFIED, RoundStatus.APPROVED]


def test_the_queue_exports_its_lines_to_excel_with_the_new_columns(client, waiting, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"), {"format": "xlsx", "year": 2023})

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][-4:] == ("Bộ tiêu chí", "Việc cần làm", "Chờ từ", "Số ngày chờ")
    assert [(row[1], row[3], row[-3], row[-1]) for row in rows[1:]] == [
        ("Xã Phú Đình", 2023, "Thẩm định", 40),
        ("Xã Yên Ninh", 2023, "Thẩm định", 3),
    ]


# --- bulk actions --------------------------------------------------------------------------------------------------


def bulk_url(name: str) -> str:
    return reverse("criteria:queue_bulk", args=[name])


def approvals() -> int:
    return AssessmentChange.objects.filter(kind=ChangeKind.STATE, new_value=RoundStatus.APPROVED).count()


def test_bulk_approval_of_three_communes_goes_through_the_confirmation_page(client, waiting, province_coordinator):
    client.force_login(province_coordinator)
    selected = [r.pk for r in waiting.values()]

    queue = client.get(reverse("criteria:approval_queue"))
    confirmation = client.post(bulk_url("approve"), {"rounds": selected})

    assert "Thẩm định các xã đã chọn" in html(queue)
    assert confirmation.status_code == 200
    assert approvals() == 0  # the first POST only asks
    page = html(confirmation)
    assert "Đã thẩm tra → Tỉnh đã thẩm định" in page
    for name in ("Xã Phú Đình", "Xã Sơn Phú", "Xã Yên Ninh"):
        assert name in page
    assert "3/3" in page

    applied = client.post(bulk_url("approve"), {"rounds": selected, "confirm": "1"}, follow=True)

    assert approvals() == 3
    assert set(AssessmentRound.objects.filter(pk__in=selected).values_list("status", flat=True)) == {
        RoundStatus.APPROVED
    }
    assert "Đã “Thẩm định” 3 xã" in html(applied)
    # Approved with every criterion met and no decision yet: back in the queue, now for the recognition decision.
    assert {row.transition.name for row in applied.context["rows"]} == {"recognise"}
    assert AssessmentRound.objects.filter(pk__in=selected, approved_on=timezone.localdate()).count() == 3


def test_a_selection_with_one_refusing_round_writes_nothing_and_says_which(
    client, waiting, geography, basic_set, province_coordinator
):
    not_verified = make_round(
        CommuneFactory(name="Xã Bảo Cường", parent=geography.district_a), basic_set, 2023, RoundStatus.SUBMITTED
    )
    client.force_login(province_coordinator)
    selected = [*(r.pk for r in waiting.values()), not_verified.pk]
    log_lines = AssessmentChange.objects.count()

    confirmation = client.post(bulk_url("approve"), {"rounds": selected})
    response = client.post(bulk_url("approve"), {"rounds": selected, "confirm": "1"})

    assert "Xã Bảo Cường" in html(confirmation) and "Không thể xử lý" in html(confirmation)
    assert response.status_code == 409
    assert approvals() == 0 and AssessmentChange.objects.count() == log_lines
    assert not AssessmentRound.objects.filter(status=RoundStatus.APPROVED).exists()
    page = html(response)
    assert "Chưa ghi gì" in page
    assert "Xã Bảo Cường (2023)" in page and "Đã gửi thẩm tra" in page


def test_a_round_changed_after_the_confirmation_refuses_the_whole_bulk_verification(
    client, geography, basic_set, district_officer_a
):
    a1 = make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    a2 = make_round(geography.commune_a2, basic_set, 2023, RoundStatus.SUBMITTED)
    client.force_login(district_officer_a)
    confirmation = client.post(bulk_url("verify"), {"rounds": [a1.pk, a2.pk]})
    assert "Đã gửi thẩm tra → Đã thẩm tra" in html(confirmation)
    AssessmentRound.objects.filter(pk=a2.pk).update(version=a2.version + 1)  # someone saved it meanwhile

    versions = {f"version_{r.pk}": r.version for r in (a1, a2)}
    response = client.post(bulk_url("verify"), {"rounds": [a1.pk, a2.pk], "confirm": "1", **versions})

    assert response.status_code == 409
    assert set(AssessmentRound.objects.filter(pk__in=[a1.pk, a2.pk]).values_list("status", flat=True)) == {
        RoundStatus.SUBMITTED
    }
    assert "Xã Sơn Phú (2023)" in html(response)


def test_bulk_verification_verifies_every_criterion_of_each_round(client, geography, basic_set, district_officer_a):
    rounds = [
        make_round(c, basic_set, 2023, RoundStatus.SUBMITTED) for c in (geography.commune_a1, geography.commune_a2)
    ]
    client.force_login(district_officer_a)

    response = client.post(bulk_url("verify"), {"rounds": [r.pk for r in rounds], "confirm": "1"})

    assert response.status_code == 302
    assert (
        list(AssessmentRound.objects.filter(pk__in=[r.pk for r in rounds]).values_list("status", flat=True))
        == [RoundStatus.VERIFIED] * 2
    )
    marks = CriterionResult.objects.filter(assessment_round__in=rounds).values_list("review_state", flat=True)
    assert set(marks) == {ReviewState.VERIFIED}


def test_a_round_with_a_returned_mark_is_refused_on_the_confirmation_page(
    client, geography, basic_set, district_officer_a
):
    marked = make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)
    CriterionResult.objects.filter(assessment_round=marked, criterion__number=2).update(
        review_state=ReviewState.RETURNED, review_comment="Thiếu biên bản"
    )
    client.force_login(district_officer_a)

    response = client.post(bulk_url("verify"), {"rounds": [marked.pk]})

    assert "Có tiêu chí đang được đánh dấu trả lại" in html(response)
    assert 'name="confirm"' not in html(response)


def test_a_district_officer_cannot_bulk_approve(client, waiting, district_officer_a):
    client.force_login(district_officer_a)
    selected = [waiting["a1"].pk, waiting["a2"].pk]

    confirmation = client.post(bulk_url("approve"), {"rounds": selected})
    response = client.post(bulk_url("approve"), {"rounds": selected, "confirm": "1"})

    assert "Chỉ Văn phòng Điều phối tỉnh quản lý Xã Phú Đình được thẩm định." in html(confirmation)
    assert response.status_code == 409 and approvals() == 0


def test_another_provinces_round_counts_as_missing_and_nothing_is_written(
    client, waiting, province_coordinator, basic_set
):
    elsewhere = make_round(CommuneFactory(), basic_set, 2023, RoundStatus.VERIFIED)
    client.force_login(province_coordinator)

    response = client.post(bulk_url("approve"), {"rounds": [waiting["a1"].pk, elsewhere.pk], "confirm": "1"})

    assert response.status_code == 409 and approvals() == 0
    assert "không còn hoặc bạn không được xem" in html(response)


def test_the_selection_is_capped(client, waiting, province_coordinator):
    client.force_login(province_coordinator)

    response = client.post(bulk_url("approve"), {"rounds": list(range(1, 202))}, follow=True)

    assert "mỗi lần chỉ được chọn tối đa 200 xã" in html(response)
    assert approvals() == 0


def test_an_empty_selection_goes_back_to_the_queue(client, waiting, province_coordinator):
    client.force_login(province_coordinator)

    response = client.post(bulk_url("approve"), {"back": "year=2023"})

    assert response.status_code == 302 and response["Location"] == reverse("criteria:approval_queue") + "?year=2023"


def test_a_transition_that_is_not_bulk_has_no_bulk_route(client, province_coordinator):
    client.force_login(province_coordinator)

    assert client.post(bulk_url("recognise"), {"rounds": [1]}).status_code == 404
    assert client.get(bulk_url("approve")).status_code == 405


# --- counts in the navigation --------------------------------------------------------------------------------------


def badge(page: str, label: str) -> str | None:
    """The count shown beside a navigation link, or None."""
    start = page.index(f">{label}")
    end = page.index("</a>", start)
    link = page[start:end]
    if 'class="badge"' not in link:
        return None
    return link.split('class="badge"')[1].split(">")[1].split("<")[0]


def test_the_navigation_counts_the_communes_waiting_in_each_queue(
    client, geography, basic_set, province_coordinator, district_officer_a
):
    make_round(geography.commune_a1, basic_set, 2022, RoundStatus.SUBMITTED)
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.SUBMITTED)  # the same commune: one
    make_round(geography.commune_a2, basic_set, 2023, RoundStatus.SUBMITTED)
    make_round(geography.commune_b1, basic_set, 2023, RoundStatus.VERIFIED)
    client.force_login(district_officer_a)
    officer_page = html(client.get(reverse("criteria:round_list")))
    client.force_login(province_coordinator)
    coordinator_page = html(client.get(reverse("criteria:round_list")))

    assert badge(officer_page, "Chờ thẩm tra") == "2"
    assert "Chờ thẩm định" not in officer_page
    assert badge(coordinator_page, "Chờ thẩm định") == "1"
    assert badge(coordinator_page, "Chờ thẩm tra") is None  # the province has districts: they verify


def test_a_commune_official_sees_the_count_of_rounds_returned_to_them(
    client, geography, basic_set, commune_official_a1
):
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.RETURNED)
    make_round(geography.commune_b1, basic_set, 2023, RoundStatus.RETURNED)  # another commune's
    client.force_login(commune_official_a1)

    page = html(client.get(reverse("criteria:round_list")))

    assert badge(page, "Việc cần làm") == "1"
    assert "Chờ thẩm tra" not in page


def test_the_navigation_counts_cost_one_query(
    client, geography, basic_set, province_coordinator, django_assert_num_queries
):
    from criteria.selectors import waiting_counts  # noqa: PLC0415

    for commune in (geography.commune_a1, geography.commune_a2, geography.commune_b1):
        make_round(commune, basic_set, 2023, RoundStatus.VERIFIED)
    province_coordinator.unit  # noqa: B018 - loaded, as every page has it by then
    # 1: every count, as one aggregate over the rounds waiting for any of them.
    with django_assert_num_queries(1):
        counts = waiting_counts(user=province_coordinator)

    assert counts == {"verification": 0, "approval": 3}


# --- fixed numbers of queries --------------------------------------------------------------------------------------


def queue_queries(client, url, params=None) -> tuple[int, object]:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("kind", ["verification", "approval"])
def test_a_queue_costs_the_same_queries_for_2_communes_as_for_20(
    client, geography, basic_set, district_officer_a, province_coordinator, kind, django_assert_num_queries
):
    user, status = (district_officer_a, RoundStatus.SUBMITTED)
    if kind == "approval":
        user, status = (province_coordinator, RoundStatus.VERIFIED)
    client.force_login(user)
    url = reverse(f"criteria:{kind}_queue")
    for _ in range(2):
        make_round(CommuneFactory(parent=geography.district_a), basic_set, 2023, status, waited_days=5)
    client.get(url)
    expected, _response = queue_queries(client, url, {"year": 2023})
    for _ in range(18):
        commune = CommuneFactory(parent=geography.district_a)
        make_round(commune, basic_set, 2022, status, waited_days=9)
        make_round(commune, basic_set, 2023, status, waited_days=5)
    # 7: session, the user with their unit; the district and set choices of the filter form; the lines counted; one
    # page of them (joins, score, last state change and latest round as subqueries); the navigation's counts.
    assert expected == 7
    with django_assert_num_queries(expected):
        response = client.get(url, {"year": 2023})
    assert len(response.context["page"].object_list) == 20


def test_the_queue_selectors_keep_their_signature_for_callers(geography, basic_set, province_coordinator):
    make_round(geography.commune_a1, basic_set, 2023, RoundStatus.VERIFIED)

    assert [r.commune_id for r in approval_queue(user=province_coordinator)] == [geography.commune_a1.pk]
    assert list(verification_queue(user=province_coordinator)) == []
