"""Secondment results and sponsor accountability (issue 8): the hand-built cases' figures, the edges of the rules that
give them, and fixed query counts."""

import datetime
from decimal import Decimal

import pytest

from communes.choices import NtmLevel
from secondments.choices import AgencyKind, PlanItemStatus, SecondmentOutcome, SupportKind
from secondments.models import SecondmentBatch, SponsorAssignment, SupportContribution, WorkPlan
from secondments.selectors import (
    add_months,
    months_between,
    secondment_results,
    sponsor_accountability,
    sponsor_default_year,
)
from tests.accountability_cases import assessed, national_set, seconded_communes_case, sponsor_case
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ARRIVAL, DEPARTURE = D(2016, 3, 1), D(2017, 12, 31)  # the dates of the seconded case


@pytest.fixture
def province():
    return ProvinceFactory(name="Tỉnh Trách Nhiệm")


@pytest.fixture
def seconded(province):
    return seconded_communes_case(province)


@pytest.fixture
def sponsors(province):
    return sponsor_case(province)


def second(commune, agency, *, start=ARRIVAL, end=DEPARTURE, at_start=8, at_end=None, batch=None):
    """A secondment of a new cadre of `agency` to `commune`, decided on its first day."""
    return SecondmentFactory(
        cadre=CadreFactory(home_agency=agency),
        commune=commune,
        batch=batch,
        decision_date=start,
        start_date=start,
        planned_end_date=end,
        actual_end_date=end,
        criteria_met_at_start=at_start,
        criteria_met_at_end=at_end,
    )


def figures(outcome):
    """M (communes), N (reaching), the percent, the median gain and the median months of an OutcomeFigures."""
    return (
        outcome.communes,
        outcome.communes_meeting_standard,
        outcome.percent_meeting_standard,
        outcome.median_criteria_gained,
        outcome.median_months_to_standard,
    )


# --- secondment results: seed 000's "13 of 20" -----------------------------------------------------------------------


def test_thirteen_of_twenty_communes_with_a_seconded_cadre_reached_the_standard(seconded):
    overall = secondment_results(unit=seconded.province, as_of=seconded.as_of).overall

    assert (overall.key, overall.label) == ("all", "Tất cả cán bộ biệt phái, luân chuyển")
    assert (overall.period_start, overall.period_end) == (D(2016, 3, 1), D(2017, 12, 31))
    assert (overall.secondments, overall.already_meeting) == (20, 0)
    assert figures(overall.seconded) == (
        seconded.communes,
        seconded.communes_meeting_standard,
        seconded.percent_meeting_standard,
        seconded.median_criteria_gained,
        seconded.median_months_to_standard,
    )
    assert figures(overall.seconded) == (20, 13, 65.0, 11.0, 15.0)


def test_two_of_nine_comparable_communes_without_a_cadre_reached_it_in_the_same_period(seconded):
    overall = secondment_results(unit=seconded.province, as_of=seconded.as_of).overall

    # The commune recognised in 2015 is left out; without rounds the comparison has no median gain.
    assert figures(overall.comparison) == (
        seconded.comparison_communes,
        seconded.comparison_reaching,
        seconded.comparison_percent,
        None,
        seconded.comparison_median_months,
    )
    assert figures(overall.comparison) == (9, 2, 22.2, None, 21.0)


def test_the_one_batch_shows_the_same_figures_under_its_name(seconded):
    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    [batch] = results.batches
    assert (batch.key, batch.label, batch.secondments) == (f"batch-{seconded.batch.pk}", "Đợt 1 năm 2016", 20)
    assert (batch.period_start, batch.period_end) == (D(2016, 3, 1), D(2017, 12, 31))
    assert figures(batch.seconded) == (20, 13, 65.0, 11.0, 15.0)
    assert figures(batch.comparison) == (9, 2, 22.2, None, 21.0)


def test_home_agencies_come_most_communes_first_with_their_own_figures(seconded):
    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    agency_a, agency_b = results.home_agencies
    assert (agency_a.key, agency_a.label, agency_a.secondments) == (
        f"agency-{seconded.agency_a.pk}",
        "Ban Tổ chức Tỉnh ủy",
        12,
    )
    assert figures(agency_a.seconded) == (12, 12, 100.0, 11.0, 15.0)
    assert (agency_b.key, agency_b.label, agency_b.secondments) == (
        f"agency-{seconded.agency_b.pk}",
        "Sở Nông nghiệp và Môi trường",
        8,
    )
    assert figures(agency_b.seconded) == (8, 1, 12.5, 4.0, 30.0)
    # Same period, same comparison.
    assert figures(agency_a.comparison) == figures(agency_b.comparison) == (9, 2, 22.2, None, 21.0)


