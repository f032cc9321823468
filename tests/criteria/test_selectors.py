"""Progress selectors: hand-built districts with known figures, the as-of rules, and fixed query counts."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.choices import NtmLevel
from criteria import ledger
from criteria.choices import RoundStatus, SetLevel
from criteria.models import CriterionResult
from criteria.selectors import (
    CriteriaBand,
    commune_progress_list,
    criteria_band_ranges,
    default_criteria_set,
    unit_progress_summary,
)
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, CriterionFactory, UnitTargetFactory

pytestmark = pytest.mark.django_db

END_2019 = datetime.date(2019, 12, 31)

# QĐ 1980/QĐ-TTg (2016–2020), names as in reference/ntm-criteria.md §2.
CRITERIA_1980 = [
    "Quy hoạch",
    "Giao thông",
    "Thủy lợi",
    "Điện",
    "Trường học",
    "Cơ sở vật chất văn hóa",
    "Cơ sở hạ tầng thương mại nông thôn",
    "Thông tin và Truyền thông",
    "Nhà ở dân cư",
    "Thu nhập",
    "Hộ nghèo",
    "Lao động có việc làm",
    "Tổ chức sản xuất",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Văn hóa",
    "Môi trường và an toàn thực phẩm",
    "Hệ thống chính trị và tiếp cận pháp luật",
    "Quốc phòng và An ninh",
]


@pytest.fixture
def set_1980():
    criteria_set = CriteriaSetFactory(
        code="qd-1980-2016",
        name="Bộ tiêu chí quốc gia về xã NTM giai đoạn 2016–2020",
        period_start=2016,
        period_end=2020,
        legal_basis="QĐ 1980/QĐ-TTg",
    )
    for number, name in enumerate(CRITERIA_1980, start=1):
        CriterionFactory(criteria_set=criteria_set, number=number, name=name)
    return criteria_set


def record_round(commune, criteria_set, *, year, unmet=(), unknown=(), missing=(), status=RoundStatus.APPROVED, **kw):
    """A round with a result per criterion: met, except `unmet` (met False), `unknown` (met left empty)
    and `missing` (no result row at all)."""
    assessment_round = AssessmentRoundFactory(
        commune=commune, criteria_set=criteria_set, year=year, status=status, **kw
    )
    CriterionResult.objects.bulk_create(
        CriterionResult(
            assessment_round=assessment_round,
            criterion=criterion,
            met=False if criterion.number in unmet else None if criterion.number in unknown else True,
            assessed_as_whole=True,
        )
        for criterion in criteria_set.criteria.all()
        if criterion.number not in missing
    )
    ledger.refresh_communes([commune.pk])
    return assessment_round


@dataclass
class DinhHoa:
    province: object
    district: object
    kim_phuong: object
    phu_dinh: object
    binh_thanh: object
    quy_ky: object


@pytest.fixture
def dinh_hoa(set_1980) -> DinhHoa:
    """A district of 4 communes at the end of 2019: 19/19 (recognised 2019), 15/19, 12/19, no round.

    Phú Đình's 15/19 and its 4 unmet criteria are seed 001's figures; the others are made up.
    """
    province = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên")
    district = DistrictFactory(code="167", name="Huyện Định Hóa", parent=province)
    kim_phuong = CommuneFactory(code="05530", name="Xã Kim Phượng", parent=district)
    phu_dinh = CommuneFactory(code="05554", name="Xã Phú Đình", parent=district)
    binh_thanh = CommuneFactory(code="05560", name="Xã Bình Thành", parent=district)
    quy_ky = CommuneFactory(code="05566", name="Xã Quy Kỳ", parent=district)

    record_round(kim_phuong, set_1980, year=2019)
    RecognitionFactory(commune=kim_phuong, level=NtmLevel.STANDARD, year=2019, criteria_set=set_1980)
    record_round(phu_dinh, set_1980, year=2019, unmet=(9, 10, 11, 15))
    # 12/19: 17 assessed but left empty and 19 never entered count as unmet like the explicit failures.
    record_round(binh_thanh, set_1980, year=2019, unmet=(3, 6, 10, 11, 13), unknown=(17,), missing=(19,))
    return DinhHoa(province, district, kim_phuong, phu_dinh, binh_thanh, quy_ky)


def by_code(progress):
    return {row.code: row for row in progress}


# --- commune_progress_list ------------------------------------------------------------------------


def test_it_lists_each_commune_of_the_district_with_its_score_in_code_order(dinh_hoa):
    progress = commune_progress_list(unit=dinh_hoa.district, as_of=END_2019)

    assert [(row.name, row.criteria_met, row.criteria_total) for row in progress] == [
        ("Xã Kim Phượng", 19, 19),
        ("Xã Phú Đình", 15, 19),
        ("Xã Bình Thành", 12, 19),
        ("Xã Quy Kỳ", None, 19),
    ]
    assert all(row.district_id == dinh_hoa.district.pk for row in progress)
    assert all(row.district_name == "Huyện Định Hóa" for row in progress)


def test_it_names_the_unmet_criteria_of_phu_dinh_in_number_order(dinh_hoa):
    phu_dinh = by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))["05554"]

    assert phu_dinh.unmet_criteria == [(9, "Nhà ở dân cư"), (10, "Thu nhập"), (11, "Hộ nghèo"), (15, "Y tế")]
    assert phu_dinh.round_year == 2019
    assert phu_dinh.round_status == RoundStatus.APPROVED
    assert phu_dinh.ntm_level == NtmLevel.NOT_YET
    assert phu_dinh.meets_standard is False


def test_a_criterion_left_empty_or_without_a_result_row_counts_as_unmet(dinh_hoa):
    binh_thanh = by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))["05560"]

    assert [number for number, _name in binh_thanh.unmet_criteria] == [3, 6, 10, 11, 13, 17, 19]
    assert binh_thanh.criteria_met + len(binh_thanh.unmet_criteria) == 19


def test_a_recognised_commune_meets_the_standard_and_has_nothing_unmet(dinh_hoa):
    kim_phuong = by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))["05530"]

    assert kim_phuong.ntm_level == NtmLevel.STANDARD
    assert kim_phuong.meets_standard is True
    assert kim_phuong.unmet_criteria == []


def test_a_commune_without_a_round_has_no_score_and_no_unmet_list(dinh_hoa):
    quy_ky = by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))["05566"]

    assert quy_ky.criteria_met is None
    assert quy_ky.round_id is None
    assert quy_ky.round_year is None
    assert quy_ky.round_status is None
    assert quy_ky.unmet_criteria == []


def test_a_round_with_nothing_met_scores_zero_not_none(set_1980):
    commune = CommuneFactory()
    record_round(commune, set_1980, year=2019, unmet=range(1, 20))

    (row,) = commune_progress_list(unit=commune, as_of=END_2019)

    assert row.criteria_met == 0
    assert len(row.unmet_criteria) == 19


def test_a_commune_directly_under_a_province_is_included_with_no_district(dinh_hoa, set_1980):
    direct = CommuneFactory(code="05600", name="Xã Trực Thuộc", parent=dinh_hoa.province)
    record_round(direct, set_1980, year=2019, unmet=(10,))

    row = by_code(commune_progress_list(unit=dinh_hoa.province, as_of=END_2019))["05600"]

    assert row.district_id is None
    assert row.district_name is None
    assert row.criteria_met == 18


def test_it_lists_a_single_commune_when_given_a_commune(dinh_hoa):
    progress = commune_progress_list(unit=dinh_hoa.phu_dinh, as_of=END_2019)

    assert [row.name for row in progress] == ["Xã Phú Đình"]


def test_it_carries_the_communes_region_and_flags(set_1980):
    commune = CommuneFactory(region="tn", commune_group=3, especially_disadvantaged=True, designated_special=True)

    (row,) = commune_progress_list(unit=commune, as_of=END_2019)

    assert (row.region, row.commune_group, row.especially_disadvantaged, row.designated_special) == (
        "tn",
        3,
        True,
        True,
    )


def test_communes_not_current_on_the_date_are_left_out(dinh_hoa):
    CommuneFactory(code="05570", parent=dinh_hoa.district, valid_to=datetime.date(2019, 6, 30))
    CommuneFactory(code="05580", parent=dinh_hoa.district, valid_from=datetime.date(2020, 1, 1))

    assert "05570" not in by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))
    assert "05570" in by_code(commune_progress_list(unit=dinh_hoa.district, as_of=datetime.date(2019, 6, 30)))
    assert "05580" not in by_code(commune_progress_list(unit=dinh_hoa.district, as_of=END_2019))
    assert "05580" in by_code(commune_progress_list(unit=dinh_hoa.district, as_of=datetime.date(2020, 1, 1)))


# --- as of a date ---------------------------------------------------------------------------------


def level_on(commune, day):
    (row,) = commune_progress_list(unit=commune, as_of=day)
    return row.ntm_level


def test_a_recognition_dated_after_the_date_does_not_count(set_1980):
    commune = CommuneFactory()
    RecognitionFactory(commune=commune, year=2019, decision_date=datetime.date(2020, 1, 15))

    assert level_on(commune, END_2019) == NtmLevel.NOT_YET
    assert level_on(commune, datetime.date(2020, 1, 15)) == NtmLevel.STANDARD


def test_a_revoked_recognition_stops_counting_on_the_day_it_is_revoked(set_1980):
    commune = CommuneFactory()
    RecognitionFactory(commune=commune, year=2016, revoked_on=datetime.date(2019, 6, 1))

    assert level_on(commune, datetime.date(2019, 5, 31)) == NtmLevel.STANDARD
    assert level_on(commune, datetime.date(2019, 6, 1)) == NtmLevel.NOT_YET


def test_the_highest_level_in_force_wins_and_the_current_level_column_is_ignored(set_1980):
    commune = CommuneFactory(ntm_level=NtmLevel.MODEL)
    RecognitionFactory(commune=commune, level=NtmLevel.STANDARD, year=2016)
    RecognitionFactory(commune=commune, level=NtmLevel.ADVANCED, year=2019)

    assert level_on(commune, datetime.date(2015, 12, 31)) == NtmLevel.NOT_YET
    assert level_on(commune, datetime.date(2018, 12, 31)) == NtmLevel.STANDARD
    assert level_on(commune, datetime.date(2020, 6, 30)) == NtmLevel.ADVANCED


def test_a_later_round_is_ignored_for_an_earlier_date(set_1980):
    commune = CommuneFactory()
    record_round(commune, set_1980, year=2018, unmet=(10, 11))
    record_round(commune, set_1980, year=2019)

    def score_on(day):
        (row,) = commune_progress_list(unit=commune, as_of=day)
        return row.round_year, row.criteria_met

    assert score_on(datetime.date(2017, 12, 31)) == (None, None)
    assert score_on(datetime.date(2018, 12, 31)) == (2018, 17)
    assert score_on(datetime.date(2019, 6, 30)) == (2018, 17)  # the 2019 round is as of 31/12/2019
    assert score_on(END_2019) == (2019, 19)


def test_approved_only_ignores_rounds_not_yet_approved(set_1980):
    commune = CommuneFactory()
    record_round(commune, set_1980, year=2018, unmet=(10, 11), status=RoundStatus.APPROVED)
    record_round(commune, set_1980, year=2019, status=RoundStatus.VERIFIED)

    (latest,) = commune_progress_list(unit=commune, as_of=END_2019)
    (approved,) = commune_progress_list(unit=commune, as_of=END_2019, approved_only=True)

    assert (latest.round_year, latest.round_status, latest.criteria_met) == (2019, RoundStatus.VERIFIED, 19)
    assert (approved.round_year, approved.round_status, approved.criteria_met) == (2018, RoundStatus.APPROVED, 17)
    summary = unit_progress_summary(unit=commune.parent, as_of=END_2019, approved_only=True)
    assert summary.average_criteria_met == 17.0
    assert summary.approved_only is True
    assert [(c.number, c.communes_meeting_criterion) for c in summary.criteria[:3]] == [(10, 0), (11, 0), (1, 1)]


# --- which criteria set ---------------------------------------------------------------------------


def test_without_a_set_it_uses_the_national_basic_set_of_the_dates_year(set_1980):
    set_2010 = CriteriaSetFactory(period_start=2011, period_end=2015, criteria_count=19)
    advanced = CriteriaSetFactory(period_start=2016, period_end=2020, level=SetLevel.ADVANCED, criteria_count=19)
    province = ProvinceFactory()
    provincial = CriteriaSetFactory(
        period_start=2016, period_end=2020, province=province, derived_from=set_1980, criteria_count=20
    )
    commune = CommuneFactory(parent=DistrictFactory(parent=province))
    record_round(commune, set_2010, year=2015, unmet=(1,))
    record_round(commune, set_1980, year=2019, unmet=(1, 2))
    record_round(commune, advanced, year=2019, unmet=(1, 2, 3))
    record_round(commune, provincial, year=2019, unmet=(1, 2, 3, 4))

    assert default_criteria_set(year=2019) == set_1980
    (in_2019,) = commune_progress_list(unit=commune, as_of=END_2019)
    (in_2015,) = commune_progress_list(unit=commune, as_of=datetime.date(2015, 12, 31))
    (provincial_2019,) = commune_progress_list(unit=commune, as_of=END_2019, criteria_set=provincial)

    assert (in_2019.criteria_met, in_2019.criteria_total) == (17, 19)
    assert (in_2015.criteria_met, in_2015.criteria_total) == (18, 19)
    assert (provincial_2019.criteria_met, provincial_2019.criteria_total) == (16, 20)


def test_a_year_with_no_set_gives_no_scores_but_still_the_levels(set_1980):
    commune = CommuneFactory()
    RecognitionFactory(commune=commune, year=2008)

    (row,) = commune_progress_list(unit=commune, as_of=datetime.date(2009, 12, 31))
    summary = unit_progress_summary(unit=commune.parent, as_of=datetime.date(2009, 12, 31))

    assert row.ntm_level == NtmLevel.STANDARD
    assert summary.communes_meeting_standard == 1

    assert (row.criteria_met, row.criteria_total, row.unmet_criteria) == (None, 0, [])
    assert (summary.criteria_set_id, summary.criteria_total, summary.bands, summary.criteria) == (None, 0, [], [])
    assert summary.communes_without_round == 1


# --- unit_progress_summary ------------------------------------------------------------------------


@pytest.fixture
def dinh_hoa_target(dinh_hoa):
    return UnitTargetFactory(
        unit=dinh_hoa.district,
        year=2019,
        min_communes_meeting_standard=10,
        min_average_criteria=Decimal("15.0"),
        min_criteria_per_commune=12,
        decision="NQ 07-NQ/HU",
    )


def test_the_district_summary_counts_communes_meeting_the_standard_and_the_average(dinh_hoa):
    summary = unit_progress_summary(unit=dinh_hoa.district, as_of=END_2019)

    assert (summary.unit_name, summary.criteria_set_name) == (
        "Huyện Định Hóa",
        "Bộ tiêu chí quốc gia về xã NTM giai đoạn 2016–2020",
    )
    assert (summary.communes_meeting_standard, summary.communes_total) == (1, 4)
    assert summary.percent_meeting_standard == 25.0
    assert summary.communes_by_level == {"not_yet": 3, "standard": 1, "advanced": 0, "model": 0}
    assert (summary.communes_assessed, summary.communes_without_round) == (3, 1)
    assert summary.average_criteria_met == 15.3  # (19 + 15 + 12) / 3 assessed communes
    assert summary.lowest_criteria_met == 12
    assert summary.criteria_total == 19
    assert summary.districts == []  # a district has no district table


def test_the_district_summary_puts_communes_in_bands(dinh_hoa):
    summary = unit_progress_summary(unit=dinh_hoa.district, as_of=END_2019)

    assert summary.bands == [
        CriteriaBand(key="all", label="19", min_criteria=19, max_criteria=19, communes=1, percent=33.3),
        CriteriaBand(key="high", label="15–18", min_criteria=15, max_criteria=18, communes=1, percent=33.3),
        CriteriaBand(key="middle", label="10–14", min_criteria=10, max_criteria=14, communes=1, percent=33.3),
        CriteriaBand(key="low", label="5–9", min_criteria=5, max_criteria=9, communes=0, percent=0.0),
        CriteriaBand(key="lowest", label="< 5", min_criteria=0, max_criteria=4, communes=0, percent=0.0),
    ]


def test_the_district_summary_counts_communes_per_criterion_weakest_first(dinh_hoa):
    criteria = unit_progress_summary(unit=dinh_hoa.district, as_of=END_2019).criteria

    assert [(c.number, c.communes_meeting_criterion) for c in criteria] == [
        (10, 1),
        (11, 1),
        (3, 2),
        (6, 2),
        (9, 2),
        (13, 2),
        (15, 2),
        (17, 2),
        (19, 2),
        *[(number, 3) for number in (1, 2, 4, 5, 7, 8, 12, 14, 16, 18)],
    ]
    weakest = criteria[0]
    assert (weakest.name, weakest.communes_assessed, weakest.percent) == ("Thu nhập", 3, 33.3)
    assert criteria[2].percent == 66.7
    assert criteria[-1].percent == 100.0


def test_the_district_summary_shows_progress_against_its_target(dinh_hoa, dinh_hoa_target):
    target = unit_progress_summary(unit=dinh_hoa.district, as_of=END_2019).target

    assert (target.year, target.decision) == (2019, "NQ 07-NQ/HU")
    assert (target.communes_meeting_standard, target.min_communes_meeting_standard) == (1, 10)
    assert target.percent_of_target == 10.0
    assert target.communes_target_met is False
    assert (target.average_criteria_met, target.min_average_criteria) == (15.3, Decimal("15.0"))
    assert target.average_target_met is True
    # Lowest assessed is 12, but Quy Kỳ has no round: "no commune below 12" cannot be claimed yet.
    assert (target.lowest_criteria_met, target.min_criteria_target_met) == (12, False)


def test_the_floor_target_is_met_once_every_commune_is_assessed_at_or_above_it(dinh_hoa, dinh_hoa_target, set_1980):
    record_round(dinh_hoa.quy_ky, set_1980, year=2019, unmet=(1, 2, 3, 4, 5, 6, 7))

    target = unit_progress_summary(unit=dinh_hoa.district, as_of=END_2019).target

    assert (target.lowest_criteria_met, target.min_criteria_target_met) == (12, True)
    assert target.average_target_met is False  # (19 + 15 + 12 + 12) / 4 = 14.5 < 15


def test_six_of_ten_target_communes_is_sixty_percent(set_1980):
    district = DistrictFactory()
    for _ in range(6):
        RecognitionFactory(commune=CommuneFactory(parent=district), year=2019)
    CommuneFactory(parent=district)
    UnitTargetFactory(unit=district, year=2019, min_communes_meeting_standard=10)

    target = unit_progress_summary(unit=district, as_of=END_2019).target

    assert (target.communes_meeting_standard, target.percent_of_target, target.communes_target_met) == (6, 60.0, False)
    assert (target.average_target_met, target.min_criteria_target_met) == (None, None)  # targets not set


def test_a_target_whose_year_has_passed_is_not_shown(dinh_hoa, dinh_hoa_target):
    assert unit_progress_summary(unit=dinh_hoa.district, as_of=datetime.date(2020, 6, 30)).target is None


def test_an_earlier_date_measures_progress_towards_the_nearest_target_year_ahead(dinh_hoa, dinh_hoa_target):
    UnitTargetFactory(unit=dinh_hoa.district, year=2025, min_communes_meeting_standard=20)
    target = unit_progress_summary(unit=dinh_hoa.district, as_of=datetime.date(2018, 12, 31)).target
    assert (target.year, target.min_communes_meeting_standard) == (2019, 10)


@pytest.fixture
def thai_nguyen(dinh_hoa, dinh_hoa_target, set_1980):
    """Định Hóa's 4 communes, Phú Lương with one recognised commune, and one commune directly under the province."""
    phu_luong = DistrictFactory(code="168", name="Huyện Phú Lương", parent=dinh_hoa.province)
    yen_ninh = CommuneFactory(code="05620", name="Xã Yên Ninh", parent=phu_luong)
    record_round(yen_ninh, set_1980, year=2019)
    RecognitionFactory(commune=yen_ninh, level=NtmLevel.ADVANCED, year=2019)
    direct = CommuneFactory(code="05700", name="Xã Trực Thuộc", parent=dinh_hoa.province)
    record_round(direct, set_1980, year=2019, unmet=(10,))
    UnitTargetFactory(unit=dinh_hoa.province, year=2019, min_communes_meeting_standard=3)
    return dinh_hoa.province


