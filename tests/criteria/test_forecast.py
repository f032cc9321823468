"""The forecast (issue 8): each commune's projected year on its present pace and the unit's target on the trend, from
the hand-built forecast case, the edges of the arithmetic, and a fixed query count."""

import datetime

import pytest

from communes.choices import NtmLevel
from communes.models import Recognition
from criteria.forecast import HORIZON_YEARS, ForecastStatus, projected_year, unit_forecast
from criteria.models import UnitTarget
from tests.accountability_cases import assessed, forecast_case, national_set
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import UnitTargetFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def province():
    return ProvinceFactory(name="Tỉnh Dự Báo")


@pytest.fixture
def case(province):
    return forecast_case(province)


def rows(forecast):
    return [
        (f.name, f.status, f.standard_year, f.criteria_per_year, f.criteria_met, f.criteria_total, f.criteria_missing)
        for f in forecast.communes
    ]


def outlook_figures(outlook):
    return (
        outlook.communes_total,
        outlook.communes_meeting_standard,
        outlook.target_year,
        outlook.target_communes_meeting_standard,
        outlook.decision,
        outlook.communes_projected,
        outlook.met_on_trend,
        outlook.shortfall,
    )


def deciding(outlook):
    return [(f.name, on_track) for f, on_track in outlook.deciding]


# --- the forecast case -----------------------------------------------------------------------------------------------


def test_each_commune_still_to_reach_the_standard_is_listed_soonest_first_then_those_meeting_it(case):
    forecast = unit_forecast(unit=case.district, as_of=case.as_of)

    assert rows(forecast) == [
        ("Xã Dự Báo F3", ForecastStatus.PROJECTED, 2024, 2.0, 17, 19, 2),
        ("Xã Dự Báo F4", ForecastStatus.PROJECTED, 2027, 1.5, 13, 19, 6),
        ("Xã Dự Báo F5", ForecastStatus.STALLED, None, 0.0, 14, 19, 5),
        ("Xã Dự Báo F6", ForecastStatus.NO_DATA, None, None, 18, 19, 1),
        ("Xã Dự Báo F2", ForecastStatus.MEETS, 2021, None, None, 0, None),  # recognised, never assessed here
        ("Xã Dự Báo F1", ForecastStatus.MEETS, 2022, None, 19, 19, 0),
    ]
    assert forecast.by_status == {"meets": 2, "projected": 2, "stalled": 1, "no_data": 1}
    assert (forecast.as_of, forecast.unit_id, forecast.unit_name) == (D(2023, 12, 31), case.district.pk, "Huyện Dự Báo")
    assert {f.district_id for f in forecast.communes} == {case.district.pk}
    assert {f.district_name for f in forecast.communes} == {"Huyện Dự Báo"}


def test_the_district_misses_its_target_of_four_by_one_on_the_trend(case):
    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert outlook_figures(outlook) == (6, 2, 2025, 4, "NQ thử 01", 3, False, 1)
    assert outlook_figures(outlook) == (
        6,
        case.communes_meeting_standard,
        case.target_year,
        case.target_communes_meeting_standard,
        "NQ thử 01",
        case.communes_projected,
        False,
        case.shortfall,
    )
    assert (outlook.unit_id, outlook.unit_name) == (case.district.pk, "Huyện Dự Báo")


def test_the_two_communes_the_target_needs_decide_it_f3_on_track_and_f4_not(case):
    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert deciding(outlook) == [("Xã Dự Báo F3", True), ("Xã Dự Báo F4", False)]


def test_the_projection_runs_from_the_first_year_still_ahead_to_five_years_after_as_ofs(case):
    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook
    mid_december = unit_forecast(unit=case.district, as_of=D(2023, 12, 15)).outlook

    # On 31 December 2023 that year is over: the projection starts with 2024's end.
    assert outlook.projection == list(case.projection)
    assert outlook.projection == [(2024, 3), (2025, 3), (2026, 3), (2027, 4), (2028, 4)]
    assert mid_december.projection[0] == (2023, 2)


