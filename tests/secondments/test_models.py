import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from secondments.choices import AgencyKind, AgencyLevel, PlanItemStatus, PlanPeriod, SponsorRole
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
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

pytestmark = pytest.mark.django_db

START = datetime.date(2016, 3, 15)
BEFORE_START = datetime.date(2016, 3, 14)


def validation_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    "factory",
    [
        AgencyFactory,
        CadreFactory,
        SecondmentBatchFactory,
        SecondmentFactory,
        SponsorAssignmentFactory,
        WorkPlanFactory,
        WorkPlanItemFactory,
        FieldVisitFactory,
        SupportContributionFactory,
    ],
    ids=lambda factory: factory._meta.model.__name__,
)
def test_a_row_built_by_the_factory_is_valid(factory):
    factory().full_clean()


# Agency


def test_a_unit_cannot_have_two_agencies_of_one_name():
    agency = AgencyFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyFactory(unit=agency.unit, name=agency.name)


def test_two_units_may_each_have_an_agency_of_one_name():
    AgencyFactory(name="Phòng Nông nghiệp và PTNT", unit=DistrictFactory())

    AgencyFactory(name="Phòng Nông nghiệp và PTNT", unit=DistrictFactory())


def test_an_agency_belongs_to_a_province_or_a_district_not_a_commune():
    agency = AgencyFactory.build(unit=CommuneFactory())

    assert "unit" in validation_errors(agency)


def test_a_district_body_is_at_district_level():
    agency = AgencyFactory.build(unit=DistrictFactory(), kind=AgencyKind.DISTRICT_BODY, level=AgencyLevel.PROVINCE)

    assert "level" in validation_errors(agency)


def test_a_district_body_at_district_level_is_valid():
    AgencyFactory.build(unit=DistrictFactory(), kind=AgencyKind.DISTRICT_BODY, level=AgencyLevel.DISTRICT).full_clean()


# Cadre


@pytest.mark.parametrize("birth_year", [1929, 2011])
def test_a_cadres_birth_year_is_plausible(birth_year):
    cadre = CadreFactory.build(home_agency=AgencyFactory(), birth_year=birth_year)

    assert "birth_year" in validation_errors(cadre)


# SecondmentBatch


def test_a_province_cannot_name_two_batches_alike():
    batch = SecondmentBatchFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        SecondmentBatchFactory(province=batch.province, name=batch.name)


def test_two_provinces_may_each_have_a_first_batch():
    SecondmentBatchFactory(name="Đợt 1", province=ProvinceFactory())

    SecondmentBatchFactory(name="Đợt 1", province=ProvinceFactory())


# Secondment


def test_a_secondment_cannot_end_before_it_starts_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        SecondmentFactory(start_date=START, actual_end_date=BEFORE_START)


def test_a_secondment_cannot_be_planned_to_end_before_it_starts_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        SecondmentFactory(start_date=START, planned_end_date=BEFORE_START)


def test_a_secondment_ending_on_its_first_day_is_valid():
    SecondmentFactory(start_date=START, planned_end_date=START, actual_end_date=START).full_clean()


def test_a_cadre_may_be_seconded_more_than_once():
    secondment = SecondmentFactory(actual_end_date=datetime.date(2016, 12, 31))

    SecondmentFactory(cadre=secondment.cadre, start_date=datetime.date(2017, 3, 1)).full_clean()


def secondment(**kwargs):
    return SecondmentFactory.build(
        cadre=CadreFactory(), commune=kwargs.pop("commune", None) or CommuneFactory(), **kwargs
    )


def test_a_cadre_is_seconded_to_a_commune():
    assert "commune" in validation_errors(secondment(commune=DistrictFactory()))


def test_a_secondment_cannot_be_planned_to_end_before_it_starts():
    assert "planned_end_date" in validation_errors(secondment(start_date=START, planned_end_date=BEFORE_START))


def test_a_secondment_cannot_end_before_it_starts():
    assert "actual_end_date" in validation_errors(secondment(start_date=START, actual_end_date=BEFORE_START))


def test_a_secondment_is_decided_before_it_starts():
    too_late = START + datetime.timedelta(days=1)

    assert "decision_date" in validation_errors(secondment(start_date=START, decision_date=too_late))


def test_the_criteria_count_at_the_end_waits_for_the_end():
    assert "criteria_met_at_end" in validation_errors(secondment(criteria_met_at_start=9, criteria_met_at_end=19))


def test_the_criteria_count_at_the_end_is_kept_once_the_secondment_ended():
    ended = secondment(actual_end_date=datetime.date(2016, 10, 15), criteria_met_at_start=9, criteria_met_at_end=19)

    ended.full_clean()