def test_the_province_summary_has_a_line_per_district_with_its_target(thai_nguyen, dinh_hoa):
    summary = unit_progress_summary(unit=thai_nguyen, as_of=END_2019)

    assert [
        (d.name, d.communes_total, d.communes_meeting_standard, d.percent_meeting_standard, d.average_criteria_met)
        for d in summary.districts
    ] == [
        ("Huyện Định Hóa", 4, 1, 25.0, 15.3),
        ("Huyện Phú Lương", 1, 1, 100.0, 19.0),
        (None, 1, 0, 0.0, 18.0),  # communes directly under the province, last
    ]
    dinh_hoa_line, phu_luong_line, _direct = summary.districts
    assert (dinh_hoa_line.district_id, dinh_hoa_line.code, dinh_hoa_line.communes_assessed) == (
        dinh_hoa.district.pk,
        "167",
        3,
    )
    assert (dinh_hoa_line.target.percent_of_target, dinh_hoa_line.target.communes_target_met) == (10.0, False)
    assert phu_luong_line.target is None


def test_the_province_summary_adds_up_its_districts(thai_nguyen):
    summary = unit_progress_summary(unit=thai_nguyen, as_of=END_2019)

    assert (summary.communes_meeting_standard, summary.communes_total, summary.percent_meeting_standard) == (2, 6, 33.3)
    assert summary.communes_by_level == {"not_yet": 4, "standard": 1, "advanced": 1, "model": 0}
    assert summary.average_criteria_met == 16.6  # (19 + 15 + 12 + 19 + 18) / 5 = 16.6
    assert [band.communes for band in summary.bands] == [2, 2, 1, 0, 0]
    assert (summary.target.percent_of_target, summary.target.communes_target_met) == (66.7, False)


