"""Time the accountability selectors (issue 8) on a unit: secondment results, sponsor accountability and the
forecast, each run several times, with its queries and the peak Python memory of one run. Reads only."""

import datetime
import statistics
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import AdministrativeUnit
from criteria.forecast import unit_forecast
from secondments.models import FieldVisit, Secondment
from secondments.selectors import secondment_results, sponsor_accountability, sponsor_default_year


class Command(BaseCommand):
    help = "Time secondment results, sponsor accountability and the forecast for a province or district."

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, help="the unit's key (default: the first province by code)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, unit: int | None, as_of: str, runs: int, **options):
        target = (
            AdministrativeUnit.objects.get(pk=unit)
            if unit
            else AdministrativeUnit.objects.provinces().current().order_by("code").first()
        )
        if target is None:
            raise CommandError("Chưa có tỉnh nào: chạy `manage.py load_demo` trước.")
        day = datetime.date.fromisoformat(as_of)
        year = sponsor_default_year(unit=target, as_of=day)
        communes = AdministrativeUnit.objects.communes().within(target).count()
        secondments = Secondment.objects.filter(target.communes_q()).count()
        visits = FieldVisit.objects.filter(target.communes_q(), visit_date__year=year).count()
        self.stdout.write(
            f"{target} ({communes} xã, {secondments} lượt biệt phái, {visits} chuyến công tác năm {year}) · "
            f"tính đến {day} · {connection.vendor} · {runs} lần đo"
        )
        for name, run in (
            ("secondment_results", lambda: secondment_results(unit=target, as_of=day)),
            ("sponsor_accountability", lambda: sponsor_accountability(unit=target, year=year, as_of=day)),
            ("unit_forecast", lambda: unit_forecast(unit=target, as_of=day)),
        ):
            timings = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    run()
                    timings.append(time.perf_counter() - started)
            tracemalloc.start()
            run()
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.stdout.write(
                f"  {name:<24} trung vị {statistics.median(timings) * 1000:6.0f} ms "
                f"(nhanh nhất {min(timings) * 1000:.0f}, chậm nhất {max(timings) * 1000:.0f}), "
                f"{len(captured)} truy vấn, bộ nhớ đỉnh {peak / 1024 / 1024:.1f} MiB"
            )
