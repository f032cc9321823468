"""Liveness of the parts the portal cannot work without: the database and the Celery broker."""

from django.conf import settings
from django.db import connection

from .celery import app as celery_app


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    # One quick attempt: a health probe must answer in seconds, not wait out kombu's retry schedule.
    # A fresh connection to the URL configured now, not one from the app's pool.
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=2)


CHECKS = {"database": check_database, "broker": check_broker}


def run_checks() -> dict[str, str]:
    """Return {part: "ok" | error text} for every part."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means the part is down; say which and why
            results[name] = f"{type(exc).__name__}: {exc}"
    return results