def test_the_summary_agrees_with_the_list(thai_nguyen):
    progress = commune_progress_list(unit=thai_nguyen, as_of=END_2019)
    summary = unit_progress_summary(unit=thai_nguyen, as_of=END_2019)

    scores = [row.criteria_met for row in progress if row.criteria_met is not None]
    assert summary.communes_total == len(progress)
    assert summary.communes_meeting_standard == sum(row.meets_standard for row in progress)
    assert summary.communes_assessed == len(scores)
    assert summary.lowest_criteria_met == min(scores)
    for criterion in summary.criteria:
        unmet_somewhere = sum((criterion.number, criterion.name) in row.unmet_criteria for row in progress)
        assert criterion.communes_meeting_criterion == len(scores) - unmet_somewhere


def test_a_province_without_districts_has_no_district_table(set_1980):
    province = ProvinceFactory()
    record_round(CommuneFactory(parent=province), set_1980, year=2019)

    summary = unit_progress_summary(unit=province, as_of=END_2019)

    assert summary.districts == []
    assert summary.communes_total == 1


def test_a_commune_can_be_summarised_on_its_own(dinh_hoa):
    summary = unit_progress_summary(unit=dinh_hoa.phu_dinh, as_of=END_2019)

    assert (summary.communes_total, summary.average_criteria_met, summary.target) == (1, 15.0, None)
    assert [band.communes for band in summary.bands] == [0, 1, 0, 0, 0]


