"""ntm_portal.figures_cache: figures kept in the shared cache under a version that any write replaces."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from ntm_portal.figures_cache import cached_figures, figures_version, invalidate_figures
from tests.communes.factories import ProvinceFactory

MODULE = "ntm_portal.figures_cache"


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"computed": self.calls}


def test_it_computes_once_per_key():
    compute = Counter()

    first = cached_figures("test", (1, "2019-12-31"), compute)
    second = cached_figures("test", (1, "2019-12-31"), compute)
    other = cached_figures("test", (2, "2019-12-31"), compute)

    assert first == second == {"computed": 1} and other == {"computed": 2}


def test_it_computes_again_after_an_invalidation():
    compute = Counter()
    cached_figures("test", 1, compute)

    invalidate_figures()

    assert cached_figures("test", 1, compute) == {"computed": 2}


def test_a_version_is_created_when_missing_and_every_invalidation_changes_it(settings):

    cache.delete("figures-version")
    version = figures_version()
    invalidate_figures()

    assert isinstance(version, int) and figures_version() != version


@pytest.mark.django_db
def test_inside_a_transaction_a_write_shows_at_once_and_again_on_commit():
    compute = Counter()
    with transaction.atomic():
        cached_figures("test", 1, compute)
        invalidate_figures()
        assert cached_figures("test", 1, compute) == {"computed": 2}  # read later in the same transaction
        invalidate_figures()
        invalidate_figures()
        after_writes = figures_version()

    # The test's own transaction never commits (and the autouse fixture may have registered the callback before this
    # test's first write): run what is waiting for the commit. One callback however many writes.
    waiting = [callback for _ids, callback, _robust in connection.run_on_commit if callback.__module__ == MODULE]
    assert len(waiting) == 1
    waiting[0]()
    # Figures another process computed between the writes and the commit are not served after it.
    assert figures_version() != after_writes


@pytest.mark.django_db
def test_repeated_writes_in_a_transaction_cost_no_cache_write_until_figures_are_read():
    with transaction.atomic():
        invalidate_figures()
        version = figures_version()
        invalidate_figures()
        invalidate_figures()
        assert figures_version() == version


@pytest.mark.django_db
def test_saving_a_unit_invalidates_the_figures():
    compute = Counter()
    cached_figures("test", 1, compute)

    ProvinceFactory()

    assert cached_figures("test", 1, compute) == {"computed": 2}
