"""Fixtures of the report tests: a small demo province (the seeds' cases, 20 communes) and a media folder each."""

import datetime

import pytest

from communes.models import AdministrativeUnit
from criteria.selectors import default_criteria_set
from demo.province import build_demo
from ntm_portal.choices import Role
from tests.ntm_portal.factories import UserFactory
from tests.shared_rows import foreign_keys_checked, own_copy, rolled_back_at_end

# The demo's history runs to the end of 2024, assessed against the 2021–2025 set.
AS_OF = datetime.date(2024, 12, 31)
DEMO_COMMUNES = 20


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Report files of one test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def build_demo_province() -> AdministrativeUnit:
    build_demo(communes=DEMO_COMMUNES)
    # The province of the reports' date (the demo's old Thái Nguyên: a new one starts on 1 July 2025).
    return AdministrativeUnit.objects.provinces().in_force_on(AS_OF).get(name="Tỉnh Thái Nguyên")


@pytest.fixture(scope="module")
def _module_demo_province(_national_sets_rows, django_db_blocker):
    """The demo, built once for the tests of a module that only read it."""
    with rolled_back_at_end(django_db_blocker):
        _national_sets_rows.restore()
        province = build_demo_province()
        foreign_keys_checked()
        yield province


@pytest.fixture
def demo_province(_module_demo_province, db):
    return own_copy(_module_demo_province)


@pytest.fixture
def demo_criteria_set(demo_province):
    return default_criteria_set(year=AS_OF.year)


@pytest.fixture
def demo_coordinator(demo_province):
    return UserFactory(username="vpdp", role=Role.PROVINCE_COORDINATOR, unit=demo_province)
