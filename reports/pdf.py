"""HTML → PDF for the progress report, with WeasyPrint.

Speed comes from the layout, not from the machine (DESIGN §5; reference notes §1: WeasyPrint pays ~2 ms per
table cell and renders on one core). So: `table-layout: fixed` with explicit widths everywhere, and the communes ×
criteria matrix packs a commune's marks into one monospace string on one line instead of one cell per criterion.
The "naive" layout (one table cell per criterion, automatic table layout) is kept for the benchmark only.

Fonts are files the project ships (static/fonts), declared with @font-face through one FontConfiguration; no
presentational hints (explicit CSS only, CVE-2026-49452) and no URL outside the shipped fonts is ever fetched.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from communes.choices import NtmLevel
from criteria.forecast import TREND_ROUNDS, CommuneForecast, ForecastStatus, TargetOutlook, UnitForecast
from ntm_portal.text import vnd
from secondments.choices import SecondmentOutcome
from secondments.selectors import SponsorAccountability

from .selectors import ReportContent

Layout = Literal["packed", "naive"]

FONTS = {
    "sans_regular": "fonts/dejavu/DejaVuSansCondensed.ttf",
    "sans_bold": "fonts/dejavu/DejaVuSansCondensed-Bold.ttf",
    "mono": "fonts/dejavu/DejaVuSansMono.ttf",
}
MET, UNMET, NOT_ASSESSED = "●", "○", "·"


class ReportRenderError(Exception):
    """The PDF could not be made; the message says why in words an office user can act on."""


@dataclass(frozen=True)
class RenderedPdf:
    pages: int
    layout_seconds: float
    write_seconds: float


def font_paths() -> dict[str, Path]:
    paths = {}
    for key, name in FONTS.items():
        found = finders.find(name) or str(Path(settings.BASE_DIR) / "static" / name)
        path = Path(found)
        if not path.is_file():
            raise ReportRenderError(f"Thiếu tệp phông chữ {name} trong static/: báo cáo cần nó để in tiếng Việt.")
        paths[key] = path
    return paths


class _FontsOnlyFetcher(URLFetcher):
    """Fetches the shipped font files and data: URIs, nothing else (the HTML holds user-entered names)."""

    def __init__(self, allowed: set[str]) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self._allowed = allowed

    def fetch(self, url: str, headers=None):
        if url.startswith("file:") and url not in self._allowed:
            raise ValueError(f"URL not allowed in a report: {url}")
        return super().fetch(url, headers)


def criteria_marks(criteria_met: int | None, unmet: list[tuple[int, str]], numbers: list[int]) -> str:
    """The commune's marks, one character per criterion in number order: met ●, unmet ○, no round ·."""
    if criteria_met is None:
        return NOT_ASSESSED * len(numbers)
    missing = {number for number, _name in unmet}
    return "".join(UNMET if number in missing else MET for number in numbers)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def column_numbers(numbers: list[int]) -> tuple[str, str]:
    """The matrix header in the marks' monospace font: tens on one line, units on the next, one column each."""
    tens = "".join(str(n // 10) if n >= 10 else " " for n in numbers)
    units = "".join(str(n % 10) for n in numbers)
    return tens, units


def report_html(
    content: ReportContent,
    *,
    charts: dict[str, str],
    generated_at: datetime,
    layout: Layout = "packed",
    language: str = "vi",
) -> str:
    """The report as one HTML document (the caller activates `language` for the translated labels)."""
    numbers = [number for number, _name in content.criteria]
    # The matrix names a level only where one was reached: "chưa đạt" on most lines would be noise.
    width = len(str(len(numbers)))
    level_labels = {level: str(label) for level, label in NtmLevel.choices if level != NtmLevel.NOT_YET}
    districts = [
        {
            "name": block.name,
            "meeting": block.communes_meeting_standard,
            "rows": [
                {
                    "name": c.name,
                    "marks": criteria_marks(c.criteria_met, c.unmet_criteria, numbers),
                    "met": c.criteria_met,
                    "met_padded": "–".rjust(width) if c.criteria_met is None else str(c.criteria_met).rjust(width),
                    "meets_standard": c.meets_standard,
                    "level": level_labels.get(c.ntm_level, ""),
                }
                for c in block.communes
            ],
        }
        for block in content.districts
    ]
    tens, units = column_numbers(numbers)
    # Charts go in as images: WeasyPrint draws an SVG image without running the HTML cascade over its elements.
    images = {key: svg_data_uri(svg) for key, svg in charts.items() if svg}
    results = content.secondment_results
    outcome_labels = {value: str(label) for value, label in SecondmentOutcome.choices}
    return render_to_string(
        "reports/report.html",
        {
            "c": content,
            "summary": content.summary,
            "sections": section_numbers(has_districts=bool(content.summary.districts)),
            "charts": images,
            "districts": districts,
            "numbers": numbers,
            "header_tens": tens,
            "header_units": units,
            "layout": layout,
            "language": language,
            "generated_at": generated_at,
            "marks": {"met": MET, "unmet": UNMET, "none": NOT_ASSESSED},
            "levels": [
                (level_labels[level], count)
                for level, count in content.summary.communes_by_level.items()
                if level in level_labels
            ],
            "result_groupings": [
                (title, groups)
                for title, groups in (
                    (_("Chung"), [results.overall] if results.overall else []),
                    (_("Theo đợt cử"), results.batches),
                    (_("Theo cơ quan cử cán bộ"), results.home_agencies),
                )
                if groups
            ],
            "secondment_rows": [(r, outcome_labels.get(r.outcome, r.outcome)) for r in results.secondments],
            "sponsors": sponsor_tables(content.sponsors),
            "forecast": forecast_tables(content.forecast),
        },
    )


def section_numbers(*, has_districts: bool) -> dict[str, int]:
    """The report's numbered sections, in order; the district section only where there are districts."""
    keys = ["overall", "districts", "criteria", "near_finish", "forecast", "matrix", "secondments", "sponsors"]
    if not has_districts:
        keys.remove("districts")
    return {key: number for number, key in enumerate(keys, start=1)}


def sponsor_tables(sponsors: SponsorAccountability) -> dict:
    """The agency × quarter table and the support lines, with đồng written out as the offices write them."""
    quarters = sponsors.quarters
    # Fixed layout needs the widths: a quarter column each, the agency's name takes what the missing quarters leave.
    quarter_width = 12
    return {
        "s": sponsors,
        # (quarter, complete): a quarter not over on as_of is shown, never flagged, and its heading says so.
        "quarters": [(q.quarter, q.complete) for q in sponsors.agencies[0].quarters] if sponsors.agencies else [],
        "name_width": 22 + quarter_width * (4 - len(quarters)),
        "quarter_width": quarter_width,
        "agencies": [
            {
                "a": agency,
                "not_visited": [
                    (q.quarter, q.complete, q.communes_not_visited) for q in agency.quarters if q.communes_not_visited
                ],
            }
            for agency in sponsors.agencies
        ],
        "flagged": [agency for agency in sponsors.agencies if agency.flagged],
        "visits": sum(agency.field_visits for agency in sponsors.agencies),
        "days": sum(agency.days_on_site for agency in sponsors.agencies),
        "total": vnd(sponsors.support_value_vnd),
        "support": [
            (title, [(line.label, vnd(line.value_vnd)) for line in lines])
            for title, lines in (
                (_("Theo cơ quan, doanh nghiệp"), sponsors.support_by_agency),
                (_("Theo hình thức"), sponsors.support_by_kind),
                (_("Theo tiêu chí"), sponsors.support_by_criterion),
            )
            if lines
        ],
    }


def projected_label(forecast: CommuneForecast) -> str:
    """The year a commune is projected to reach the standard, or why there is none."""
    if forecast.status == ForecastStatus.STALLED:
        return _("không đạt theo xu hướng hiện tại")
    if forecast.status == ForecastStatus.NO_DATA or forecast.standard_year is None:
        return _("chưa đủ số liệu")
    return str(forecast.standard_year)


def _outlook(outlook: TargetOutlook) -> dict:
    # Outside the f-string: xgettext does not find a gettext call inside one.
    in_time, not_in_time = _("kịp"), _("không kịp")
    return {
        "o": outlook,
        "deciding": [
            f"{forecast.name} ({projected_label(forecast)}, {in_time if on_track else not_in_time})"
            for forecast, on_track in outlook.deciding
        ],
    }


def forecast_tables(forecast: UnitForecast) -> dict:
    """The unit's and its districts' outlooks, and the communes not yet meeting the standard grouped by the year the
    trend reaches it: one line a year instead of a table row a commune (a province has hundreds of them)."""
    groups: dict[str, list[CommuneForecast]] = {}
    for commune in forecast.communes:  # soonest first, so the years come in order and stalled, no data last
        if commune.status != ForecastStatus.MEETS:
            groups.setdefault(projected_label(commune), []).append(commune)
    return {
        "f": forecast,
        "trend_rounds": TREND_ROUNDS,
        "outlook": _outlook(forecast.outlook),
        "districts": [_outlook(outlook) for outlook in forecast.districts],
        "pending": [(label, [_commune_label(c) for c in members]) for label, members in groups.items()],
        "by_status": forecast.by_status,
    }


def _commune_label(forecast: CommuneForecast) -> str:
    met = "–" if forecast.criteria_met is None else f"{forecast.criteria_met}/{forecast.criteria_total}"
    return (
        f"{forecast.name} ({forecast.district_name}, {met})" if forecast.district_name else f"{forecast.name} ({met})"
    )


def render_pdf(
    html: str,
    target: str | Path | BinaryIO,
    *,
    layout: Layout = "packed",
    on_laid_out: Callable[[int], None] | None = None,
) -> RenderedPdf:
    """Lay out `html` and write the PDF to `target`. `on_laid_out(pages)` is called between the two steps (the
    first is the longer one), so a caller can report progress."""
    fonts = font_paths()
    font_urls = {key: path.as_uri() for key, path in fonts.items()}
    font_config = FontConfiguration()
    fetcher = _FontsOnlyFetcher(set(font_urls.values()))
    css = CSS(
        string=render_to_string("reports/report.css", {"fonts": font_urls, "layout": layout}),
        font_config=font_config,
        url_fetcher=fetcher,
    )
    started = time.perf_counter()
    document = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[css], font_config=font_config)
    laid_out = time.perf_counter()
    pages = len(document.pages)
    if on_laid_out:
        on_laid_out(pages)
    document.write_pdf(target)
    written = time.perf_counter()
    return RenderedPdf(pages=pages, layout_seconds=laid_out - started, write_seconds=written - laid_out)