# --- bands for sets of other sizes ----------------------------------------------------------------


def test_band_ranges_follow_the_reports_for_19_criteria():
    assert [(label, low, high) for _key, label, low, high in criteria_band_ranges(19)] == [
        ("19", 19, 19),
        ("15–18", 15, 18),
        ("10–14", 10, 14),
        ("5–9", 5, 9),
        ("< 5", 0, 4),
    ]


def test_band_ranges_scale_with_the_size_of_the_set():
    # QĐ 51/2025/QĐ-TTg: 10 criteria. 15/19 of 10 = 7.9 -> 8; 10/19 of 10 = 5.3 -> 5; "under 5" stays 5.
    assert [label for _key, label, _low, _high in criteria_band_ranges(10)] == ["10", "8–9", "5–7", "< 5"]
    assert [label for _key, label, _low, _high in criteria_band_ranges(3)] == ["3", "2", "< 2"]
    assert criteria_band_ranges(0) == []


def test_a_ten_criterion_set_is_summarised_with_scaled_bands():
    set_2026 = CriteriaSetFactory(period_start=2026, period_end=2030, criteria_count=10)
    district = DistrictFactory()
    for unmet in [(), (1, 2), (1, 2, 3, 4), (1, 2, 3, 4, 5, 6)]:
        record_round(CommuneFactory(parent=district), set_2026, year=2026, unmet=unmet)

    summary = unit_progress_summary(unit=district, as_of=datetime.date(2026, 12, 31))

    assert [(band.label, band.communes) for band in summary.bands] == [("10", 1), ("8–9", 1), ("5–7", 1), ("< 5", 1)]