def test_each_secondment_shows_its_outcome_and_the_months_to_the_standard(seconded):
    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    assert [r.commune for r in results.secondments] == [f"Xã Biệt Phái {n:02d}" for n in range(1, 21)]
    rows = [
        (
            r.outcome,
            r.reached,
            r.standard_reached_on,
            r.months_to_standard,
            r.criteria_at_start,
            r.criteria_at_end,
            r.criteria_gained,
        )
        for r in results.secondments
    ]
    assert rows == (
        [(SecondmentOutcome.DURING, True, D(2017, 6, 1), 15, 8, 19, 11)] * 10
        + [(SecondmentOutcome.AFTER, True, D(2018, 9, 1), 30, 8, 19, 11)] * 3
        + [(SecondmentOutcome.LATER, False, D(2019, 6, 1), None, 8, 12, 4)] * 2
        + [(SecondmentOutcome.NOT_YET, False, None, None, 8, 12, 4)] * 5
    )
    first = results.secondments[0]
    assert (first.start_date, first.end_date, first.still_running) == (D(2016, 3, 1), D(2017, 12, 31), False)
    assert (first.district, first.batch_id, first.batch) == ("Huyện Biệt Phái", seconded.batch.pk, "Đợt 1 năm 2016")
    assert (first.home_agency_id, first.home_agency) == (seconded.agency_a.pk, "Ban Tổ chức Tỉnh ủy")
    assert results.secondments[12].home_agency == "Sở Nông nghiệp và Môi trường"
    assert (results.as_of, results.months_after) == (D(2020, 12, 31), 12)


def test_with_no_months_after_only_the_communes_recognised_during_count(seconded):
    overall = secondment_results(unit=seconded.province, as_of=seconded.as_of, months_after=0).overall

    assert figures(overall.seconded) == (20, 10, 50.0, 11.0, 15.0)
    # Only the comparison commune recognised on 1 September 2017 reached it by 31 December 2017.
    assert figures(overall.comparison) == (9, 1, 11.1, None, 18.0)


def test_with_24_months_after_the_two_recognised_18_months_later_count_too(seconded):
    results = secondment_results(unit=seconded.province, as_of=seconded.as_of, months_after=24)

    assert figures(results.overall.seconded) == (20, 15, 75.0, 11.0, 15.0)  # months: 10 × 15, 3 × 30, 2 × 39
    assert [r.months_to_standard for r in results.secondments[13:15]] == [39, 39]
    assert {r.outcome for r in results.secondments[13:15]} == {SecondmentOutcome.AFTER}
    assert results.months_after == 24


def test_the_months_after_default_to_the_setting(seconded, settings):
    settings.NTM_STANDARD_WITHIN_MONTHS = 24

    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    assert results.months_after == 24
    assert results.overall.seconded.communes_meeting_standard == 15


# --- secondment results: the edges --------------------------------------------------------------------------------


def test_a_secondment_still_running_is_counted_on_as_of_and_a_later_recognition_is_unknown(province):
    district = DistrictFactory(parent=province)
    commune = CommuneFactory(parent=district, name="Xã Đang Biệt Phái")
    criteria_set = national_set(period_start=2016, period_end=2020)
    for year, met in ((2018, 10), (2019, 12), (2020, 15)):
        assessed(commune, criteria_set, year, met)
    # The end recorded when the cadre left in June 2021, and the recognition of March 2021, were not known on as_of.
    second(commune, AgencyFactory(unit=province), start=D(2019, 3, 1), end=D(2021, 6, 30), at_start=None, at_end=19)
    RecognitionFactory(commune=commune, year=2021, decision_date=D(2021, 3, 1))

    results = secondment_results(unit=province, as_of=D(2020, 12, 31))

    [result] = results.secondments
    assert (result.still_running, result.end_date) == (True, None)
    # At the start: the December 2018 round (the 2019 one came after the cadre arrived); at the end: the 2020 one.
    assert (result.criteria_at_start, result.criteria_at_end, result.criteria_gained) == (10, 15, 5)
    assert (result.standard_reached_on, result.outcome, result.months_to_standard) == (
        None,
        SecondmentOutcome.NOT_YET,
        None,
    )
    assert (results.overall.period_start, results.overall.period_end) == (D(2019, 3, 1), D(2020, 12, 31))
    assert figures(results.overall.seconded) == (1, 0, 0.0, 5.0, None)


def test_a_secondment_still_running_counts_a_recognition_before_as_of_as_during(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    second(commune, AgencyFactory(unit=province), start=D(2019, 3, 1), end=None, at_start=12)
    RecognitionFactory(commune=commune, year=2020, decision_date=D(2020, 9, 1))

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.still_running, result.outcome, result.months_to_standard) == (True, SecondmentOutcome.DURING, 18)


