"""Time the surfaces that break at national scale (issue 13) on the country `load_demo --national` builds: one JSON line
per surface on standard output, with `name`, `median_ms`, `queries`, the goal and whether it is met.

The dashboard API and the commune lists also carry `floor_ratio`: their median ÷ (the median of the same figures
computed by one hand-written SQL query + the median of an empty DRF request, GET /api/v1/ping/). Surface and floor
runs alternate (surface, floor, surface, floor...) so that both see the same machine.

Read-only: everything runs in a transaction rolled back at the end. The browser pages are signed in with a session
held in a signed cookie (no session row, no last_login update); the API clients are authenticated in memory.
"""

import datetime
import json
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from communes.models import AdministrativeUnit
from criteria import ledger
from criteria.selectors import criteria_history, default_criteria_set
from demo.national import NATIONAL_USERNAME, national_provinces
from ntm_portal.choices import Role
from ntm_portal.figures_cache import invalidate_figures
from ntm_portal.models import User

PAGE_SIZE = 50  # the first page of the commune list and of the API
GOALS_MS = {
    "commune_list_country_by_score": 300,
    "commune_list_excel_country": 3000,
    "national_overview": 500,
    "trend_api_province": 30,
    "round_history_province": 40,
}
GOAL_RATIOS = {"dashboard_api_province": 3}


