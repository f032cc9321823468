import datetime

import pytest

from communes.choices import NtmLevel
from criteria.choices import RoundStatus
from criteria.models import Criterion
from criteria.services import assessment as workflow
from criteria.services.reference import criteria_reference_load
from ntm_portal.access import AccessDenied

pytestmark = pytest.mark.django_db


def test_a_round_goes_from_commune_to_district_to_province_to_recognition(
    geography, commune_official_a1, district_officer_a, province_coordinator, commune_official_b1
):
    criteria_reference_load()
    commune = geography.commune_a1
    round_ = workflow.round_start(user=commune_official_a1, commune=commune, year=2022)
    criteria = {c.number: c for c in Criterion.objects.filter(criteria_set=round_.criteria_set)}
    irrigation = criteria[3].indicators.get(code="3.1")
    disaster = criteria[3].indicators.get(code="3.2")
    result = workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_,
        expected_version=round_.version,
        indicators={
            irrigation.pk: workflow.IndicatorInput(value_number=85),
            disaster.pk: workflow.IndicatorInput(value_bool=True),
        },
        criteria={c.pk: workflow.CriterionInput(met=True) for n, c in criteria.items() if n != 3},
    )
    assert result.changes > 19
    assert workflow.round_score(round_)[:2] == (19, 19)
    with pytest.raises(workflow.ConcurrentEdit):
        workflow.round_save(user=commune_official_a1, assessment_round=round_, expected_version=1, criteria={})
    with pytest.raises(AccessDenied):
        workflow.round_submit(user=commune_official_b1, assessment_round=round_)
    workflow.round_submit(user=commune_official_a1, assessment_round=round_)
    with pytest.raises(workflow.IllegalTransition):
        workflow.round_approve(user=province_coordinator, assessment_round=round_)
    workflow.round_verify(user=district_officer_a, assessment_round=round_)
    workflow.round_approve(user=province_coordinator, assessment_round=round_)
    recognition = workflow.recognition_record(
        user=province_coordinator,
        assessment_round=round_,
        decision_number="123/QĐ-UBND",
        decision_date=datetime.date(2023, 1, 10),
        signer="Chủ tịch UBND tỉnh",
    )
    commune.refresh_from_db()
    assert commune.ntm_level == NtmLevel.STANDARD and commune.recognition == recognition
    round_.refresh_from_db()
    assert round_.status == RoundStatus.APPROVED
    before = workflow.round_as_of(round_, round_.changes.get(kind="created").changed_at)
    assert before.status == RoundStatus.DRAFT and set(before.criteria.values()) == {None}
