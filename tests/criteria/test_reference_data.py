"""The official criteria sets shipped in criteria/data/sets/ and their idempotent loader."""

import datetime
import json
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from criteria.choices import Comparison, SetLevel, TargetScheme
from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget
from criteria.services.reference import DEFAULT_DATA_DIR, LoadResult, ReferenceDataError, criteria_reference_load

pytestmark = pytest.mark.django_db

NINETEEN_CRITERIA_SETS = ["ntm-2010-2015", "ntm-2016-2020", "ntm-2021-2025"]


def target_thresholds(set_code: str, indicator_code: str) -> dict[str, Decimal | None]:
    targets = IndicatorTarget.objects.filter(
        indicator__criterion__criteria_set__code=set_code, indicator__code=indicator_code
    )
    return {t.region: t.threshold for t in targets}


def small_set(**target: object) -> dict:
    """A one-criterion set whose only indicator has one general target, for tests that need their own file."""
    return {
        "code": "test-set",
        "name": "Bộ tiêu chí thử",
        "period_start": 2016,
        "period_end": 2020,
        "legal_basis": "QĐ thử",
        "criteria": [
            {
                "number": 1,
                "name": "Tiêu chí thử",
                "indicators": [
                    {
                        "code": "1.1",
                        "name": "Tỷ lệ thử",
                        "unit": "%",
                        "comparison": "percent_at_least",
                        "targets": [{"region": "", "threshold": None, **target}],
                    }
                ],
            }
        ],
    }


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_it_loads_the_four_national_sets_with_their_criteria_counts():
    """The tests below read the `national_sets` fixture: what this load writes, loaded once per run and copied."""
    criteria_reference_load()

    counts = {s.code: s.criteria.count() for s in CriteriaSet.objects.all()}
    assert counts == {"ntm-2010-2015": 19, "ntm-2016-2020": 19, "ntm-2021-2025": 19, "ntm-2026-2030": 10}


@pytest.mark.parametrize(
    ("code", "period", "issued_on", "scheme", "decision"),
    [
        ("ntm-2010-2015", (2010, 2015), datetime.date(2009, 4, 16), TargetScheme.REGION, "QĐ 491/QĐ-TTg"),
        ("ntm-2016-2020", (2016, 2020), datetime.date(2016, 10, 17), TargetScheme.REGION, "QĐ 1980/QĐ-TTg"),
        ("ntm-2021-2025", (2021, 2025), datetime.date(2022, 3, 8), TargetScheme.REGION, "QĐ 318/QĐ-TTg"),
        ("ntm-2026-2030", (2026, 2030), datetime.date(2025, 12, 29), TargetScheme.COMMUNE_GROUP, "QĐ 51/2025/QĐ-TTg"),
    ],
)
def test_it_records_the_period_and_legal_basis_of_each_set(code, period, issued_on, scheme, decision, national_sets):
    criteria_set = CriteriaSet.objects.get(code=code)
    assert (criteria_set.period_start, criteria_set.period_end) == period
    assert criteria_set.issued_on == issued_on
    assert criteria_set.level == SetLevel.BASIC
    assert criteria_set.target_scheme == scheme
    assert decision in criteria_set.legal_basis
    assert "ntm-criteria.md" in criteria_set.source_note


def test_it_records_that_the_2010_2015_set_was_amended_in_2013(national_sets):
    assert "QĐ 342/QĐ-TTg" in CriteriaSet.objects.get(code="ntm-2010-2015").legal_basis


@pytest.mark.parametrize("code", NINETEEN_CRITERIA_SETS)
def test_it_puts_the_19_criteria_in_their_five_groups(code, national_sets):
    groups = dict(Criterion.objects.filter(criteria_set__code=code).values_list("number", "group_code"))
    expected = {1: "I"} | dict.fromkeys(range(2, 10), "II") | dict.fromkeys(range(10, 14), "III")
    expected |= dict.fromkeys(range(14, 18), "IV") | {18: "V", 19: "V"}
    assert groups == expected
    names = set(Criterion.objects.filter(criteria_set__code=code).values_list("group_code", "group_name"))
    assert names == {
        ("I", "Quy hoạch"),
        ("II", "Hạ tầng kinh tế - xã hội"),
        ("III", "Kinh tế và tổ chức sản xuất"),
        ("IV", "Văn hóa - xã hội - môi trường"),
        ("V", "Hệ thống chính trị"),
    }


def test_it_leaves_the_2026_2030_criteria_without_groups(national_sets):
    groups = set(Criterion.objects.filter(criteria_set__code="ntm-2026-2030").values_list("group_code", "group_name"))
    assert groups == {("", "")}