def test_a_secondment_is_active_from_its_first_to_its_last_day():
    ended = SecondmentFactory(start_date=START, actual_end_date=datetime.date(2016, 10, 15))

    assert not ended.is_active_on(BEFORE_START)
    assert ended.is_active_on(START)
    assert ended.is_active_on(datetime.date(2016, 10, 15))
    assert not ended.is_active_on(datetime.date(2016, 10, 16))


# SponsorAssignment


def test_an_agency_is_assigned_to_a_commune_once_per_start_date():
    assignment = SponsorAssignmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        SponsorAssignmentFactory(
            agency=assignment.agency,
            commune=assignment.commune,
            start_date=assignment.start_date,
        )


def test_an_assignment_cannot_end_before_it_starts_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        SponsorAssignmentFactory(start_date=START, end_date=BEFORE_START)


def assignment(**kwargs):
    return SponsorAssignmentFactory.build(
        agency=kwargs.pop("agency", None) or AgencyFactory(),
        commune=kwargs.pop("commune", None) or CommuneFactory(),
        **kwargs,
    )


def test_an_agency_is_assigned_to_a_commune():
    assert "commune" in validation_errors(assignment(commune=DistrictFactory()))


def test_an_assignment_cannot_end_before_it_starts():
    assert "end_date" in validation_errors(assignment(start_date=START, end_date=BEFORE_START))


def test_only_an_enterprise_is_twinned_with_a_commune():
    department = AgencyFactory(kind=AgencyKind.DEPARTMENT)

    assert "role" in validation_errors(assignment(agency=department, role=SponsorRole.TWINNED))


def test_an_enterprise_twinned_with_a_commune_is_valid():
    enterprise = AgencyFactory(kind=AgencyKind.ENTERPRISE)

    assignment(agency=enterprise, role=SponsorRole.TWINNED).full_clean()


# WorkPlan and WorkPlanItem


def test_an_assignment_has_one_work_plan_per_year():
    work_plan = WorkPlanFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkPlanFactory(assignment=work_plan.assignment, year=work_plan.year)


def item(**kwargs):
    return WorkPlanItemFactory.build(work_plan=WorkPlanFactory(), **kwargs)


@pytest.mark.parametrize(
    ("period", "period_number"),
    [(PlanPeriod.MONTH, 13), (PlanPeriod.QUARTER, 5), (PlanPeriod.YEAR, 2)],
)
def test_a_plan_item_is_due_in_a_period_that_exists(period, period_number):
    assert "period_number" in validation_errors(item(period=period, period_number=period_number))


@pytest.mark.parametrize(
    ("period", "period_number"),
    [(PlanPeriod.MONTH, 1), (PlanPeriod.MONTH, 12), (PlanPeriod.QUARTER, 4), (PlanPeriod.YEAR, 1)],
)
def test_a_plan_item_due_in_the_first_or_last_period_is_valid(period, period_number):
    item(period=period, period_number=period_number).full_clean()


def test_a_done_plan_item_has_a_completion_date():
    assert "done_on" in validation_errors(item(status=PlanItemStatus.DONE, done_on=None))


def test_an_open_plan_item_has_no_completion_date():
    assert "done_on" in validation_errors(item(status=PlanItemStatus.OPEN, done_on=datetime.date(2018, 6, 1)))


def test_a_done_plan_item_with_its_completion_date_is_valid():
    item(status=PlanItemStatus.DONE, done_on=datetime.date(2018, 6, 1)).full_clean()


# FieldVisit and SupportContribution


def visit(**kwargs):
    return FieldVisitFactory.build(
        agency=AgencyFactory(), commune=kwargs.pop("commune", None) or CommuneFactory(), **kwargs
    )


def test_an_agency_visits_a_commune():
    assert "commune" in validation_errors(visit(commune=DistrictFactory()))


def test_a_visit_records_the_time_spent_on_site():
    assert "days_on_site" in validation_errors(visit(days_on_site=0, hours_on_site=None))


def test_a_visit_of_a_few_hours_is_recorded_in_hours():
    visit(days_on_site=0, hours_on_site=Decimal("3.5")).full_clean()


def test_a_visit_cannot_last_negative_days():
    assert "days_on_site" in validation_errors(visit(days_on_site=Decimal("-1"), hours_on_site=4))


def test_support_is_given_to_a_commune():
    contribution = SupportContributionFactory.build(giver=AgencyFactory(), commune=DistrictFactory())

    assert "commune" in validation_errors(contribution)
