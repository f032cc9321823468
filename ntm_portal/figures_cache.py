"""Dashboard figures and charts kept in the shared cache, all invalidated at once by any write they are computed from.

Every cached figure's key holds the *figures version*, a number kept in the cache itself: `invalidate_figures()`
stores a new one, and every entry stored under an older one is never read again (it expires on its timeout). No entry
is ever looked up by what it depends on, so a write need not know which dashboards it changes: one cache write per
transaction, whatever the number of units, dates and scopes cached.

Who invalidates:
- the progress ledger (criteria.ledger) calls `invalidate_figures()` in every write, bulk ones included;
- every other row saved or deleted through the ORM in the apps the figures read (units, targets, secondments, visits,
  support...) does it through the signals connected in `connect_signals()`. Bulk writes (`bulk_create`, `update()`)
  send no signal: code that writes figures' data that way calls `invalidate_figures()` itself.

The version is a clock reading in microseconds, not a count from 1: storing a fresh reading is one atomic write on
Redis and on the file cache alike (Django's incr() on files is read-then-write, so two processes could both write the
same count, or move it back), and if the version key is evicted the next one cannot meet entries stored under an
old count that restarted.

While the cache does not answer (Redis stopped or hung: ntm_portal.cache turns its failures into misses), figures are
computed for every request and nothing is stored; a new version a write could not store is stored by its process as
soon as the cache answers it again, before that process reads cached figures.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

T = TypeVar("T")

VERSION_KEY = "figures-version"
# The apps whose rows the dashboards are computed from. Not ntm_portal (users: every login writes last_login) nor
# reports (report jobs write their progress every few seconds).
FIGURE_APPS = frozenset({"communes", "criteria", "secondments"})

_MISSING = object()
# Per thread, i.e. per database connection: whether this thread read cached figures since it last stored a version.
_local = threading.local()


# A new version this process could not store because the cache was unreachable (ntm_portal.cache answers False): it
# is stored before this process reads cached figures again, so that figures cached before its write are not served
# once the cache answers again.
_unstored_version = False


def _new_version() -> None:
    global _unstored_version
    # False only from a cache that failed; the file cache's set() returns None.
    _unstored_version = cache.set(VERSION_KEY, time.time_ns() // 1000, timeout=None) is False


def figures_version() -> int | None:
    """The version every cached figure's key holds; stored when missing (first use, or evicted). None while the cache
    does not answer."""
    if _unstored_version:
        _new_version()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns() // 1000, timeout=None)  # add: a version another process just stored wins
        version = cache.get(VERSION_KEY)
    return version


def invalidate_figures(using: str | None = None) -> None:
    """Make every cached figure stale. Cheap: one cache write, or none for a repeated call in the same transaction.

    Outside a transaction the write is already committed: a new version now. Inside one, a new version now *and*
    another one on commit (`transaction.on_commit`):
    - on commit, because between now and the commit another process may compute figures from the data as it was
      (it cannot see ours yet) and store them under the version of now: without the second bump it would serve them
      until their timeout. A transaction that rolls back bumps only once, which is harmless.
    - now, so that a read later in the same transaction, which does see our writes, does not get the figures cached
      before them. Tests depend on this: pytest-django runs each test in a transaction that never commits, so
      on-commit callbacks never run there, and a test that writes, reads a dashboard, writes and reads again sees its
      second write without capturing on-commit callbacks.
    Later calls in the same transaction bump again only when this thread has read cached figures since: a service
    that saves 50 rows in one transaction writes to the cache twice, not 51 times.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _new_version()
        return
    # run_on_commit holds (savepoint ids, callback, robust) for the current transaction; a rolled-back savepoint
    # removes its own, so a later write registers again.
    if not any(callback is _new_version for _ids, callback, _robust in connection.run_on_commit):
        transaction.on_commit(_new_version, using=using)
    elif not getattr(_local, "read_since_bump", False):
        return
    _new_version()
    _local.read_since_bump = False


def cached_figures(
    name: str,
    key_parts: Hashable,
    compute: Callable[[], T],
    timeout: int | None = None,
) -> T:
    """`compute()`, kept in the cache under `name`, the figures version, the language and a hash of `key_parts`.

    `key_parts` is everything the value depends on besides the data: the unit's pk, the validated parameters, the
    caller's scope when the value depends on who asks. Plain values only (ints, strings, dates, tuples of them): their
    repr() is the key. The value must pickle (serialized API data, SVG strings).
    """
    _local.read_since_bump = True
    # The version is read before computing: if a write invalidates while we compute, what we store goes under the
    # old version and is never read.
    version = figures_version()
    if version is None:  # the cache is down: compute, as often as asked, until it is back
        return compute()
    digest = hashlib.sha256(repr((get_language(), key_parts)).encode()).hexdigest()[:40]
    key = f"figures:{name}:{version}:{digest}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, settings.NTM_FIGURES_CACHE_SECONDS if timeout is None else timeout)
    return value


def _saved_or_deleted(sender, **kwargs) -> None:
    if sender._meta.app_label in FIGURE_APPS and not kwargs.get("raw"):  # raw: loaddata, which has no figures yet
        invalidate_figures(kwargs.get("using"))


def _m2m_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        _saved_or_deleted(sender, **kwargs)


def connect_signals() -> None:
    """Called once from NtmPortalConfig.ready(). Not domain logic in a signal: only "something the figures read
    changed", which every ORM write of FIGURE_APPS says, whoever makes it (services, the admin, the API)."""
    post_save.connect(_saved_or_deleted, dispatch_uid="figures-cache-save")
    post_delete.connect(_saved_or_deleted, dispatch_uid="figures-cache-delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="figures-cache-m2m")
