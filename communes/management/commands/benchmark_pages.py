"""Time the commune pages (list, matrix, commune page) on a province: the median server time of several requests.

Django's test client, signed in with `force_login` (one session row is written; nothing else), calls the views in
process, so the times are the server's: middleware, queries, template rendering, no network.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import AdministrativeUnit
from ntm_portal.models import User


class Command(BaseCommand):
    help = "Time the commune list, the communes × criteria matrix and the commune page (median of several requests)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="vpdp_tinh", help="the user to sign in as (default: vpdp_tinh)")
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--commune", help="code of the commune page to time (default: the one with most visits)")

    def handle(self, *args, username: str, runs: int, commune: str | None, **options):
        user = User.objects.filter(username=username).select_related("unit").first()
        if user is None:
            raise CommandError(f"Không có người dùng {username!r}: chạy `manage.py load_demo` trước.")
        communes = AdministrativeUnit.objects.communes().visible_to(user)
        if commune:
            page_commune = communes.filter(code=commune).first()
        else:
            page_commune = communes.annotate(n=Count("field_visits")).order_by("-n", "code").first()
        if page_commune is None:
            raise CommandError("Người dùng này không xem được xã nào.")
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        self.stdout.write(
            f"{user} · {communes.count()} xã · {connection.vendor} · {runs} lần đo mỗi trang "
            f"(lần đầu để làm nóng, không tính)"
        )
        list_url, matrix_url = reverse("communes:commune_list"), reverse("communes:criteria_matrix")
        pages = [
            ("danh sách xã (trang 1, theo mã)", list_url, {}),
            ("danh sách xã, sắp theo điểm", list_url, {"sort": "-score"}),
            ("danh sách xã, tìm “phu”", list_url, {"q": "phu"}),
            ("danh sách xã → Excel", list_url, {"format": "xlsx"}),
            ("ma trận xã × tiêu chí", matrix_url, {}),
            ("ma trận, sắp theo điểm", matrix_url, {"sort": "-score"}),
            ("ma trận → Excel", matrix_url, {"format": "xlsx"}),
            (f"trang xã ({page_commune.name})", reverse("communes:commune_detail", args=[page_commune.pk]), {}),
        ]
        for label, url, params in pages:
            client.get(url, params)  # warm-up: caches, the session read
            timings = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise CommandError(f"{url} {params}: HTTP {response.status_code}")
            self.stdout.write(
                f"  {label:<42} trung vị {statistics.median(timings) * 1000:6.0f} ms "
                f"(nhanh nhất {min(timings) * 1000:5.0f} ms) · {len(queries):2d} truy vấn · "
                f"{len(response.content) / 1024:5.0f} KB"
            )