def test_a_commune_already_recognised_when_its_cadre_arrived_is_left_out_of_the_count_and_the_gains(province):
    district = DistrictFactory(parent=province)
    agency = AgencyFactory(unit=province)
    reached, already = CommuneFactory(parent=district), CommuneFactory(parent=district, name="Xã Đã Đạt")
    second(reached, agency, at_start=8, at_end=12)
    RecognitionFactory(commune=reached, year=2017, decision_date=D(2017, 6, 1))
    second(already, agency, at_start=19, at_end=19)
    RecognitionFactory(commune=already, year=2015, decision_date=D(2015, 6, 1))

    results = secondment_results(unit=province, as_of=D(2020, 12, 31))

    outcome = {r.commune: (r.outcome, r.reached, r.months_to_standard) for r in results.secondments}
    assert outcome["Xã Đã Đạt"] == (SecondmentOutcome.ALREADY, False, None)
    assert (results.overall.secondments, results.overall.already_meeting) == (2, 1)
    # 1 of 1, not 1 of 2; the median gain is 4, not the median of 4 and 0.
    assert figures(results.overall.seconded) == (1, 1, 100.0, 4.0, 15.0)


def test_a_commune_whose_recognition_was_revoked_before_its_cadre_arrived_was_not_already_meeting_it(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    RecognitionFactory(commune=commune, year=2012, decision_date=D(2012, 6, 1), revoked_on=D(2015, 6, 1))
    RecognitionFactory(commune=commune, year=2017, decision_date=D(2017, 6, 1))
    second(commune, AgencyFactory(unit=province), at_end=19)

    results = secondment_results(unit=province, as_of=D(2020, 12, 31))

    [result] = results.secondments
    # Recognised again during the secondment: that decision is the one that counts.
    assert (result.outcome, result.standard_reached_on, result.months_to_standard) == (
        SecondmentOutcome.DURING,
        D(2017, 6, 1),
        15,
    )
    assert results.overall.already_meeting == 0
    assert figures(results.overall.seconded) == (1, 1, 100.0, 11.0, 15.0)


def test_a_commune_whose_recognition_was_revoked_and_not_given_again_has_not_reached_the_standard(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    RecognitionFactory(commune=commune, year=2012, decision_date=D(2012, 6, 1), revoked_on=D(2015, 6, 1))
    second(commune, AgencyFactory(unit=province))

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.outcome, result.standard_reached_on) == (SecondmentOutcome.NOT_YET, None)


def test_a_recognition_revoked_after_the_cadre_arrived_still_made_the_commune_already_meeting_it(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    RecognitionFactory(commune=commune, year=2015, decision_date=D(2015, 6, 1), revoked_on=D(2016, 9, 1))
    second(commune, AgencyFactory(unit=province))

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.outcome, result.standard_reached_on) == (SecondmentOutcome.ALREADY, D(2015, 6, 1))


def test_a_commune_recognised_on_the_day_its_cadre_arrived_reached_it_during_the_secondment(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    RecognitionFactory(commune=commune, year=2016, decision_date=ARRIVAL)
    second(commune, AgencyFactory(unit=province))

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.outcome, result.months_to_standard) == (SecondmentOutcome.DURING, 0)


def test_a_recognition_at_the_advanced_level_counts_as_reaching_the_standard(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    second(commune, AgencyFactory(unit=province))
    RecognitionFactory(commune=commune, level=NtmLevel.ADVANCED, year=2017, decision_date=D(2017, 6, 1))

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.outcome, result.standard_reached_on) == (SecondmentOutcome.DURING, D(2017, 6, 1))


def test_a_commune_with_two_cadres_in_one_batch_is_counted_once(province):
    district = DistrictFactory(parent=province)
    agency = AgencyFactory(unit=province)
    batch = SecondmentBatch.objects.create(province=province, name="Đợt 2016", year=2016)
    twice, once = CommuneFactory(parent=district), CommuneFactory(parent=district)
    second(twice, agency, batch=batch, at_end=19)
    second(twice, agency, batch=batch, at_end=19)
    RecognitionFactory(commune=twice, year=2017, decision_date=D(2017, 6, 1))
    second(once, agency, batch=batch, at_end=19)
    RecognitionFactory(commune=once, year=2018, decision_date=D(2018, 3, 1))

    results = secondment_results(unit=province, as_of=D(2020, 12, 31))

    [group] = results.batches
    assert group.secondments == 3
    # 2 of 2 communes, not 3 of 3; months 15 (counted once) and 24.
    assert figures(group.seconded)[:3] == (2, 2, 100.0)
    assert group.seconded.median_months_to_standard == 19.5
    assert figures(results.home_agencies[0].seconded)[:3] == (2, 2, 100.0)


def test_back_to_back_cadres_share_one_communes_gain_and_months_from_the_first_arrival(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    agency = AgencyFactory(unit=province)
    batch = SecondmentBatch.objects.create(province=province, name="Đợt 2016", year=2016)
    # 8 → 12 with the first cadre (March–December 2016), 12 → 19 with the second (2017); recognised 1 June 2017.
    second(commune, agency, batch=batch, start=D(2016, 3, 1), end=D(2016, 12, 31), at_start=8, at_end=12)
    second(commune, agency, batch=batch, start=D(2017, 1, 1), end=D(2017, 12, 31), at_start=12, at_end=19)
    RecognitionFactory(commune=commune, year=2017, decision_date=D(2017, 6, 1))

    [group] = secondment_results(unit=province, as_of=D(2020, 12, 31)).batches

    # One commune, 11 criteria gained from 8 to 19, 15 months from the first arrival (not 5 from the second).
    assert figures(group.seconded) == (1, 1, 100.0, 11.0, 15.0)


def test_counts_not_recorded_on_the_secondment_come_from_the_round_history(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    # The cadre arrived in March 2016: the commune stood as the December 2015 round of the previous set left it.
    assessed(commune, national_set(period_start=2011, period_end=2015), 2015, 10)
    set_2016 = national_set(period_start=2016, period_end=2020)
    assessed(commune, set_2016, 2016, 13)
    assessed(commune, set_2016, 2017, 16)
    assessed(commune, set_2016, 2018, 18)
    second(commune, AgencyFactory(unit=province), at_start=None, at_end=None)

    [result] = secondment_results(unit=province, as_of=D(2020, 12, 31)).secondments

    assert (result.criteria_at_start, result.criteria_at_end, result.criteria_gained) == (10, 16, 6)


def test_the_comparison_leaves_out_a_commune_with_a_cadre_of_another_batch_in_the_period(seconded):
    batch_2 = SecondmentBatch.objects.create(province=seconded.province, name="Đợt 2 năm 2017", year=2017)
    second(seconded.comparison[3], seconded.agency_b, start=D(2017, 6, 1), end=D(2018, 6, 1), batch=batch_2)

    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    first, later = results.batches
    assert (first.label, later.label) == ("Đợt 1 năm 2016", "Đợt 2 năm 2017")
    assert figures(first.seconded) == (20, 13, 65.0, 11.0, 15.0)
    assert figures(first.comparison) == (8, 2, 25.0, None, 21.0)
    assert figures(later.seconded) == (1, 0, 0.0, None, None)  # no count recorded at the end, no rounds
    # The whole runs to 1 June 2018 and includes the commune among the seconded.
    assert results.overall.period_end == D(2018, 6, 1)
    assert figures(results.overall.seconded)[:3] == (21, 13, 61.9)
    assert figures(results.overall.comparison) == (8, 2, 25.0, None, 21.0)


def test_the_comparison_counts_a_commune_recognised_on_the_first_day_of_the_period(seconded):
    commune = CommuneFactory(parent=seconded.district)
    RecognitionFactory(commune=commune, year=2016, decision_date=D(2016, 3, 1))

    comparison = secondment_results(unit=seconded.province, as_of=seconded.as_of).overall.comparison

    # 18, 24 and 0 months: 3 of 10, median 18.
    assert figures(comparison) == (10, 3, 30.0, None, 18.0)


def test_the_comparison_counts_a_commune_whose_recognition_was_revoked_before_the_period(seconded):
    commune = CommuneFactory(parent=seconded.district)
    RecognitionFactory(commune=commune, year=2012, decision_date=D(2012, 6, 1), revoked_on=D(2015, 1, 1))
    RecognitionFactory(commune=commune, year=2018, decision_date=D(2018, 6, 1))

    comparison = secondment_results(unit=seconded.province, as_of=seconded.as_of).overall.comparison

    # Recognised again 27 months into the period: 3 of 10, months 18, 24 and 27.
    assert figures(comparison) == (10, 3, 30.0, None, 24.0)


def test_a_secondment_to_a_commune_merged_since_keeps_its_counts_from_the_rounds(province):
    # Merged on 1 July 2025: no longer a commune on as_of, but its secondment of 2016 is still counted.
    commune = CommuneFactory(parent=DistrictFactory(parent=province), valid_to=D(2025, 6, 30))
    criteria_set = national_set(period_start=2016, period_end=2020)
    assessed(commune, criteria_set, 2015, 10)
    assessed(commune, criteria_set, 2017, 15)
    second(commune, AgencyFactory(unit=province), at_start=None, at_end=None)

    [result] = secondment_results(unit=province, as_of=D(2025, 12, 31)).secondments

    assert (result.criteria_at_start, result.criteria_at_end, result.criteria_gained) == (10, 15, 5)


def test_the_comparison_takes_its_median_gain_from_the_rounds_at_both_ends_of_the_period(seconded):
    criteria_set = national_set(period_start=2016, period_end=2020)
    for commune, (before, after) in zip(seconded.comparison[3:6], ((9, 12), (10, 15), (11, 12)), strict=True):
        assessed(commune, criteria_set, 2015, before)
        assessed(commune, criteria_set, 2017, after)

    comparison = secondment_results(unit=seconded.province, as_of=seconded.as_of).overall.comparison

    assert comparison.median_criteria_gained == 3.0  # 3, 5, 1


def test_results_for_a_district_count_only_that_districts_secondments_and_communes(seconded):
    other_district = DistrictFactory(parent=seconded.province, name="Huyện Khác")
    elsewhere = CommuneFactory(parent=other_district)
    second(elsewhere, seconded.agency_a, at_end=19)
    RecognitionFactory(commune=elsewhere, year=2017, decision_date=D(2017, 6, 1))
    CommuneFactory(parent=other_district)  # a comparison commune of the province only

    in_district = secondment_results(unit=seconded.district, as_of=seconded.as_of)
    in_province = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    assert len(in_district.secondments) == 20
    assert figures(in_district.overall.seconded) == (20, 13, 65.0, 11.0, 15.0)
    assert figures(in_district.overall.comparison) == (9, 2, 22.2, None, 21.0)
    assert len(in_province.secondments) == 21
    assert figures(in_province.overall.seconded)[:3] == (21, 14, 66.7)
    assert figures(in_province.overall.comparison)[:3] == (10, 2, 20.0)


def test_secondments_outside_any_batch_form_a_group_placed_last(seconded):
    outside = CommuneFactory(parent=seconded.district, name="Xã Ngoài Đợt")
    second(outside, seconded.agency_b, start=D(2015, 1, 1), end=D(2015, 12, 31))

    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    assert results.secondments[0].commune == "Xã Ngoài Đợt"  # oldest first
    assert [(g.key, g.label, g.secondments) for g in results.batches] == [
        (f"batch-{seconded.batch.pk}", "Đợt 1 năm 2016", 20),
        ("batch-none", "Ngoài các đợt", 1),
    ]
    assert (results.batches[1].period_start, results.batches[1].period_end) == (D(2015, 1, 1), D(2015, 12, 31))


def test_a_unit_without_secondments_has_no_groups(province):
    CommuneFactory(parent=DistrictFactory(parent=province))

    results = secondment_results(unit=province, as_of=D(2020, 12, 31))

    assert (results.secondments, results.overall, results.batches, results.home_agencies) == ([], None, [], [])
    assert results.months_after == 12


def test_a_secondment_starting_after_as_of_is_not_counted(seconded):
    second(CommuneFactory(parent=seconded.district), seconded.agency_a, start=D(2021, 1, 1), end=None)

    results = secondment_results(unit=seconded.province, as_of=seconded.as_of)

    assert results.overall.secondments == 20


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2017, 12, 31), 12, D(2018, 12, 31)),
        (D(2017, 12, 31), 2, D(2018, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2016, 3, 1), 0, D(2016, 3, 1)),
    ],
)
def test_add_months_lands_on_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2016, 3, 1), D(2016, 9, 30), 6),
        (D(2016, 3, 1), D(2016, 10, 1), 7),
        (D(2016, 3, 1), D(2017, 6, 1), 15),
        (D(2016, 3, 1), D(2018, 9, 1), 30),
        (D(2016, 3, 15), D(2016, 4, 14), 0),
        (D(2016, 3, 1), D(2016, 3, 1), 0),
    ],
)
def test_months_between_counts_whole_months(start, end, expected):
    assert months_between(start, end) == expected