def test_the_projection_runs_to_a_target_year_further_than_five_years(case):
    UnitTarget.objects.filter(unit=case.district).update(year=2030)

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert outlook.projection[-3:] == [(2028, 4), (2029, 4), (2030, 4)]
    assert (outlook.target_year, outlook.communes_projected, outlook.met_on_trend, outlook.shortfall) == (
        2030,
        4,
        True,
        0,
    )
    assert deciding(outlook) == [("Xã Dự Báo F3", True), ("Xã Dự Báo F4", True)]


def test_the_province_without_a_target_lists_its_district_with_the_districts_target(case):
    forecast = unit_forecast(unit=case.province, as_of=case.as_of)

    assert outlook_figures(forecast.outlook) == (6, 2, None, None, "", None, None, 0)
    assert forecast.outlook.deciding == []
    assert forecast.outlook.projection == list(case.projection)
    [district] = forecast.districts
    assert (district.unit_id, district.unit_name) == (case.district.pk, "Huyện Dự Báo")
    assert outlook_figures(district) == (6, 2, 2025, 4, "NQ thử 01", 3, False, 1)
    assert deciding(district) == [("Xã Dự Báo F3", True), ("Xã Dự Báo F4", False)]


def test_a_district_has_no_district_lines(case):
    assert unit_forecast(unit=case.district, as_of=case.as_of).districts == []


# --- the commune forecast's edges ----------------------------------------------------------------------------------


def test_a_revoked_recognition_no_longer_meets_the_standard(case):
    Recognition.objects.filter(commune=case.communes["F1"]).update(revoked_on=D(2023, 6, 1))

    forecast = unit_forecast(unit=case.district, as_of=case.as_of)
    before = unit_forecast(unit=case.district, as_of=D(2023, 5, 31))

    # F1's rounds, 17 and 19 of 19: all met but not recognised again by 31 December 2023, so projected for 2024 (and
    # for 2023 itself while that year still had days left).
    f1 = next(f for f in forecast.communes if f.name == "Xã Dự Báo F1")
    assert (f1.status, f1.standard_year, f1.criteria_per_year) == (ForecastStatus.PROJECTED, 2024, 2.0)
    assert forecast.outlook.communes_meeting_standard == 1
    assert forecast.outlook.projection[:2] == [(2024, 3), (2025, 3)]
    in_november = unit_forecast(unit=case.district, as_of=D(2023, 11, 30))
    assert next(f for f in in_november.communes if f.name == "Xã Dự Báo F1").standard_year == 2023
    assert next(f for f in before.communes if f.name == "Xã Dự Báo F1").status == ForecastStatus.MEETS


def test_a_commune_recognised_again_after_a_revocation_meets_the_standard_since_the_decision_in_force(case):
    Recognition.objects.filter(commune=case.communes["F2"]).update(revoked_on=D(2022, 6, 1))
    RecognitionFactory(commune=case.communes["F2"], year=2023, decision_date=D(2023, 3, 1))

    forecast = unit_forecast(unit=case.district, as_of=case.as_of)

    f2 = next(f for f in forecast.communes if f.name == "Xã Dự Báo F2")
    assert (f2.status, f2.standard_year) == (ForecastStatus.MEETS, 2023)


def test_a_commune_recognised_at_a_higher_level_later_meets_the_standard_since_its_first_decision(case):
    RecognitionFactory(commune=case.communes["F1"], level=NtmLevel.ADVANCED, year=2023, decision_date=D(2023, 10, 1))

    forecast = unit_forecast(unit=case.district, as_of=case.as_of)

    f1 = next(f for f in forecast.communes if f.name == "Xã Dự Báo F1")
    assert (f1.status, f1.standard_year) == (ForecastStatus.MEETS, 2022)


