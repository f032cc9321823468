"""The permission matrix of the assessment workflow, through the browser views.

Every persona tries every action on a round of commune A1 (the own unit of the A-side personas) and on a round of
commune B1 (another district's commune), each round first put in the state the action needs, so that a refusal can
only come from the role or the unit. Allowed: the action succeeds and the database shows it. Refused: 403 (the
round is in scope but the role may not), 404 (the round is out of scope), or the login page for anonymous, and the
database is unchanged.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit, Recognition
from communes.permissions import units_in_scope
from criteria.choices import ChangeKind, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, CriterionResult, EvidenceFile
from ntm_portal.access import Action, action_q, can
from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, ProvinceFactory
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, CriterionResultFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND, LOGIN = "ok", 403, 404, "login"

ACTIONS = (
    "view",
    "save",
    "evidence",
    "submit",
    "verify",
    "return_to_commune",
    "approve",
    "return_to_district",
    "reopen",
    "recognise",
    "history",
    "template",
    "review",
    "revoke_recognition",
    "withdraw",
)

# fmt: off
EXPECTED = {
    #                                       view       save       evidence   submit     verify     return_to_commune
    #                                       approve    return_to_district    reopen     recognise  history    template
    #                                       review     revoke_recognition    withdraw
    ("province_coordinator", "A1"):        (OK,        OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                            OK,        OK,        OK,        OK,        OK,        OK,
                                            FORBIDDEN, OK,        FORBIDDEN),
    ("province_coordinator", "B1"):        (OK,        OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                            OK,        OK,        OK,        OK,        OK,        OK,
                                            FORBIDDEN, OK,        FORBIDDEN),
    ("district_officer_a", "A1"):          (OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN,
                                            OK,        FORBIDDEN, FORBIDDEN),
    ("district_officer_a", "B1"):          (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("commune_official_a1", "A1"):         (OK,        OK,        OK,        OK,        FORBIDDEN, FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,
                                            FORBIDDEN, FORBIDDEN, OK),
    ("commune_official_a1", "B1"):         (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("commune_official_b1", "A1"):         (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("commune_official_b1", "B1"):         (OK,        OK,        OK,        OK,        FORBIDDEN, FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,
                                            FORBIDDEN, FORBIDDEN, OK),
    ("agency_liaison", "A1"):              (OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ("agency_liaison", "B1"):              (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                            NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("province_viewer", "A1"):             (OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ("province_viewer", "B1"):             (OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN,
                                            FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ("anonymous", "A1"):                   (LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,
                                            LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,
                                            LOGIN,     LOGIN,     LOGIN),
    ("anonymous", "B1"):                   (LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,
                                            LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,     LOGIN,
                                            LOGIN,     LOGIN,     LOGIN),
}
# fmt: on

# The state each action needs, so that only the role and the unit decide.
STATE_FOR = {
    "view": RoundStatus.DRAFT,
    "save": RoundStatus.DRAFT,
    "evidence": RoundStatus.DRAFT,
    "submit": RoundStatus.DRAFT,
    "verify": RoundStatus.SUBMITTED,
    "return_to_commune": RoundStatus.SUBMITTED,
    "approve": RoundStatus.VERIFIED,
    "return_to_district": RoundStatus.VERIFIED,
    "reopen": RoundStatus.APPROVED,
    "recognise": RoundStatus.APPROVED,
    "history": RoundStatus.DRAFT,
    "template": RoundStatus.DRAFT,
    "review": RoundStatus.SUBMITTED,
    "revoke_recognition": RoundStatus.APPROVED,  # with a recognition decision (prepare_for)
    "withdraw": RoundStatus.DRAFT,  # empty, opened by the commune's official (prepare_for)
}

CASES = [
    pytest.param(persona, target, action, outcome, id=f"{persona}-{target}-{action}")
    for (persona, target), outcomes in EXPECTED.items()
    for action, outcome in zip(ACTIONS, outcomes, strict=True)
]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def province_viewer(geography):
    return UserFactory(username="viewer", role=Role.VIEWER, unit=geography.province)


@pytest.fixture
def anonymous():
    return None


def round_in_state(commune, status):
    """A 2022 round of a 3-criterion national set, every criterion met (so it may be submitted and recognised)."""
    criteria_set = CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=2022, status=status)
    for criterion in criteria_set.criteria.all():
        CriterionResultFactory(assessment_round=assessment_round, criterion=criterion, met=True)
    AssessmentChange.objects.create(
        assessment_round=assessment_round,
        commune=commune,
        kind=ChangeKind.CREATED,
        field="status",
        old_value=None,
        new_value=RoundStatus.DRAFT,
    )
    return assessment_round


def snapshot(assessment_round) -> dict:
    assessment_round.refresh_from_db()
    assessment_round.commune.refresh_from_db()
    return {
        "status": assessment_round.status,
        "version": assessment_round.version,
        "changes": AssessmentChange.objects.filter(assessment_round=assessment_round).count(),
        "evidence": EvidenceFile.objects.filter(assessment_round=assessment_round).count(),
        "recognitions": Recognition.objects.count(),
        "revoked": Recognition.objects.filter(revoked_on__isnull=False).count(),
        "results": list(
            CriterionResult.objects.filter(assessment_round=assessment_round)
            .order_by("criterion__number")
            .values_list("met", "review_comment")
        ),
        "ntm_level": assessment_round.commune.ntm_level,
    }


def attempt(client, action: str, assessment_round):
    """The request the browser sends for `action`, as the round page's forms would."""
    pk = assessment_round.pk
    criteria = list(assessment_round.criteria_set.criteria.order_by("number"))
    if action == "view":
        return client.get(reverse("criteria:round_detail", args=[pk]))
    if action == "save":
        data = {"version": assessment_round.version}
        for criterion in criteria:
            data[f"criterion_{criterion.pk}"] = "no" if criterion.number == 1 else "yes"
            data[f"note_{criterion.pk}"] = ""
        return client.post(reverse("criteria:round_detail", args=[pk]), data)
    if action == "evidence":
        upload = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bien ban", content_type="application/pdf")
        return client.post(reverse("criteria:evidence_add", args=[pk]), {"file": upload, "description": "Biên bản"})
    if action == "submit":
        return client.post(reverse("criteria:round_submit", args=[pk]), {"version": assessment_round.version})
    if action == "verify":
        return client.post(reverse("criteria:round_verify", args=[pk]), {"comment": "Đủ hồ sơ"})
    if action == "return_to_commune":
        data = {f"comment_{criteria[0].pk}": "Thiếu biên bản", "comment": ""}
        return client.post(reverse("criteria:round_return_to_commune", args=[pk]), data)
    if action == "approve":
        return client.post(reverse("criteria:round_approve", args=[pk]), {"comment": ""})
    if action == "return_to_district":
        return client.post(reverse("criteria:round_return_to_district", args=[pk]), {"comment": "Thẩm tra lại"})
    if action == "reopen":
        return client.post(reverse("criteria:round_reopen", args=[pk]), {"comment": "Rà soát lại"})
    if action == "recognise":
        data = {
            "decision_number": "9/QĐ-UBND",
            "decision_date": "2023-02-01",
            "signer": "Chủ tịch UBND tỉnh",
            "level": NtmLevel.STANDARD,
        }
        return client.post(reverse("criteria:round_recognise", args=[pk]), data)
    if action == "review":
        data = {f"review_{criterion.pk}": "verified" for criterion in criteria}
        return client.post(reverse("criteria:round_review", args=[pk]), {**data, "comment": ""})
    if action == "revoke_recognition":
        data = {"comment": "Xã vi phạm tiêu chí môi trường", "revoked_on": "2024-03-01"}
        return client.post(reverse("criteria:round_revoke_recognition", args=[pk]), data)
    if action == "withdraw":
        return client.post(reverse("criteria:round_withdraw", args=[pk]))
    if action == "history":
        return client.get(reverse("criteria:commune_history", args=[assessment_round.commune_id]))
    if action == "template":
        return client.get(reverse("criteria:excel_template"), {"unit": assessment_round.commune_id, "year": 2022})
    raise AssertionError(action)