def test_secondment_results_cost_the_same_queries_for_20_more_secondments(seconded, django_assert_num_queries):
    # A set in the database from the start: without one, Django skips the rounds query (`criteria_set__in=[]`).
    criteria_set = national_set(period_start=2016, period_end=2020)
    # The secondments with their cadre, home agency, commune, district and batch; then criteria_history's four: the
    # national basic sets, the communes, the rounds with their met count, the recognitions.
    expected = 5
    with django_assert_num_queries(expected):
        secondment_results(unit=seconded.province, as_of=seconded.as_of)

    for n in range(20):
        batch = SecondmentBatch.objects.create(province=seconded.province, name=f"Đợt thêm {n}", year=2017)
        commune = CommuneFactory(parent=DistrictFactory(parent=seconded.province))
        second(commune, AgencyFactory(unit=seconded.province), batch=batch, at_start=None, at_end=None)
        assessed(commune, criteria_set, 2016, 10)
        RecognitionFactory(commune=commune, year=2017, decision_date=D(2017, 6, 1))

    with django_assert_num_queries(expected):
        results = secondment_results(unit=seconded.province, as_of=seconded.as_of)
    assert results.overall.secondments == 40
    assert len(results.batches) == 21 and len(results.home_agencies) == 22


# --- sponsor accountability: seed 003's "a few times a year, a few hours each" ---------------------------------------


