"""The 1 July 2025 reorganisation imported from the official conversion (communes.services.merger_2025_import), on
old Thái Nguyên (GSO 19): its 3-level list of January 2025 from communes/data, then the conversion."""

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from communes.models import AdministrativeUnit, UnitSuccession
from communes.services import (
    MERGER_LAST_OLD_DAY,
    TWO_LEVEL_START,
    MergerDataError,
    _load_conversion,
    merger_2025_import,
    units_import,
    units_load_json,
)
from ntm_portal.choices import UnitLevel
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

NORTHEAST = settings.BASE_DIR / "communes" / "data" / "divisions_2025_01_northeast.json"


@pytest.fixture
def old_thai_nguyen():
    units_import(data=units_load_json(NORTHEAST), province_codes=["19"])
    return AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, code="19", valid_from=None)


def new_communes():
    return AdministrativeUnit.objects.communes().filter(valid_from=TWO_LEVEL_START)


def snapshot():
    return (
        list(AdministrativeUnit.objects.order_by("pk").values_list("pk", "valid_to", "latitude")),
        list(UnitSuccession.objects.order_by("pk").values_list("pk", "default_successor")),
    )


def test_it_links_each_new_commune_to_its_predecessors_and_dates_both(old_thai_nguyen):
    result = merger_2025_import(province_codes=["19"])

    # New Thái Nguyên keeps old Thái Nguyên's code and name: the same row continues, with its history and users.
    old_thai_nguyen.refresh_from_db()
    assert old_thai_nguyen.valid_to is None and result.provinces_continued == ["19"]
    assert not AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code="19", valid_from=TWO_LEVEL_START)
    assert result.new_communes_linked == new_communes().count() > 0
    for commune in new_communes().prefetch_related("merged_from"):
        assert commune.parent_id == commune.province_id == old_thai_nguyen.pk  # no district any more
        assert commune.merged_from.all(), commune
        assert all(old.valid_to == MERGER_LAST_OLD_DAY for old in commune.merged_from.all())
    old = AdministrativeUnit.objects.communes().filter(province=old_thai_nguyen, valid_from__isnull=True)
    assert not old.filter(valid_to__isnull=True).exists()
    assert result.old_units_closed == old.count() + old_thai_nguyen.children.districts().count()  # the province stays


def test_a_divided_commune_is_linked_to_each_part_with_the_default_marked(old_thai_nguyen):
    result = merger_2025_import(province_codes=["19"])

    divided = {pk: parts for pk, parts in result.successors.items() if len(parts) > 1}
    assert len(divided) == result.divided_predecessors > 0
    for pk, parts in divided.items():
        assert [default for _new, default in parts] == [True] + [False] * (len(parts) - 1)
        links = UnitSuccession.objects.filter(predecessor=pk)
        assert sorted(links.values_list("successor", "default_successor")) == sorted(parts)
    whole = [parts for parts in result.successors.values() if len(parts) == 1]
    assert all(parts[0][1] for parts in whole)


def test_a_second_run_changes_nothing_and_says_so(old_thai_nguyen):
    assert merger_2025_import(province_codes=["19"]).changed
    before = snapshot()

    again = merger_2025_import(province_codes=["19"])

    assert not again.changed
    assert snapshot() == before
    out = StringIO()
    call_command("import_merger_2025", "--province", "19", stdout=out)
    assert "Không có gì thay đổi" in out.getvalue()


def test_an_unknown_province_code_is_refused_with_nothing_written(old_thai_nguyen):
    before = snapshot()
    with pytest.raises(MergerDataError, match="99"):
        merger_2025_import(province_codes=["99"])
    assert snapshot() == before


def test_an_old_commune_under_the_wrong_province_is_refused_with_nothing_written(old_thai_nguyen):
    commune = AdministrativeUnit.objects.communes().filter(province=old_thai_nguyen).first()
    elsewhere = AdministrativeUnit.objects.create(
        code="06", name="Tỉnh Bắc Kạn", level=UnitLevel.PROVINCE, kind="province"
    )
    district = AdministrativeUnit.objects.create(
        code="058", name="Huyện Pác Nặm", level=UnitLevel.DISTRICT, kind="rural_district", parent=elsewhere
    )
    commune.parent = district
    commune.save()
    before = snapshot()

    with pytest.raises(MergerDataError, match=commune.code):
        merger_2025_import(province_codes=["19"], only_present=True)

    assert snapshot() == before


