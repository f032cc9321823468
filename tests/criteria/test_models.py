import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from communes.choices import CommuneGroup, Region
from criteria.choices import Comparison
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionFactory,
    CriterionResultFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
    UnitTargetFactory,
)

pytestmark = pytest.mark.django_db


def validation_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


@pytest.fixture
def assessment_round():
    """A round of a set with one criterion and one percentage indicator."""
    criteria_set = CriteriaSetFactory(criteria_count=1)
    IndicatorFactory(criterion=criteria_set.criteria.get(), comparison=Comparison.PERCENT_AT_LEAST)
    return AssessmentRoundFactory(criteria_set=criteria_set)


# CriteriaSet


def test_a_criteria_set_built_by_the_factory_is_valid():
    CriteriaSetFactory().full_clean()


def test_two_criteria_sets_cannot_share_a_code():
    CriteriaSetFactory(code="qd-1980-2016")

    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSetFactory(code="qd-1980-2016")


def test_a_criteria_set_cannot_end_before_it_starts_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSetFactory(period_start=2021, period_end=2020)


def test_a_criteria_set_cannot_end_before_it_starts():
    criteria_set = CriteriaSetFactory.build(period_start=2021, period_end=2020)

    assert "period_end" in validation_errors(criteria_set)


def test_a_one_year_criteria_set_is_valid():
    CriteriaSetFactory.build(period_start=2025, period_end=2025).full_clean()


def test_a_provincial_criteria_set_derives_from_a_national_one():
    provincial = CriteriaSetFactory.build(province=ProvinceFactory(), derived_from=None)

    assert "derived_from" in validation_errors(provincial)


def test_a_provincial_criteria_set_derived_from_a_national_one_is_valid():
    CriteriaSetFactory.build(province=ProvinceFactory(), derived_from=CriteriaSetFactory()).full_clean()


# Criterion and Indicator


def test_a_set_cannot_number_two_criteria_alike():
    criterion = CriterionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(criteria_set=criterion.criteria_set, number=criterion.number)


def test_two_sets_may_each_have_a_criterion_1():
    CriterionFactory(number=1)

    CriterionFactory(number=1)


def test_a_criterion_cannot_code_two_indicators_alike():
    indicator = IndicatorFactory(code="2.1")

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorFactory(criterion=indicator.criterion, code="2.1")


# IndicatorTarget


def test_an_indicator_has_one_general_target():
    target = IndicatorTargetFactory(region="")

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTargetFactory(indicator=target.indicator, region="")


def test_an_indicator_has_one_target_per_region():
    target = IndicatorTargetFactory(region=Region.MEKONG_DELTA)

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTargetFactory(indicator=target.indicator, region=Region.MEKONG_DELTA)


def test_an_indicator_has_one_target_per_commune_group():
    target = IndicatorTargetFactory(commune_group=CommuneGroup.ETHNIC_MOUNTAIN)

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTargetFactory(indicator=target.indicator, commune_group=CommuneGroup.ETHNIC_MOUNTAIN)


def test_an_indicator_has_a_target_for_each_region_and_each_group():
    indicator = IndicatorFactory()

    for region in Region:
        IndicatorTargetFactory(indicator=indicator, region=region)
    for group in CommuneGroup:
        IndicatorTargetFactory(indicator=indicator, commune_group=group)

    assert indicator.targets.count() == len(Region) + len(CommuneGroup)


def test_a_target_cannot_be_for_a_region_and_a_group_at_once_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTargetFactory(region=Region.MEKONG_DELTA, commune_group=CommuneGroup.GENERAL)


def test_a_target_cannot_be_for_a_region_and_a_group_at_once():
    target = IndicatorTargetFactory.build(
        indicator=IndicatorFactory(),
        region=Region.MEKONG_DELTA,
        commune_group=CommuneGroup.GENERAL,
    )

    assert NON_FIELD_ERRORS in validation_errors(target)


@pytest.mark.parametrize("comparison", [Comparison.PERCENT_AT_LEAST, Comparison.PERCENT_AT_MOST])
@pytest.mark.parametrize("threshold", [Decimal("-1"), Decimal("100.01")])
def test_a_percentage_target_lies_between_0_and_100(comparison, threshold):
    target = IndicatorTargetFactory.build(indicator=IndicatorFactory(comparison=comparison), threshold=threshold)

    assert "threshold" in validation_errors(target)


def test_a_count_target_may_exceed_100():
    target = IndicatorTargetFactory.build(indicator=IndicatorFactory(comparison=Comparison.AT_LEAST), threshold=250)

    target.full_clean()


def test_an_unknown_target_is_left_empty():
    target = IndicatorTargetFactory.build(indicator=IndicatorFactory(), threshold=None)

    target.full_clean()


# AssessmentRound


def test_a_round_built_by_the_factory_is_valid():
    AssessmentRoundFactory().full_clean()