class Command(BaseCommand):
    help = (
        "Time the national-scale surfaces (commune list, its Excel export and API, the national overview, a province's "
        "dashboard API, trend and round history): one JSON line each, with floor ratios. Needs `load_demo --national`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="province code (default: the province with the most communes)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD (default 2024-12-31)")
        parser.add_argument("--runs", type=int, default=7, help="timed runs per surface, after one warm-up")

    def handle(self, *args, province: str | None, as_of: str, runs: int, **options):
        if runs < 1:
            raise CommandError("--runs phải từ 1 trở lên.")
        try:
            day = datetime.date.fromisoformat(as_of)
        except ValueError as error:
            raise CommandError(f"--as-of: {error}") from error
        self.runs = runs
        with transaction.atomic():
            self._measure(province, day)
            transaction.set_rollback(True)  # nothing a surface may write is kept

    def _measure(self, province_code: str | None, day: datetime.date) -> None:
        superuser = self._superuser()
        province = self._province(province_code)
        coordinator = User(username="benchmark", role=Role.PROVINCE_COORDINATOR, unit=province, is_active=True)
        today = timezone.localdate()
        country_api, province_api = APIClient(SERVER_NAME="localhost"), APIClient(SERVER_NAME="localhost")
        country_api.force_authenticate(user=superuser)
        province_api.force_authenticate(user=coordinator)
        self.stderr.write(
            f"{province} ({AdministrativeUnit.objects.communes().filter(province=province).count()} xã) · "
            f"cả nước {AdministrativeUnit.objects.communes().count()} xã · tính đến {day} · {connection.vendor} · "
            f"{self.runs} lần đo"
        )

        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
            browser = self._browser(superuser)
            list_url = reverse("communes:commune_list")
            # The list scores communes on today's date against the set in force (portal.commune_views.commune_list).
            list_set = ledger.set_in_force(today.year)
            self._surface(
                "commune_list_country_by_score",
                lambda: _get(browser, list_url, {"sort": "-score"}),
                floor=lambda: _floor_commune_page(criteria_set_id=list_set.pk, day=today, by_score=True),
                ping=country_api,
                extra={"as_of": today.isoformat(), "url": f"{list_url}?sort=-score"},
            )
            api_set = default_criteria_set(year=day.year)
            self._surface(
                "commune_list_api_country",
                lambda: _get(country_api, "/api/v1/communes/", {"as_of": day}),
                floor=lambda: _floor_commune_page(criteria_set_id=api_set.pk, day=day, by_score=False),
                ping=country_api,
                agrees=_same_commune_page,
                extra={"as_of": day.isoformat(), "url": "/api/v1/communes/"},
            )
            self._surface(
                "commune_list_excel_country",
                lambda: _get(browser, list_url, {"format": "xlsx"}),
                extra={"as_of": today.isoformat(), "url": f"{list_url}?format=xlsx"},
            )

        self._surface(
            "national_overview",
            lambda: _get(country_api, "/api/v1/dashboards/country/", {"as_of": day}),
            cold=True,
            extra={"as_of": day.isoformat(), "url": "/api/v1/dashboards/country/"},
        )
        dashboard_set = default_criteria_set(year=day.year)
        self._surface(
            "dashboard_api_province",
            lambda: _get(province_api, f"/api/v1/dashboards/{province.pk}/", {"as_of": day}),
            floor=lambda: _floor_dashboard(province_id=province.pk, criteria_set_id=dashboard_set.pk, day=day),
            ping=province_api,
            agrees=_same_dashboard,
            cold=True,
            extra={"as_of": day.isoformat(), "province": province.code},
        )
        self._surface(
            "dashboard_api_province_cached",
            lambda: _get(province_api, f"/api/v1/dashboards/{province.pk}/", {"as_of": day}),
            extra={"as_of": day.isoformat(), "province": province.code, "cache": "figures served from the cache"},
        )
        self._surface(
            "trend_api_province",
            lambda: _get(province_api, f"/api/v1/dashboards/{province.pk}/trend/", {"as_of": day}),
            cold=True,
            extra={"as_of": day.isoformat(), "province": province.code},
        )
        self._surface(
            "round_history_province",
            lambda: criteria_history(unit=province, as_of=day),
            extra={"as_of": day.isoformat(), "province": province.code},
        )

    def _surface(
        self,
        name: str,
        run: Callable,
        *,
        floor: Callable | None = None,
        ping=None,
        agrees=None,
        cold=False,
        extra=None,
    ) -> None:
        """Warm-up, then `runs` timed runs, each followed by a floor run (the SQL, then the ping) when there is one.
        `agrees(surface's result, floor's result)` tells whether the floor computed the surface's figures. `cold`:
        the cached figures are made stale before each run (untimed), so the run computes them."""
        warm = run()
        if floor is not None:
            floor_agrees = agrees(warm, floor()) if agrees else None
            _get(ping, "/api/v1/ping/", {})
        timings, floor_timings, ping_timings, queries = [], [], [], 0
        for _ in range(self.runs):
            if cold:
                invalidate_figures()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                run()
                timings.append(time.perf_counter() - started)
            queries = len(captured)
            if floor is not None:
                started = time.perf_counter()
                floor()
                floor_timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                _get(ping, "/api/v1/ping/", {})
                ping_timings.append(time.perf_counter() - started)
        median_ms = statistics.median(timings) * 1000
        line = {
            "name": name,
            "median_ms": round(median_ms, 1),
            "queries": queries,
            "min_ms": round(min(timings) * 1000, 1),
        }
        if floor is not None:
            floor_ms, ping_ms = statistics.median(floor_timings) * 1000, statistics.median(ping_timings) * 1000
            line |= {
                "floor_ratio": round(median_ms / (floor_ms + ping_ms), 2),
                "floor_sql_ms": round(floor_ms, 1),
                "floor_ping_ms": round(ping_ms, 1),
            }
            if floor_agrees is not None:
                line["floor_agrees"] = floor_agrees
        if name in GOALS_MS:
            line |= {"goal_ms": GOALS_MS[name], "met": median_ms <= GOALS_MS[name]}
        if name in GOAL_RATIOS:
            line |= {"goal_ratio": GOAL_RATIOS[name], "met": line["floor_ratio"] <= GOAL_RATIOS[name]}
        line |= {"runs": self.runs, **(extra or {})}
        self.stdout.write(json.dumps(line, ensure_ascii=False))

    def _superuser(self) -> User:
        if not national_provinces().exists():
            raise CommandError("Chưa có dữ liệu cả nước: chạy `manage.py load_demo --national` trước.")
        superusers = User.objects.filter(is_superuser=True, is_active=True)
        user = superusers.filter(username=NATIONAL_USERNAME).first() or superusers.order_by("pk").first()
        if user is None:
            raise CommandError("Không có tài khoản quản trị (superuser): chạy `manage.py load_demo --national` trước.")
        return user

    def _province(self, code: str | None) -> AdministrativeUnit:
        provinces = AdministrativeUnit.objects.provinces()
        if code:
            unit = provinces.filter(code=code).first()
            if unit is None:
                raise CommandError(f"Không có tỉnh mã {code}.")
            return unit
        largest = (
            AdministrativeUnit.objects.communes()
            .values("province")
            .annotate(communes=Count("pk"))
            .order_by("-communes", "province__code")
            .first()
        )
        return provinces.get(pk=largest["province"])

    def _browser(self, user: User) -> Client:
        """A browser client signed in as `user` by a signed-cookie session: nothing is written to sign it in."""
        session = SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        # The first backend that loads users (axes' comes first and only counts failures).
        session[BACKEND_SESSION_KEY] = next(
            path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
        )
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        client = Client(SERVER_NAME="localhost")
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return client


def _get(client, url: str, params: dict):
    response = client.get(url, params)
    if response.status_code != 200:
        raise CommandError(f"{url} {params}: HTTP {response.status_code} {response.content[:300]!r}")
    return response


def _same_dashboard(response, floor: dict) -> bool:
    progress = response.json()["progress"]
    figures = [
        (d["district_id"], d["communes_total"], d["communes_meeting_standard"], d["average_criteria_met"])
        for d in progress["districts"]
    ]
    expected = [
        (pk, d["communes"], d["meeting"], None if d["average"] is None else round(d["average"] + 1e-9, 1))
        for pk, d in sorted(floor["districts"].items(), key=lambda item: item[0])
    ]
    totals = (progress["communes_total"], progress["communes_meeting_standard"])
    return totals == (floor["communes"], floor["meeting"]) and sorted(figures) == expected


def _same_commune_page(response, floor: list[tuple]) -> bool:
    rows = [
        (r["id"], r["progress"]["criteria_met"], r["progress"]["meets_standard"]) for r in response.json()["results"]
    ]
    return rows == [(pk, met, bool(meets)) for pk, _code, _name, _district, met, meets in floor]


# --- the floors: the same figures in one hand-written SQL query each, on the progress ledger --------------------------

_STANDING = """
    LEFT JOIN criteria_standing s ON s.commune_id = c.id AND s.criteria_set_id = %s AND s.approved_only = %s
        AND s.valid_from <= %s AND (s.valid_to IS NULL OR s.valid_to >= %s)
"""


def _standing_params(criteria_set_id: int, day: datetime.date) -> list:
    return [criteria_set_id, False, day, day]


def _current(day: datetime.date) -> tuple[str, list]:
    current = "(u.valid_from IS NULL OR u.valid_from <= %s) AND (u.valid_to IS NULL OR u.valid_to >= %s)"
    return f"u.level = 'commune' AND {current}", [day, day]


def _floor_dashboard(*, province_id: int, criteria_set_id: int, day: datetime.date) -> dict:
    """The dashboard's headline figures for a province on `day`, per district and in total: communes, communes meeting
    the standard, communes assessed, average criteria met in their latest round of the set."""
    current, current_params = _current(day)
    sql = f"""
        SELECT c.district_id, COUNT(*), SUM(CASE WHEN s.meets_standard THEN 1 ELSE 0 END), COUNT(s.criteria_met),
               SUM(s.criteria_met)
        FROM (SELECT u.id, u.district_id FROM communes_administrativeunit u WHERE u.province_id = %s AND {current}) c
        {_STANDING}
        GROUP BY c.district_id ORDER BY c.district_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [province_id, *current_params, *_standing_params(criteria_set_id, day)])
        rows = cursor.fetchall()
    districts = {
        district_id: {"communes": total, "meeting": meeting, "average": float(met_sum) / assessed if assessed else None}
        for district_id, total, meeting, assessed, met_sum in rows
    }
    assessed = sum(row[3] for row in rows)
    return {
        "communes": sum(row[1] for row in rows),
        "meeting": sum(row[2] for row in rows),
        "average": float(sum(row[4] or 0 for row in rows)) / assessed if assessed else None,
        "districts": districts,
    }


def _floor_commune_page(*, criteria_set_id: int, day: datetime.date, by_score: bool) -> list[tuple]:
    """The first page of the country's communes with their criteria met and whether they meet the standard on `day`,
    by criteria met (highest first, no round last) or by code."""
    current, current_params = _current(day)
    order = "(s.criteria_met IS NULL), s.criteria_met DESC, c.code" if by_score else "c.code"
    # By code the page is known before any figure: only its communes are figured, as the API does.
    page_first = "" if by_score else f"ORDER BY u.code LIMIT {PAGE_SIZE}"
    sql = f"""
        SELECT c.id, c.code, c.name, d.name, s.criteria_met, COALESCE(s.meets_standard, %s)
        FROM (SELECT u.id, u.code, u.name, u.district_id FROM communes_administrativeunit u
              WHERE {current} {page_first}) c
        LEFT JOIN communes_administrativeunit d ON d.id = c.district_id
        {_STANDING}
        ORDER BY {order} LIMIT {PAGE_SIZE}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, *current_params, *_standing_params(criteria_set_id, day)])
        return cursor.fetchall()
