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
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from communes.choices import NtmLevel
from secondments.choices import SupportKind

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
    return render_to_string(
        "reports/report.html",
        {
            "c": content,
            "summary": content.summary,
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
            "support_by_kind": [
                (str(label), content.sponsors.support_by_kind.get(kind, 0))
                for kind, label in SupportKind.choices
                if content.sponsors.support_by_kind.get(kind)
            ],
        },
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
