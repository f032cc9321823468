"""pytest: the same as base, with fast password hashing. DATABASE_URL and CELERY_BROKER_URL still choose the servers."""

import os
import time
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")
# Each pytest-xdist worker (and the Celery workers it starts, which inherit this) gets a folder of its own for the
# SQLite file, the filesystem broker, result files and worker logs: parallel runs never share state. Set, not
# defaulted: a worker inherits the value of the process that started it.
os.environ["NTM_VAR_DIR"] = str(
    Path(__file__).resolve().parent.parent.parent / "var" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")
)

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# The test database is thrown away: no waiting for the disk on the commits of migrations, transactional tests and
# worker runs.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA synchronous=OFF;"  # noqa: F405
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
# Keys of their own per run and per worker: parallel workers share the Redis database, and the API's throttle counts
# (per user, whose keys SQLite reuses) must not carry over from an earlier run to refuse a later one's requests. The
# run's id is set once, by the process that starts the xdist and Celery workers, which inherit it.
os.environ.setdefault("NTM_TEST_RUN", str(time.time_ns()))
CACHES["default"]["KEY_PREFIX"] = (  # noqa: F405
    f"test-{os.environ['NTM_TEST_RUN']}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
)
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    # Test workers look at the broker folder every 0.1 s instead of every second: tasks start and workers stop sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.1  # noqa: F405
# Tests kill pool processes on purpose: wait 1 s, not Celery's 10, for a result the dead process might still have sent
# before the task is declared lost and its message put back.
CELERY_WORKER_LOST_WAIT = 1.0
