"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime state of the embedded default (SQLite file, broker folders, media): never committed.
VAR_DIR = Path(environ.Env().str("NTM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has none, and SQLite will not create the folder

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A development key only when DEBUG is on; production.py insists on a real one.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key" if DEBUG else "")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens (ntm_portal.models.ApiToken, knox's swappable model): stored as a hash, named, expiring.
    "knox",
    # Sign-in lockout after repeated wrong passwords (ntm_portal.lockout).
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_filters",
    "django_tables2",
    "simple_history",
    "ntm_portal",
    "communes",
    "criteria",
    "secondments",
    "reports",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 (JSON under /api/): first in the list, so its process_exception comes last.
    "ntm_portal.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ntm_portal.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change, for the history of the secondment side's records (writes outside a request name their user).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused for a locked account into the lockout page (or JSON under /api/).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "ntm_portal.User"
LOGIN_URL = "login"
# Axes first: it refuses a locked account before any password is checked (and needs the request: authenticate() without
# one raises). Then the backend that loads a session's user with their unit (one query, not two); Django's own stays
# listed so that sessions opened under it remain valid.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ntm_portal.auth_backends.UnitModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.work_counts",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# Content-Security-Policy (django-csp), enforced everywhere, the tests included, so that the browser tests prove the
# pages keep to it: scripts, styles, fonts and data from this site only (the assets are vendored in static/), no
# inline script, event handler or style attribute, no plugin, no framing, forms posted here only. A page that needs
# more says so itself (the Redoc page: ntm_portal.api.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Database: an SQLite file in var/ unless DATABASE_URL names another (postgres://...).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT spends ~3.7 s compiling the dashboard's 10-year trend query, which runs in 0.2 s without it;
    # the portal's queries are short, index-driven ones that never repay compilation.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # libpq waits for ever for a server that accepts the connection and says nothing (a stopped or hung PostgreSQL):
    # give up after this many seconds, so that a request or a health check answers "unavailable" instead.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5)
    # Keep a connection for this many seconds instead of opening one per request (a new PostgreSQL connection costs
    # more than an empty API request: 86 → 247 requests/s under gunicorn, issue 13), checked before reuse so a
    # connection the server dropped is replaced, not handed to a request. 0 closes it after each request. Celery
    # workers close theirs before and after every task (celery.fixups.django) whatever this says.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The Django cache: dashboard charts and figures (ntm_portal.figures_cache) and the API's throttle counts. On Redis when
# CACHE_URL names one (redis://host:6379/1: a database of its own, not the broker's), so that every gunicorn worker
# and every machine shares one copy; else files in var/cache, shared by the processes of this machine.
CACHE_URL = env.str("CACHE_URL", default="")
# Every Redis call (the cache, the broker, the result backend) waits at most this long to connect and for each answer:
# a Redis that accepts connections and then goes silent (stopped, swapping, a half-open network path) must make a
# call fail in seconds, not hold a web worker until gunicorn kills it (issue 17). Redis answers in a millisecond.
REDIS_TIMEOUT_SECONDS = env.float("NTM_REDIS_TIMEOUT_SECONDS", default=1.0)
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, whose clear() deletes this cache's keys only, not the whole Redis database, and
            # which answers "not cached" while Redis fails instead of failing the page (ntm_portal.cache).
            "BACKEND": "ntm_portal.cache.PrefixedRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ntm"),
            "OPTIONS": {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Past this many files a write deletes a third of them at random (each write lists the folder).
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
# How long a dashboard's figures and charts are kept; writes invalidate them sooner (ntm_portal.figures_cache).
NTM_FIGURES_CACHE_SECONDS = env.int("NTM_FIGURES_CACHE_SECONDS", default=3600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
# Each language named in itself, whatever the page's language (not translated: "Tiếng Anh" helps no one looking for
# English). The page's language is the user's choice, else Vietnamese (ntm_portal.language).
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Vietnamese dates and numbers as ntm_portal.formats writes them (Django's "vi" has "Ngày 2 tháng 12 năm 2026").
FORMAT_MODULE_PATH = ["ntm_portal.locale_formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("NTM_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The REST API (/api/v1/). Token first, so that a request without credentials gets 401 with a WWW-Authenticate
# header; the browser's session works too (with its CSRF check on writes).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ntm_portal.api.authentication.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "ntm_portal.api.filters.IsoDateFilterBackend",
        "ntm_portal.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "ntm_portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["ntm_portal.api.throttling.TokenRateThrottle"],
    # Per user, for requests authenticated by token only (dashboard clients, scripts).
    # Obtaining a token with a password (POST /api/v1/auth/token/): per client address, to slow password guessing.
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("NTM_API_TOKEN_RATE", default="3000/hour"),
        "token_obtain": env.str("NTM_API_TOKEN_OBTAIN_RATE", default="10/minute"),
        # Requests with a wrong `Authorization: Token` key, per client address: past this, wrong keys answer 429
        # (a right key still works: an office's programs share one address).
        "token_failure": env.str("NTM_API_TOKEN_FAILURE_RATE", default="20/minute"),
    },
    "EXCEPTION_HANDLER": "ntm_portal.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "ntm_portal.api.schema.PortalAutoSchema",
}
# API tokens (django-rest-knox): the key is shown once and stored as a SHA-512 hash; a user may hold several, each
# named, each expiring after NTM_API_TOKEN_DAYS unless the caller asks for less.
KNOX_TOKEN_MODEL = "ntm_portal.ApiToken"
# Knox's migrations would create its own table although it is swapped out (they do not mark it swappable), and an
# unused table referencing users breaks PostgreSQL's TRUNCATE between tests: none of knox's migrations run.
MIGRATION_MODULES = {"knox": None}
NTM_API_TOKEN_DAYS = env.int("NTM_API_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "AUTH_HEADER_PREFIX": "Token",  # the scheme clients already send
    "TOKEN_TTL": datetime.timedelta(days=NTM_API_TOKEN_DAYS),
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
}

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username (from anywhere, or from one
# address) the account is refused for the cool-off, even with the right password. Never by address alone: a
# provincial office signs in from one address. The province coordinator (ntm_portal.lockout) or the admin unlocks.
AXES_FAILURE_LIMIT = env.int("NTM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("NTM_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ntm_portal.lockout.lockout_response"
AXES_VERBOSE = False

# The schema (/api/schema/) and its docs (/api/docs/, /api/redoc/) are for signed-in users (session or token) unless
# this publishes them (ntm_portal.api.docs).
NTM_API_SCHEMA_PUBLIC = env.bool("NTM_API_SCHEMA_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "NTM Portal API",
    "DESCRIPTION": "Communes, criteria, assessments, secondments and sponsors of a province's New Rural Development "
    "programme, scoped to the caller's unit. Authenticate with `Authorization: Token <key>` (issued on your own "
    "token page or by an administrator) or with a browser session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies and responses as separate components: read-only fields are not asked for in a write.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The interactive docs load Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `level` or a `kind`: each choice set gets the name of its own class.
    "ENUM_NAME_OVERRIDES": {
        "UnitLevelEnum": "ntm_portal.choices.UnitLevel",
        "UnitKindEnum": "communes.choices.UnitKind",
        "NtmLevelEnum": "communes.choices.NtmLevel",
        "SetLevelEnum": "criteria.choices.SetLevel",
        "ChangeKindEnum": "criteria.choices.ChangeKind",
        "AgencyKindEnum": "secondments.choices.AgencyKind",
        "AgencyLevelEnum": "secondments.choices.AgencyLevel",
        "SecondmentKindEnum": "secondments.choices.SecondmentKind",
        "SupportKindEnum": "secondments.choices.SupportKind",
        "ReviewStateEnum": "criteria.choices.ReviewState",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ntm_portal.api.schema.ascii_parameter_titles",
        "ntm_portal.api.schema.query_string_limits",
    ],
}

# Evidence files: what a commune may attach to its assessment (minutes, surveys, photos, spreadsheets).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "doc", "xls"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# The Excel import (criteria/services/excel.py): every bound is checked before the workbook is parsed, from the zip's
# directory and one streaming pass over each sheet's XML. Sized for a real template with generous room: a province of
# 714 communes × 23 columns is a 75 KB upload that unpacks to 1.6 MB (its sheet 0.97 MB), 14 parts, ratio 21:1.
EXCEL_IMPORT_MAX_BYTES = env.int("NTM_EXCEL_MAX_BYTES", default=5 * 1024 * 1024)  # the upload itself
EXCEL_IMPORT_MAX_UNPACKED_BYTES = env.int("NTM_EXCEL_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)  # all parts
EXCEL_IMPORT_MAX_PART_BYTES = env.int("NTM_EXCEL_MAX_PART_BYTES", default=20 * 1024 * 1024)  # one sheet's XML...
EXCEL_IMPORT_MAX_RATIO = env.int("NTM_EXCEL_MAX_RATIO", default=100)  # unpacked ÷ packed, the whole archive
EXCEL_IMPORT_MAX_ENTRIES = env.int("NTM_EXCEL_MAX_ENTRIES", default=100)  # files in the zip
EXCEL_IMPORT_MAX_SHEETS = env.int("NTM_EXCEL_MAX_SHEETS", default=10)
EXCEL_IMPORT_MAX_ROWS = env.int("NTM_EXCEL_MAX_ROWS", default=5000)  # rows holding a value, per sheet
EXCEL_IMPORT_MAX_COLUMNS = env.int("NTM_EXCEL_MAX_COLUMNS", default=200)  # the last column holding a value
EXCEL_IMPORT_MAX_CELLS = env.int("NTM_EXCEL_MAX_CELLS", default=250_000)  # cells holding a value, per sheet
# An upload larger than this is imported by a Celery worker (criteria.tasks) while the user watches a progress page;
# smaller ones at once. A template is 11 KB plus ~90 bytes a commune: 20 KB is about 100 communes, whose writing
# already takes tens of seconds (714 communes: minutes), too long for a web request.
EXCEL_IMPORT_ASYNC_ABOVE_BYTES = env.int("NTM_EXCEL_ASYNC_ABOVE_BYTES", default=20 * 1024)

# Celery. The embedded default is kombu's filesystem transport: a folder, no server.
from celery.schedules import crontab  # noqa: E402 - kept inside the Celery part of this file

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
# Report builds get a hard limit well below Redis' visibility timeout, so a message is never redelivered while its
# first delivery still runs (celery docs, redis.rst: long tasks past the timeout run again and again).
BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)  # not CELERY_*: no Celery setting
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    _default_result_backend = f"file://{VAR_DIR / 'celery-results'}"
else:
    # The same visibility timeout for the broker and the result backend (celery docs: the shortest one wins). Socket
    # timeouts on every connection, and one quick retry: a publish from a web request fails in about two timeouts
    # when Redis does not answer (the job stays queued and the sweep sends it), instead of waiting for ever.
    _redis_retry = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        **_redis_retry,  # the connection's own retries (kombu Connection.default_channel)
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_TASK_PUBLISH_RETRY_POLICY = _redis_retry
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        "retry_policy": _redis_retry,
    }
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
    _default_result_backend = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_result_backend)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Delivery: acknowledge after the task returns, and put the message back when the worker process dies under it
# (tasks must be idempotent: reports.services.report_build claims its job under a row lock). One message reserved
# per process, so a long report never holds another one hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With late acks a lost broker connection would let the message run twice; cancel the running copy instead.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Time limits (seconds), far below the visibility timeout: the soft one lets the job record a readable error.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
# WeasyPrint's memory grows with the document and is not all given back: replace a child past this ceiling (KB),
# after the task it is running.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
# On a warm shutdown give running tasks this long, then requeue them rather than lose them (Celery 5.5+).
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30.0
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The monthly provincial progress report: on this day of the month, as of the last day of the month before,
    # for the units named by code (all provinces when empty).
    "monthly-progress-report": {
        "task": "reports.monthly",
        "schedule": crontab(
            minute=0,
            hour=env.int("NTM_MONTHLY_REPORT_HOUR", default=6),
            day_of_month=env.int("NTM_MONTHLY_REPORT_DAY", default=1),
        ),
    },
    # Jobs left "running" by a dead worker, or "queued" with their message lost or never sent, are sent again: often,
    # so that a report asked for while the broker was away starts soon after it is back.
    "sweep-stale-report-jobs": {
        "task": "reports.sweep_stale",
        "schedule": env.int("NTM_REPORT_SWEEP_SECONDS", default=30),
    },
    # Excel import jobs whose message was lost are sent again; those whose worker died are failed with a message.
    "sweep-excel-import-jobs": {
        "task": "criteria.excel_import_sweep",
        "schedule": env.int("NTM_REPORT_SWEEP_SECONDS", default=120),
    },
}

# Reports (reports/): where the build tasks go, when a job counts as abandoned, and the monthly report's scope.
REPORTS_QUEUE = env.str("NTM_REPORTS_QUEUE", default="celery")
# A build records a heartbeat this often (a thread of its own, also during a long PDF layout); a running job without
# one for REPORTS_STALE_AFTER_SECONDS lost its builder (killed, or stopped by a database outage) and is sent again.
REPORTS_HEARTBEAT_SECONDS = env.float("NTM_REPORT_HEARTBEAT_SECONDS", default=15)
REPORTS_STALE_AFTER_SECONDS = env.int("NTM_REPORT_STALE_AFTER_SECONDS", default=90)
# A queued job whose message was sent this long ago and not picked up by a worker is sent again: the message was
# lost (duplicates are harmless: reports.services._claim). Longer than a worker takes to start a job it received.
REPORTS_REQUEUE_AFTER_SECONDS = env.int("NTM_REPORT_REQUEUE_AFTER_SECONDS", default=60)
# Attempts before a job is failed for good: retries after transient errors plus deliveries lost with a worker.
REPORTS_MAX_ATTEMPTS = env.int("NTM_REPORT_MAX_ATTEMPTS", default=5)
# The queue of large Excel imports (criteria.tasks): the report workers' by default.
EXCEL_IMPORT_QUEUE = env.str("NTM_EXCEL_IMPORT_QUEUE", default=REPORTS_QUEUE)
REPORTS_MONTHLY_UNITS = env.list("NTM_MONTHLY_REPORT_UNITS", default=[])  # GSO codes of provinces or districts
REPORTS_MONTHLY_LANGUAGE = env.str("NTM_MONTHLY_REPORT_LANGUAGE", default="vi")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Accountability (issue 8). A commune that reaches the standard this many months after its seconded cadre left still
# counts for the secondment; sponsor agencies below these minimums per assigned commune and quarter are flagged
# (seed 003: "a few times a year, a few hours each"). Each can be changed per request on the dashboards and the API.
# Workflow notifications (criteria.notifications) and password-reset links: printed to the console on the embedded
# default; SMTP by EMAIL_URL (e.g. smtp+tls://user:password@mail.example.gov.vn:587) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NTM Portal <no-reply@ntm.localhost>")
NTM_PORTAL_URL = env.str("NTM_PORTAL_URL", default="http://127.0.0.1:8000")  # links in e-mails

# Rows a page of every paginated list shows (communes, criteria rounds and queues, report jobs, secondment lists).
NTM_PAGE_SIZE = 50
NTM_STANDARD_WITHIN_MONTHS = env.int("NTM_STANDARD_WITHIN_MONTHS", default=12)
NTM_SPONSOR_MIN_VISITS_PER_QUARTER = env.int("NTM_SPONSOR_MIN_VISITS_PER_QUARTER", default=1)
NTM_SPONSOR_MIN_DAYS_PER_QUARTER = env.float("NTM_SPONSOR_MIN_DAYS_PER_QUARTER", default=1.0)