def by_name(accountability):
    return {agency.name: agency for agency in accountability.agencies}


def quarter_rows(agency):
    return [
        (
            q.quarter,
            q.complete,
            q.communes_assigned,
            q.field_visits,
            q.days_on_site,
            q.hours_on_site,
            [c.name for c in q.communes_not_visited],
            q.below_minimum,
        )
        for q in agency.quarters
    ]


def test_the_enterprise_is_flagged_first_and_the_diligent_department_last(sponsors):
    accountability = sponsor_accountability(unit=sponsors.province, year=sponsors.year, as_of=sponsors.as_of)

    assert (accountability.year, accountability.as_of, accountability.quarters) == (2024, D(2024, 8, 15), [1, 2, 3])
    assert (accountability.min_visits_per_commune, accountability.min_days_per_commune) == (1, 1.0)
    assert [(a.name, a.kind, a.flagged, a.quarters_below_minimum) for a in accountability.agencies] == [
        ("Công ty Chè Thử", AgencyKind.ENTERPRISE, True, 2),
        ("Sở GTVT", AgencyKind.DEPARTMENT, False, 0),
        ("Sở Y tế", AgencyKind.DEPARTMENT, False, 0),
    ]
    assert accountability.agencies_flagged == sponsors.agencies_flagged == 1


