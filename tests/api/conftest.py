"""API fixtures: a token client per persona, and a small world of one of every record in two provinces.

The personas are the root conftest's (province coordinator, district officer of A, commune officials of A1 and B1,
the liaison of an agency assigned to A1); `elsewhere` is a second province with the same records, which no persona of
the first may see or touch.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from communes.choices import NtmLevel
from criteria import ledger
from criteria.choices import Comparison, RoundStatus
from criteria.models import CriterionResult
from ntm_portal.choices import Role
from ntm_portal.tokens import token_issue
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
    UnitTargetFactory,
)
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

AS_OF = datetime.date(2019, 12, 31)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache, which outlives a test: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _token, key = token_issue(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated by that user's token; api(None) -> anonymous."""
    return token_client


def build_criteria_set():
    """A 2016–2020 national set of 3 criteria; criterion 1 has two indicators, the others are assessed as a whole."""
    criteria_set = CriteriaSetFactory(code="ntm-2016-2020", period_start=2016, period_end=2020)
    criteria = [CriterionFactory(criteria_set=criteria_set, number=n, name=f"Tiêu chí {n}") for n in (1, 2, 3)]
    share = IndicatorFactory(criterion=criteria[0], code="1.1", comparison=Comparison.PERCENT_AT_LEAST)
    IndicatorTargetFactory(indicator=share, threshold=80)
    IndicatorFactory(criterion=criteria[0], code="1.2", comparison=Comparison.YES_NO)
    return criteria_set


@pytest.fixture
def criteria_set(db):
    return build_criteria_set()


def record_round(commune, criteria_set, *, year=2019, met=(1, 2, 3), status=RoundStatus.APPROVED):
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=year, status=status)
    CriterionResult.objects.bulk_create(
        CriterionResult(assessment_round=assessment_round, criterion=c, met=c.number in met, assessed_as_whole=True)
        for c in criteria_set.criteria.all()
    )
    ledger.refresh_communes([commune.pk])
    return assessment_round


@dataclass
class World:
    """One of every record, in a province; `records` maps an API prefix to the record of that resource."""

    province: object
    district: object
    commune: object
    agency: object
    records: dict


def build_world(province, district, commune, criteria_set, agency=None) -> World:
    agency = agency or AgencyFactory(unit=province, name=f"Sở Xây dựng {province.code}")
    assessment_round = record_round(commune, criteria_set, met=(1, 2))
    indicator = criteria_set.criteria.get(number=1).indicators.get(code="1.1")
    value = IndicatorValueFactory(assessment_round=assessment_round, indicator=indicator, value_number=85)
    RecognitionFactory(commune=commune, year=2019, decision_date=datetime.date(2019, 6, 1))
    cadre = CadreFactory(home_agency=agency)
    batch = SecondmentBatchFactory(province=province)
    secondment = SecondmentFactory(
        cadre=cadre,
        commune=commune,
        batch=batch,
        criteria_met_at_start=9,
        criteria_met_at_end=19,
        actual_end_date=datetime.date(2016, 10, 15),
    )
    assignment = agency.assignments.filter(commune=commune).first() or SponsorAssignmentFactory(
        agency=agency, commune=commune
    )
    work_plan = WorkPlanFactory(assignment=assignment)
    item = WorkPlanItemFactory(work_plan=work_plan)
    visit = FieldVisitFactory(agency=agency, commune=commune, visit_date=datetime.date(2019, 5, 10))
    support = SupportContributionFactory(giver=agency, commune=commune, date=datetime.date(2019, 6, 1))
    target = UnitTargetFactory(unit=district, year=2020, min_communes_meeting_standard=2)
    return World(
        province=province,
        district=district,
        commune=commune,
        agency=agency,
        records={
            "administrative-units": commune,
            "communes": commune,
            "criteria-sets": criteria_set,
            "assessment-rounds": assessment_round,
            "indicator-values": value,
            "unit-targets": target,
            "dashboards": district,
            "agencies": agency,
            "cadres": cadre,
            "secondment-batches": batch,
            "secondments": secondment,
            "sponsor-assignments": assignment,
            "work-plans": work_plan,
            "work-plan-items": item,
            "field-visits": visit,
            "support-contributions": support,
        },
    )


@pytest.fixture
def world(geography, criteria_set, agency_liaison):
    """Our province: the records sit in district A, commune A1 (the liaison's agency is the one assigned to A1)."""
    return build_world(
        geography.province, geography.district_a, geography.commune_a1, criteria_set, agency=agency_liaison.agency
    )


def build_elsewhere(criteria_set) -> World:
    province = ProvinceFactory(code="20", name="Tỉnh Lạng Sơn")
    district = DistrictFactory(code="178", name="Huyện Bắc Sơn", parent=province)
    commune = CommuneFactory(code="06100", name="Xã Vũ Lễ", parent=district, ntm_level=NtmLevel.NOT_YET)
    world = build_world(province, district, commune, criteria_set)
    world.coordinator = UserFactory(username="coordinator_ls", role=Role.PROVINCE_COORDINATOR, unit=province)
    return world


@pytest.fixture
def elsewhere(criteria_set):
    """Another province with the same records, and its own coordinator."""
    return build_elsewhere(criteria_set)
