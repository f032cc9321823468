"""The progress ledger: kept by every write that can change where a commune stands, equal to a rebuild from the raw
rows after any sequence of workflow actions, and read the same way on any date.

Rounds use the real 2021–2025 set (criterion 3 has the indicators 3.1, irrigated land ≥ 80 %, and 3.2, yes/no;
every other criterion is assessed as a whole).
"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communes.choices import NtmLevel
from communes.models import Recognition
from criteria import ledger
from criteria.choices import RoundStatus
from criteria.models import AssessmentRound, Criterion, CriterionResult, Indicator, IndicatorTarget, Standing
from criteria.selectors import commune_progress_for, unit_progress_summary
from criteria.services import assessment as workflow
from criteria.services.assessment import CriterionInput, IndicatorInput, WorkflowError
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

YEARS = (2021, 2022, 2023, 2024)
ACTIONS = ("start", "fill", "submit", "verify", "approve", "return", "reopen", "recognise", "revoke", "target")


def ledger_rows() -> list[tuple]:
    return sorted(
        (*row[:8], tuple(row[8]), *row[9:])
        for row in Standing.objects.values_list(
            "commune_id",
            "criteria_set_id",
            "approved_only",
            "valid_from",
            "valid_to",
            "assessment_round_id",
            "criteria_met",
            "criteria_total",
            "unmet_criteria",
            "ntm_level",
            "meets_standard",
            "standard_since",
        )
    )


def round_counts() -> dict[int, int]:
    return dict(AssessmentRound.objects.values_list("pk", "criteria_met"))


def fill(user, round_: AssessmentRound, *, unmet: set[int]) -> None:
    criteria = {c.number: c for c in Criterion.objects.filter(criteria_set_id=round_.criteria_set_id)}
    indicators = {i.code: i for i in Indicator.objects.filter(criterion__criteria_set_id=round_.criteria_set_id)}
    round_.refresh_from_db()
    workflow.round_save(
        user=user,
        assessment_round=round_,
        expected_version=round_.version,
        indicators={
            indicators["3.1"].pk: IndicatorInput(value_number=85),
            indicators["3.2"].pk: IndicatorInput(value_bool=3 not in unmet),
        },
        criteria={c.pk: CriterionInput(met=n not in unmet) for n, c in criteria.items() if n != 3},
    )


@pytest.fixture
def steward(db):
    return UserFactory(username="steward", is_superuser=True, is_staff=True)


def act(action: str, *, user, commune, year: int, draw: int) -> None:
    """One workflow action as a user would take it; a refusal (an illegal step) changes nothing."""
    round_ = AssessmentRound.objects.filter(commune=commune, year=year).first()
    try:
        if action == "start":
            workflow.round_start(user=user, commune=commune, year=year)
        elif round_ is None:
            return
        elif action == "fill":
            fill(user, round_, unmet={n for n in (2, 3, 7, 17) if draw >> n & 1})
        elif action == "submit":
            workflow.round_submit(user=user, assessment_round=round_)
        elif action == "verify":
            workflow.round_verify(user=user, assessment_round=round_)
        elif action == "approve":
            workflow.round_approve(user=user, assessment_round=round_)
        elif action == "return":
            workflow.round_return_to_commune(user=user, assessment_round=round_, comments={}, comment="Bổ sung")
        elif action == "reopen":
            workflow.round_reopen(user=user, assessment_round=round_, comment="Xem lại")
        elif action == "recognise":
            workflow.recognition_record(
                user=user,
                assessment_round=round_,
                decision_number=f"{draw}/QĐ-UBND",
                decision_date=datetime.date(year + 1, 1 + draw % 12, 10),
                signer="Chủ tịch UBND tỉnh",
                level=(NtmLevel.STANDARD, NtmLevel.ADVANCED)[draw % 2],
            )
        elif action == "revoke":
            # What the recognition admin does (KeepsLedgerAdmin): the decision revoked, the ledger refreshed with it.
            recognition = Recognition.objects.filter(commune=commune, revoked_on__isnull=True).first()
            if recognition is not None:
                recognition.revoked_on = recognition.decision_date + datetime.timedelta(days=30 + draw % 400)
                recognition.save()
                ledger.refresh_communes([commune.pk])
        elif action == "target":
            # A steward corrects the general target of 3.1 (irrigated land): recorded values are judged again.
            target = IndicatorTarget.objects.get(
                indicator__criterion__criteria_set_id=round_.criteria_set_id, indicator__code="3.1", region=""
            )
            target.threshold = (70, 90, None)[draw % 3]
            target.save()
            workflow.targets_changed(indicator_ids=[target.indicator_id])
    except WorkflowError:
        pass


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2), st.sampled_from(YEARS), st.integers(0, 2**20)),
        min_size=5,
        max_size=40,
    )
)
def test_the_ledger_kept_by_the_services_equals_a_rebuild_after_any_sequence_of_actions(
    national_sets, geography, steward, steps
):
    communes = [geography.commune_a1, geography.commune_a2, geography.commune_b1]
    for action, which, year, draw in steps:
        act(action, user=steward, commune=communes[which], year=year, draw=draw)

    kept, counts = ledger_rows(), round_counts()
    ledger.rebuild()
    assert ledger_rows() == kept
    assert round_counts() == counts
    met = dict.fromkeys(counts, 0)
    for round_id in CriterionResult.objects.filter(met=True).values_list("assessment_round_id", flat=True):
        met[round_id] += 1
    assert counts == met  # every round's stored count is its results' count


def test_a_round_approved_and_recognised_moves_the_commune_on_the_date_of_each_step(national_sets, geography, steward):
    commune = geography.commune_a1
    round_ = workflow.round_start(user=steward, commune=commune, year=2022)
    fill(steward, round_, unmet={17})
    day = datetime.date(2023, 6, 30)

    [progress] = commune_progress_for(communes=[commune], as_of=day).values()
    assert (progress.criteria_met, progress.criteria_total, progress.unmet_criteria[0][0]) == (18, 19, 17)
    [approved] = commune_progress_for(communes=[commune], as_of=day, approved_only=True).values()
    assert approved.criteria_met is None  # a draft counts only in the figures of every round

    fill(steward, round_, unmet=set())
    for step in (workflow.round_submit, workflow.round_verify, workflow.round_approve):
        step(user=steward, assessment_round=round_)
    workflow.recognition_record(
        user=steward,
        assessment_round=round_,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2023, 3, 1),
        signer="Chủ tịch UBND tỉnh",
    )

    def standing(on):
        return commune_progress_for(communes=[commune], as_of=on, approved_only=True)[commune.pk]

    assert (standing(day).criteria_met, standing(day).meets_standard) == (19, True)
    assert standing(datetime.date(2023, 2, 28)).meets_standard is False  # the day before the decision
    assert standing(datetime.date(2022, 12, 30)).criteria_met is None  # the day before the round's date


def test_a_target_filled_in_later_judges_the_recorded_values_again(national_sets, geography, steward):
    commune = geography.commune_a1
    round_ = workflow.round_start(user=steward, commune=commune, year=2022)
    target = IndicatorTarget.objects.get(
        indicator__criterion__criteria_set_id=round_.criteria_set_id, indicator__code="3.1", region=""
    )
    target.threshold = None  # not known yet when the commune enters 85 %
    target.save()
    workflow.targets_changed(indicator_ids=[target.indicator_id])
    fill(steward, round_, unmet=set())
    as_of = datetime.date(2022, 12, 31)
    assert commune_progress_for(communes=[commune], as_of=as_of)[commune.pk].criteria_met == 18  # 3 not decided

    target.threshold = 80
    target.save()
    assert workflow.targets_changed(indicator_ids=[target.indicator_id]) == 1

    assert commune_progress_for(communes=[commune], as_of=as_of)[commune.pk].criteria_met == 19
    assert CriterionResult.objects.get(assessment_round=round_, criterion__number=3).met is True
    assert round_.changes.filter(criterion__number=3, field="met", changed_by=None).exists()  # logged as the system's


def test_the_admin_keeps_the_ledger_when_a_steward_revokes_a_decision_or_fills_in_a_target(
    admin_client, national_sets, geography, steward
):
    commune = geography.commune_a1
    round_ = workflow.round_start(user=steward, commune=commune, year=2022)
    fill(steward, round_, unmet=set())
    for step in (workflow.round_submit, workflow.round_verify, workflow.round_approve):
        step(user=steward, assessment_round=round_)
    recognition = workflow.recognition_record(
        user=steward,
        assessment_round=round_,
        decision_number="7/QĐ-UBND",
        decision_date=datetime.date(2023, 1, 5),
        signer="Chủ tịch UBND tỉnh",
    )
    day = datetime.date(2024, 12, 31)
    assert unit_progress_summary(unit=geography.province, as_of=day).communes_meeting_standard == 1

    url = reverse("admin:communes_recognition_change", args=[recognition.pk])
    form = {
        "commune": commune.pk,
        "level": recognition.level,
        "year": recognition.year,
        "decision_number": recognition.decision_number,
        "decision_date": "2023-01-05",
        "signer": recognition.signer,
        "criteria_set": recognition.criteria_set_id,
        "assessment_round": round_.pk,
        "revoked_on": "2024-06-01",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert unit_progress_summary(unit=geography.province, as_of=day).communes_meeting_standard == 0
    assert (
        unit_progress_summary(unit=geography.province, as_of=datetime.date(2024, 5, 31)).communes_meeting_standard == 1
    )


def test_rebuild_ledger_reports_the_rows_it_wrote(national_sets, geography, steward, capsys):
    from django.core.management import call_command  # noqa: PLC0415

    round_ = workflow.round_start(user=steward, commune=geography.commune_b1, year=2021)
    fill(steward, round_, unmet={5})
    before = ledger_rows()
    Standing.objects.all().delete()
    AssessmentRound.objects.update(criteria_met=0)

    call_command("rebuild_ledger")

    assert ledger_rows() == before
    assert AssessmentRound.objects.get(pk=round_.pk).criteria_met == 18
    assert f"{len(before)} dòng" in capsys.readouterr().out
    assert AssessmentRound.objects.get(pk=round_.pk).status == RoundStatus.DRAFT


# --- the 2025 merger: what a merged commune inherits -----------------------------------------------------------------


@pytest.fixture
def merged(national_sets, geography, steward):
    """Xã Phú Đình formed on 1 July 2025 from three communes: A1 recognised in 2022, A2 and B1 not."""
    from communes.models import UnitSuccession  # noqa: PLC0415
    from tests.communes.factories import CommuneFactory, RecognitionFactory  # noqa: PLC0415

    old = [geography.commune_a1, geography.commune_a2, geography.commune_b1]
    RecognitionFactory(commune=old[0], year=2022, decision_date=datetime.date(2022, 12, 20))
    for commune in old:
        commune.valid_to = datetime.date(2025, 6, 30)
        commune.save()
    new = CommuneFactory(
        code="05555", name="Xã Phú Đình", parent=geography.province, valid_from=datetime.date(2025, 7, 1)
    )
    UnitSuccession.objects.bulk_create(UnitSuccession(successor=new, predecessor=o) for o in old)
    ledger.refresh_communes([new.pk])
    return old, new


def test_a_commune_merged_from_three_counts_the_old_ones_before_the_merger_and_itself_after(merged, geography):
    old, new = merged
    before = unit_progress_summary(unit=geography.province, as_of=datetime.date(2025, 6, 30))
    after = unit_progress_summary(unit=geography.province, as_of=datetime.date(2025, 7, 1))

    assert (before.communes_total, before.communes_meeting_standard) == (3, 1)
    # By default a merged commune waits for the province to re-assess it (or re-recognise it).
    assert (after.communes_total, after.communes_meeting_standard) == (1, 0)
    assert after.districts == []  # no districts after the reform


def test_a_province_that_keeps_the_standard_keeps_it_only_when_every_old_commune_met_it(merged, geography):
    from communes.choices import MergedStanding  # noqa: PLC0415
    from tests.communes.factories import RecognitionFactory  # noqa: PLC0415

    old, new = merged
    province = geography.province
    province.merged_standing = MergedStanding.KEEP_IF_ALL_MET
    province.save()
    ledger.refresh_communes([new.pk])
    day = datetime.date(2025, 7, 1)
    assert unit_progress_summary(unit=province, as_of=day).communes_meeting_standard == 0  # two did not

    for commune in old[1:]:
        RecognitionFactory(commune=commune, level=NtmLevel.ADVANCED, year=2023, decision_date=datetime.date(2023, 9, 1))
    ledger.refresh_communes([new.pk])

    [standing] = commune_progress_for(communes=[new], as_of=day).values()
    assert (standing.meets_standard, standing.ntm_level) == (True, NtmLevel.STANDARD)  # the lowest of the three
    assert commune_progress_for(communes=[new], as_of=datetime.date(2025, 6, 30)) == {}  # not in force yet
    ledger.rebuild()
    assert commune_progress_for(communes=[new], as_of=day)[new.pk].meets_standard  # a rebuild keeps it


def test_a_round_approved_mid_year_counts_from_its_approval_date(national_sets, geography, steward):
    commune = geography.commune_b1
    round_ = workflow.round_start(user=steward, commune=commune, year=2024)  # dated 31 December 2024
    fill(steward, round_, unmet={7})
    for step in (workflow.round_submit, workflow.round_verify):
        step(user=steward, assessment_round=round_)
    workflow.round_approve(user=steward, assessment_round=round_, approved_on=datetime.date(2024, 5, 20))

    def met_on(day):
        return commune_progress_for(communes=[commune], as_of=day, approved_only=True)[commune.pk].criteria_met

    assert (met_on(datetime.date(2024, 5, 19)), met_on(datetime.date(2024, 5, 20))) == (None, 18)
    workflow.round_reopen(user=steward, assessment_round=round_, comment="Xem lại số liệu")
    assert met_on(datetime.date(2024, 6, 1)) is None  # reopened: no longer approved
