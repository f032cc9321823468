import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from communes.choices import CommuneGroup, NtmLevel, Region, UnitKind
from communes.models import AdministrativeUnit
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory

pytestmark = pytest.mark.django_db


def validation_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


# The ancestor columns and the folded name, derived by save()


def test_a_commune_under_a_district_carries_its_province_and_district():
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)

    commune = CommuneFactory(parent=district)

    assert (commune.province, commune.district) == (province, district)


def test_a_commune_directly_under_a_province_has_no_district():
    province = ProvinceFactory()

    commune = CommuneFactory(parent=province)

    assert (commune.province, commune.district) == (province, None)


def test_a_district_carries_its_province_and_no_district():
    province = ProvinceFactory()

    district = DistrictFactory(parent=province)

    assert (district.province, district.district) == (province, None)


def test_a_province_has_no_ancestors():
    province = ProvinceFactory()

    assert (province.province, province.district) == (None, None)


def test_the_ancestor_columns_are_stored_not_only_set_on_the_instance():
    district = DistrictFactory()
    commune = CommuneFactory(parent=district)

    stored = AdministrativeUnit.objects.get(pk=commune.pk)

    assert (stored.province_id, stored.district_id) == (district.parent_id, district.pk)


def test_a_unit_moved_to_another_parent_gets_new_ancestor_columns_on_save():
    commune = CommuneFactory()
    other_province = ProvinceFactory()

    commune.parent = other_province
    commune.save()

    assert (commune.province, commune.district) == (other_province, None)


def test_the_folded_name_drops_diacritics_and_case():
    unit = DistrictFactory(name="Huyện Định Hóa")

    assert unit.name_folded == "huyen dinh hoa"


def test_the_folded_name_follows_a_renamed_unit():
    unit = DistrictFactory(name="Huyện Định Hóa")

    unit.name = "Huyện Phú Lương"
    unit.save()

    assert AdministrativeUnit.objects.get(pk=unit.pk).name_folded == "huyen phu luong"


# Queries


def test_within_a_province_is_the_province_and_every_unit_below_it(geography):
    other_commune = CommuneFactory()
    commune_directly_under_the_province = CommuneFactory(parent=geography.province)

    units = set(AdministrativeUnit.objects.within(geography.province))

    assert units == {
        geography.province,
        geography.district_a,
        geography.district_b,
        geography.commune_a1,
        geography.commune_a2,
        geography.commune_b1,
        commune_directly_under_the_province,
    }
    assert other_commune not in units


def test_within_a_district_is_the_district_and_its_communes(geography):
    units = set(AdministrativeUnit.objects.within(geography.district_a))

    assert units == {geography.district_a, geography.commune_a1, geography.commune_a2}


def test_within_a_commune_is_the_commune_alone(geography):
    assert list(AdministrativeUnit.objects.within(geography.commune_a1)) == [geography.commune_a1]


def test_within_composes_with_the_level_filters(geography):
    communes = set(AdministrativeUnit.objects.within(geography.province).communes())

    assert communes == {geography.commune_a1, geography.commune_a2, geography.commune_b1}


@pytest.mark.parametrize("text", ["dinh hoa", "Định Hóa", "định hoá", "DINH HOA", "Hoa"])
def test_search_finds_a_unit_whatever_the_diacritics_and_case(geography, text):
    assert list(AdministrativeUnit.objects.search(text)) == [geography.district_a]


def test_search_finds_nothing_for_a_name_not_there(geography):
    assert not AdministrativeUnit.objects.search("ha noi").exists()


def test_current_leaves_out_units_that_ceased_to_exist():
    ceased = CommuneFactory(valid_from=datetime.date(2008, 8, 1), valid_to=datetime.date(2025, 6, 30))
    current = CommuneFactory(valid_from=datetime.date(2025, 7, 1))

    units = set(AdministrativeUnit.objects.communes().current())

    assert current in units
    assert ceased not in units


# Constraints


def test_two_units_of_a_level_cannot_share_a_code_and_start_date():
    start = datetime.date(2025, 7, 1)
    CommuneFactory(code="05554", valid_from=start)

    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="05554", valid_from=start)


