import datetime
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import AdministrativeUnit
from criteria.selectors import commune_progress_list, unit_progress_summary


class Command(BaseCommand):
    help = "Time the progress selectors on a province (the demo's by default): median of several runs, query counts."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="province code (default: the province with the most communes)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, province: str | None, as_of: str, runs: int, **options):
        provinces = AdministrativeUnit.objects.provinces()
        unit = (
            provinces.filter(code=province).first()
            if province
            else max(
                provinces, key=lambda p: AdministrativeUnit.objects.communes().filter(province=p).count(), default=None
            )
        )
        if unit is None:
            raise CommandError("Không có tỉnh nào: chạy `manage.py load_demo` trước.")
        day = datetime.date.fromisoformat(as_of)
        self.stdout.write(f"{unit} · tính đến {day} · {connection.vendor} · {runs} lần đo")
        for name, selector in (
            ("commune_progress_list", commune_progress_list),
            ("unit_progress_summary", unit_progress_summary),
        ):
            timings = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = selector(unit=unit, as_of=day)
                    timings.append(time.perf_counter() - started)
            size = len(result) if isinstance(result, list) else result.communes_total
            self.stdout.write(
                f"{name}: {size} xã, trung vị {statistics.median(timings) * 1000:.0f} ms "
                f"(nhanh nhất {min(timings) * 1000:.0f} ms), {len(queries)} truy vấn"
            )