def assert_done(action: str, response, assessment_round, before: dict) -> None:
    """The allowed action took effect: the page, the file, or the change in the database."""
    if action == "withdraw":
        assert response.status_code == 302 and response["Location"] == reverse("criteria:round_list")
        assert not AssessmentRound.objects.filter(pk=assessment_round.pk).exists()
        assert AssessmentChange.objects.filter(commune=assessment_round.commune, kind=ChangeKind.WITHDRAWN).exists()
        return
    after = snapshot(assessment_round)
    if action in ("view", "history"):
        assert response.status_code == 200
        assert assessment_round.commune.name in response.content.decode()
        assert after == before
        return
    if action == "template":
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert after == before
        return
    assert response.status_code == 302
    assert response["Location"] == reverse("criteria:round_detail", args=[assessment_round.pk])
    assert after["version"] > before["version"] and after["changes"] > before["changes"]
    expected_status = {
        "save": RoundStatus.DRAFT,
        "evidence": RoundStatus.DRAFT,
        "submit": RoundStatus.SUBMITTED,
        "verify": RoundStatus.VERIFIED,
        "return_to_commune": RoundStatus.RETURNED,
        "approve": RoundStatus.APPROVED,
        "return_to_district": RoundStatus.SUBMITTED,
        "reopen": RoundStatus.VERIFIED,
        "recognise": RoundStatus.APPROVED,
        "review": RoundStatus.VERIFIED,
        "revoke_recognition": RoundStatus.APPROVED,
    }[action]
    assert after["status"] == expected_status
    if action == "save":
        assert after["results"][0] == (False, "")
    if action == "evidence":
        assert after["evidence"] == before["evidence"] + 1
    if action == "return_to_commune":
        assert after["results"][0] == (True, "Thiếu biên bản")
    if action == "recognise":
        assert after["recognitions"] == before["recognitions"] + 1 and after["ntm_level"] == NtmLevel.STANDARD
    if action == "revoke_recognition":
        assert after["revoked"] == before["revoked"] + 1 and after["ntm_level"] == NtmLevel.NOT_YET