# --- a fixed number of queries --------------------------------------------------------------------


def build_communes(district, criteria_set, count):
    for index in range(count):
        commune = CommuneFactory(parent=district)
        record_round(commune, criteria_set, year=2019, unmet=range(1, index % 6 + 1))
        if index % 3 == 0:
            RecognitionFactory(commune=commune, year=2019)


def test_the_list_costs_the_same_queries_for_10_and_50_communes(set_1980):
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)
    build_communes(district, set_1980, 10)

    # 1 the default criteria set with its criteria, 2 the set in force before it, 3 the communes joined to their
    # standing in the ledger
    with CaptureQueriesContext(connection) as ten:
        assert len(commune_progress_list(unit=province, as_of=END_2019)) == 10
    build_communes(district, set_1980, 40)
    with CaptureQueriesContext(connection) as fifty:
        assert len(commune_progress_list(unit=province, as_of=END_2019)) == 50

    assert len(ten) == len(fifty) == 3


def test_the_summary_costs_the_same_queries_for_10_and_50_communes(set_1980):
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)
    UnitTargetFactory(unit=province, year=2019)
    UnitTargetFactory(unit=district, year=2019)
    build_communes(district, set_1980, 10)

    # 1 the default criteria set with its criteria, 2 the targets of the province and its districts,
    # 3 the met results counted per criterion, 4 the communes grouped by district, level and criteria met
    with CaptureQueriesContext(connection) as ten:
        assert unit_progress_summary(unit=province, as_of=END_2019).communes_total == 10
    build_communes(district, set_1980, 40)
    with CaptureQueriesContext(connection) as fifty:
        assert unit_progress_summary(unit=province, as_of=END_2019).communes_total == 50

    assert len(ten) == len(fifty) == 4
    # Given the set, for a district: its criteria, its target, the counts per criterion, the groups.
    with CaptureQueriesContext(connection) as district_queries:
        unit_progress_summary(unit=district, as_of=END_2019, criteria_set=set_1980)
    assert len(district_queries) == 4
