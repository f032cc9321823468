"""Time the provincial progress report on a large province, packed layout against the naive one.

    manage.py load_demo --communes 700 && manage.py benchmark_report --output DIR

Goals at 700 communes on a 2-core machine (issue 18): the full PDF in ≤ 4 s of CPU, ≤ 300 MB peak, at least 4×
faster than the same content laid out naively (one table cell per criterion per commune, automatic table layout,
WeasyPrint's own user-agent stylesheet).
The PDF, .docx and .xlsx measured are written into DIR. The last line of the output is one JSON object, for scripts
and CI: `cpu_s`, `wall_s`, `pages`, `peak_mb`, `naive_ratio` (null with --skip-naive), `docx_s`, `xlsx_s` (≤ 2 s
each, written from the figures the PDF was made of). A benchmark, not a test: the figures depend on the machine and on
what else runs on it; CPU time is the figure to compare, wall time includes what other processes took.
"""

from __future__ import annotations

import cProfile
import datetime
import json
import logging
import resource
import time
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone, translation
from weasyprint.text.ffi import harfbuzz_subset

from communes.models import AdministrativeUnit
from criteria.selectors import default_criteria_set
from reports.services import RenderOutcome, report_render
from reports.spreadsheet import report_xlsx
from reports.word_document import report_docx

GOAL_CPU_SECONDS = 4.0
GOAL_MEGABYTES = 300
GOAL_RATIO = 4.0
PDF_NAME, NAIVE_NAME = "bao-cao-goi-gon.pdf", "bao-cao-ngay-tho.pdf"

GOAL_OFFICE_SECONDS = 2.0
# The report's other outputs, written from the figures the measured PDF was made of: (JSON key, file name, writer).
OFFICE_OUTPUTS = (
    ("docx_s", "bao-cao.docx", lambda content, target: report_docx(content, target, generated_at=timezone.localtime())),
    ("xlsx_s", "bao-cao.xlsx", report_xlsx),
)


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


