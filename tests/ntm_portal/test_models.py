import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def validation_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


def test_the_personas_are_valid(
    province_coordinator, district_officer_a, commune_official_a1, commune_official_b1, agency_liaison
):
    for user in (province_coordinator, district_officer_a, commune_official_a1, commune_official_b1, agency_liaison):
        user.full_clean()


def test_a_viewer_needs_no_unit_or_agency():
    UserFactory(role=Role.VIEWER).full_clean()


def test_two_users_cannot_share_a_username():
    UserFactory(username="coordinator")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="coordinator")


@pytest.mark.parametrize(
    "role",
    [Role.PROVINCE_COORDINATOR, Role.DISTRICT_OFFICER, Role.COMMUNE_OFFICIAL],
)
def test_a_scoped_role_needs_a_unit(role):
    user = UserFactory.build(role=role, unit=None)

    assert "unit" in validation_errors(user)


@pytest.mark.parametrize(
    ("role", "unit_factory"),
    [
        (Role.PROVINCE_COORDINATOR, DistrictFactory),
        (Role.DISTRICT_OFFICER, ProvinceFactory),
        (Role.DISTRICT_OFFICER, CommuneFactory),
        (Role.COMMUNE_OFFICIAL, DistrictFactory),
    ],
)
def test_a_scoped_role_needs_a_unit_of_its_own_level(role, unit_factory):
    user = UserFactory.build(role=role, unit=unit_factory())

    assert "unit" in validation_errors(user)


def test_an_agency_liaison_needs_an_agency():
    user = UserFactory.build(role=Role.AGENCY_LIAISON, agency=None)

    assert "agency" in validation_errors(user)


def test_an_agency_liaison_with_an_agency_is_valid():
    UserFactory.build(role=Role.AGENCY_LIAISON, agency=AgencyFactory()).full_clean()
