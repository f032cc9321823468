"""Fixtures of the report tests: a small demo province (the seeds' cases, 20 communes) and a media folder each."""

import datetime

import pytest

from communes.models import AdministrativeUnit
from criteria.selectors import default_criteria_set
from criteria.services.reference import criteria_reference_load
from ntm_portal.choices import Role
from ntm_portal.demo import build_demo
from tests.ntm_portal.factories import UserFactory

# The demo's history runs to the end of 2024, assessed against the 2021–2025 set.
AS_OF = datetime.date(2024, 12, 31)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Report files of one test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo_province(db):
    criteria_reference_load()
    build_demo(communes=20)
    return AdministrativeUnit.objects.provinces().get(name="Tỉnh Thái Nguyên")


@pytest.fixture
def demo_criteria_set(demo_province):
    return default_criteria_set(year=AS_OF.year)


@pytest.fixture
def demo_coordinator(demo_province):
    return UserFactory(username="vpdp", role=Role.PROVINCE_COORDINATOR, unit=demo_province)
