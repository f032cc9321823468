"""HTML → PDF for the progress report, with WeasyPrint: an official report (báo cáo) in the form of Nghị định
30/2020/NĐ-CP (A4, Times-metric serif, the issuing body and national title, number, place and date, signature and
recipients), the letterhead taken from the province's settings (reports.letterhead).

Speed comes from the layout, not from the machine (DESIGN §5; reference notes §1: WeasyPrint pays ~2 ms per
table cell and renders on one core). So: `table-layout: fixed` with explicit widths everywhere, and the communes ×
criteria matrix (the appendix) is a table whose header has a column per criterion while each commune's marks and
count are one monospace line whose word-spacing puts each mark in its criterion's column; a district is one row
of two cells, its communes' names one a line and their marks lines beside them, and the grid's rules are the row's
background, one SVG tile a line repeated down the row (matrix_grid_tile). Measured at 700 communes: a cell
per mark costs ~7 s of layout even with a fixed layout and no borders or padding, a row of two cells per commune
~0.5 s more than a row per district, the grid's tiles ~0.1 s. The "naive" layout (one table cell per criterion,
automatic table layout) is kept for the benchmark only.

Fonts are files the project ships (static/fonts), declared with @font-face through one FontConfiguration; no
presentational hints (explicit CSS only, CVE-2026-49452) and no URL outside the shipped fonts is ever fetched.
"""

from __future__ import annotations

import base64
import functools
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
from django.utils.translation import ngettext
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from communes.choices import NtmLevel
from criteria.forecast import TREND_ROUNDS, CommuneForecast, ForecastStatus, TargetOutlook, UnitForecast
from ntm_portal import formats
from ntm_portal.text import vnd
from secondments.choices import SecondmentOutcome
from secondments.selectors import SponsorAccountability

from .selectors import ReportContent

Layout = Literal["packed", "naive"]

FONTS = {
    "sans_regular": "fonts/dejavu/DejaVuSansCondensed.ttf",
    "sans_bold": "fonts/dejavu/DejaVuSansCondensed-Bold.ttf",
    "mono": "fonts/dejavu/DejaVuSansMono.ttf",
    # The official text: Times-metric (the decree's "Times New Roman" font family), Vietnamese precomposed glyphs.
    "serif_regular": "fonts/texgyre-termes/texgyretermes-regular.otf",
    "serif_bold": "fonts/texgyre-termes/texgyretermes-bold.otf",
    "serif_italic": "fonts/texgyre-termes/texgyretermes-italic.otf",
    "serif_bold_italic": "fonts/texgyre-termes/texgyretermes-bolditalic.otf",
}
MET, UNMET, NOT_ASSESSED = "●", "○", "·"
# The appendix matrix, in mm: the criteria's columns are this wide, and the word-spacing between the marks makes each
# advance by exactly one column (DejaVu Sans Mono advances 0.602 em, the space too).
MATRIX_NAME_MM, MATRIX_COUNT_MM, MATRIX_PAGE_MM = 56.0, 9.0, 165.0
FIGURE_SPACE = "\u2007"  # as wide as a digit, and no word-spacing: counts under 10 line up with the others
MATRIX_FONT_PT, MONO_ADVANCE_EM, MM_PER_PT = 8.5, 0.6021, 25.4 / 72
# The matrix's grid: every line is MATRIX_LINE_PT high (a commune's name beside its marks, and the rules drawn behind
# them); rules inside the table are thinner than its outline.
MATRIX_LINE_PT, MATRIX_RULE_PT, MATRIX_OUTER_RULE_PT = 10, 0.3, 0.5
# A district's communes go in rows of this many lines, each kept whole on a page: a cell split by a page break is
# stretched down to the page's end (css-break-3), and its grid with it, under the last line. Blocks of 10 leave at
# most 9 of a page's ~75 lines blank at its foot; blocks of 5 cost ~0.3 s more at 700 communes (rows and grid tiles
# to lay out and draw), a row per commune ~0.5 s more of layout alone.
MATRIX_BLOCK_COMMUNES = 10
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


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