@pytest.mark.parametrize(
    ("code", "number", "name"),
    [
        ("ntm-2010-2015", 7, "Chợ nông thôn"),
        ("ntm-2010-2015", 8, "Bưu điện"),
        ("ntm-2010-2015", 19, "An ninh, trật tự xã hội được giữ vững"),
        ("ntm-2016-2020", 7, "Cơ sở hạ tầng thương mại nông thôn"),
        ("ntm-2016-2020", 12, "Lao động có việc làm"),
        ("ntm-2016-2020", 18, "Hệ thống chính trị và tiếp cận pháp luật"),
        ("ntm-2021-2025", 3, "Thủy lợi và phòng, chống thiên tai"),
        ("ntm-2021-2025", 11, "Nghèo đa chiều"),
        ("ntm-2021-2025", 13, "Tổ chức sản xuất và phát triển kinh tế nông thôn"),
        ("ntm-2026-2030", 1, "Quy hoạch"),
        ("ntm-2026-2030", 7, "Khoa học công nghệ và chuyển đổi số"),
        ("ntm-2026-2030", 10, "Tiếp cận pháp luật và an ninh, quốc phòng"),
    ],
)
def test_it_ships_the_official_criterion_names_with_their_diacritics(code, number, name, national_sets):
    assert Criterion.objects.get(criteria_set__code=code, number=number).name == name


def test_it_ships_the_2016_2020_income_targets_in_general_and_for_all_seven_regions(national_sets):
    indicator = Indicator.objects.get(criterion__criteria_set__code="ntm-2016-2020", code="10.1")
    assert indicator.criterion.number == 10
    assert indicator.unit == "triệu đồng/người/năm"
    assert indicator.comparison == Comparison.AT_LEAST
    assert target_thresholds("ntm-2016-2020", "10.1") == {
        "": Decimal(45),
        "tdmnpb": Decimal(36),
        "dbsh": Decimal(50),
        "btb": Decimal(36),
        "dhntb": Decimal(41),
        "tn": Decimal(41),
        "dnb": Decimal(59),
        "dbscl": Decimal(50),
    }
    assert not indicator.targets.filter(commune_group__isnull=False).exists()


def test_it_says_the_income_indicator_code_is_unverified(national_sets):
    target = IndicatorTarget.objects.get(indicator__code="10.1", region="dnb")
    assert "10.1" in target.source_note
    assert "[U]" in target.source_note


def test_it_ships_the_2021_2025_irrigation_target_as_a_general_percentage(national_sets):
    indicator = Indicator.objects.get(criterion__criteria_set__code="ntm-2021-2025", criterion__number=3, code="3.1")
    assert indicator.comparison == Comparison.PERCENT_AT_LEAST
    # Only the general target is known; regional ones are not invented.
    assert target_thresholds("ntm-2021-2025", "3.1") == {"": Decimal(80)}


def test_it_ships_disaster_prevention_as_a_yes_no_indicator_without_a_number(national_sets):
    indicator = Indicator.objects.get(criterion__criteria_set__code="ntm-2021-2025", criterion__number=3, code="3.2")
    assert indicator.comparison == Comparison.YES_NO
    assert "4 tại chỗ" in indicator.name
    assert target_thresholds("ntm-2021-2025", "3.2") == {"": None}


def test_it_ships_no_indicator_or_target_it_has_no_source_for(national_sets):
    shipped = set(Indicator.objects.values_list("criterion__criteria_set__code", "code"))
    assert shipped == {("ntm-2016-2020", "10.1"), ("ntm-2021-2025", "3.1"), ("ntm-2021-2025", "3.2")}
    # The 2013/2014 income figures under QĐ 491 are per year and are deliberately not shipped.
    assert not Indicator.objects.filter(criterion__criteria_set__code="ntm-2010-2015").exists()
    assert not Indicator.objects.filter(criterion__criteria_set__code="ntm-2026-2030").exists()
    assert IndicatorTarget.objects.count() == 10


def test_loading_twice_creates_no_duplicates():
    first = criteria_reference_load()
    counts = [m.objects.count() for m in (CriteriaSet, Criterion, Indicator, IndicatorTarget)]

    second = criteria_reference_load()

    assert first == LoadResult(sets_created=4, criteria_created=67, indicators_created=3, targets_created=10), (
        "the first load creates everything"
    )
    assert second == LoadResult(), "the second load neither creates nor updates anything"
    assert [m.objects.count() for m in (CriteriaSet, Criterion, Indicator, IndicatorTarget)] == counts


