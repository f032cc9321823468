"""Shared fixtures: one small province (districts A and B, communes A1, A2, B1) and a persona per role."""

import os
from collections import Counter
from dataclasses import dataclass
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.test import TransactionTestCase

from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget
from criteria.services.reference import criteria_reference_load
from ntm_portal.breaker import close_every_breaker
from ntm_portal.choices import Role
from ntm_portal.figures_cache import invalidate_figures
from tests.accountability_cases import forecast_case, seconded_communes_case, sponsor_case
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import AgencyFactory, SponsorAssignmentFactory
from tests.shared_rows import RowCopy


@pytest.fixture(autouse=True)
def _fresh_figures():
    """Cached dashboard figures are keyed by unit pk, and SQLite gives a later test the pks of an earlier one: every
    test starts with a new figures version (one cache write; clearing the file cache would delete files)."""
    invalidate_figures()


@pytest.fixture(autouse=True)
def _no_outage_remembered():
    """A dependency one test made fail is not skipped by the next (ntm_portal.breaker)."""
    yield
    close_every_breaker()


# What migrate's post_migrate made: kept, not deleted and made again, when a transactional test's rows are emptied.
MIGRATE_ROWS = {ContentType._meta.db_table, Permission._meta.db_table}


def _empty_tables(test_case: TransactionTestCase) -> None:
    """After a transactional test, DELETE every table's rows but migrate's, in one transaction, in place of Django's
    flush: its TRUNCATE of ~50 tables takes seconds on PostgreSQL, and making content types and permissions again
    after it a third of a second on either database. The database is left as flush leaves it."""
    for alias in test_case._databases_names(include_mirrors=False):
        connection = connections[alias]
        tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Foreign keys are checked at commit (Django makes them deferrable): the order of the tables is free.
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in sorted(tables - MIGRATE_ROWS):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


_flush = TransactionTestCase._fixture_teardown


def _fixture_teardown(self: TransactionTestCase) -> None:
    if self.available_apps is not None or self.serialized_rollback:
        _flush(self)  # a flush of some apps' tables, or one that keeps rows to restore: Django's own
    else:
        _empty_tables(self)


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_emptied_quickly():
    with mock.patch.object(TransactionTestCase, "_fixture_teardown", _fixture_teardown):
        yield


IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The marks of a test that drives a real Chromium or Celery worker process. Under pytest-xdist (`--dist loadgroup`)
# one worker runs all of these, first (the largest group goes first), while the others take the rest: their waiting
# on the browser and the worker overlaps the others' work, and one browser and one session worker suffice.
LIVE_PROCESSES = [pytest.mark.xdist_group("live_processes"), pytest.mark.needs_server, pytest.mark.slow]


def skip_unless_configured(reason: str) -> None:
    """Skip a test whose server is not configured here; under CI a missing server is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-xdist (--dist loadgroup) schedules tests by id: tests sharing one would silently run once."""
    shared = sorted(nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"{len(shared)} test ids name more than one test, e.g. {shared[0]}")


@pytest.fixture(scope="session")
def _national_sets_rows(django_db_setup, django_db_blocker) -> RowCopy:
    return RowCopy.capture(
        criteria_reference_load, [CriteriaSet, Criterion, Indicator, IndicatorTarget], django_db_blocker
    )


@pytest.fixture
def national_sets(_national_sets_rows, db) -> None:
    """The four national criteria sets as `manage.py load_criteria` ships them (loaded once per run, copied here)."""
    _national_sets_rows.restore()


@dataclass
class Geography:
    province: object
    district_a: object
    district_b: object
    commune_a1: object
    commune_a2: object
    commune_b1: object


def build_geography() -> Geography:
    """The rows of the `geography` fixture, for fixtures of a wider scope that share them."""
    province = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên")
    district_a = DistrictFactory(code="167", name="Huyện Định Hóa", parent=province)
    district_b = DistrictFactory(code="168", name="Huyện Phú Lương", parent=province)
    return Geography(
        province=province,
        district_a=district_a,
        district_b=district_b,
        commune_a1=CommuneFactory(code="05554", name="Xã Phú Đình", parent=district_a),
        commune_a2=CommuneFactory(code="05557", name="Xã Sơn Phú", parent=district_a),
        commune_b1=CommuneFactory(code="05620", name="Xã Yên Ninh", parent=district_b),
    )


def build_liaison(geography: Geography):
    """The `agency_liaison` persona: the liaison of an agency assigned to commune A1 only."""
    agency = AgencyFactory(name="Sở Nông nghiệp và Phát triển nông thôn", unit=geography.province)
    SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    return UserFactory(username="liaison", role=Role.AGENCY_LIAISON, agency=agency)


@pytest.fixture
def geography(db) -> Geography:
    return build_geography()


@pytest.fixture
def province_coordinator(geography):
    return UserFactory(username="coordinator", role=Role.PROVINCE_COORDINATOR, unit=geography.province)


@pytest.fixture
def district_officer_a(geography):
    return UserFactory(username="officer_a", role=Role.DISTRICT_OFFICER, unit=geography.district_a)


@pytest.fixture
def commune_official_a1(geography):
    return UserFactory(username="official_a1", role=Role.COMMUNE_OFFICIAL, unit=geography.commune_a1)


@pytest.fixture
def commune_official_b1(geography):
    return UserFactory(username="official_b1", role=Role.COMMUNE_OFFICIAL, unit=geography.commune_b1)


@pytest.fixture
def agency_liaison(geography):
    return build_liaison(geography)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real worker process on the configured broker (filesystem by default, Redis when CELERY_BROKER_URL says so)."""
    from tests.workers import WorkerProcess

    with django_db_blocker.unblock():
        worker = WorkerProcess()
        worker.start()
        try:
            worker.wait_ready()
            yield worker
        finally:
            worker.stop()


# The hand-built accountability cases (tests/accountability_cases.py), in the geography's province.


@pytest.fixture
def seconded(geography):
    return seconded_communes_case(geography.province)


@pytest.fixture
def sponsors(geography):
    return sponsor_case(geography.province)


@pytest.fixture
def forecast(geography):
    return forecast_case(geography.province)


@pytest.fixture
def sent(monkeypatch):
    """The report build tasks sent (by report_request, the sweep), by job id: no broker involved."""
    ids = []
    monkeypatch.setattr("reports.services._enqueue", ids.append)
    return ids
