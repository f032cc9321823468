"""pytest: the same as base, with fast password hashing. DATABASE_URL and CELERY_BROKER_URL still choose the servers."""

import os
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # The test database is thrown away: no fsync on the commits of transactional tests and worker runs.
    DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA synchronous=OFF;"  # noqa: F405
if CACHE_URL:  # noqa: F405
    # Parallel workers share the Redis database: each keeps (and clears) keys of its own. The file cache is already
    # per worker (VAR_DIR/cache).
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    # Test workers look at the broker folder every 0.1 s instead of every second: tasks start and workers stop sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = 0.1  # noqa: F405
# Tests kill pool processes on purpose: wait 1 s, not Celery's 10, for a result the dead process might still have sent
# before the task is declared lost and its message put back.
CELERY_WORKER_LOST_WAIT = 1.0
