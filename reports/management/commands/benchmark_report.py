"""Time the provincial progress report on a large province, packed layout against the naive one.

    manage.py load_demo --communes 700 && manage.py benchmark_report

Goal on a 2-core machine (DESIGN §5): the full report in ≤ 10 s and ≤ 500 MB, at least 4× faster than the same
content laid out naively (one table cell per criterion per commune, automatic table layout). A benchmark, not a
test: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import datetime
import resource
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from communes.models import AdministrativeUnit
from criteria.selectors import default_criteria_set
from reports.services import RenderOutcome, report_render

GOAL_SECONDS = 10.0
GOAL_MEGABYTES = 500
GOAL_RATIO = 4.0


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


class Command(BaseCommand):
    help = "Đo thời gian và bộ nhớ tạo báo cáo PDF của một tỉnh lớn, so với cách dàn trang mỗi tiêu chí một ô."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="province code (default: the province with the most communes)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD (the demo runs to 2024)")
        parser.add_argument("--language", default="vi", choices=["vi", "en"])
        parser.add_argument("--output-dir", default=None, help="where the two PDFs go (default: var/benchmark)")
        parser.add_argument("--skip-naive", action="store_true", help="time the packed layout only")

    def handle(self, *args, province, as_of, language, output_dir, skip_naive, **options):
        unit = self._province(province)
        day = datetime.date.fromisoformat(as_of)
        criteria_set = default_criteria_set(year=day.year)
        if criteria_set is None:
            raise CommandError(f"Không có bộ tiêu chí cho năm {day.year}: chạy `manage.py load_criteria`.")
        folder = Path(output_dir or Path(settings.VAR_DIR) / "benchmark")
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"{unit.name} · tính đến {day:%d/%m/%Y} · {criteria_set.name}")
        self.stdout.write(f"Bộ nhớ trước khi tạo: {peak_megabytes():.0f} MB (Django, WeasyPrint, matplotlib đã nạp)")

        packed_seconds, packed = self._run(unit, day, criteria_set, language, folder / "bao-cao-goi-gon.pdf", "packed")
        packed_peak = peak_megabytes()
        self._print("Báo cáo đầy đủ (dàn trang gói gọn)", packed_seconds, packed, folder / "bao-cao-goi-gon.pdf")
        self.stdout.write(f"  bộ nhớ đỉnh của tiến trình: {packed_peak:.0f} MB")
        verdicts = [
            (f"≤ {GOAL_SECONDS:.0f} s", packed_seconds <= GOAL_SECONDS),
            (f"≤ {GOAL_MEGABYTES} MB", packed_peak <= GOAL_MEGABYTES),
        ]
        if not skip_naive:
            naive_seconds, naive = self._run(
                unit, day, criteria_set, language, folder / "bao-cao-ngay-tho.pdf", "naive"
            )
            self._print("Cùng nội dung, dàn trang ngây thơ (mỗi tiêu chí một ô)", naive_seconds, naive,
                        folder / "bao-cao-ngay-tho.pdf")  # fmt: skip
            ratio = naive_seconds / packed_seconds
            self.stdout.write(f"Tỉ lệ ngây thơ / gói gọn: {ratio:.1f}×")
            verdicts.append((f"≥ {GOAL_RATIO:.0f}× nhanh hơn", ratio >= GOAL_RATIO))
        self.stdout.write("Mục tiêu: " + "; ".join(f"{goal} {'đạt' if met else 'CHƯA ĐẠT'}" for goal, met in verdicts))

    def _province(self, code: str | None) -> AdministrativeUnit:
        provinces = AdministrativeUnit.objects.provinces()
        if code:
            unit = provinces.filter(code=code).first()
        else:
            largest = (
                AdministrativeUnit.objects.communes()
                .values("province")
                .annotate(communes=Count("pk"))
                .order_by("-communes", "province")
                .first()
            )
            unit = provinces.filter(pk=largest["province"]).first() if largest else None
        if unit is None:
            raise CommandError("Không có tỉnh nào: chạy `manage.py load_demo --communes 700` trước.")
        return unit

    def _run(self, unit, day, criteria_set, language, target: Path, layout: str) -> tuple[float, RenderOutcome]:
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = report_render(
            unit=unit, as_of=day, criteria_set=criteria_set, language=language, target=target, layout=layout
        )
        # CPU time beside wall time: on a shared machine the gap between them is what others took.
        self._cpu = time.process_time() - cpu_started
        return time.perf_counter() - started, outcome

    def _print(self, title: str, seconds: float, outcome: RenderOutcome, path: Path) -> None:
        steps = ", ".join(f"{name} {value:.2f}" for name, value in outcome.timings.items())
        self.stdout.write(
            f"{title}: {seconds:.2f} s (CPU của tiến trình {self._cpu:.2f} s), {outcome.pages} trang, "
            f"{outcome.communes} xã"
        )
        self.stdout.write(f"  các bước (s): {steps}")
        self.stdout.write(f"  tệp: {path} ({path.stat().st_size / 1024:.0f} KB)")