class PrintHTML(HTML):
    """A document laid out with the PDFs' own user-agent stylesheet (templates/reports/user_agent.css): WeasyPrint's,
    cut to the rules of the elements the report and the commune profile use. `_ua_stylesheets` is the hook WeasyPrint's
    own tests override for the same end; the version is pinned, and the PDF tests read the layout back."""

    def _ua_stylesheets(self, forms=False):
        return [user_agent_stylesheet()]


@functools.cache
def user_agent_stylesheet() -> CSS:
    return CSS(string=render_to_string("reports/user_agent.css"))


def criteria_marks(criteria_met: int | None, unmet: list[tuple[int, str]], numbers: list[int]) -> str:
    """The commune's marks, one character per criterion in number order: met ●, unmet ○, no round ·."""
    if criteria_met is None:
        return NOT_ASSESSED * len(numbers)
    missing = {number for number, _name in unmet}
    return "".join(UNMET if number in missing else MET for number in numbers)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


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
    districts = []
    for block in content.districts:
        rows = [
            {
                "name": c.name,
                "marks": (marks := criteria_marks(c.criteria_met, c.unmet_criteria, numbers)),
                "met": c.criteria_met,
                "line": matrix_line(marks, "–" if c.criteria_met is None else str(c.criteria_met), width),
                "level": level_labels.get(c.ntm_level, ""),
            }
            for c in block.communes
        ]
        districts.append(
            {
                "name": block.name,
                "meeting": block.communes_meeting_standard,
                "rows": rows,
                # The packed matrix: a few communes' names, and their marks lines, as one text each (see
                # matrix_geometry), in blocks that a page break never splits.
                "blocks": [
                    {
                        "names": "\n".join(
                            f"{row['name']} – {row['level']}" if row["level"] else row["name"] for row in block_rows
                        ),
                        "lines": "\n".join(row["line"] for row in block_rows),
                    }
                    for block_rows in (
                        rows[start : start + MATRIX_BLOCK_COMMUNES]
                        for start in range(0, len(rows), MATRIX_BLOCK_COMMUNES)
                    )
                ],
            }
        )
    letterhead = content.letterhead
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
            "lh": letterhead,
            "issued": issue_date_parts(generated_at),
            "summary_line": summary_line(content),
            "assessment": assessment_sentences(content),
            "tasks": task_sentences(content),
            "parts": {key: ROMAN[n] for n, key in enumerate(("results", "assessment", "outlook"))},
            "matrix": matrix_geometry(len(numbers)),
        },
    )