def test_a_recognition_after_as_of_is_not_known(case):
    RecognitionFactory(commune=case.communes["F3"], year=2024, decision_date=D(2024, 3, 1))

    forecast = unit_forecast(unit=case.district, as_of=case.as_of)

    assert forecast.by_status == {"meets": 2, "projected": 2, "stalled": 1, "no_data": 1}


def test_only_the_rounds_of_the_latest_rounds_set_give_the_pace(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province), name="Xã Hai Bộ")
    old_set, new_set = national_set(period_start=2016, period_end=2020), national_set(period_start=2021)
    # On the old set: 5 then 10, a pace that would project 2025 if it counted.
    assessed(commune, old_set, 2019, 5)
    assessed(commune, old_set, 2020, 10)
    assessed(commune, new_set, 2022, 12)
    assessed(commune, new_set, 2023, 13)

    [forecast] = unit_forecast(unit=province, as_of=D(2023, 12, 31)).communes

    assert (forecast.status, forecast.criteria_per_year, forecast.standard_year) == (
        ForecastStatus.PROJECTED,
        1.0,
        2029,
    )


def test_the_pace_uses_the_last_four_years_only(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    criteria_set = national_set(period_start=2016, period_end=2025)
    # 2016 and 2017 (0 and 1) would flatten the pace; from 2018 on it is 2, 4, 6, 8: 2 a year, 11 missing.
    for year, met in zip(range(2016, 2022), (0, 1, 2, 4, 6, 8), strict=True):
        assessed(commune, criteria_set, year, met)

    [forecast] = unit_forecast(unit=province, as_of=D(2021, 12, 31)).communes

    assert (forecast.criteria_per_year, forecast.standard_year) == (2.0, 2027)


def test_a_round_dated_in_the_next_year_counts_for_the_year_it_assesses(province):
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    criteria_set = national_set()
    assessed(commune, criteria_set, 2021, 10)
    late = assessed(commune, criteria_set, 2022, 12)
    late.as_of = D(2023, 2, 15)  # the 2022 round, finished in February 2023
    late.save()
    assessed(commune, criteria_set, 2023, 14)

    [forecast] = unit_forecast(unit=province, as_of=D(2023, 12, 31)).communes

    # Three points, 2021–2023, 2 a year: 5 missing → 3 years.
    assert (forecast.criteria_per_year, forecast.standard_year) == (2.0, 2026)


def test_a_round_after_as_of_is_not_used(case):
    criteria_set = case.communes["F5"].assessment_rounds.first().criteria_set
    assessed(case.communes["F5"], criteria_set, 2024, 19)

    forecast = unit_forecast(unit=case.district, as_of=case.as_of)

    f5 = next(f for f in forecast.communes if f.name == "Xã Dự Báo F5")
    assert (f5.status, f5.criteria_met) == (ForecastStatus.STALLED, 14)


def test_a_commune_with_no_round_and_no_recognition_has_no_data(province):
    CommuneFactory(parent=DistrictFactory(parent=province), name="Xã Chưa Đánh Giá")

    forecast = unit_forecast(unit=province, as_of=D(2023, 12, 31))

    assert rows(forecast) == [("Xã Chưa Đánh Giá", ForecastStatus.NO_DATA, None, None, None, 0, None)]
    assert forecast.by_status == {"meets": 0, "projected": 0, "stalled": 0, "no_data": 1}


# --- the outlook's edges -------------------------------------------------------------------------------------------


def test_a_unit_without_a_target_has_no_target_figures_but_still_a_projection(case):
    UnitTarget.objects.filter(unit=case.district).delete()

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert outlook_figures(outlook) == (6, 2, None, None, "", None, None, 0)
    assert outlook.deciding == []
    assert outlook.projection == list(case.projection)


def test_a_target_year_already_past_is_not_in_force(case):
    UnitTarget.objects.filter(unit=case.district).update(year=2022)

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert (outlook.target_year, outlook.target_communes_meeting_standard, outlook.met_on_trend) == (None, None, None)


def test_the_nearest_target_year_not_before_as_ofs_is_the_one_in_force(case):
    UnitTargetFactory(unit=case.district, year=2024, min_communes_meeting_standard=3, decision="NQ thử 02")

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    # 2 meet, F3 is projected for 2024: 3 of 3.
    assert outlook_figures(outlook) == (6, 2, 2024, 3, "NQ thử 02", 3, True, 0)
    assert deciding(outlook) == [("Xã Dự Báo F3", True)]


def test_a_target_without_a_number_of_communes_gives_no_trend_verdict(case):
    UnitTarget.objects.filter(unit=case.district).update(min_communes_meeting_standard=None, min_average_criteria=17)

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert outlook_figures(outlook) == (6, 2, 2025, None, "NQ thử 01", None, None, 0)
    assert (outlook.deciding, outlook.projection) == ([], list(case.projection))


def test_a_target_already_met_needs_no_deciding_commune(case):
    UnitTarget.objects.filter(unit=case.district).update(min_communes_meeting_standard=2)

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert (outlook.communes_projected, outlook.met_on_trend, outlook.shortfall, outlook.deciding) == (3, True, 0, [])


def test_a_target_beyond_every_projection_needs_the_stalled_and_those_without_data_too(case):
    UnitTarget.objects.filter(unit=case.district).update(min_communes_meeting_standard=7)

    outlook = unit_forecast(unit=case.district, as_of=case.as_of).outlook

    assert (outlook.communes_projected, outlook.met_on_trend, outlook.shortfall) == (3, False, 4)
    assert deciding(outlook) == [
        ("Xã Dự Báo F3", True),
        ("Xã Dự Báo F4", False),
        ("Xã Dự Báo F5", False),
        ("Xã Dự Báo F6", False),
    ]


def test_a_provinces_districts_come_in_code_order_with_their_own_targets(province):
    criteria_set = national_set()
    later = DistrictFactory(parent=province, code="201", name="Huyện Mã Sau")
    earlier = DistrictFactory(parent=province, code="105", name="Huyện Mã Trước")
    met = CommuneFactory(parent=later, name="Xã Đã Đạt")
    RecognitionFactory(commune=met, year=2022, decision_date=D(2022, 12, 20))
    rising = CommuneFactory(parent=earlier, name="Xã Đang Lên")
    for year, count in ((2022, 15), (2023, 17)):
        assessed(rising, criteria_set, year, count)
    UnitTargetFactory(unit=later, year=2025, min_communes_meeting_standard=1, decision="NQ huyện sau")
    UnitTargetFactory(unit=earlier, year=2025, min_communes_meeting_standard=1, decision="NQ huyện trước")
    UnitTargetFactory(unit=province, year=2025, min_communes_meeting_standard=3, decision="NQ tỉnh")

    forecast = unit_forecast(unit=province, as_of=D(2023, 12, 31))

    assert [
        (d.unit_name, d.decision, d.communes_total, d.communes_meeting_standard, d.met_on_trend)
        for d in forecast.districts
    ] == [
        ("Huyện Mã Trước", "NQ huyện trước", 1, 0, True),  # 17 of 19, 2 a year: 2024
        ("Huyện Mã Sau", "NQ huyện sau", 1, 1, True),
    ]
    assert outlook_figures(forecast.outlook) == (2, 1, 2025, 3, "NQ tỉnh", 2, False, 1)
    assert deciding(forecast.outlook) == [("Xã Đang Lên", True)]


def test_communes_directly_under_the_province_count_for_it_but_under_no_district(province):
    CommuneFactory(parent=province, name="Xã Trực Thuộc Tỉnh")
    RecognitionFactory(commune=CommuneFactory(parent=DistrictFactory(parent=province)), year=2022)

    forecast = unit_forecast(unit=province, as_of=D(2023, 12, 31))

    assert (forecast.outlook.communes_total, forecast.outlook.communes_meeting_standard) == (2, 1)
    assert [(d.communes_total, d.communes_meeting_standard) for d in forecast.districts] == [(1, 1)]


def test_unit_forecast_costs_the_same_queries_for_20_more_communes_with_rounds(case, django_assert_num_queries):
    # criteria_history's four (the national basic sets with their criteria count, the communes, the rounds with
    # their met count, the recognitions) and the targets in force.
    expected = 5
    with django_assert_num_queries(expected):
        unit_forecast(unit=case.province, as_of=case.as_of)

    criteria_set = case.communes["F3"].assessment_rounds.first().criteria_set
    for n in range(20):
        commune = CommuneFactory(parent=DistrictFactory(parent=case.province))
        for year in (2021, 2022, 2023):
            assessed(commune, criteria_set, year, 10 + n % 5 + (year - 2021))
        if n % 4 == 0:
            RecognitionFactory(commune=commune, year=2023, decision_date=D(2023, 12, 1))
        UnitTargetFactory(unit=commune.district, year=2025, min_communes_meeting_standard=1)

    with django_assert_num_queries(expected):
        forecast = unit_forecast(unit=case.province, as_of=case.as_of)
    assert len(forecast.communes) == 26
    assert len(forecast.districts) == 21


# --- projected_year ------------------------------------------------------------------------------------------------


def test_fewer_than_two_points_give_no_pace():
    assert projected_year([], 19, not_before=2023) == (None, None)
    assert projected_year([(2023, 15)], 19, not_before=2023) == (None, None)


def test_a_flat_or_falling_pace_never_gets_there():
    assert projected_year([(2021, 14), (2022, 14), (2023, 14)], 19, not_before=2023) == (0.0, None)
    assert projected_year([(2021, 16), (2022, 15), (2023, 14)], 19, not_before=2023) == (-1.0, None)


def test_an_exact_division_lands_on_the_year_itself():
    # 2 a year, 4 missing: two years, not three.
    assert projected_year([(2022, 13), (2023, 15)], 19, not_before=2023) == (2.0, 2025)


def test_a_part_year_rounds_up():
    assert projected_year([(2022, 12), (2023, 15)], 19, not_before=2023) == (3.0, 2025)
    assert projected_year([(2021, 10), (2022, 12), (2023, 13)], 19, not_before=2023) == (1.5, 2027)


def test_the_pace_is_taken_from_the_latest_count_not_the_fitted_line():
    # The line through 10, 16, 16 ends at 17; from the latest count of 16, 3 a year needs one year.
    slope, year = projected_year([(2021, 10), (2022, 16), (2023, 16)], 19, not_before=2023)
    assert (slope, year) == (3.0, 2024)


def test_all_criteria_met_but_not_recognised_projects_as_ofs_year_at_the_earliest():
    assert projected_year([(2021, 17), (2022, 19)], 19, not_before=2023) == (2.0, 2023)
    assert projected_year([(2021, 17), (2022, 19)], 19, not_before=2022) == (2.0, 2022)


def test_a_pace_reaching_the_standard_beyond_the_horizon_counts_as_never():
    assert HORIZON_YEARS == 20
    # 0.5 a year, 10 missing: 20 years, on the horizon; 11 missing: 22 years, beyond it.
    assert projected_year([(2021, 8), (2023, 9)], 19, not_before=2023) == (0.5, 2043)
    assert projected_year([(2021, 7), (2023, 8)], 19, not_before=2023) == (0.5, None)


def test_a_projection_from_an_old_latest_round_is_not_before_as_ofs_year():
    # Last assessed in 2019, 1 missing at 1 a year: 2020 on the line, but as_of is in 2023.
    assert projected_year([(2018, 17), (2019, 18)], 19, not_before=2023) == (1.0, 2023)