def test_it_restores_an_official_value_changed_in_the_database_and_counts_the_update():
    criteria_reference_load()
    IndicatorTarget.objects.filter(indicator__code="10.1", region="dnb").update(threshold=60)
    Criterion.objects.filter(criteria_set__code="ntm-2021-2025", number=11).update(name="Hộ nghèo")

    result = criteria_reference_load()

    assert target_thresholds("ntm-2016-2020", "10.1")["dnb"] == Decimal(59)
    assert Criterion.objects.get(criteria_set__code="ntm-2021-2025", number=11).name == "Nghèo đa chiều"
    assert result == LoadResult(criteria_updated=1, targets_updated=1)


def test_it_keeps_a_threshold_a_steward_entered_where_the_data_file_has_none(tmp_path):
    write_json(tmp_path / "test-set.json", small_set(source_note="chưa có nguồn"))
    criteria_reference_load(data_dir=tmp_path)
    target = IndicatorTarget.objects.get(indicator__code="1.1")
    assert target.threshold is None
    # What a steward does in the admin: fill in the unknown number, with where it came from.
    target.threshold = Decimal(75)
    target.source_note = "Phụ lục I của quyết định"
    target.full_clean()
    target.save()

    result = criteria_reference_load(data_dir=tmp_path)

    target.refresh_from_db()
    assert target.threshold == Decimal(75)
    assert target.source_note == "Phụ lục I của quyết định"
    assert result == LoadResult()


def test_it_keeps_a_target_a_steward_added_that_the_data_file_does_not_list():
    criteria_reference_load()
    indicator = Indicator.objects.get(criterion__criteria_set__code="ntm-2021-2025", code="3.1")
    IndicatorTarget.objects.create(indicator=indicator, region="tdmnpb", threshold=70, source_note="steward")

    criteria_reference_load()

    assert target_thresholds("ntm-2021-2025", "3.1") == {"": Decimal(80), "tdmnpb": Decimal(70)}


MALFORMED = {
    "not JSON": ('{"code": "broken",', "không đọc được JSON"),
    "a missing field": ({"code": "bad", "name": "Bộ lỗi", "period_start": 2016, "criteria": []}, "thiếu trường"),
    "an unknown region": (small_set(region="mien-trung", threshold=50), "mien-trung"),
    "a commune group in a region set": (small_set(commune_group=1, threshold=50), "nhóm xã"),
    "a threshold given as text": (small_set(threshold="80%"), "threshold"),
    "a percentage above 100": (small_set(threshold=150), "0–100%"),
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_it_rejects_a_malformed_file_naming_it_and_writes_nothing(tmp_path, content):
    # The good files come first, so a problem found only while saving must undo what was already written.
    for path in DEFAULT_DATA_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    bad_file = tmp_path / "zz-malformed.json"
    data, problem = content
    if isinstance(data, str):
        bad_file.write_text(data, encoding="utf-8")
    else:
        write_json(bad_file, data)

    with pytest.raises(ReferenceDataError, match="zz-malformed.json") as error:
        criteria_reference_load(data_dir=tmp_path)

    assert problem in str(error.value)
    assert not CriteriaSet.objects.exists()
    assert not Criterion.objects.exists()
    assert not IndicatorTarget.objects.exists()


def test_it_rejects_two_files_with_the_same_set_code(tmp_path):
    write_json(tmp_path / "a.json", small_set(threshold=50))
    write_json(tmp_path / "b.json", small_set(threshold=60))

    with pytest.raises(ReferenceDataError, match="b.json.*test-set.*a.json"):
        criteria_reference_load(data_dir=tmp_path)

    assert not CriteriaSet.objects.exists()


def test_it_ships_data_files_with_real_diacritics_not_escapes():
    for path in DEFAULT_DATA_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert "\\u" not in text, path.name
    assert "Nghèo đa chiều" in (DEFAULT_DATA_DIR / "ntm-2021-2025.json").read_text(encoding="utf-8")


def test_the_command_prints_the_counts_in_plain_words():
    call_command("load_criteria", stdout=StringIO())
    out = StringIO()

    call_command("load_criteria", stdout=out)

    assert out.getvalue().splitlines() == [
        "Bộ tiêu chí: 0 tạo mới, 0 cập nhật",
        "Tiêu chí: 0 tạo mới, 0 cập nhật",
        "Chỉ tiêu: 0 tạo mới, 0 cập nhật",
        "Mức chỉ tiêu theo vùng/nhóm: 0 tạo mới, 0 cập nhật",
    ]


def test_the_command_reports_a_malformed_file_as_an_error(tmp_path):
    (tmp_path / "broken.json").write_text("[", encoding="utf-8")

    with pytest.raises(CommandError, match="broken.json"):
        call_command("load_criteria", data_dir=tmp_path)