def test_the_health_department_visits_both_communes_every_complete_quarter(sponsors):
    health = by_name(sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of))["Sở Y tế"]

    assert (health.agency_id, health.communes_assigned, health.field_visits) == (sponsors.health.pk, 2, 6)
    assert (health.days_on_site, health.hours_on_site) == (7.0, 56.0)
    assert quarter_rows(health) == [
        (1, True, 2, 3, 3.0, 24.0, [], False),
        (2, True, 2, 2, 3.0, 24.0, [], False),
        (3, False, 2, 1, 1.0, 8.0, ["Xã Đỡ Đầu Y"], False),  # begun, not ended: never flagged
    ]
    assert (health.support_value_vnd, health.plan_items_done, health.plan_items_late, health.plan_items_open) == (
        100_000_000,
        2,
        1,
        1,
    )


def test_the_enterprise_came_once_for_half_a_day_and_is_below_the_minimum_twice(sponsors):
    enterprise = by_name(sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of))[
        "Công ty Chè Thử"
    ]

    assert (enterprise.communes_assigned, enterprise.field_visits, enterprise.days_on_site) == (1, 1, 0.5)
    assert enterprise.hours_on_site == 4.0
    assert quarter_rows(enterprise) == [
        (1, True, 1, 1, 0.5, 4.0, [], True),
        (2, True, 1, 0, 0.0, 0.0, ["Xã Đỡ Đầu Z"], True),
        (3, False, 1, 0, 0.0, 0.0, ["Xã Đỡ Đầu Z"], False),
    ]
    assert (enterprise.support_value_vnd, enterprise.plan_items_done, enterprise.plan_items_late) == (
        2_050_000_000,
        0,
        2,
    )


def test_the_transport_department_has_nothing_assigned_before_may(sponsors):
    transport = by_name(sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of))["Sở GTVT"]

    assert quarter_rows(transport) == [
        (1, True, 0, 0, 0.0, 0.0, [], False),
        (2, True, 1, 1, 1.0, 8.0, [], False),
        (3, False, 1, 0, 0.0, 0.0, ["Xã Đỡ Đầu W"], False),
    ]
    assert (transport.communes_assigned, transport.field_visits, transport.support_value_vnd) == (1, 1, 0)
    assert (transport.plan_items_done, transport.plan_items_late, transport.plan_items_open) == (0, 0, 0)