def prepare_for(action: str, assessment_round, request) -> None:
    """What a few actions need beyond the state: a decision to revoke; an empty round its commune's official opened."""
    commune = assessment_round.commune
    if action == "revoke_recognition":
        recognition = Recognition.objects.create(
            commune=commune,
            level=NtmLevel.STANDARD,
            year=2022,
            decision_number="5/QĐ-UBND",
            decision_date=datetime.date(2023, 1, 5),
            signer="Chủ tịch UBND tỉnh",
            assessment_round=assessment_round,
        )
        AdministrativeUnit.objects.filter(pk=commune.pk).update(ntm_level=NtmLevel.STANDARD, recognition=recognition)
    if action == "withdraw":
        assessment_round.criterion_results.update(met=None)
        official = "commune_official_a1" if commune.name == "Xã Phú Đình" else "commune_official_b1"
        opener = request.getfixturevalue(official)
        assessment_round.changes.filter(kind=ChangeKind.CREATED).update(changed_by=opener)


@pytest.mark.parametrize(("persona", "target", "action", "outcome"), CASES)
def test_the_permission_matrix_holds_through_the_browser(request, client, geography, persona, target, action, outcome):
    user = request.getfixturevalue(persona)
    commune = {"A1": geography.commune_a1, "B1": geography.commune_b1}[target]
    assessment_round = round_in_state(commune, STATE_FOR[action])
    prepare_for(action, assessment_round, request)
    if user is not None:
        client.force_login(user)
    before = snapshot(assessment_round)

    response = attempt(client, action, assessment_round)

    if outcome == OK:
        assert_done(action, response, assessment_round, before)
        return
    if outcome == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == outcome
    if outcome == FORBIDDEN:
        assert "Không có quyền thực hiện" in response.content.decode()  # the AccessDenied message's page
    assert snapshot(assessment_round) == before


def test_the_matrix_covers_every_persona_target_and_action():
    personas = {persona for persona, _target in EXPECTED}
    assert len(personas) == 7 and {target for _persona, target in EXPECTED} == {"A1", "B1"}
    assert len(CASES) == 7 * 2 * len(ACTIONS) == 210
    assert set(STATE_FOR) == set(ACTIONS)