def test_two_undated_units_of_a_level_cannot_share_a_code():
    CommuneFactory(code="05554")

    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="05554")


def test_a_code_may_be_reused_by_a_unit_of_another_start_date():
    CommuneFactory(code="05554", valid_from=datetime.date(2008, 8, 1), valid_to=datetime.date(2025, 6, 30))

    CommuneFactory(code="05554", valid_from=datetime.date(2025, 7, 1))


def test_a_code_may_be_shared_by_units_of_different_levels():
    DistrictFactory(code="167")

    CommuneFactory(code="167")


def test_a_unit_cannot_cease_before_it_started_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(valid_from=datetime.date(2025, 7, 1), valid_to=datetime.date(2025, 6, 30))


# clean()


def test_units_built_by_the_factories_are_valid():
    commune = CommuneFactory()

    for unit in (commune, commune.parent, commune.province, CommuneFactory(parent=ProvinceFactory())):
        unit.full_clean()


def test_a_kind_must_match_the_level():
    commune = CommuneFactory.build(parent=DistrictFactory(), kind=UnitKind.RURAL_DISTRICT)

    assert "kind" in validation_errors(commune)


def test_a_province_has_no_parent():
    province = ProvinceFactory.build(parent=ProvinceFactory())

    assert "parent" in validation_errors(province)


def test_a_district_belongs_to_a_province():
    district = DistrictFactory.build(parent=DistrictFactory())

    assert "parent" in validation_errors(district)


def test_a_district_without_a_parent_is_refused():
    district = DistrictFactory.build(parent=None)

    assert "parent" in validation_errors(district)


def test_a_commune_cannot_hang_under_another_commune():
    commune = CommuneFactory.build(parent=CommuneFactory())

    assert "parent" in validation_errors(commune)


def test_a_commune_without_a_parent_is_refused():
    commune = CommuneFactory.build(parent=None)

    assert "parent" in validation_errors(commune)


@pytest.mark.parametrize(
    "commune_attribute",
    [
        {"region": Region.RED_RIVER_DELTA},
        {"commune_group": CommuneGroup.GENERAL},
        {"especially_disadvantaged": True},
        {"designated_special": True},
    ],
)
def test_only_a_commune_has_a_region_a_group_or_special_flags(commune_attribute):
    district = DistrictFactory.build(parent=ProvinceFactory(), **commune_attribute)

    assert NON_FIELD_ERRORS in validation_errors(district)


def test_a_unit_cannot_cease_before_it_started():
    commune = CommuneFactory.build(
        parent=DistrictFactory(),
        valid_from=datetime.date(2025, 7, 1),
        valid_to=datetime.date(2025, 6, 30),
    )

    assert "valid_to" in validation_errors(commune)


# Recognition


def test_a_recognition_built_by_the_factory_is_valid():
    RecognitionFactory().full_clean()


def test_a_commune_cannot_be_recognised_twice_at_a_level_by_one_decision():
    recognition = RecognitionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionFactory(
            commune=recognition.commune,
            level=recognition.level,
            decision_number=recognition.decision_number,
        )


def test_one_decision_may_recognise_a_commune_at_another_level():
    recognition = RecognitionFactory(level=NtmLevel.STANDARD)

    RecognitionFactory(
        commune=recognition.commune, level=NtmLevel.ADVANCED, decision_number=recognition.decision_number
    )


def test_a_recognition_cannot_be_for_not_yet_meeting_the_standard():
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionFactory(level=NtmLevel.NOT_YET)


def test_only_a_commune_is_recognised():
    recognition = RecognitionFactory.build(commune=DistrictFactory())

    assert "commune" in validation_errors(recognition)


def test_a_recognition_decision_cannot_predate_the_year_it_recognises():
    recognition = RecognitionFactory.build(
        commune=CommuneFactory(), year=2020, decision_date=datetime.date(2019, 12, 30)
    )

    assert "decision_date" in validation_errors(recognition)


def test_a_decision_of_a_later_year_recognises_an_earlier_year():
    recognition = RecognitionFactory.build(
        commune=CommuneFactory(), year=2020, decision_date=datetime.date(2021, 1, 15)
    )

    recognition.full_clean()