def issue_date_parts(moment: datetime) -> dict[str, str]:
    """Day and month as the decree writes them: a leading zero for days 1–9 and for months 1 and 2."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return {
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}" if day.month < 3 else str(day.month),
        "year": str(day.year),
    }


def summary_line(content: ReportContent) -> str:
    return _("Tiến độ xây dựng nông thôn mới %(unit)s đến ngày %(as_of)s") % {
        "unit": content.unit.name,
        "as_of": content.as_of.strftime("%d/%m/%Y"),
    }


def _share(value: float | None) -> str:
    return formats.number(value, 1)


def assessment_sentences(content: ReportContent) -> list[str]:
    """The general assessment, only as far as the figures carry it: where the unit stands against its target, how the
    communes spread over the bands, its weakest criteria and its districts' extremes. The office adds its own words."""
    summary = content.summary
    sentences = [
        _("Đến ngày %(as_of)s, %(unit)s có %(meeting)s/%(total)s xã đạt chuẩn nông thôn mới (%(percent)s%%).")
        % {
            "as_of": content.as_of.strftime("%d/%m/%Y"),
            "unit": content.unit.name,
            "meeting": summary.communes_meeting_standard,
            "total": summary.communes_total,
            "percent": _share(summary.percent_meeting_standard),
        }
    ]
    target = summary.target
    if target is not None and target.min_communes_meeting_standard is not None:
        sentences.append(
            _("So với mục tiêu %(goal)s xã đạt chuẩn đến năm %(year)s, đã đạt %(percent)s%% mục tiêu.")
            % {
                "goal": target.min_communes_meeting_standard,
                "year": target.year,
                "percent": _share(target.percent_of_target),
            }
        )
    if summary.average_criteria_met is not None and summary.bands:
        bands = "; ".join(
            ngettext("%(count)s xã đạt %(range)s tiêu chí", "%(count)s xã đạt %(range)s tiêu chí", band.communes)
            % {"count": band.communes, "range": band.label}
            for band in summary.bands
        )
        sentences.append(
            _("Bình quân đạt %(average)s tiêu chí/xã; %(bands)s.")
            % {"average": formats.number(summary.average_criteria_met, 1), "bands": bands}
        )
    weakest = [c for c in summary.criteria if c.percent is not None][:3]
    if weakest:
        sentences.append(
            _("Các tiêu chí có tỷ lệ xã đạt thấp nhất: %(criteria)s.")
            % {"criteria": "; ".join(f"{c.number}. {c.name} ({_share(c.percent)}%)" for c in weakest)}
        )
    lines = [d for d in summary.districts if d.district_id is not None and d.percent_meeting_standard is not None]
    if len(lines) > 1:
        highest = max(lines, key=lambda d: d.percent_meeting_standard)
        lowest = min(lines, key=lambda d: d.percent_meeting_standard)
        sentences.append(
            _(
                "Huyện có tỷ lệ xã đạt chuẩn cao nhất: %(high)s (%(high_percent)s%%); "
                "thấp nhất: %(low)s (%(low_percent)s%%)."
            )
            % {
                "high": highest.name,
                "high_percent": _share(highest.percent_meeting_standard),
                "low": lowest.name,
                "low_percent": _share(lowest.percent_meeting_standard),
            }
        )
    return sentences


def task_sentences(content: ReportContent) -> list[str]:
    """The tasks ahead that the figures point at: the communes close to the finish and the criteria they lack most,
    the target's shortfall on the trend, the sponsors below the minimum. No plans the office has not written."""
    tasks = []
    if content.near_finish:
        lacking: dict[tuple[int, str], int] = {}
        for commune in content.near_finish:
            for criterion in commune.unmet_criteria:
                lacking[criterion] = lacking.get(criterion, 0) + 1
        most = sorted(lacking.items(), key=lambda item: (-item[1], item[0][0]))[:3]
        tasks.append(
            _(
                "Tập trung hỗ trợ %(count)s xã đã đạt từ %(low)s/%(total)s tiêu chí trở lên "
                "hoàn thành các tiêu chí còn thiếu"
            )
            % {
                "count": len(content.near_finish),
                "low": content.near_finish_from,
                "total": content.summary.criteria_total,
            }
            + (
                _("; thiếu nhiều nhất: %(criteria)s.")
                % {"criteria": "; ".join(f"{number}. {name} ({count} xã)" for (number, name), count in most)}
                if most
                else "."
            )
        )
    outlook = content.forecast.outlook
    if outlook.target_communes_meeting_standard is not None and outlook.met_on_trend is False:
        tasks.append(
            _(
                "Theo xu hướng hiện tại, đến năm %(year)s còn thiếu %(shortfall)s xã so với mục tiêu %(goal)s xã "
                "đạt chuẩn: cần đẩy nhanh các xã quyết định việc đạt mục tiêu nêu trong phần dự báo."
            )
            % {
                "year": outlook.target_year,
                "shortfall": outlook.shortfall,
                "goal": outlook.target_communes_meeting_standard,
            }
        )
    flagged = [agency.full_name for agency in content.sponsors.agencies if agency.flagged]
    if flagged:
        tasks.append(
            _(
                "Đôn đốc các cơ quan, doanh nghiệp chưa đạt mức tối thiểu về số lượt đến xã, "
                "số ngày làm việc tại xã: %(names)s."
            )
            % {"names": "; ".join(flagged)}
        )
    return tasks