# --- action_q: can() as a queryset condition -------------------------------------------------------------------


@pytest.fixture
def everyone(
    geography,
    province_coordinator,
    district_officer_a,
    commune_official_a1,
    commune_official_b1,
    agency_liaison,
    province_viewer,
):
    other_province = ProvinceFactory(name="Tỉnh Bắc Kạn")
    inactive = UserFactory(username="retired", role=Role.DISTRICT_OFFICER, unit=geography.district_a, is_active=False)
    return [
        province_coordinator,
        district_officer_a,
        commune_official_a1,
        commune_official_b1,
        agency_liaison,
        province_viewer,
        inactive,
        UserFactory(username="admin", is_superuser=True),
        UserFactory(username="elsewhere", role=Role.PROVINCE_COORDINATOR, unit=other_province),
        UserFactory(username="no_unit", role=Role.DISTRICT_OFFICER),
    ]


def test_action_q_selects_exactly_the_communes_where_can_holds(geography, everyone):
    # A commune directly under its province (the 2-level structure since 2025): the province verifies it.
    directly_under_province = CommuneFactory(name="Xã Thần Sa", parent=geography.province)
    communes = [geography.commune_a1, geography.commune_a2, geography.commune_b1, directly_under_province]
    rounds = {c.pk: round_in_state(c, RoundStatus.DRAFT) for c in communes}
    for user in everyone:
        for action in Action:
            allowed = {c.pk for c in communes if can(user, action, c)}
            as_units = set(
                AdministrativeUnit.objects.filter(action_q(user, action, path=""), pk__in=rounds).values_list(
                    "pk", flat=True
                )
            )
            as_rounds = set(
                AssessmentRound.objects.filter(
                    action_q(user, action), pk__in=[r.pk for r in rounds.values()]
                ).values_list("commune_id", flat=True)
            )
            assert as_units == allowed, (user.username, action)
            assert as_rounds == allowed, (user.username, action)


def test_the_province_coordinator_verifies_only_communes_without_a_district(geography, province_coordinator):
    directly_under_province = CommuneFactory(name="Xã Thần Sa", parent=geography.province)

    verifiable = AdministrativeUnit.objects.communes().filter(action_q(province_coordinator, Action.VERIFY, path=""))

    assert list(verifiable) == [directly_under_province]


def test_a_coordinator_verifies_a_round_of_a_commune_without_a_district_in_the_browser(
    client, geography, province_coordinator
):
    commune = CommuneFactory(name="Xã Thần Sa", parent=geography.province)
    assessment_round = round_in_state(commune, RoundStatus.SUBMITTED)
    client.force_login(province_coordinator)

    queue = client.get(reverse("criteria:verification_queue"))
    response = client.post(reverse("criteria:round_verify", args=[assessment_round.pk]), {"comment": ""})

    assert list(queue.context["page"].object_list) == [assessment_round]
    assert response.status_code == 302
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.VERIFIED


def test_units_in_scope_are_the_users_unit_and_the_units_under_it(geography, everyone):
    coordinator, officer, official_a1, _official_b1, liaison, viewer, inactive, superuser, elsewhere, no_unit = everyone
    everything = set(AdministrativeUnit.objects.values_list("pk", flat=True))
    province_wide = {
        geography.province.pk,
        geography.district_a.pk,
        geography.district_b.pk,
        geography.commune_a1.pk,
        geography.commune_a2.pk,
        geography.commune_b1.pk,
    }

    def scope(user):
        return set(units_in_scope(user).values_list("pk", flat=True))

    assert scope(coordinator) == scope(viewer) == province_wide
    assert scope(officer) == {geography.district_a.pk, geography.commune_a1.pk, geography.commune_a2.pk}
    assert scope(official_a1) == scope(liaison) == {geography.commune_a1.pk}
    assert scope(superuser) == everything
    assert scope(elsewhere) == {elsewhere.unit_id}
    assert scope(inactive) == scope(no_unit) == set()
