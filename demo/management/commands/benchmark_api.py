"""Time the API on a province (the demo's largest by default): the dashboard's median, and every endpoint's queries.

Read-only: it signs nobody in (the client is authenticated in memory, as the province's coordinator) and writes
nothing, so it can run against a production copy.
"""

import datetime
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communes.models import AdministrativeUnit
from ntm_portal.choices import Role
from ntm_portal.models import User

LIST_PREFIXES = [
    "administrative-units",
    "communes",
    "criteria-sets",
    "assessment-rounds",
    "indicator-values",
    "unit-targets",
    "agencies",
    "cadres",
    "secondment-batches",
    "secondments",
    "sponsor-assignments",
    "work-plans",
    "work-plan-items",
    "field-visits",
    "support-contributions",
]


class Command(BaseCommand):
    help = "Time the dashboard endpoint (median of several runs) and count every API endpoint's queries on a province."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="province code (default: the province with the most communes)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD")
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, province: str | None, as_of: str, runs: int, **options):
        unit = self._province(province)
        day = datetime.date.fromisoformat(as_of)
        user = User.objects.filter(role=Role.PROVINCE_COORDINATOR, unit=unit, is_active=True).select_related(
            "unit"
        ).first() or User(username="benchmark", role=Role.PROVINCE_COORDINATOR, unit=unit, is_active=True)
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(user=user)
        communes = AdministrativeUnit.objects.communes().filter(province=unit).count()
        self.stdout.write(f"{unit} ({communes} xã) · tính đến {day} · {connection.vendor} · {runs} lần đo · {user}")

        self.stdout.write("\nBảng điều khiển (dashboard):")
        for label, url, params in (
            ("dashboard", f"/api/v1/dashboards/{unit.pk}/", {"as_of": as_of}),
            ("trend (10 năm)", f"/api/v1/dashboards/{unit.pk}/trend/", {"as_of": as_of}),
        ):
            timings, queries = [], 0
            for _ in range(runs):
                elapsed, queries, _body = self._get(client, url, params)
                timings.append(elapsed)
            self.stdout.write(
                f"  {label:<16} trung vị {statistics.median(timings) * 1000:6.0f} ms "
                f"(nhanh nhất {min(timings) * 1000:.0f} ms), {queries} truy vấn"
            )

        self.stdout.write("\nTừng endpoint (danh sách trang đầu 50 dòng, rồi chi tiết dòng đầu):")
        for prefix in LIST_PREFIXES:
            params = {"as_of": as_of} if prefix == "communes" else {}
            elapsed, list_queries, body = self._get(client, f"/api/v1/{prefix}/", params)
            line = f"  {prefix:<22} {body.get('count', 0):>7} dòng  danh sách {list_queries:>2} truy vấn"
            line += f" {elapsed * 1000:5.0f} ms"
            if body.get("results"):
                first = body["results"][0]["id"]
                elapsed, detail_queries, _body = self._get(client, f"/api/v1/{prefix}/{first}/", params)
                line += f"  · chi tiết {detail_queries:>2} truy vấn {elapsed * 1000:5.0f} ms"
            self.stdout.write(line)
        elapsed, me_queries, _body = self._get(client, "/api/v1/me/", {})
        self.stdout.write(f"  {'me':<22} {'':>7}       {me_queries:>2} truy vấn {elapsed * 1000:5.0f} ms")
        self.stdout.write(
            "\n(Khóa API thêm 1 truy vấn mỗi yêu cầu — khóa kèm người dùng; ở đây người dùng đã xác thực sẵn.)"
        )

    def _province(self, code: str | None) -> AdministrativeUnit:
        provinces = AdministrativeUnit.objects.provinces()
        unit = (
            provinces.filter(code=code).first()
            if code
            else max(
                provinces, key=lambda p: AdministrativeUnit.objects.communes().filter(province=p).count(), default=None
            )
        )
        if unit is None:
            raise CommandError("Không có tỉnh nào: chạy `manage.py load_demo` trước.")
        return unit

    def _get(self, client, url, params) -> tuple[float, int, dict]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise CommandError(f"{url}: {response.status_code} {response.content[:300]!r}")
        return elapsed, len(queries), response.json()