def matrix_line(marks: str, met: str, width: int) -> str:
    """A commune's cell of the appendix matrix: its marks and its count, one word each, so that the word-spacing
    (matrix_geometry) puts each in its column; one text box, no element per mark or for the count."""
    return " ".join(marks) + " " + met.rjust(width, FIGURE_SPACE)


def matrix_geometry(criteria: int) -> dict[str, str]:
    """Widths of the appendix matrix's columns, the word-spacing that makes a mark and the space after it (two
    monospace advances) exactly one criterion's column wide, and the grid drawn behind a row's lines."""
    column = (MATRIX_PAGE_MM - MATRIX_NAME_MM - MATRIX_COUNT_MM) / max(criteria, 1)
    advance = MATRIX_FONT_PT * MONO_ADVANCE_EM * MM_PER_PT
    return {
        "name": f"{MATRIX_NAME_MM:.2f}mm",
        "count": f"{MATRIX_COUNT_MM:.2f}mm",
        "column": f"{column:.3f}mm",
        "spacing": f"{column - 2 * advance:.3f}mm",
        "indent": f"{(column - advance) / 2:.3f}mm",
        "font": f"{MATRIX_FONT_PT}pt",
        "line": f"{MATRIX_LINE_PT}pt",
        "width": f"{MATRIX_PAGE_MM:.2f}mm",
        "grid": svg_data_uri(matrix_grid_tile([MATRIX_NAME_MM + k * column for k in range(criteria + 1)])),
    }


def matrix_grid_tile(rules_mm: list[float]) -> str:
    """One line of the matrix's grid, repeated down a row of communes as its background: the row's rule at the bottom,
    the table's outline at both ends, and a column rule ending at each of `rules_mm`, where the heading's cell above
    draws its right border. One path, one tile a row: WeasyPrint draws the SVG again for each box it is the
    background of, and pays per element and per path command."""
    to_pt = 1 / MM_PER_PT
    width, height, rule, outer = MATRIX_PAGE_MM * to_pt, MATRIX_LINE_PT, MATRIX_RULE_PT, MATRIX_OUTER_RULE_PT
    rectangles = [
        f"M0 {height - rule:.3f}h{width:.3f}v{rule}h{-width:.3f}z",
        f"M0 0h{outer}v{height}h{-outer}z",
        f"M{width - outer:.3f} 0h{outer}v{height}h{-outer}z",
        *(f"M{x * to_pt - rule:.3f} 0h{rule}v{height}h{-rule}z" for x in rules_mm),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.3f}pt" height="{height}pt" '
        f'viewBox="0 0 {width:.3f} {height}"><path d="{"".join(rectangles)}" fill="#000"/></svg>'
    )


def section_numbers(*, has_districts: bool) -> dict[str, int]:
    """The numbered sections of part I (the results), in order; the district section only where there are districts."""
    keys = ["overall", "bands", "districts", "criteria", "near_finish", "secondments", "sponsors"]
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
    # The naive layout, the benchmark's baseline, keeps WeasyPrint's own user-agent stylesheet, as a report written
    # without the packed layout's measures would: the baseline issue 18's goal (≥ 4× faster) was set against.
    html_class = PrintHTML if layout == "packed" else HTML
    started = time.perf_counter()
    document = html_class(string=html, url_fetcher=fetcher).render(stylesheets=[css], font_config=font_config)
    laid_out = time.perf_counter()
    pages = len(document.pages)
    if on_laid_out:
        on_laid_out(pages)
    document.write_pdf(target)
    written = time.perf_counter()
    return RenderedPdf(pages=pages, layout_seconds=laid_out - started, write_seconds=written - laid_out)
