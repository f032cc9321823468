"""Liveness of the parts the portal cannot work without: the database and the Celery broker.

`/healthz` is public and probed by load balancers and the container's healthcheck: it must answer quickly whatever
state a part is in, and say only which part failed. The checks run in parallel threads, each with its own deadline,
so that a part that accepts connections and then goes silent (a stopped Redis or PostgreSQL) costs at most the
deadline. What went wrong (driver text, host, port) goes to the log, never into the answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Each check's deadline (seconds); the checks run at once, so /healthz answers within about this long.
CHECK_DEADLINE_SECONDS = 2.0


def check_database() -> None:
    # Runs in a thread of its own, hence on a connection of its own (Django's are per thread): closed after, so that
    # probes leave no connection behind.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_broker() -> None:
    # One quick attempt: a health probe must answer in seconds, not wait out kombu's retry schedule. A fresh
    # connection to the URL configured now, not one from the app's pool; the broker's socket timeouts (settings) bound
    # each call to Redis.
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}


def run_checks(deadline: float = CHECK_DEADLINE_SECONDS) -> dict[str, bool]:
    """Return {part: True when it answered in time}, after at most `deadline` seconds."""
    answered: dict[str, bool] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except Exception:  # any failure means the part is down; the log says why
            logger.warning("Health check %s failed", name, exc_info=True)
            answered[name] = False
        else:
            answered[name] = True

    # Daemon threads: one stuck past its deadline (until its socket timeout ends it) never holds up the answer or
    # the process's exit.
    threads = [
        threading.Thread(target=run, args=(name, check), name=f"healthz-{name}", daemon=True)
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    late = [name for name in CHECKS if name not in answered]
    if late:
        logger.warning("Health checks %s did not answer within %.1f s", ", ".join(late), deadline)
    return {name: answered.get(name, False) for name in CHECKS}