def test_support_of_the_year_by_agency_kind_and_criterion(sponsors):
    accountability = sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)

    assert accountability.support_value_vnd == sponsors.support_total_vnd == 2_150_000_000
    assert [(s.key, s.label, s.value_vnd) for s in accountability.support_by_agency] == [
        (str(sponsors.enterprise.pk), "Công ty Chè Thử", 2_050_000_000),
        (str(sponsors.health.pk), "Sở Y tế", 100_000_000),
    ]
    assert [(s.key, s.label, s.value_vnd) for s in accountability.support_by_kind] == [
        (SupportKind.CASH, "Tiền mặt", 100_000_000),
        (SupportKind.IN_KIND, "Hiện vật", 0),
        (SupportKind.TRAINING, "Tập huấn, đào tạo", 50_000_000),
        (SupportKind.INFRASTRUCTURE, "Hạ tầng", 2_000_000_000),
        (SupportKind.SOCIAL_WELFARE, "An sinh xã hội", 0),
    ]
    criterion_2, criterion_15 = (
        SupportContribution.objects.get(value_vnd=value).criterion_id for value in (2_000_000_000, 100_000_000)
    )
    assert [(s.key, s.label, s.value_vnd) for s in accountability.support_by_criterion] == [
        (str(criterion_2), "Tiêu chí 2. Tiêu chí 2", 2_000_000_000),
        (str(criterion_15), "Tiêu chí 15. Tiêu chí 15", 100_000_000),
        ("", "Không gắn với tiêu chí", 50_000_000),
    ]


def test_plan_items_due_in_the_year_are_done_late_or_open_and_cancelled_ones_are_left_out(sponsors):
    accountability = sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)

    assert (accountability.plan_items_done, accountability.plan_items_late, accountability.plan_items_open) == (
        sponsors.plan_items_done,
        sponsors.plan_items_late,
        sponsors.plan_items_open,
    )
    assert (accountability.plan_items_done, accountability.plan_items_late, accountability.plan_items_open) == (2, 3, 1)


def test_a_cancelled_plan_item_past_its_due_date_is_not_late(sponsors):
    plan = WorkPlan.objects.get(assignment__agency=sponsors.enterprise)
    WorkPlanItemFactory(work_plan=plan, due_date=D(2024, 5, 15), status=PlanItemStatus.CANCELLED)

    accountability = sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)

    assert by_name(accountability)["Công ty Chè Thử"].plan_items_late == 2
    assert accountability.plan_items_late == 3


def test_half_a_day_as_the_minimum_unflags_the_enterprises_first_quarter_only(sponsors):
    accountability = sponsor_accountability(
        unit=sponsors.province, year=2024, as_of=sponsors.as_of, min_days_per_commune=0.5
    )

    enterprise = by_name(accountability)["Công ty Chè Thử"]
    assert [q.below_minimum for q in enterprise.quarters] == [False, True, False]
    assert (enterprise.quarters_below_minimum, enterprise.flagged) == (1, True)
    assert accountability.min_days_per_commune == 0.5


def test_two_visits_as_the_minimum_flags_the_health_departments_first_two_quarters(sponsors):
    accountability = sponsor_accountability(
        unit=sponsors.province, year=2024, as_of=sponsors.as_of, min_visits_per_commune=2
    )

    # Q1: 3 visits for 2 communes (< 4); Q2: 2 (< 4); the transport department's Q2: 1 (< 2).
    assert [(a.name, a.quarters_below_minimum) for a in accountability.agencies] == [
        ("Công ty Chè Thử", 2),  # fewer visits than the health department first
        ("Sở Y tế", 2),
        ("Sở GTVT", 1),
    ]
    assert accountability.agencies_flagged == 3


def test_an_assignment_ending_mid_year_is_not_counted_in_later_quarters(sponsors):
    SponsorAssignment.objects.filter(agency=sponsors.health, commune=sponsors.communes["Y"]).update(
        end_date=D(2024, 3, 31)
    )

    health = by_name(sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of))["Sở Y tế"]

    assert health.communes_assigned == 2  # assigned during the year
    assert [(q.communes_assigned, q.field_visits, q.communes_not_visited) for q in health.quarters] == [
        (2, 3, []),
        (1, 2, []),  # the June visit to Y still counts as a visit
        (1, 1, []),
    ]


def test_a_past_year_shows_its_four_complete_quarters(sponsors):
    accountability = sponsor_accountability(unit=sponsors.province, year=2023, as_of=sponsors.as_of)

    assert accountability.quarters == [1, 2, 3, 4]
    # The transport department was assigned in 2024 and neither visited nor gave in 2023.
    assert [(a.name, a.quarters_below_minimum) for a in accountability.agencies] == [
        ("Công ty Chè Thử", 4),
        ("Sở Y tế", 4),
    ]
    health = by_name(accountability)["Sở Y tế"]
    assert all(q.complete for q in health.quarters)
    assert [(q.field_visits, q.days_on_site) for q in health.quarters] == [(0, 0.0), (0, 0.0), (0, 0.0), (1, 3.0)]
    assert [c.name for c in health.quarters[3].communes_not_visited] == ["Xã Đỡ Đầu Y"]
    assert accountability.support_value_vnd == 999_000_000
    assert [(s.label, s.value_vnd) for s in accountability.support_by_criterion] == [
        ("Không gắn với tiêu chí", 999_000_000)
    ]
    assert (accountability.plan_items_done, accountability.plan_items_late, accountability.plan_items_open) == (0, 0, 0)


