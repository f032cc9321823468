"""Time the browser dashboard of a unit (vpdp_tinh's province by default): the first GET with no chart cached, the
median server time of the following GETs (charts from the cache), its queries, and what each chart costs to draw.

It signs one user in through the test client (a session row is written); nothing else is written.
"""

import datetime
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import AdministrativeUnit
from criteria.selectors import unit_progress_summary, unit_progress_trend
from ntm_portal.models import User
from reports import charts


class Command(BaseCommand):
    help = "Time the province dashboard page (median of several GETs) as a province coordinator."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="vpdp_tinh", help="the user to sign in as (default: vpdp_tinh)")
        parser.add_argument("--unit", type=int, help="the unit's key (default: the user's own unit)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD")
        parser.add_argument("--runs", type=int, default=10)

    def handle(self, *args, username: str, unit: int | None, as_of: str, runs: int, **options):
        user = User.objects.filter(username=username).select_related("unit").first()
        if user is None:
            raise CommandError(f"Không có người dùng {username}: chạy `manage.py load_demo` trước.")
        target = AdministrativeUnit.objects.get(pk=unit) if unit else user.unit
        day = datetime.date.fromisoformat(as_of)
        communes = AdministrativeUnit.objects.communes().within(target).count()
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        url = reverse("dashboard:unit", args=[target.pk]) + f"?as_of={as_of}"
        self.stdout.write(f"{target} ({communes} xã) · tính đến {day} · {connection.vendor} · {runs} lần đo · {user}")

        cache.clear()  # the first GET draws the charts (the process-local cache of a fresh worker)
        timings, queries, size = [], 0, 0
        for _ in range(runs + 1):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise CommandError(f"{url}: {response.status_code}")
            timings.append(elapsed)
            queries, size = len(captured), len(response.content)
        cold, timings = timings[0], timings[1:]
        query_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        self.stdout.write(f"  lần đầu (vẽ biểu đồ): {cold * 1000:.0f} ms")
        self.stdout.write(
            f"  các lần sau: trung vị {statistics.median(timings) * 1000:.0f} ms "
            f"(nhanh nhất {min(timings) * 1000:.0f} ms, chậm nhất {max(timings) * 1000:.0f} ms), "
            f"{queries} truy vấn ({query_ms:.0f} ms lần cuối), "
            f"{size / 1024:.0f} KiB HTML"
        )

        summary = unit_progress_summary(unit=target, as_of=day)
        trend = unit_progress_trend(unit=target, years=range(day.year - 9, day.year + 1), as_of=day)
        for name, draw in (
            ("trend_chart", lambda: charts.trend_chart(trend)),
            ("bands_chart", lambda: charts.bands_chart(summary)),
            ("districts_chart", lambda: charts.districts_chart(summary)),
            ("criteria_chart", lambda: charts.criteria_chart(summary)),
        ):
            drawn = []
            for _ in range(3):
                started = time.perf_counter()
                draw()
                drawn.append(time.perf_counter() - started)
            self.stdout.write(f"  {name:<16} {statistics.median(drawn) * 1000:5.0f} ms")