class Command(BaseCommand):
    help = "Đo thời gian và bộ nhớ tạo báo cáo PDF của một tỉnh lớn, so với cách dàn trang mỗi tiêu chí một ô."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="province code (default: the province with the most communes)")
        parser.add_argument("--as-of", default="2024-12-31", help="as-of date, YYYY-MM-DD (the demo runs to 2024)")
        parser.add_argument("--language", default="vi", choices=["vi", "en"])
        parser.add_argument(
            "--output", "--output-dir", dest="output", default=None, help="where the PDFs go (default: var/benchmark)"
        )
        parser.add_argument("--skip-naive", action="store_true", help="time the packed layout only")
        parser.add_argument(
            "--cold", action="store_true", help="no warm-up: include the process's one-time start-up costs"
        )
        parser.add_argument(
            "--profile",
            metavar="FILE",
            default=None,
            help="write cProfile statistics of the packed report's build to FILE (read with `python -m pstats FILE`)",
        )

    def handle(self, *args, province, as_of, language, output, skip_naive, cold, profile, **options):
        # fontTools reports every table it subsets at INFO: noise that would bury the JSON line.
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        unit = self._province(province)
        day = datetime.date.fromisoformat(as_of)
        criteria_set = default_criteria_set(year=day.year)
        if criteria_set is None:
            raise CommandError(f"Không có bộ tiêu chí cho năm {day.year}: chạy `manage.py load_criteria`.")
        folder = Path(output or Path(settings.VAR_DIR) / "benchmark")
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"{unit.name} · tính đến {day:%d/%m/%Y} · {criteria_set.name}")
        self.stdout.write(f"Bộ nhớ trước khi tạo: {peak_megabytes():.0f} MB (Django, WeasyPrint, matplotlib đã nạp)")
        if harfbuzz_subset is None:
            # Measured at 700 communes: fontTools takes 0.5–1 s of CPU to subset the report's 7 fonts, HarfBuzz ~0.01 s.
            self.stdout.write(
                "Thiếu thư viện HarfBuzz-subset (libharfbuzz-subset0, có trong Dockerfile): WeasyPrint cắt phông chữ "
                "bằng fontTools, thêm 0,5–1 s CPU cho mỗi báo cáo."
            )

        run = partial(self._run, unit, day, criteria_set, language)
        if not cold:
            # A worker builds report after report: template compilation, font loading and the first charts are paid
            # once per process, not per report. A small unit's report pays them before the clock starts.
            warm_up = self._smallest_district(unit) or unit
            self._run(warm_up, day, criteria_set, language, folder / "khoi-dong.pdf", "packed")
            self._run(warm_up, day, criteria_set, language, folder / "khoi-dong.pdf", "naive")
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        packed_wall, packed_cpu, packed = run(folder / PDF_NAME, "packed")
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)  # the profiler's own overhead inflates the CPU time measured with it
        packed_peak = peak_megabytes()
        self._print("Báo cáo đầy đủ (dàn trang gói gọn)", packed_wall, packed_cpu, packed, folder / PDF_NAME)
        self.stdout.write(f"  bộ nhớ đỉnh của tiến trình: {packed_peak:.0f} MB")
        verdicts = [
            (f"≤ {GOAL_CPU_SECONDS:.0f} s CPU", packed_cpu <= GOAL_CPU_SECONDS),
            (f"≤ {GOAL_MEGABYTES} MB", packed_peak <= GOAL_MEGABYTES),
        ]
        ratio = None
        if not skip_naive:
            naive_wall, naive_cpu, naive = run(folder / NAIVE_NAME, "naive")
            title = "Cùng nội dung, dàn trang ngây thơ (mỗi tiêu chí một ô)"
            self._print(title, naive_wall, naive_cpu, naive, folder / NAIVE_NAME)
            ratio = naive_cpu / packed_cpu
            self.stdout.write(f"Tỉ lệ ngây thơ / gói gọn (CPU): {ratio:.1f}×")
            verdicts.append((f"≥ {GOAL_RATIO:.0f}× nhanh hơn", ratio >= GOAL_RATIO))
        extra = {}
        with translation.override(language):
            for key, name, write in OFFICE_OUTPUTS:
                started = time.process_time()
                write(packed.content, folder / name)
                extra[key] = round(time.process_time() - started, 2)
                self.stdout.write(f"{name}: CPU {extra[key]:.2f} s, tệp {folder / name}")
                verdicts.append((f"{name} ≤ {GOAL_OFFICE_SECONDS:.0f} s", extra[key] <= GOAL_OFFICE_SECONDS))
        self.stdout.write("Mục tiêu: " + "; ".join(f"{goal} {'đạt' if met else 'CHƯA ĐẠT'}" for goal, met in verdicts))
        result = {
            "cpu_s": round(packed_cpu, 2),
            "wall_s": round(packed_wall, 2),
            "pages": packed.pages,
            "peak_mb": round(packed_peak),
            "naive_ratio": None if ratio is None else round(ratio, 2),
            **extra,
        }
        self.stdout.write(json.dumps(result))

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

    def _smallest_district(self, province: AdministrativeUnit) -> AdministrativeUnit | None:
        return (
            AdministrativeUnit.objects.districts()
            .filter(province=province)
            .annotate(communes=Count("children"))
            .order_by("communes", "code")
            .first()
        )

    def _run(self, unit, day, criteria_set, language, target: Path, layout: str) -> tuple[float, float, RenderOutcome]:
        # CPU time beside wall time: on a shared machine the gap between them is what others took.
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = report_render(
            unit=unit, as_of=day, criteria_set=criteria_set, language=language, target=target, layout=layout
        )
        return time.perf_counter() - started, time.process_time() - cpu_started, outcome

    def _print(self, title: str, wall: float, cpu: float, outcome: RenderOutcome, path: Path) -> None:
        steps = ", ".join(f"{name} {value:.2f}" for name, value in outcome.timings.items())
        self.stdout.write(f"{title}: CPU {cpu:.2f} s, {wall:.2f} s, {outcome.pages} trang, {outcome.communes} xã")
        self.stdout.write(f"  các bước (s, thời gian thực): {steps}")
        self.stdout.write(f"  tệp: {path} ({path.stat().st_size / 1024:.0f} KB)")
