"""The import of administrative units from `vietnam-provinces` nested-divisions JSON, in both layouts.

Fixtures (tests/communes/fixtures/): `three_levels.json` is cut from the 2025.01 release (Bắc Kạn: 1 city,
2 communes; Thái Nguyên: Định Hóa with 3, Phú Lương with 2), `two_levels.json` from the installed 2025.10
release (Hà Nội, Thái Nguyên, Quảng Ninh; 5 communes). The malformed files are `three_levels.json` with one
fault placed late, after units that an importer writing as it reads would already have written.
"""

import copy
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import vietnam_provinces
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F

from communes.choices import Region, UnitKind
from communes.models import AdministrativeUnit
from communes.services import UnitImportError, units_import, units_load_json
from ntm_portal.choices import UnitLevel

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
NORTHEAST = settings.BASE_DIR / "communes" / "data" / "divisions_2025_01_northeast.json"
# communes/data/README.md says 1,011; the file holds 1,013 (838 xã, 112 phường, 63 thị trấn), with no code twice.
NORTHEAST_COMMUNES = 1013


def load(name: str) -> list[dict]:
    return units_load_json(FIXTURES / name)


def unit(level: str, code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(level=level, code=code)


# The installed release: 2 levels


def test_it_imports_the_installed_release_as_34_provinces_and_3321_communes_without_districts():
    result = units_import(data=units_load_json(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH))

    assert (result.provinces.created, result.districts.created, result.communes.created) == (34, 0, 3321)
    assert AdministrativeUnit.objects.provinces().count() == 34
    assert AdministrativeUnit.objects.communes().count() == 3321
    assert not AdministrativeUnit.objects.districts().exists()
    # Every commune hangs directly under its province, and carries it in the province column.
    communes = AdministrativeUnit.objects.communes()
    assert not communes.exclude(parent__level=UnitLevel.PROVINCE).exists()
    assert not communes.exclude(province_id=F("parent_id")).exists()
    assert not communes.filter(district__isnull=False).exists()
    assert communes.filter(kind=UnitKind.SPECIAL_ZONE).count() == 13


def test_it_dates_a_two_level_import_from_1_july_2025_unless_told_otherwise():
    units_import(data=load("two_levels.json"))
    units_import(data=load("two_levels.json"), valid_from=date(2025, 8, 1))

    assert set(AdministrativeUnit.objects.values_list("valid_from", flat=True)) == {
        date(2025, 7, 1),
        date(2025, 8, 1),
    }
    assert AdministrativeUnit.objects.filter(valid_from=date(2025, 8, 1)).count() == 8


def test_it_names_bare_provinces_of_the_current_release_in_full():
    units_import(data=load("two_levels.json"))

    thai_nguyen = unit(UnitLevel.PROVINCE, "19")
    assert (thai_nguyen.name, thai_nguyen.kind) == ("Tỉnh Thái Nguyên", UnitKind.PROVINCE)
    ha_noi = unit(UnitLevel.PROVINCE, "01")
    assert (ha_noi.name, ha_noi.kind) == ("Thành phố Hà Nội", UnitKind.CENTRAL_CITY)
    assert unit(UnitLevel.COMMUNE, "06994").kind == UnitKind.SPECIAL_ZONE


# A 3-level file


def test_it_imports_a_three_level_file_with_districts_between_provinces_and_communes():
    result = units_import(data=load("three_levels.json"))

    assert (result.provinces.created, result.districts.created, result.communes.created) == (2, 3, 7)
    province, district = unit(UnitLevel.PROVINCE, "19"), unit(UnitLevel.DISTRICT, "167")
    commune = unit(UnitLevel.COMMUNE, "05602")
    assert (district.parent, district.province, district.district) == (province, province, None)
    assert (commune.name, commune.parent, commune.province, commune.district) == (
        "Xã Phú Đình",
        district,
        province,
        district,
    )
    assert commune.valid_from is None
    assert commune.region == ""


def test_it_pads_codes_to_the_gso_widths():
    units_import(data=load("three_levels.json"))

    assert set(AdministrativeUnit.objects.provinces().values_list("code", flat=True)) == {"06", "19"}
    assert set(AdministrativeUnit.objects.districts().values_list("code", flat=True)) == {"058", "167", "168"}
    assert unit(UnitLevel.COMMUNE, "01837").name == "Phường Sông Cầu"


def test_it_takes_the_kind_from_the_name_where_the_old_division_type_is_wrong():
    units_import(data=load("three_levels.json"))

    # The file says "huyện" for the city and "xã" for the ward and the township.
    city = unit(UnitLevel.DISTRICT, "058")
    assert (city.kind, city.name) == (UnitKind.PROVINCIAL_CITY, "Thành phố Bắc Kạn")
    assert unit(UnitLevel.COMMUNE, "01837").kind == UnitKind.WARD
    assert unit(UnitLevel.COMMUNE, "05569").kind == UnitKind.TOWNSHIP
    assert unit(UnitLevel.COMMUNE, "05602").kind == UnitKind.COMMUNE


def test_it_falls_back_to_the_division_type_when_the_name_has_no_prefix():
    data = load("three_levels.json")
    data[1]["districts"][0]["name"] = "Định Hóa"

    units_import(data=data)

    district = unit(UnitLevel.DISTRICT, "167")
    assert (district.kind, district.name) == (UnitKind.RURAL_DISTRICT, "Huyện Định Hóa")


def test_the_bulk_written_units_are_what_save_and_full_clean_would_make():
    # The import writes in bulk, past AdministrativeUnit.save(), which derives name_folded and the ancestor columns.
    units_import(data=load("three_levels.json"))

    for imported in AdministrativeUnit.objects.all():
        written = AdministrativeUnit.objects.values().get(pk=imported.pk)
        imported.full_clean()
        imported.save()
        assert AdministrativeUnit.objects.values().get(pk=imported.pk) == written


def test_it_imports_the_northeast_file_and_finds_dinh_hoa_without_diacritics():
    result = units_import(data=units_load_json(NORTHEAST))

    assert (result.provinces.created, result.districts.created) == (6, 58)
    assert result.communes.created == NORTHEAST_COMMUNES
    found = AdministrativeUnit.objects.search("dinh hoa")
    assert "Huyện Định Hóa" in [unit.name for unit in found]
    assert not AdministrativeUnit.objects.communes().filter(district__isnull=True).exists()


# Idempotency and updates


def test_importing_the_installed_release_twice_changes_nothing():
    data = units_load_json(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    units_import(data=data)
    before = list(AdministrativeUnit.objects.values())

    result = units_import(data=data)

    assert (result.provinces.unchanged, result.communes.unchanged) == (34, 3321)
    assert result.provinces.created + result.provinces.updated + result.communes.created == 0
    assert result.communes.updated == 0
    assert list(AdministrativeUnit.objects.values()) == before


def test_importing_a_three_level_file_twice_changes_nothing():
    units_import(data=load("three_levels.json"))

    result = units_import(data=load("three_levels.json"))

    assert [result.provinces.unchanged, result.districts.unchanged, result.communes.unchanged] == [2, 3, 7]
    assert [result.provinces.created, result.districts.created, result.communes.created] == [0, 0, 0]
    assert AdministrativeUnit.objects.count() == 12


def test_a_renamed_unit_in_the_file_updates_its_name_and_keeps_the_region_a_steward_set():
    units_import(data=load("three_levels.json"))
    AdministrativeUnit.objects.filter(code="05602").update(region=Region.NORTHERN_MIDLANDS_MOUNTAINS)
    data = load("three_levels.json")
    data[1]["districts"][0]["wards"][2]["name"] = "Xã Phú Đình Mới"

    result = units_import(data=data)

    assert (result.communes.updated, result.communes.unchanged) == (1, 6)
    renamed = unit(UnitLevel.COMMUNE, "05602")
    assert (renamed.name, renamed.region) == ("Xã Phú Đình Mới", Region.NORTHERN_MIDLANDS_MOUNTAINS)
    assert AdministrativeUnit.objects.search("phu dinh moi").get() == renamed


def test_a_commune_moved_to_another_district_in_the_file_is_moved():
    units_import(data=load("three_levels.json"))
    data = load("three_levels.json")
    moved = data[1]["districts"][0]["wards"].pop()
    data[1]["districts"][1]["wards"].append(moved)

    result = units_import(data=data)

    assert result.communes.updated == 1
    assert unit(UnitLevel.COMMUNE, f"{moved['code']:05d}").district == unit(UnitLevel.DISTRICT, "168")


def test_the_query_count_does_not_grow_with_the_number_of_units(django_assert_num_queries):
    small = load("three_levels.json")
    large = copy.deepcopy(small)
    large[1]["districts"][1]["wards"] += [
        {"name": f"Xã Thêm {n}", "code": 90000 + n, "division_type": "xã"} for n in range(20)
    ]
    # Per level: read the level's units, insert the new ones, read their keys back (no update: nothing changed),
    # plus the savepoint's begin and release.
    with django_assert_num_queries(11):
        units_import(data=small, valid_from=date(2020, 1, 1))
    with django_assert_num_queries(11):
        units_import(data=large, valid_from=date(2021, 1, 1))


# Malformed files: nothing is written, and the message says where the fault is


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("not_json.json", "not_json.json: không phải JSON hợp lệ (dòng 21"),
        ("list_of_strings.json", "provinces[0]: cần một đối tượng JSON, nhưng nhận được chuỗi 'Tỉnh Bắc Kạn'"),
        ("missing_code.json", "provinces[1].districts[1].wards[1]: thiếu 'code'"),
        ("empty_name.json", "provinces[1].districts[0].wards[2] (mã 05602): 'name' trống"),
        (
            "duplicate_code.json",
            "provinces[1].districts[1].wards[1] (Xã Yên Ninh): mã 01837 trùng với "
            "provinces[0].districts[0].wards[0] (Phường Sông Cầu)",
        ),
        ("unknown_kind.json", "provinces[1].districts[1].wards[1] (Bản Nà Pài): không nhận ra loại đơn vị"),
    ],
)
def test_a_malformed_file_raises_a_message_naming_the_place_and_writes_nothing(fixture, message):
    with pytest.raises(UnitImportError) as raised:
        units_import(data=units_load_json(FIXTURES / fixture))

    assert message in str(raised.value)
    assert not AdministrativeUnit.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda data: data[1].pop("districts"),
            "provinces[1] (Tỉnh Thái Nguyên): cần đúng một trong hai, có 'wards' hoặc 'districts'",
            id="neither-wards-nor-districts",
        ),
        pytest.param(
            lambda data: data[1].update(wards=[]),
            "provinces[1] (Tỉnh Thái Nguyên): cần đúng một trong hai, có cả 'wards' lẫn 'districts'",
            id="both-wards-and-districts",
        ),
        pytest.param(
            lambda data: data[1]["districts"][1].pop("wards"),
            "provinces[1].districts[1]: thiếu 'wards'",
            id="district-without-wards",
        ),
        pytest.param(
            lambda data: data[1]["districts"][1].update(code="16a"),
            "provinces[1].districts[1]: 'code' phải là một số nguyên, nhưng nhận được '16a'",
            id="code-not-a-number",
        ),
        pytest.param(
            lambda data: data[1]["districts"][1].update(code=True),
            "provinces[1].districts[1]: 'code' phải là một số nguyên, nhưng nhận được True",
            id="code-a-boolean",
        ),
        pytest.param(
            lambda data: data[1]["districts"][1].update(code=1680),
            "provinces[1].districts[1]: 'code' 1680 không phải mã huyện (3 chữ số, khác 0)",
            id="code-too-wide",
        ),
        pytest.param(
            lambda data: data[1].update(districts="167"),
            "provinces[1].districts: cần một danh sách, nhưng nhận được chuỗi '167'",
            id="districts-not-a-list",
        ),
        pytest.param(
            lambda data: data.append({**data[0], "code": 1, "districts": None, "wards": []}),
            "provinces[2] (Tỉnh Bắc Kạn): tệp trộn hai cách tổ chức",
            id="layouts-mixed",
        ),
        pytest.param(lambda data: data.clear(), "danh sách tỉnh trống", id="no-provinces"),
    ],
)
def test_a_malformed_structure_raises_a_message_naming_the_place_and_writes_nothing(change, message):
    data = load("three_levels.json")
    change(data)

    with pytest.raises(UnitImportError) as raised:
        units_import(data=data)

    assert message in str(raised.value)
    assert not AdministrativeUnit.objects.exists()