def test_a_commune_has_one_round_per_set_and_year():
    assessment_round = AssessmentRoundFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentRoundFactory(
            commune=assessment_round.commune,
            criteria_set=assessment_round.criteria_set,
            year=assessment_round.year,
        )


def test_only_a_commune_has_rounds():
    assessment_round = AssessmentRoundFactory.build(commune=DistrictFactory(), criteria_set=CriteriaSetFactory())

    assert "commune" in validation_errors(assessment_round)


@pytest.mark.parametrize("year", [2015, 2021])
def test_a_round_falls_within_its_sets_period(year):
    assessment_round = AssessmentRoundFactory.build(
        commune=CommuneFactory(),
        criteria_set=CriteriaSetFactory(period_start=2016, period_end=2020),
        year=year,
    )

    assert "year" in validation_errors(assessment_round)


def test_a_rounds_data_are_as_of_a_day_in_its_year():
    assessment_round = AssessmentRoundFactory.build(
        commune=CommuneFactory(),
        criteria_set=CriteriaSetFactory(),
        year=2018,
        as_of=datetime.date(2019, 1, 15),
    )

    assert "as_of" in validation_errors(assessment_round)


# CriterionResult


def test_a_round_has_one_result_per_criterion(assessment_round):
    criterion = assessment_round.criteria_set.criteria.get()
    CriterionResultFactory(assessment_round=assessment_round, criterion=criterion)

    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionResultFactory(assessment_round=assessment_round, criterion=criterion)


def test_a_result_for_a_criterion_of_the_rounds_set_is_valid(assessment_round):
    criterion = assessment_round.criteria_set.criteria.get()

    CriterionResultFactory(assessment_round=assessment_round, criterion=criterion).full_clean()


def test_a_result_is_for_a_criterion_of_the_rounds_set(assessment_round):
    result = CriterionResultFactory.build(assessment_round=assessment_round, criterion=CriterionFactory())

    assert "criterion" in validation_errors(result)


# IndicatorValue


def test_a_round_has_one_value_per_indicator(assessment_round):
    indicator = assessment_round.criteria_set.criteria.get().indicators.get()
    IndicatorValueFactory(assessment_round=assessment_round, indicator=indicator)

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValueFactory(assessment_round=assessment_round, indicator=indicator)


def test_a_value_for_an_indicator_of_the_rounds_set_is_valid(assessment_round):
    indicator = assessment_round.criteria_set.criteria.get().indicators.get()

    IndicatorValueFactory(
        assessment_round=assessment_round, indicator=indicator, value_number=85, met=True
    ).full_clean()


def test_a_yes_no_indicator_takes_no_number(assessment_round):
    indicator = IndicatorFactory(
        criterion=assessment_round.criteria_set.criteria.get(), code="1.2", comparison=Comparison.YES_NO
    )
    value = IndicatorValueFactory.build(assessment_round=assessment_round, indicator=indicator, value_number=1)

    assert "value_number" in validation_errors(value)


def test_a_numeric_indicator_takes_no_yes_or_no(assessment_round):
    indicator = assessment_round.criteria_set.criteria.get().indicators.get()
    value = IndicatorValueFactory.build(
        assessment_round=assessment_round, indicator=indicator, value_number=None, value_bool=True
    )

    assert "value_bool" in validation_errors(value)


@pytest.mark.parametrize("number", [Decimal("-0.5"), Decimal("100.5")])
def test_a_percentage_value_lies_between_0_and_100(assessment_round, number):
    indicator = assessment_round.criteria_set.criteria.get().indicators.get()
    value = IndicatorValueFactory.build(assessment_round=assessment_round, indicator=indicator, value_number=number)

    assert "value_number" in validation_errors(value)


def test_a_value_is_for_an_indicator_of_the_rounds_set(assessment_round):
    value = IndicatorValueFactory.build(assessment_round=assessment_round, indicator=IndicatorFactory())

    assert "indicator" in validation_errors(value)


# UnitTarget


def test_a_unit_target_built_by_the_factory_is_valid():
    UnitTargetFactory().full_clean()


def test_a_unit_has_one_target_per_year():
    target = UnitTargetFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        UnitTargetFactory(unit=target.unit, year=target.year)


def test_a_commune_has_no_unit_target():
    target = UnitTargetFactory.build(unit=CommuneFactory())

    assert "unit" in validation_errors(target)


def test_a_unit_target_sets_at_least_one_figure():
    target = UnitTargetFactory.build(unit=DistrictFactory(), min_communes_meeting_standard=None)

    assert NON_FIELD_ERRORS in validation_errors(target)


def test_an_average_criteria_target_alone_is_enough():
    target = UnitTargetFactory.build(
        unit=ProvinceFactory(), min_communes_meeting_standard=None, min_average_criteria=Decimal("15.5")
    )

    target.full_clean()


def test_an_average_criteria_target_is_not_negative():
    target = UnitTargetFactory.build(unit=DistrictFactory(), min_average_criteria=Decimal("-1"))

    assert "min_average_criteria" in validation_errors(target)
