"""Text is stored in Unicode NFC with surrounding spaces trimmed, whichever way it comes in (issue 16).

"Sở Y tế" typed on most keyboards is NFC (ở is one code point); pasted from some PDFs or typed on macOS it can be NFD
(o + horn + hook above: three code points). Both look the same, so they must be stored the same, and a name unique
per province must be unique in either form.
"""

import sys
import unicodedata

import pytest
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.urls import reverse

from criteria.models import AssessmentChange, CriterionResult, IndicatorValue
from ntm_portal.fields import NormalizedCharField, NormalizedFormCharField, normalize_stored_text
from ntm_portal.text import normalize_text
from secondments.choices import AgencyKind
from secondments.forms import AgencyForm
from secondments.models import Agency, Cadre
from tests.api.conftest import build_criteria_set, token_client
from tests.criteria.factories import AssessmentRoundFactory
from tests.secondments.factories import AgencyFactory, CadreFactory

pytestmark = pytest.mark.django_db

NAME = "Sở Y tế Thái Nguyên"
NFD_NAME = unicodedata.normalize("NFD", NAME)


def nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def agency_body(geography, name: str, *, unit_key: str = "unit_id") -> dict:
    """An agency of the province: the API names the key `unit_id`, the forms and the admin `unit`."""
    return {"name": name, "kind": AgencyKind.DEPARTMENT, "level": "province", unit_key: geography.province.pk}


def test_the_two_spellings_differ_before_normalisation():
    assert NFD_NAME != NAME and len(NFD_NAME) > len(NAME)


# --- the helper -------------------------------------------------------------------------------------------------


def test_normalize_text_composes_and_trims():
    assert normalize_text(f"  {NFD_NAME}\t\n") == NAME


def test_normalize_text_leaves_none_and_non_text_alone():
    assert normalize_text(None) is None
    assert normalize_text(5) == 5


def test_normalize_text_keeps_inner_spaces_and_line_breaks():
    assert normalize_text(" Dòng 1\n\nDòng  2 ") == "Dòng 1\n\nDòng  2"


# --- the API ----------------------------------------------------------------------------------------------------


def test_an_agency_posted_in_nfd_then_in_nfc_over_the_api_is_refused_as_a_duplicate(geography, province_coordinator):
    client = token_client(province_coordinator)

    first = client.post("/api/v1/agencies/", agency_body(geography, f" {NFD_NAME} "), format="json")
    second = client.post("/api/v1/agencies/", agency_body(geography, NAME), format="json")

    assert first.status_code == 201, first.json()
    assert first.json()["name"] == NAME
    assert second.status_code == 400, second.json()
    # The refusal names the field, in the portal's words (not DRF's "The fields unit, name must make a unique set").
    assert second.json() == {"name": [f"Đã có cơ quan, đơn vị tên này trong {geography.province.name}."]}
    assert list(Agency.objects.filter(unit=geography.province).values_list("name", flat=True)) == [NAME]


def test_an_agency_posted_in_nfc_then_in_nfd_over_the_api_is_refused_as_a_duplicate(geography, province_coordinator):
    client = token_client(province_coordinator)

    assert client.post("/api/v1/agencies/", agency_body(geography, NAME), format="json").status_code == 201
    second = client.post("/api/v1/agencies/", agency_body(geography, NFD_NAME), format="json")

    assert second.status_code == 400, second.json()
    assert Agency.objects.filter(unit=geography.province).count() == 1


def test_renaming_an_agency_to_another_ones_name_in_nfd_is_refused(geography, province_coordinator):
    AgencyFactory(unit=geography.province, name=NAME)
    other = AgencyFactory(unit=geography.province, name="Sở Tài chính")

    response = token_client(province_coordinator).patch(
        f"/api/v1/agencies/{other.pk}/", {"name": NFD_NAME}, format="json"
    )

    assert response.status_code == 400, response.json()
    other.refresh_from_db()
    assert other.name == "Sở Tài chính"


def test_a_name_with_surrounding_spaces_is_stored_trimmed(geography, province_coordinator, agency_liaison):
    response = token_client(province_coordinator).post(
        "/api/v1/cadres/",
        {"full_name": "  Bùi Ngọc Nhật \n", "home_agency_id": agency_liaison.agency.pk, "title": " Phó Giám đốc "},
        format="json",
    )

    assert response.status_code == 201, response.json()
    cadre = Cadre.objects.get(pk=response.json()["id"])
    assert (cadre.full_name, cadre.title) == ("Bùi Ngọc Nhật", "Phó Giám đốc")