def test_loading_a_file_that_is_not_a_list_or_does_not_exist_raises(tmp_path):
    (tmp_path / "object.json").write_text('{"provinces": []}', encoding="utf-8")

    with pytest.raises(UnitImportError, match="cần một danh sách tỉnh"):
        units_load_json(tmp_path / "object.json")
    with pytest.raises(UnitImportError, match="không đọc được tệp"):
        units_load_json(tmp_path / "missing.json")


# Choosing provinces


def test_it_imports_only_the_provinces_asked_for():
    result = units_import(data=units_load_json(NORTHEAST), province_codes=["19"])

    assert (result.provinces.created, result.districts.created, result.communes.created) == (1, 9, 172)
    assert set(AdministrativeUnit.objects.values_list("province__code", flat=True)) == {None, "19"}


def test_it_refuses_a_province_that_is_not_in_the_file():
    with pytest.raises(UnitImportError, match="không có tỉnh mã 99"):
        units_import(data=load("three_levels.json"), province_codes=["19", "99"])

    assert not AdministrativeUnit.objects.exists()


# The command


def call_import_units(*args: str) -> str:
    out = StringIO()
    call_command("import_units", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_the_installed_release_and_prints_the_counts_in_vietnamese():
    output = call_import_units()

    assert f"vietnam-provinces {vietnam_provinces.__version__} (2 cấp, hiệu lực từ 01/07/2025)" in output
    assert "Tỉnh: 34 tạo mới, 0 cập nhật, 0 không đổi" in output
    assert "Xã: 3321 tạo mới, 0 cập nhật, 0 không đổi" in output
    assert "Huyện:" not in output
    assert AdministrativeUnit.objects.count() == 34 + 3321


def test_the_command_imports_a_three_level_file_and_prints_every_level():
    output = call_import_units(str(FIXTURES / "three_levels.json"))

    assert "(3 cấp, không ghi ngày hiệu lực)" in output
    assert "Tỉnh: 2 tạo mới, 0 cập nhật, 0 không đổi" in output
    assert "Huyện: 3 tạo mới, 0 cập nhật, 0 không đổi" in output
    assert "Xã: 7 tạo mới, 0 cập nhật, 0 không đổi" in output

    assert "Xã: 0 tạo mới, 0 cập nhật, 7 không đổi" in call_import_units(str(FIXTURES / "three_levels.json"))


def test_the_command_limits_the_import_to_the_provinces_given():
    output = call_import_units(str(NORTHEAST), "--province", "19", "--province", "6")

    assert "Tỉnh: 2 tạo mới" in output
    assert set(AdministrativeUnit.objects.provinces().values_list("name", flat=True)) == {
        "Tỉnh Thái Nguyên",
        "Tỉnh Bắc Kạn",
    }


def test_the_command_dates_the_units_from_the_day_given():
    output = call_import_units(str(FIXTURES / "three_levels.json"), "--valid-from", "2020-01-01")

    assert "hiệu lực từ 01/01/2020" in output
    assert set(AdministrativeUnit.objects.values_list("valid_from", flat=True)) == {date(2020, 1, 1)}


def test_the_command_refuses_a_date_that_is_not_iso():
    with pytest.raises(CommandError, match="ngày không hợp lệ"):
        call_import_units(str(FIXTURES / "three_levels.json"), "--valid-from", "1/7/2025")


def test_the_command_turns_a_malformed_file_into_a_command_error_and_writes_nothing():
    with pytest.raises(CommandError, match=r"provinces\[1\]\.districts\[1\]\.wards\[1\]: thiếu 'code'"):
        call_import_units(str(FIXTURES / "missing_code.json"))

    assert not AdministrativeUnit.objects.exists()


def test_the_command_refuses_an_unknown_province_code():
    with pytest.raises(CommandError, match="không có tỉnh mã 99"):
        call_import_units(str(FIXTURES / "three_levels.json"), "--province", "99")
