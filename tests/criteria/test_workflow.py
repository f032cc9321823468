"""The assessment workflow through its services: every transition legal and illegal, what each one writes to the
audit log, the round rebuilt "as of" any moment, and the refusal of a save based on a stale version.

Rounds use the real national sets (`criteria_reference_load`): in 2021–2025 criterion 3 has the indicators 3.1
(irrigated land, percent ≥ 80, general target) and 3.2 (disaster prevention, yes/no), every other criterion is
assessed as a whole; in 2016–2020 criterion 10 has 10.1, income, with a general target of 45 and one per region.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communes.choices import NtmLevel, Region
from communes.models import Recognition
from criteria import ledger
from criteria.choices import ChangeKind, RoundStatus
from criteria.models import (
    AssessmentChange,
    AssessmentRound,
    Criterion,
    CriterionResult,
    EvidenceFile,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
)
from criteria.services import assessment as workflow
from criteria.services.assessment import CriterionInput, IndicatorInput
from ntm_portal.access import AccessDenied
from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

# Letters only Vietnamese uses, and English words that give away an untranslated message.
VIETNAMESE_LETTERS = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
ENGLISH_WORDS = re.compile(r"\b(the|this|must|value|field|is|not|be|with|already|exists|only|constraint)\b", re.I)


# --- helpers -----------------------------------------------------------------------------------------------------


def messages_of(error: Exception) -> list[str]:
    """What the UI shows: the field messages of an InvalidValue, else the message itself."""
    if isinstance(error, workflow.InvalidValue):
        return list(error.errors.values())
    return [str(error)]


def assert_vietnamese(error: Exception, *names: str) -> None:
    """The refusal speaks Vietnamese, says something, and names what it is about."""
    for message in messages_of(error):
        assert message.strip(), error
        assert VIETNAMESE_LETTERS.search(message), message
        assert not ENGLISH_WORDS.search(message), message
    text = " ".join(messages_of(error))
    for name in names:
        assert name in text, (name, text)


def criterion_of(round_: AssessmentRound, number: int) -> Criterion:
    return Criterion.objects.get(criteria_set_id=round_.criteria_set_id, number=number)


def indicator_of(round_: AssessmentRound, code: str) -> Indicator:
    return Indicator.objects.get(criterion__criteria_set_id=round_.criteria_set_id, code=code)


def numbers_of(round_: AssessmentRound) -> list[int]:
    return list(Criterion.objects.filter(criteria_set_id=round_.criteria_set_id).values_list("number", flat=True))


def as_input(value) -> IndicatorInput:
    if isinstance(value, IndicatorInput):
        return value
    if isinstance(value, bool):
        return IndicatorInput(value_bool=value)
    return IndicatorInput(value_number=value)


def save(user, round_: AssessmentRound, *, values=None, met=None, version: int | None = None):
    """Save indicator values by code and whole-criterion answers by number, from the version the caller holds."""
    return workflow.round_save(
        user=user,
        assessment_round=round_,
        expected_version=round_.version if version is None else version,
        indicators={indicator_of(round_, code).pk: as_input(value) for code, value in (values or {}).items()},
        criteria={
            criterion_of(round_, number).pk: answer
            if isinstance(answer, CriterionInput)
            else CriterionInput(met=answer)
            for number, answer in (met or {}).items()
        },
    )


def fill(user, round_: AssessmentRound, *, unmet=(), unassessed=()):
    """Assess every criterion of a 2021–2025 round: all met, except those named."""
    answers = {n: n not in unmet for n in numbers_of(round_) if n != 3 and n not in unassessed}
    values = {} if 3 in unassessed else {"3.1": 85, "3.2": 3 not in unmet}
    return save(user, round_, values=values, met=answers)


def met_of(round_: AssessmentRound) -> dict[int, bool | None]:
    return dict(round_.criterion_results.values_list("criterion__number", "met"))


def value_of(round_: AssessmentRound, code: str) -> IndicatorValue:
    return IndicatorValue.objects.get(assessment_round=round_, indicator__code=code)


def footprint(round_: AssessmentRound) -> tuple:
    """Everything a refused call must leave as it was."""
    round_ = AssessmentRound.objects.get(pk=round_.pk)
    return (
        round_.status,
        round_.version,
        AssessmentChange.objects.count(),
        AssessmentRound.objects.count(),
        sorted(CriterionResult.objects.values_list("pk", "met", "note", "review_comment")),
        sorted(IndicatorValue.objects.values_list("pk", "value_number", "value_bool", "note", "met")),
        EvidenceFile.objects.count(),
        Recognition.objects.count(),
    )


def assert_transition(round_: AssessmentRound, *, by, old: str, new: str, version_before: int, comment: str = ""):
    """The round is in its new state, one version further, and the log says who moved it, from where, and why."""
    round_.refresh_from_db()
    assert round_.status == new
    assert round_.version == version_before + 1
    change = round_.changes.filter(kind=ChangeKind.STATE).order_by("changed_at", "pk").last()
    assert (change.changed_by, change.field, change.old_value, change.new_value, change.comment) == (
        by,
        "status",
        old,
        new,
        comment,
    )
    assert change.commune_id == round_.commune_id


def refused(error_class, call, round_: AssessmentRound, *names: str) -> Exception:
    """Call, expect the refusal, check that nothing changed and that the message is Vietnamese and names `names`."""
    before = footprint(round_)
    with pytest.raises(error_class) as excinfo:
        call()
    assert footprint(round_) == before
    assert_vietnamese(excinfo.value, *names)
    return excinfo.value


def pdf(name: str = "bien-ban-hop-thon.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 bien ban", content_type="application/pdf")


# --- fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def commune(geography):
    return geography.commune_a1


@pytest.fixture
def draft(national_sets, commune, commune_official_a1) -> AssessmentRound:
    return workflow.round_start(user=commune_official_a1, commune=commune, year=2022)


@pytest.fixture
def filled(draft, commune_official_a1) -> AssessmentRound:
    fill(commune_official_a1, draft)
    return draft


@pytest.fixture
def submitted(filled, commune_official_a1) -> AssessmentRound:
    return workflow.round_submit(user=commune_official_a1, assessment_round=filled)


@pytest.fixture
def verified(submitted, district_officer_a) -> AssessmentRound:
    return workflow.round_verify(user=district_officer_a, assessment_round=submitted)


@pytest.fixture
def approved(verified, province_coordinator) -> AssessmentRound:
    return workflow.round_approve(user=province_coordinator, assessment_round=verified)


def recognise(user, round_: AssessmentRound, number: str = "123/QĐ-UBND") -> Recognition:
    return workflow.recognition_record(
        user=user,
        assessment_round=round_,
        decision_number=number,
        decision_date=datetime.date(round_.year + 1, 1, 10),
        signer="Chủ tịch UBND tỉnh",
    )


# --- the whole way, once -----------------------------------------------------------------------------------------


def test_a_round_goes_from_commune_to_district_to_province_to_recognition(
    geography, national_sets, commune_official_a1, district_officer_a, province_coordinator
):
    commune = geography.commune_a1
    round_ = workflow.round_start(user=commune_official_a1, commune=commune, year=2022)
    result = fill(commune_official_a1, round_)
    assert result.changes > 19
    assert ledger.round_score(round_)[:2] == (19, 19)

    workflow.round_submit(user=commune_official_a1, assessment_round=round_)
    workflow.round_verify(user=district_officer_a, assessment_round=round_)
    workflow.round_approve(user=province_coordinator, assessment_round=round_)
    recognition = recognise(province_coordinator, round_)

    commune.refresh_from_db()
    assert commune.ntm_level == NtmLevel.STANDARD and commune.recognition == recognition
    round_.refresh_from_db()
    assert round_.status == RoundStatus.APPROVED
    assert list(round_.changes.filter(kind=ChangeKind.STATE).values_list("new_value", flat=True)) == [
        RoundStatus.SUBMITTED,
        RoundStatus.VERIFIED,
        RoundStatus.APPROVED,
    ]


# --- start a round -----------------------------------------------------------------------------------------------


def test_starting_a_round_opens_a_draft_of_the_years_national_set_with_every_criterion_unassessed(
    draft, commune, commune_official_a1
):
    assert draft.criteria_set.code == "ntm-2021-2025"
    assert (draft.commune, draft.year, draft.as_of) == (commune, 2022, datetime.date(2022, 12, 31))
    assert (draft.status, draft.version) == (RoundStatus.DRAFT, 1)
    assert met_of(draft) == dict.fromkeys(range(1, 20))
    created = draft.changes.get()
    assert (created.kind, created.changed_by, created.old_value, created.new_value) == (
        ChangeKind.CREATED,
        commune_official_a1,
        None,
        RoundStatus.DRAFT,
    )


def test_a_round_in_2018_is_assessed_against_the_2016_2020_set(national_sets, commune, commune_official_a1):
    round_ = workflow.round_start(user=commune_official_a1, commune=commune, year=2018)
    assert round_.criteria_set.code == "ntm-2016-2020"


def test_starting_a_second_round_for_the_same_year_is_refused_naming_the_commune(draft, commune, commune_official_a1):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_start(user=commune_official_a1, commune=commune, year=2022),
        draft,
        commune.name,
        "2022",
    )


def test_starting_a_round_for_a_year_without_a_criteria_set_is_refused(draft, commune, commune_official_a1):
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_start(user=commune_official_a1, commune=commune, year=2005),
        draft,
        "2005",
    )
    assert not AssessmentRound.objects.filter(year=2005).exists()


def test_starting_a_round_for_a_year_still_ahead_is_refused(draft, commune, commune_official_a1):
    next_year = timezone.localdate().year + 1  # within the 2026–2030 set's period, but not reached yet
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_start(user=commune_official_a1, commune=commune, year=next_year),
        draft,
        str(next_year),
    )
    assert not AssessmentRound.objects.filter(year=next_year).exists()


# --- save values: is each indicator and criterion met? -----------------------------------------------------------


def test_an_indicator_is_met_when_its_value_reaches_the_general_target(draft, commune_official_a1):
    save(commune_official_a1, draft, values={"3.1": Decimal("79.99")})
    assert value_of(draft, "3.1").met is False
    save(commune_official_a1, draft, values={"3.1": 80})
    assert value_of(draft, "3.1").met is True


def income_met(user, commune, income) -> tuple[bool | None, bool | None]:
    """(indicator 10.1 met, criterion 10 met) for a 2018 round of `commune` declaring `income` million VND."""
    round_ = workflow.round_start(user=user, commune=commune, year=2018)
    save(user, round_, values={"10.1": income})
    return value_of(round_, "10.1").met, met_of(round_)[10]


def test_income_is_measured_against_the_target_of_the_communes_region(national_sets, geography, province_coordinator):
    southeast = CommuneFactory(code="90001", name="Xã Đông Nam", parent=geography.district_a, region=Region.SOUTHEAST)
    mountain = CommuneFactory(
        code="90002", name="Xã Miền Núi", parent=geography.district_a, region=Region.NORTHERN_MIDLANDS_MOUNTAINS
    )
    # QĐ 1980/QĐ-TTg: Đông Nam Bộ 59 million VND, trung du miền núi phía Bắc 36, in general 45.
    assert income_met(province_coordinator, southeast, 50) == (False, False)
    assert income_met(province_coordinator, mountain, 36) == (True, True)


def test_an_especially_disadvantaged_commune_is_measured_against_the_northern_mountain_target(
    national_sets, geography, province_coordinator
):
    commune = CommuneFactory(
        code="90003",
        name="Xã Đặc Biệt Khó Khăn",
        parent=geography.district_a,
        region=Region.SOUTHEAST,
        especially_disadvantaged=True,
    )
    assert income_met(province_coordinator, commune, 40) == (True, True)  # 40 < 59 (Đông Nam Bộ), ≥ 36


def test_a_commune_without_a_region_is_measured_against_the_general_target(
    national_sets, geography, province_coordinator
):
    low = CommuneFactory(code="90004", name="Xã Chưa Phân Vùng", parent=geography.district_a, region="")
    high = CommuneFactory(code="90005", name="Xã Chưa Phân Vùng Hai", parent=geography.district_a, region="")
    assert income_met(province_coordinator, low, Decimal("44.9")) == (False, False)
    assert income_met(province_coordinator, high, 45) == (True, True)


def test_a_region_whose_target_is_not_known_falls_back_to_the_general_target(
    national_sets, geography, province_coordinator
):
    IndicatorTarget.objects.filter(
        indicator__criterion__criteria_set__code="ntm-2016-2020", indicator__code="10.1", region=Region.SOUTHEAST
    ).update(threshold=None)
    commune = CommuneFactory(code="90006", name="Xã Đông Nam", parent=geography.district_a, region=Region.SOUTHEAST)
    assert income_met(province_coordinator, commune, 50) == (True, True)  # 50 ≥ 45, the general target


def test_an_indicator_whose_target_is_not_known_is_neither_met_nor_unmet(draft, commune_official_a1):
    IndicatorTarget.objects.filter(indicator=indicator_of(draft, "3.1")).update(threshold=None)
    save(commune_official_a1, draft, values={"3.1": 95, "3.2": True})
    assert value_of(draft, "3.1").met is None
    assert met_of(draft)[3] is None


def test_a_criterion_with_indicators_is_met_only_when_all_of_them_are(draft, commune_official_a1):
    save(commune_official_a1, draft, values={"3.1": 85})
    assert met_of(draft)[3] is None  # 3.2 not entered yet
    save(commune_official_a1, draft, values={"3.2": False})
    assert met_of(draft)[3] is False
    save(commune_official_a1, draft, values={"3.2": True})
    assert met_of(draft)[3] is True
    save(commune_official_a1, draft, values={"3.1": 60})
    assert met_of(draft)[3] is False
    result = draft.criterion_results.get(criterion__number=3)
    assert result.assessed_as_whole is False


def test_a_criterion_without_indicators_takes_the_whole_criterion_answer(draft, commune_official_a1):
    save(commune_official_a1, draft, met={1: True, 2: CriterionInput(met=False, note="Còn 2 km đường trục xã")})
    results = {r.criterion.number: r for r in draft.criterion_results.select_related("criterion")}
    assert (results[1].met, results[1].assessed_as_whole) == (True, True)
    assert (results[2].met, results[2].note) == (False, "Còn 2 km đường trục xã")
    assert results[4].met is None


def test_entered_indicator_values_decide_a_criterion_over_a_whole_criterion_answer(draft, commune_official_a1):
    save(commune_official_a1, draft, values={"3.1": 60, "3.2": True}, met={3: True})
    assert met_of(draft)[3] is False


def test_a_whole_criterion_answer_is_kept_when_other_criteria_are_saved_later(draft, commune_official_a1):
    # Criterion 3 has indicators but the commune assessed it as a whole, as the field reports do.
    save(commune_official_a1, draft, met={3: True})
    assert met_of(draft)[3] is True
    save(commune_official_a1, draft, met={1: True})
    assert met_of(draft)[3] is True
    assert not draft.changes.filter(kind=ChangeKind.CRITERION, criterion__number=3, new_value=None).exists()


def test_saving_a_value_again_unchanged_records_no_change_and_keeps_the_version(draft, commune_official_a1):
    save(commune_official_a1, draft, values={"3.1": 85, "3.2": True}, met={1: True})
    version, changes = draft.version, draft.changes.count()
    result = save(commune_official_a1, draft, values={"3.1": Decimal("85.0"), "3.2": True}, met={1: True})
    assert result.changes == 0
    assert (draft.version, draft.changes.count()) == (version, changes)


def test_a_save_bumps_the_version_by_one_and_reports_it(draft, commune_official_a1):
    result = save(commune_official_a1, draft, values={"3.1": 85}, met={1: True, 2: False})
    draft.refresh_from_db()
    assert result.version == draft.version == 2


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"3.1": 120}, "3.1"),
        ({"3.1": -1}, "3.1"),
        ({"3.1": "tám mươi"}, "3.1"),
        ({"3.1": "85,5"}, "3.1"),
        ({"3.1": Decimal("85.123")}, "3.1"),
        ({"3.2": 1}, "3.2"),
        ({"3.2": IndicatorInput(value_bool="có")}, "3.2"),
        ({"3.1": True}, "3.1"),
    ],
    ids=[
        "percent-120",
        "negative-percent",
        "text",
        "decimal-comma",
        "three-decimals",
        "number-for-yes-no",
        "text-for-yes-no",
        "yes-no-for-a-percent",
    ],
)
def test_an_invalid_value_is_refused_in_vietnamese_and_nothing_of_the_save_is_written(
    draft, commune_official_a1, values, code
):
    save(commune_official_a1, draft, values={"3.1": 70, "3.2": False})  # what is stored must stay as it is
    valid = {"3.2": True} if code == "3.1" else {"3.1": 85}
    error = refused(
        workflow.InvalidValue,
        lambda: save(commune_official_a1, draft, values={**valid, **values}, met={1: True}),
        draft,
    )
    assert list(error.errors) == [code]


def test_a_value_for_an_indicator_of_another_set_is_refused(draft, commune_official_a1):
    income_2018 = Indicator.objects.get(criterion__criteria_set__code="ntm-2016-2020", code="10.1")
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_save(
            user=commune_official_a1,
            assessment_round=draft,
            expected_version=draft.version,
            indicators={income_2018.pk: IndicatorInput(value_number=50)},
        ),
        draft,
    )


# --- submit ------------------------------------------------------------------------------------------------------


def test_the_commune_submits_a_fully_assessed_round(filled, commune_official_a1):
    version = filled.version
    workflow.round_submit(user=commune_official_a1, assessment_round=filled)
    assert_transition(
        filled, by=commune_official_a1, old=RoundStatus.DRAFT, new=RoundStatus.SUBMITTED, version_before=version
    )


def test_submitting_with_unassessed_criteria_is_refused_naming_their_numbers(draft, commune_official_a1):
    fill(commune_official_a1, draft, unassessed=(3, 17))
    error = refused(
        workflow.IllegalTransition,
        lambda: workflow.round_submit(user=commune_official_a1, assessment_round=draft),
        draft,
    )
    assert "3, 17" in str(error)


def test_submitting_twice_is_refused(submitted, commune, commune_official_a1):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_submit(user=commune_official_a1, assessment_round=submitted),
        submitted,
        commune.name,
    )


def test_submitting_from_a_stale_page_is_refused(filled, commune_official_a1):
    refused(
        workflow.ConcurrentEdit,
        lambda: workflow.round_submit(
            user=commune_official_a1, assessment_round=filled, expected_version=filled.version - 1
        ),
        filled,
    )


def test_values_cannot_be_edited_after_submission(submitted, commune_official_a1, province_coordinator):
    for user in (commune_official_a1, province_coordinator):
        refused(
            workflow.IllegalTransition,
            lambda user=user: save(user, submitted, values={"3.1": 50}, met={1: False}),
            submitted,
            str(RoundStatus.SUBMITTED.label),
        )
    refused(
        workflow.IllegalTransition,
        lambda: workflow.evidence_add(user=commune_official_a1, assessment_round=submitted, file=pdf()),
        submitted,
    )


# --- evidence ----------------------------------------------------------------------------------------------------


def test_adding_evidence_to_a_draft_is_logged_and_bumps_the_version(draft, commune_official_a1):
    evidence = workflow.evidence_add(
        user=commune_official_a1,
        assessment_round=draft,
        file=pdf(),
        indicator=indicator_of(draft, "3.1"),
        description="Biên bản nghiệm thu kênh mương",
    )
    draft.refresh_from_db()
    assert draft.version == 2
    change = draft.changes.get(kind=ChangeKind.EVIDENCE)
    assert (change.changed_by, change.new_value, change.criterion.number) == (
        commune_official_a1,
        evidence.file.name,
        3,
    )


# --- verify ------------------------------------------------------------------------------------------------------


def test_the_district_verifies_a_submitted_round(submitted, district_officer_a):
    version = submitted.version
    workflow.round_verify(user=district_officer_a, assessment_round=submitted, comment="Hồ sơ đầy đủ")
    assert_transition(
        submitted,
        by=district_officer_a,
        old=RoundStatus.SUBMITTED,
        new=RoundStatus.VERIFIED,
        version_before=version,
        comment="Hồ sơ đầy đủ",
    )


def test_another_districts_officer_cannot_verify_the_round(submitted, geography, commune):
    officer_b = UserFactory(username="officer_b", role=Role.DISTRICT_OFFICER, unit=geography.district_b)
    refused(
        AccessDenied,
        lambda: workflow.round_verify(user=officer_b, assessment_round=submitted),
        submitted,
        commune.name,
    )


def test_a_round_that_was_not_submitted_cannot_be_verified(filled, commune, district_officer_a):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_verify(user=district_officer_a, assessment_round=filled),
        filled,
        commune.name,
        str(RoundStatus.DRAFT.label),
    )


def test_a_verified_round_cannot_be_verified_again(verified, commune, district_officer_a):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_verify(user=district_officer_a, assessment_round=verified),
        verified,
        commune.name,
    )


# --- return to the commune ---------------------------------------------------------------------------------------


def test_the_district_returns_a_round_with_a_comment_per_criterion(submitted, commune_official_a1, district_officer_a):
    version = submitted.version
    comments = {3: "Thiếu biên bản nghiệm thu kênh mương", 17: "Tỷ lệ hộ có nhà tiêu hợp vệ sinh chưa có số liệu"}
    workflow.round_return_to_commune(
        user=district_officer_a,
        assessment_round=submitted,
        comments={criterion_of(submitted, n).pk: text for n, text in comments.items()},
        comment="Bổ sung hồ sơ",
    )
    assert_transition(
        submitted,
        by=district_officer_a,
        old=RoundStatus.SUBMITTED,
        new=RoundStatus.RETURNED,
        version_before=version,
        comment="Bổ sung hồ sơ",
    )
    stored = dict(
        submitted.criterion_results.exclude(review_comment="").values_list("criterion__number", "review_comment")
    )
    assert stored == comments
    review = submitted.changes.filter(kind=ChangeKind.REVIEW, field="review_comment").order_by("criterion__number")
    assert [(c.changed_by, c.criterion.number, c.old_value, c.new_value) for c in review] == [
        (district_officer_a, 3, "", comments[3]),
        (district_officer_a, 17, "", comments[17]),
    ]

    # The commune corrects its values and sends the round again.
    save(commune_official_a1, submitted, met={17: True}, values={"3.1": 90})
    workflow.round_submit(user=commune_official_a1, assessment_round=submitted)
    submitted.refresh_from_db()
    assert submitted.status == RoundStatus.SUBMITTED


@pytest.mark.parametrize(
    ("criterion_3_comment", "comment"),
    [(None, ""), (None, "   "), ("  ", "")],
    ids=["nothing", "only-spaces", "blank-criterion-comment"],
)
def test_returning_to_the_commune_needs_a_comment(submitted, district_officer_a, criterion_3_comment, comment):
    comments = {} if criterion_3_comment is None else {criterion_of(submitted, 3).pk: criterion_3_comment}
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=submitted, comments=comments, comment=comment
        ),
        submitted,
    )


def test_a_comment_on_a_criterion_outside_the_round_is_refused(submitted, district_officer_a):
    income_2018 = Criterion.objects.get(criteria_set__code="ntm-2016-2020", number=10)
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=submitted, comments={income_2018.pk: "Sai bộ tiêu chí"}
        ),
        submitted,
    )


def test_the_district_may_withdraw_its_own_verification(verified, district_officer_a):
    version = verified.version
    workflow.round_return_to_commune(
        user=district_officer_a, assessment_round=verified, comments={}, comment="Phát hiện sai số liệu tiêu chí 10"
    )
    assert_transition(
        verified,
        by=district_officer_a,
        old=RoundStatus.VERIFIED,
        new=RoundStatus.RETURNED,
        version_before=version,
        comment="Phát hiện sai số liệu tiêu chí 10",
    )


def test_the_district_cannot_return_a_round_the_province_has_approved(approved, commune, district_officer_a):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=approved, comments={}, comment="Xem lại"
        ),
        approved,
        commune.name,
    )


def test_a_returned_round_cannot_be_returned_again(submitted, commune, district_officer_a):
    workflow.round_return_to_commune(user=district_officer_a, assessment_round=submitted, comments={}, comment="Sửa")
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=submitted, comments={}, comment="Sửa lần nữa"
        ),
        submitted,
        commune.name,
    )


# --- approve -----------------------------------------------------------------------------------------------------


def test_the_province_approves_a_verified_round(verified, province_coordinator):
    version = verified.version
    workflow.round_approve(user=province_coordinator, assessment_round=verified, comment="Đủ điều kiện")
    assert_transition(
        verified,
        by=province_coordinator,
        old=RoundStatus.VERIFIED,
        new=RoundStatus.APPROVED,
        version_before=version,
        comment="Đủ điều kiện",
    )


def test_a_round_the_district_has_not_verified_cannot_be_approved(submitted, commune, province_coordinator):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_approve(user=province_coordinator, assessment_round=submitted),
        submitted,
        commune.name,
    )


def test_an_approved_round_cannot_be_approved_again(approved, commune, province_coordinator):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_approve(user=province_coordinator, assessment_round=approved),
        approved,
        commune.name,
    )


# --- return to the district --------------------------------------------------------------------------------------


def test_the_province_returns_a_verified_round_to_the_district_with_its_reason(verified, province_coordinator):
    version = verified.version
    workflow.round_return_to_district(
        user=province_coordinator, assessment_round=verified, comment="Tiêu chí 10 chưa có số liệu điều tra"
    )
    assert_transition(
        verified,
        by=province_coordinator,
        old=RoundStatus.VERIFIED,
        new=RoundStatus.SUBMITTED,
        version_before=version,
        comment="Tiêu chí 10 chưa có số liệu điều tra",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_to_the_district_needs_a_reason(verified, province_coordinator, reason):
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_return_to_district(user=province_coordinator, assessment_round=verified, comment=reason),
        verified,
    )


def test_a_submitted_round_cannot_be_returned_to_the_district(submitted, commune, province_coordinator):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_return_to_district(
            user=province_coordinator, assessment_round=submitted, comment="Chưa thẩm tra"
        ),
        submitted,
        commune.name,
    )


# --- reopen ------------------------------------------------------------------------------------------------------


def test_the_province_reopens_its_approval(approved, province_coordinator):
    version = approved.version
    workflow.round_reopen(user=province_coordinator, assessment_round=approved, comment="Rà soát lại tiêu chí 17")
    assert_transition(
        approved,
        by=province_coordinator,
        old=RoundStatus.APPROVED,
        new=RoundStatus.VERIFIED,
        version_before=version,
        comment="Rà soát lại tiêu chí 17",
    )


def test_reopening_needs_a_reason(approved, province_coordinator):
    refused(
        workflow.InvalidValue,
        lambda: workflow.round_reopen(user=province_coordinator, assessment_round=approved, comment=" "),
        approved,
    )


def test_a_round_that_is_not_approved_cannot_be_reopened(verified, commune, province_coordinator):
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_reopen(user=province_coordinator, assessment_round=verified, comment="Mở lại"),
        verified,
        commune.name,
    )


def test_a_recognised_round_cannot_be_reopened(approved, province_coordinator):
    recognise(province_coordinator, approved)
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_reopen(user=province_coordinator, assessment_round=approved, comment="Mở lại"),
        approved,
    )


# --- recognition -------------------------------------------------------------------------------------------------


def test_recording_recognition_raises_the_communes_level_and_logs_the_decision(approved, commune, province_coordinator):
    version = approved.version
    recognition = recognise(province_coordinator, approved, "2345/QĐ-UBND")
    assert (recognition.commune, recognition.year, recognition.level, recognition.criteria_set) == (
        commune,
        2022,
        NtmLevel.STANDARD,
        approved.criteria_set,
    )
    assert (recognition.decision_number, recognition.decision_date, recognition.signer) == (
        "2345/QĐ-UBND",
        datetime.date(2023, 1, 10),
        "Chủ tịch UBND tỉnh",
    )
    commune.refresh_from_db()
    assert (commune.ntm_level, commune.recognition) == (NtmLevel.STANDARD, recognition)
    assert approved.version == version + 1  # the caller's round knows its new version, as after any transition
    approved.refresh_from_db()
    assert (approved.status, approved.version) == (RoundStatus.APPROVED, version + 1)
    change = approved.changes.get(kind=ChangeKind.RECOGNITION)
    assert (change.changed_by, change.old_value, change.new_value) == (
        province_coordinator,
        NtmLevel.NOT_YET,
        NtmLevel.STANDARD,
    )
    assert "2345/QĐ-UBND" in change.comment


def test_recognition_of_a_round_the_province_has_not_approved_is_refused(verified, province_coordinator):
    refused(workflow.IllegalTransition, lambda: recognise(province_coordinator, verified), verified)


def test_recognition_with_unmet_criteria_is_refused_naming_them(
    national_sets, commune, commune_official_a1, district_officer_a, province_coordinator
):
    round_ = workflow.round_start(user=commune_official_a1, commune=commune, year=2022)
    fill(commune_official_a1, round_, unmet=(3, 10))
    workflow.round_submit(user=commune_official_a1, assessment_round=round_)
    workflow.round_verify(user=district_officer_a, assessment_round=round_)
    workflow.round_approve(user=province_coordinator, assessment_round=round_)
    refused(
        workflow.IllegalTransition,
        lambda: recognise(province_coordinator, round_),
        round_,
        commune.name,
        "17/19",
        criterion_of(round_, 3).name,
        criterion_of(round_, 10).name,
    )
    commune.refresh_from_db()
    assert commune.ntm_level == NtmLevel.NOT_YET


def test_recording_recognition_twice_is_refused(approved, province_coordinator):
    recognise(province_coordinator, approved, "1/QĐ-UBND")
    refused(workflow.IllegalTransition, lambda: recognise(province_coordinator, approved, "2/QĐ-UBND"), approved)


def test_recognition_at_the_not_yet_level_is_refused_in_vietnamese(approved, province_coordinator):
    refused(
        workflow.InvalidValue,
        lambda: workflow.recognition_record(
            user=province_coordinator,
            assessment_round=approved,
            decision_number="9/QĐ-UBND",
            decision_date=datetime.date(2023, 1, 10),
            signer="Chủ tịch UBND tỉnh",
            level=NtmLevel.NOT_YET,
        ),
        approved,
    )


def test_recognition_without_a_decision_number_is_refused(approved, province_coordinator):
    refused(workflow.InvalidValue, lambda: recognise(province_coordinator, approved, "  "), approved)


# --- a province without districts --------------------------------------------------------------------------------


@pytest.fixture
def two_level(national_sets):
    """Since 1 July 2025: a province whose communes hang directly under it."""
    province = ProvinceFactory(code="95", name="Tỉnh Hai Cấp")
    commune = CommuneFactory(code="95001", name="Xã Hai Cấp", parent=province)
    coordinator = UserFactory(username="coordinator_2l", role=Role.PROVINCE_COORDINATOR, unit=province)
    official = UserFactory(username="official_2l", role=Role.COMMUNE_OFFICIAL, unit=commune)
    round_ = workflow.round_start(user=official, commune=commune, year=2025)
    fill(official, round_)
    workflow.round_submit(user=official, assessment_round=round_)
    return round_, coordinator, official


def test_in_a_province_without_districts_the_coordinator_verifies_directly(two_level):
    round_, coordinator, _ = two_level
    version = round_.version
    workflow.round_verify(user=coordinator, assessment_round=round_)
    assert_transition(
        round_, by=coordinator, old=RoundStatus.SUBMITTED, new=RoundStatus.VERIFIED, version_before=version
    )
    workflow.round_approve(user=coordinator, assessment_round=round_)
    recognise(coordinator, round_)
    round_.commune.refresh_from_db()
    assert round_.commune.ntm_level == NtmLevel.STANDARD


def test_in_a_province_without_districts_the_coordinator_returns_the_round_to_the_commune(two_level):
    round_, coordinator, _ = two_level
    version = round_.version
    workflow.round_return_to_commune(
        user=coordinator, assessment_round=round_, comments={criterion_of(round_, 3).pk: "Thiếu biên bản"}
    )
    assert_transition(
        round_, by=coordinator, old=RoundStatus.SUBMITTED, new=RoundStatus.RETURNED, version_before=version
    )


def test_in_a_province_without_districts_nothing_can_be_returned_to_a_district(two_level):
    round_, coordinator, _ = two_level
    workflow.round_verify(user=coordinator, assessment_round=round_)
    refused(
        workflow.IllegalTransition,
        lambda: workflow.round_return_to_district(user=coordinator, assessment_round=round_, comment="Xem lại"),
        round_,
    )


def test_a_district_officer_elsewhere_cannot_verify_in_a_province_without_districts(two_level, district_officer_a):
    round_, _, _ = two_level
    refused(
        AccessDenied,
        lambda: workflow.round_verify(user=district_officer_a, assessment_round=round_),
        round_,
        round_.commune.name,
    )


# --- the audit log and the round "as of" a moment ----------------------------------------------------------------


def test_every_value_change_is_recorded_with_old_and_new_value_and_who_made_it(
    draft, commune_official_a1, province_coordinator
):
    save(commune_official_a1, draft, values={"3.1": 70}, met={1: True})
    save(province_coordinator, draft, values={"3.1": Decimal("85.5")}, met={1: CriterionInput(met=False, note="Sai")})

    def log(**filters):
        changes = draft.changes.filter(**filters).order_by("changed_at", "pk")
        return [(c.changed_by, c.field, c.old_value, c.new_value) for c in changes]

    irrigation = log(kind=ChangeKind.INDICATOR, indicator__code="3.1")
    assert [(by, field) for by, field, _, _ in irrigation] == [
        (commune_official_a1, "value_number"),
        (province_coordinator, "value_number"),
    ]
    assert [(old and Decimal(old), Decimal(new)) for _, _, old, new in irrigation] == [
        (None, Decimal(70)),
        (Decimal(70), Decimal("85.5")),
    ]
    assert log(kind=ChangeKind.CRITERION, criterion__number=3) == [
        (commune_official_a1, "met", None, False),  # 70 < 80
        (province_coordinator, "met", False, None),  # 3.1 met, 3.2 not entered
    ]
    assert log(kind=ChangeKind.CRITERION, criterion__number=1) == [
        (commune_official_a1, "met", None, True),
        (province_coordinator, "met", True, False),
        (province_coordinator, "note", "", "Sai"),
    ]
    assert all(c.changed_at and c.commune_id == draft.commune_id for c in draft.changes.all())


def live_snapshot(round_: AssessmentRound) -> workflow.RoundSnapshot:
    """The round as the database holds it now, in the shape `round_as_of` rebuilds: indicators with a value."""
    round_ = AssessmentRound.objects.get(pk=round_.pk)
    indicators = {}
    for value in round_.indicator_values.select_related("indicator"):
        number = None if value.value_number is None else str(value.value_number)
        if number is not None or value.value_bool is not None or value.note:
            indicators[value.indicator.code] = {
                "value_number": number,
                "value_bool": value.value_bool,
                "note": value.note,
            }
    return workflow.RoundSnapshot(status=round_.status, criteria=met_of(round_), indicators=indicators)


def test_the_round_as_of_any_moment_is_rebuilt_exactly_from_its_log(
    national_sets, commune, commune_official_a1, district_officer_a, province_coordinator
):
    before_it_existed = timezone.now()
    round_ = workflow.round_start(user=commune_official_a1, commune=commune, year=2022)
    criterion_3 = criterion_of(round_, 3).pk
    steps = [
        lambda: save(commune_official_a1, round_, values={"3.1": 70}),
        lambda: fill(commune_official_a1, round_, unmet=(17,)),
        lambda: save(province_coordinator, round_, values={"3.1": IndicatorInput(value_number=88, note="Đo lại")}),
        lambda: workflow.round_submit(user=commune_official_a1, assessment_round=round_),
        lambda: workflow.round_return_to_commune(
            user=district_officer_a, assessment_round=round_, comments={criterion_3: "Thiếu biên bản"}
        ),
        lambda: save(commune_official_a1, round_, values={"3.2": False}, met={17: True}),
        lambda: save(commune_official_a1, round_, values={"3.2": True}),
        lambda: workflow.round_submit(user=commune_official_a1, assessment_round=round_),
        lambda: workflow.round_verify(user=district_officer_a, assessment_round=round_),
        lambda: workflow.round_approve(user=province_coordinator, assessment_round=round_),
        lambda: recognise(province_coordinator, round_),
    ]
    seen = [(timezone.now(), live_snapshot(round_))]
    for step in steps:
        step()
        seen.append((timezone.now(), live_snapshot(round_)))

    assert workflow.round_as_of(round_, before_it_existed) is None
    assert seen[0][1] == workflow.RoundSnapshot(
        status=RoundStatus.DRAFT, criteria=dict.fromkeys(range(1, 20)), indicators={}
    )
    for index, (moment, expected) in enumerate(seen):
        assert workflow.round_as_of(round_, moment) == expected, f"after step {index}"


# --- two people editing the same round ---------------------------------------------------------------------------


def test_the_second_of_two_users_saving_the_same_version_is_refused_and_the_first_users_values_stay(draft, commune):
    an = UserFactory(username="an", first_name="Nguyễn Văn", last_name="An", role=Role.COMMUNE_OFFICIAL, unit=commune)
    binh = UserFactory(
        username="binh", first_name="Trần Thị", last_name="Bình", role=Role.COMMUNE_OFFICIAL, unit=commune
    )
    # Both open the round at the same version.
    ans_page = AssessmentRound.objects.get(pk=draft.pk)
    binhs_page = AssessmentRound.objects.get(pk=draft.pk)
    assert ans_page.version == binhs_page.version

    save(an, ans_page, values={"3.1": 85, "3.2": True}, met={1: True, 2: True})
    after_an = live_snapshot(draft), footprint(draft)

    error = refused(
        workflow.ConcurrentEdit,
        lambda: save(binh, binhs_page, values={"3.1": 60, "3.2": False}, met={1: False, 4: True}),
        draft,
        "Nguyễn Văn An",
    )
    assert "Trần Thị Bình" not in str(error)
    assert (live_snapshot(draft), footprint(draft)) == after_an
    assert not AssessmentChange.objects.filter(changed_by=binh).exists()
    assert value_of(draft, "3.1").value_number == 85 and met_of(draft)[4] is None


def test_a_user_without_a_full_name_is_named_by_username_in_the_refusal(draft, commune_official_a1):
    stale = draft.version
    save(commune_official_a1, draft, met={1: True})
    refused(
        workflow.ConcurrentEdit,
        lambda: save(commune_official_a1, draft, met={1: False}, version=stale),
        draft,
        commune_official_a1.username,
    )