def test_a_communes_round_note_sent_in_nfd_is_stored_in_nfc(geography, commune_official_a1):
    criteria_set = build_criteria_set()
    assessment_round = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set, year=2019)
    criteria = {c.number: c for c in criteria_set.criteria.all()}
    share = criteria[1].indicators.get(code="1.1")
    note = "Biên bản nghiệm thu của xã"

    response = token_client(commune_official_a1).post(
        f"/api/v1/assessment-rounds/{assessment_round.pk}/values/",
        {
            "version": assessment_round.version,
            "indicators": [
                {"indicator_id": share.pk, "value_number": "85", "note": unicodedata.normalize("NFD", note)}
            ],
            "criteria": [
                {"criterion_id": criteria[2].pk, "met": True, "note": f" {unicodedata.normalize('NFD', note)} "}
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert IndicatorValue.objects.get(assessment_round=assessment_round, indicator=share).note == note
    assert CriterionResult.objects.get(assessment_round=assessment_round, criterion=criteria[2]).note == note
    # The change log records what was stored, not what was typed.
    logged = AssessmentChange.objects.filter(assessment_round=assessment_round, field="note")
    assert logged.exists()
    assert {change.new_value for change in logged} == {note}


# --- the browser forms and the admin ------------------------------------------------------------------------------


def test_an_agency_added_in_nfd_then_in_nfc_through_the_form_is_refused_as_a_duplicate(
    client, geography, province_coordinator
):
    client.force_login(province_coordinator)
    create = reverse("secondments:agency_create")

    first = client.post(create, agency_body(geography, f"{NFD_NAME}  ", unit_key="unit"))
    second = client.post(create, agency_body(geography, NAME, unit_key="unit"))

    assert first.status_code == 302
    assert second.status_code == 200  # the form again, with the error
    assert second.context["form"].errors
    assert list(Agency.objects.filter(unit=geography.province).values_list("name", flat=True)) == [NAME]


def test_model_forms_clean_text_to_nfc(geography, province_coordinator):
    form = AgencyForm(agency_body(geography, f" {NFD_NAME} ", unit_key="unit"), user=province_coordinator)

    assert isinstance(form.fields["name"], NormalizedFormCharField)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == NAME


def test_the_admin_stores_an_agency_name_in_nfc(admin_client, geography):
    assert admin.site.is_registered(Agency)
    body = agency_body(geography, f" {NFD_NAME} ", unit_key="unit") | {"short_name": "", "contact": "", "parent": ""}

    response = admin_client.post(reverse("admin:secondments_agency_add"), body)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Agency.objects.get(unit=geography.province).name == NAME


# --- the model field: every write path --------------------------------------------------------------------------


def test_a_record_holds_normalised_text_as_soon_as_it_is_assigned(geography):
    agency = Agency(name=f" {NFD_NAME} ")
    assert agency.name == NAME
    agency.contact = unicodedata.normalize("NFD", " Phòng Kế hoạch ")
    assert agency.contact == "Phòng Kế hoạch"


def test_update_bulk_create_and_bulk_update_store_normalised_text(geography):
    [agency] = Agency.objects.bulk_create(
        [Agency(name=f" {NFD_NAME} ", kind=AgencyKind.DEPARTMENT, unit=geography.province)]
    )
    assert Agency.objects.values_list("name", flat=True).get(pk=agency.pk) == NAME

    Agency.objects.filter(pk=agency.pk).update(contact=unicodedata.normalize("NFD", " Tầng 3 "))
    assert Agency.objects.values_list("contact", flat=True).get(pk=agency.pk) == "Tầng 3"

    agency.__dict__["short_name"] = unicodedata.normalize("NFD", " Sở Y tế ")  # past the attribute, on purpose
    Agency.objects.bulk_update([agency], ["short_name"])
    assert Agency.objects.values_list("short_name", flat=True).get(pk=agency.pk) == "Sở Y tế"


def test_a_lookup_by_the_nfd_spelling_finds_the_stored_name(geography):
    agency = AgencyFactory(unit=geography.province, name=NAME)

    assert Agency.objects.get(unit=geography.province, name=f"{NFD_NAME} ") == agency


def test_the_unique_check_of_full_clean_sees_the_normalised_name(geography):
    AgencyFactory(unit=geography.province, name=NAME)
    duplicate = Agency(name=NFD_NAME, kind=AgencyKind.DEPARTMENT, unit=geography.province)

    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()

    assert refused.value.message_dict == {"name": [f"Đã có cơ quan, đơn vị tên này trong {geography.province.name}."]}
    assert NON_FIELD_ERRORS not in refused.value.error_dict


def test_user_entered_text_fields_are_normalised_and_choices_are_not():
    assert isinstance(Agency._meta.get_field("name"), NormalizedCharField)
    assert not isinstance(Agency._meta.get_field("kind"), NormalizedCharField)


# --- the data migration's helper ----------------------------------------------------------------------------------


def _write_raw(model, pk: int, **values) -> None:
    """Store text as it was before this change: past the model field, straight into the table."""
    table = model._meta.db_table
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*values.values(), pk])


def test_the_migration_helper_normalises_old_rows_and_then_has_nothing_left_to_do(geography):
    cadre = CadreFactory(full_name="Bùi Ngọc Nhật")
    _write_raw(Cadre, cadre.pk, full_name=f" {unicodedata.normalize('NFD', 'Bùi Ngọc Nhật')} ", title=" Phó ")

    assert normalize_stored_text(Cadre, ["full_name", "title", "phone"], batch_size=1) == 1
    assert Cadre.objects.values_list("full_name", "title").get(pk=cadre.pk) == ("Bùi Ngọc Nhật", "Phó")
    assert normalize_stored_text(Cadre, ["full_name", "title", "phone"]) == 0


def test_the_migration_helper_renames_a_row_that_would_duplicate_another_and_says_so(geography, capsys):
    AgencyFactory(unit=geography.province, name=NAME)
    twin = AgencyFactory(unit=geography.province, name="placeholder")
    _write_raw(Agency, twin.pk, name=NFD_NAME)

    assert normalize_stored_text(Agency, ["name"], stdout=sys.stdout) == 1

    assert Agency.objects.values_list("name", flat=True).get(pk=twin.pk) == f"{NAME} (2)"
    assert f"#{twin.pk}" in capsys.readouterr().out
