"""The permission matrix, through the workflow services: who may do what to which commune's round.

Each cell puts a round in the state its action needs (so that only the user's role and unit can stop it), tries
the action, and checks: allowed → it happened; denied → AccessDenied, in Vietnamese, naming the commune, and nothing
changed (status, version, the audit log, rounds, values, evidence, recognitions).
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from communes.choices import NtmLevel
from communes.models import Recognition
from criteria.choices import ChangeKind, Comparison, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, CriterionResult, EvidenceFile, IndicatorValue
from criteria.services import assessment as workflow
from ntm_portal.access import AccessDenied, Action, can
from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, ProvinceFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionResultFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
)
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTIONS = (
    "view",
    "start_round",
    "save_values",
    "add_evidence",
    "submit",
    "verify",
    "return_to_commune",
    "approve",
    "return_to_district",
    "reopen",
    "record_recognition",
)

Y, n = True, False  # allowed, denied (a lower-case n lets the Y cells stand out)

# Who may do what. A1 is the district-A officer's, the A1 official's and the liaison's own commune; B1 is in the
# same province, district B; Q1 is a commune of another province Q (which has no districts).
MATRIX = {
    #                                  view start save  evid  submit verify retC  appr  retD  reopen recog
    ("province_coordinator", "A1"): (Y, Y, Y, Y, n, n, n, Y, Y, Y, Y),
    ("province_coordinator", "B1"): (Y, Y, Y, Y, n, n, n, Y, Y, Y, Y),
    ("province_coordinator", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("district_officer_a", "A1"): (Y, n, n, n, n, Y, Y, n, n, n, n),
    ("district_officer_a", "B1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("district_officer_a", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("commune_official_a1", "A1"): (Y, Y, Y, Y, Y, n, n, n, n, n, n),
    ("commune_official_a1", "B1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("commune_official_a1", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("commune_official_b1", "A1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("commune_official_b1", "B1"): (Y, Y, Y, Y, Y, n, n, n, n, n, n),
    ("commune_official_b1", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("agency_liaison", "A1"): (Y, n, n, n, n, n, n, n, n, n, n),
    ("agency_liaison", "B1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("agency_liaison", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("viewer", "A1"): (Y, n, n, n, n, n, n, n, n, n, n),
    ("viewer", "B1"): (Y, n, n, n, n, n, n, n, n, n, n),
    ("viewer", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("anonymous", "A1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("anonymous", "B1"): (n, n, n, n, n, n, n, n, n, n, n),
    ("anonymous", "Q1"): (n, n, n, n, n, n, n, n, n, n, n),
}

CELLS = [
    pytest.param(
        persona, commune, action, allowed, id=f"{persona}-{commune}-{action}-{'allowed' if allowed else 'denied'}"
    )
    for (persona, commune), row in MATRIX.items()
    for action, allowed in zip(ACTIONS, row, strict=True)
]

# The state each action needs, so that the round's state never stands in the way.
NEEDS = {
    "view": RoundStatus.DRAFT,
    "start_round": RoundStatus.APPROVED,  # of 2018; the action starts 2019
    "save_values": RoundStatus.DRAFT,
    "add_evidence": RoundStatus.RETURNED,
    "submit": RoundStatus.DRAFT,
    "verify": RoundStatus.SUBMITTED,
    "return_to_commune": RoundStatus.VERIFIED,
    "approve": RoundStatus.VERIFIED,
    "return_to_district": RoundStatus.VERIFIED,
    "reopen": RoundStatus.APPROVED,
    "record_recognition": RoundStatus.APPROVED,
}

# What a successful action leaves behind.
OUTCOME = {
    "submit": RoundStatus.SUBMITTED,
    "verify": RoundStatus.VERIFIED,
    "return_to_commune": RoundStatus.RETURNED,
    "approve": RoundStatus.APPROVED,
    "return_to_district": RoundStatus.SUBMITTED,
    "reopen": RoundStatus.VERIFIED,
}

VIETNAMESE_LETTERS = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)


def test_the_matrix_covers_every_persona_commune_and_action():
    personas = {persona for persona, _ in MATRIX}
    assert len(personas) == 7 and {commune for _, commune in MATRIX} == {"A1", "B1", "Q1"}
    assert len(MATRIX) == 21 and len(CELLS) == 231


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def commune_q1(db):
    """A commune of another province; Q has no districts (the 2025 two-level structure)."""
    province_q = ProvinceFactory(code="93", name="Tỉnh Bên Cạnh")
    return CommuneFactory(code="93001", name="Xã Bên Kia", parent=province_q)


@pytest.fixture
def viewer(geography):
    return UserFactory(username="viewer", role=Role.VIEWER, unit=geography.province)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def criteria_set(db):
    """Two criteria: 1 measured by a percentage indicator (target 80), 2 assessed as a whole."""
    criteria_set = CriteriaSetFactory(code="qd-1980-thu", criteria_count=2, period_start=2016, period_end=2020)
    indicator = IndicatorFactory(
        criterion=criteria_set.criteria.get(number=1), code="1.1", comparison=Comparison.PERCENT_AT_LEAST
    )
    IndicatorTargetFactory(indicator=indicator, threshold=80)
    return criteria_set


def round_in_state(commune, criteria_set, status) -> AssessmentRound:
    """A 2018 round of `commune` in `status`, every criterion met (as a real round would be by then)."""
    round_ = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=2018, status=status)
    for criterion in criteria_set.criteria.all():
        CriterionResultFactory(assessment_round=round_, criterion=criterion, met=True)
    return round_


def footprint(round_: AssessmentRound) -> tuple:
    """Everything a refused action must leave as it was."""
    round_ = AssessmentRound.objects.get(pk=round_.pk)
    return (
        round_.status,
        round_.version,
        AssessmentChange.objects.count(),
        AssessmentRound.objects.count(),
        sorted(CriterionResult.objects.values_list("pk", "met", "note", "review_comment")),
        IndicatorValue.objects.count(),
        EvidenceFile.objects.count(),
        Recognition.objects.count(),
    )


def perform(action: str, user, round_: AssessmentRound):
    """Try `action` as `user`, with input that the workflow would accept from someone allowed."""
    criterion_1 = round_.criteria_set.criteria.get(number=1)
    if action == "start_round":
        return workflow.round_start(user=user, commune=round_.commune, year=2019)
    if action == "save_values":
        indicator = criterion_1.indicators.get()
        return workflow.round_save(
            user=user,
            assessment_round=round_,
            expected_version=round_.version,
            indicators={indicator.pk: workflow.IndicatorInput(value_number=92)},
        )
    if action == "add_evidence":
        file = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bien ban", content_type="application/pdf")
        return workflow.evidence_add(user=user, assessment_round=round_, file=file, description="Biên bản")
    if action == "submit":
        return workflow.round_submit(user=user, assessment_round=round_, expected_version=round_.version)
    if action == "verify":
        return workflow.round_verify(user=user, assessment_round=round_)
    if action == "return_to_commune":
        return workflow.round_return_to_commune(
            user=user, assessment_round=round_, comments={criterion_1.pk: "Thiếu số liệu điều tra"}
        )
    if action == "approve":
        return workflow.round_approve(user=user, assessment_round=round_)
    if action == "return_to_district":
        return workflow.round_return_to_district(user=user, assessment_round=round_, comment="Thẩm tra lại")
    if action == "reopen":
        return workflow.round_reopen(user=user, assessment_round=round_, comment="Rà soát lại")
    if action == "record_recognition":
        return workflow.recognition_record(
            user=user,
            assessment_round=round_,
            decision_number="15/QĐ-UBND",
            decision_date=datetime.date(2019, 1, 15),
            signer="Chủ tịch UBND tỉnh",
        )
    raise AssertionError(action)


def assert_it_happened(action: str, user, round_: AssessmentRound, version_before: int):
    if action == "start_round":
        started = AssessmentRound.objects.get(commune=round_.commune, year=2019)
        assert (started.status, started.changes.get().changed_by) == (RoundStatus.DRAFT, user)
        return
    round_.refresh_from_db()
    assert round_.version == version_before + 1
    assert AssessmentChange.objects.filter(assessment_round=round_, changed_by=user).exists()
    if action in OUTCOME:
        assert round_.status == OUTCOME[action]
    elif action == "save_values":
        assert round_.indicator_values.get().value_number == 92
    elif action == "add_evidence":
        assert round_.evidence_files.count() == 1
    elif action == "record_recognition":
        round_.commune.refresh_from_db()
        assert round_.commune.ntm_level == NtmLevel.STANDARD
        assert round_.changes.filter(kind=ChangeKind.RECOGNITION, changed_by=user).exists()


@pytest.mark.parametrize(("persona", "commune_key", "action", "allowed"), CELLS)
def test_each_persona_may_do_to_each_commune_exactly_what_the_matrix_says(
    request, geography, commune_q1, criteria_set, persona, commune_key, action, allowed
):
    user = request.getfixturevalue(persona)
    commune = {"A1": geography.commune_a1, "B1": geography.commune_b1, "Q1": commune_q1}[commune_key]
    round_ = round_in_state(commune, criteria_set, NEEDS[action])

    if action == "view":
        visible = AssessmentRound.objects.visible_to(user).filter(pk=round_.pk).exists()
        assert (visible, can(user, Action.VIEW, commune)) == (allowed, allowed)
        return

    if allowed:
        version_before = round_.version
        perform(action, user, round_)
        assert_it_happened(action, user, round_, version_before)
        return
    before = footprint(round_)
    with pytest.raises(AccessDenied) as excinfo:
        perform(action, user, round_)
    assert footprint(round_) == before
    message = str(excinfo.value)
    assert commune.name in message and VIETNAMESE_LETTERS.search(message)


# --- beyond the matrix ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "call"),
    [
        (
            "return_to_district",
            lambda user, r: workflow.round_return_to_district(user=user, assessment_round=r, comment=""),
        ),
        ("reopen", lambda user, r: workflow.round_reopen(user=user, assessment_round=r, comment="")),
        (
            "return_to_commune",
            lambda user, r: workflow.round_return_to_commune(user=user, assessment_round=r, comments={}),
        ),
    ],
    ids=["return-to-district", "reopen", "return-to-commune"],
)
def test_an_outsider_is_told_they_may_not_before_being_asked_for_a_reason(
    geography, criteria_set, commune_official_b1, action, call
):
    round_ = round_in_state(geography.commune_a1, criteria_set, NEEDS[action])
    before = footprint(round_)
    with pytest.raises(AccessDenied):
        call(commune_official_b1, round_)
    assert footprint(round_) == before


def test_an_outsider_cannot_learn_that_another_province_has_no_districts(
    commune_q1, criteria_set, province_coordinator
):
    round_ = round_in_state(commune_q1, criteria_set, RoundStatus.VERIFIED)
    with pytest.raises(AccessDenied):
        workflow.round_return_to_district(user=province_coordinator, assessment_round=round_, comment="Thẩm tra lại")


def test_an_inactive_user_may_do_nothing(geography, criteria_set, commune_official_a1):
    commune_official_a1.is_active = False
    commune_official_a1.save()
    round_ = round_in_state(geography.commune_a1, criteria_set, RoundStatus.DRAFT)
    for action in ("save_values", "add_evidence", "submit"):
        with pytest.raises(AccessDenied):
            perform(action, commune_official_a1, round_)
    assert not can(commune_official_a1, Action.VIEW, geography.commune_a1)


def test_a_superuser_may_do_anything_anywhere(commune_q1, criteria_set):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    round_ = round_in_state(commune_q1, criteria_set, RoundStatus.SUBMITTED)
    workflow.round_verify(user=admin, assessment_round=round_)
    workflow.round_approve(user=admin, assessment_round=round_)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.APPROVED
    assert AssessmentRound.objects.visible_to(admin).filter(pk=round_.pk).exists()


def test_a_user_whose_role_needs_a_unit_but_has_none_may_do_nothing(geography, criteria_set):
    stray = UserFactory(username="stray", role=Role.COMMUNE_OFFICIAL, unit=None)
    round_ = round_in_state(geography.commune_a1, criteria_set, RoundStatus.DRAFT)
    with pytest.raises(AccessDenied):
        perform("save_values", stray, round_)
    assert not AssessmentRound.objects.visible_to(stray).exists()