def test_a_year_after_as_of_has_no_quarters_and_flags_no_one(sponsors):
    accountability = sponsor_accountability(unit=sponsors.province, year=2025, as_of=sponsors.as_of)

    assert accountability.quarters == []
    assert accountability.agencies_flagged == 0
    assert all(a.quarters == [] and a.field_visits == 0 for a in accountability.agencies)
    assert accountability.support_value_vnd == 0


def test_accountability_for_a_district_counts_only_that_districts_communes(sponsors):
    other = CommuneFactory(parent=DistrictFactory(parent=sponsors.province), name="Xã Huyện Khác")
    SponsorAssignmentFactory(agency=sponsors.enterprise, commune=other, start_date=D(2024, 1, 1))
    FieldVisitFactory(agency=sponsors.enterprise, commune=other, visit_date=D(2024, 4, 10), days_on_site=Decimal(5))
    SupportContributionFactory(giver=sponsors.enterprise, commune=other, date=D(2024, 4, 10), value_vnd=7_000_000)

    in_district = sponsor_accountability(unit=sponsors.communes["Z"].district, year=2024, as_of=sponsors.as_of)
    in_province = sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)

    assert quarter_rows(by_name(in_district)["Công ty Chè Thử"])[1] == (2, True, 1, 0, 0.0, 0.0, ["Xã Đỡ Đầu Z"], True)
    assert in_district.support_value_vnd == 2_150_000_000
    enterprise = by_name(in_province)["Công ty Chè Thử"]
    assert (enterprise.communes_assigned, enterprise.field_visits, enterprise.days_on_site) == (2, 2, 5.5)
    assert in_province.support_value_vnd == 2_157_000_000


def test_a_commune_scope_counts_only_its_own_sponsor(sponsors):
    accountability = sponsor_accountability(unit=sponsors.communes["X"], year=2024, as_of=sponsors.as_of)

    [health] = accountability.agencies
    assert (health.name, health.communes_assigned, health.field_visits, health.days_on_site) == ("Sở Y tế", 1, 4, 5.0)
    assert (accountability.plan_items_done, accountability.plan_items_late, accountability.plan_items_open) == (2, 1, 1)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2024, 8, 15), 2024),
        (D(2025, 2, 10), 2024),  # nothing recorded yet in 2025: last year's figures
        (D(2024, 1, 5), 2023),
        (D(2023, 12, 31), 2023),
        (D(2022, 6, 1), 2022),  # no visit by then: as_of's year
    ],
)
def test_the_default_year_is_the_latest_with_a_visit_by_as_of(sponsors, as_of, expected):
    assert sponsor_default_year(unit=sponsors.province, as_of=as_of) == expected


def test_the_default_year_without_any_visit_in_the_unit_is_as_ofs(sponsors):
    quiet = DistrictFactory(parent=sponsors.province)
    CommuneFactory(parent=quiet)

    assert sponsor_default_year(unit=quiet, as_of=D(2025, 2, 10)) == 2025


def test_sponsor_accountability_costs_the_same_queries_for_20_more_visits_gifts_and_plan_items(
    sponsors, django_assert_num_queries
):
    # The assignments with their agency and commune; the visits grouped by agency, commune and quarter; the support
    # grouped by giver, kind and criterion; the work-plan items grouped by agency and status.
    expected = 4
    with django_assert_num_queries(expected):
        sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)

    district = DistrictFactory(parent=sponsors.province)
    for n in range(20):
        agency = AgencyFactory(unit=sponsors.province, kind=AgencyKind.MASS_ORGANISATION if n % 2 else AgencyKind.BOARD)
        commune = CommuneFactory(parent=district)
        assignment = SponsorAssignmentFactory(agency=agency, commune=commune, start_date=D(2024, 1, 1))
        FieldVisitFactory(agency=agency, commune=commune, visit_date=D(2024, 1 + n % 7, 10), days_on_site=Decimal(1))
        SupportContributionFactory(giver=agency, commune=commune, date=D(2024, 2, 1), value_vnd=1_000_000)
        plan = WorkPlan.objects.create(assignment=assignment, year=2024, title=f"Kế hoạch {n}")
        WorkPlanItemFactory(work_plan=plan, due_date=D(2024, 6, 30), status=PlanItemStatus.OPEN)

    with django_assert_num_queries(expected):
        accountability = sponsor_accountability(unit=sponsors.province, year=2024, as_of=sponsors.as_of)
    assert len(accountability.agencies) == 23
    assert accountability.plan_items_late == 23