def test_a_new_commune_whose_code_changed_is_found_by_its_name_and_listed(old_thai_nguyen):
    conversion = _load_conversion()
    place = next(
        commune.place
        for commune in conversion.new_communes
        if any(conversion.old_units[key].province_code == "19" for key in commune.whole)
    )
    province = AdministrativeUnit.objects.create(
        code="19", name="Tỉnh Thái Nguyên", level=UnitLevel.PROVINCE, kind="province", valid_from=TWO_LEVEL_START
    )
    renumbered = AdministrativeUnit.objects.create(
        code="19998",
        name=place.name,
        level=UnitLevel.COMMUNE,
        kind=place.kind,
        parent=province,
        valid_from=TWO_LEVEL_START,
    )

    result = merger_2025_import(province_codes=["19"])

    assert [(match.conversion_code, match.code, match.pk) for match in result.name_matches] == [
        (place.code, "19998", renumbered.pk)
    ]
    assert renumbered.merged_from.exists()
    assert not new_communes().filter(code=place.code).exists()
    out = StringIO()
    call_command("import_merger_2025", "--province", "19", "--dry-run", stdout=out)
    assert f"mã {place.code} theo dữ liệu sắp xếp, 19998 trong cơ sở dữ liệu" in out.getvalue()


def test_only_present_acts_on_the_old_communes_in_the_database_alone(old_thai_nguyen):
    kept = list(AdministrativeUnit.objects.communes().filter(province=old_thai_nguyen).order_by("code")[:10])
    AdministrativeUnit.objects.communes().filter(province=old_thai_nguyen).exclude(pk__in=[c.pk for c in kept]).delete()
    units_before = AdministrativeUnit.objects.filter(valid_from__isnull=True).count()

    result = merger_2025_import(province_codes=["19"], only_present=True)

    assert result.old_units_created == 0
    assert AdministrativeUnit.objects.filter(valid_from__isnull=True).count() == units_before
    assert set(result.successors) == {commune.pk for commune in kept}
    linked = set(
        UnitSuccession.objects.filter(successor__level=UnitLevel.COMMUNE).values_list("predecessor", flat=True)
    )
    assert linked == {commune.pk for commune in kept}
    assert (
        new_communes().count()
        == result.new_communes_linked
        == len({new for parts in result.successors.values() for new, _default in parts})
    )


def test_coordinates_and_areas_are_stored(old_thai_nguyen):
    merger_2025_import(province_codes=["19"])

    assert not new_communes().filter(latitude__isnull=True).exists()
    assert not new_communes().filter(area_km2__isnull=True).exists()
    assert (
        not AdministrativeUnit.objects.communes().filter(valid_to=MERGER_LAST_OLD_DAY, latitude__isnull=True).exists()
    )
    old_thai_nguyen.refresh_from_db()
    assert 21 < old_thai_nguyen.latitude < 22.5 and 105 < old_thai_nguyen.longitude < 106.5


def test_a_dry_run_writes_nothing(old_thai_nguyen):
    before = snapshot()
    result = merger_2025_import(province_codes=["19"], dry_run=True)
    assert result.changed and result.communes_created > 0
    assert snapshot() == before


def test_the_api_exposes_predecessors_successors_dates_group_and_coordinates(old_thai_nguyen):
    result = merger_2025_import(province_codes=["19"])
    old_pk, parts = next((pk, parts) for pk, parts in result.successors.items() if len(parts) > 1)
    new_pk, _default = parts[-1]
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))

    new = client.get(f"/api/v1/communes/{new_pk}/").json()
    old = client.get(f"/api/v1/administrative-units/{old_pk}/").json()

    old_unit = AdministrativeUnit.objects.get(pk=old_pk)
    assert {"id": old_pk, "code": old_unit.code, "name": old_unit.name, "default_successor": False} in new[
        "merged_from"
    ]
    assert new["valid_from"] == "2025-07-01" and new["valid_to"] is None
    assert "commune_group" in new and new["latitude"] and new["longitude"] and new["area_km2"]
    assert old["valid_to"] == "2025-06-30"
    assert [(link["id"], link["default_successor"]) for link in old["merged_into"]] == [
        (pk, default) for pk, default in sorted(parts)
    ]
    assert date.fromisoformat(old["valid_to"]) == MERGER_LAST_OLD_DAY
