"""Charts of a unit's progress, drawn as SVG strings: the PDF report inlines them, and the browser dashboards inline
the same strings (so their text can be measured and their communes linked).

One drawing code, two sizes (`Layout`): PRINT, the default, is drawn at the width the PDF shows it (160 mm) with
8.5 pt text; SCREEN is drawn narrow (4.4 in) with 12 pt text, so that on a 375 px phone, where the chart is shrunk
to the width of the screen, no text falls under 11 px (issue 19). On a wide screen a SCREEN chart keeps its own
size (dashboard.css caps it). Bar charts are horizontal, one bar per line, the whole label written above its bar and
wrapped to the chart's width: nothing is cut.

matplotlib draws with text kept as text (`svg.fonttype: none`), set in DejaVu Sans Condensed, the font the report
ships in static/fonts: matplotlib measures the labels with that very file, and WeasyPrint or the browser draws them
with it (or a sans fallback). The Figure API is used without pyplot, so nothing global is touched and a worker can
draw in any thread. The map of the communes is plain SVG written here: one <circle> per commune, in a link.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("svg")  # before anything imports pyplot: no GUI backend in a worker

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from criteria.forecast import TargetOutlook  # noqa: E402
from criteria.selectors import UnitProgress, YearProgress, criteria_band_ranges  # noqa: E402
from ntm_portal.formats import number, percent  # noqa: E402
from secondments.selectors import SecondmentResults  # noqa: E402

FONT_FILES = ("fonts/dejavu/DejaVuSansCondensed.ttf", "fonts/dejavu/DejaVuSansCondensed-Bold.ttf")
FONT_FAMILY = "DejaVu Sans Condensed"
BRAND = "#1f6f43"
TARGET = "#b3261e"
MUTED = "#9aa79f"
INK = "#1b2a1f"
BAND_COLOURS = {
    "all": BRAND,
    "high": "#6aa84f",
    "middle": "#e0a526",
    "low": "#c0504d",
    "lowest": "#7d2a27",
    "none": "#c9cfcb",
}
POINTS_PER_INCH = 72


@dataclass(frozen=True)
class Layout:
    """The size a chart is drawn at: its width and the size of every text in it (labels, ticks, values, legend)."""

    width_in: float
    font_pt: float
    title_pt: float


# The PDF shows a chart across the text width (about 160 mm), at its drawn size.
PRINT = Layout(width_in=6.3, font_pt=8.5, title_pt=9.5)
# Drawn 4.4 in (317 pt) wide with 12 pt text: shrunk to the 311 px a 375 px phone gives a chart (PHONE_CHART_PX),
# the text is still 11.8 px.
SCREEN = Layout(width_in=4.4, font_pt=12, title_pt=13)
PHONE_CHART_PX = 311  # the chart's width on a 375 px screen: the page's and the card's padding taken off
MIN_TAP_PX = 24  # a target a finger can hit (WCAG 2.5.8): the map's dots are smaller, their links' areas are not
MIN_PHONE_TEXT_PX = 11

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ntm-portal",  # stable element ids: the same figures give the same SVG
    "font.family": FONT_FAMILY,
    # DejaVu's regular face weighs 380 ("Book"): asking for exactly that spares a findfont warning per label.
    "font.weight": 380,
    "axes.labelweight": 380,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#5b6b60",
    "xtick.color": INK,
    "ytick.color": INK,
}


@cache
def _register_fonts() -> None:
    for name in FONT_FILES:
        path = finders.find(name) or str(Path(settings.BASE_DIR) / "static" / name)
        font_manager.fontManager.addfont(path)


STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
NAMESPACES = re.compile(r' xmlns(?::xlink)?="[^"]*"')
STYLE_ELEMENT = re.compile(r'\s*<style type="text/css">\*\{([^}]*)\}</style>')


def _presentation_attributes(declarations: str) -> str:
    """`fill: #fff; stroke-width: 0.8` → ` fill="#fff" stroke-width="0.8"`: the same styling as SVG attributes."""
    pairs = (declaration.split(":", 1) for declaration in declarations.split(";") if ":" in declaration)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _svg(figure: Figure, *, title: str = "") -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None})
    svg = buffer.getvalue()
    # Inlined in HTML: drop the XML prolog and doctype, keep the <svg> element.
    svg = svg[svg.index("<svg") :]
    # Inlined in the dashboards, the chart is under the page's Content-Security-Policy, which refuses inline styles
    # (style="…" and <style>): matplotlib's styling becomes presentation attributes, which it does not govern. Its one
    # rule for every element (`*{stroke-linejoin: round; …}`) goes on the root, whence both properties are inherited.
    rule = STYLE_ELEMENT.search(svg)
    if rule:
        svg = STYLE_ELEMENT.sub("", svg).replace("<svg ", f"<svg{_presentation_attributes(rule.group(1))} ", 1)
    svg = STYLE_ATTRIBUTE.sub(lambda match: _presentation_attributes(match.group(1)), svg)
    svg = METADATA.sub("", svg)  # matplotlib's name, version and web address: nothing a reader needs
    if title:  # a name for screen readers; the figures themselves are in the table under each chart
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return svg


def _figure(layout: Layout, height_in: float) -> Figure:
    _register_fonts()
    return Figure(figsize=(layout.width_in, height_in))


def _legend_below(figure: Figure, handles, labels: list[str], font: float, *, handle_length: float) -> None:
    """The legend in the space left under the axes, from the left edge, without a frame."""
    figure.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 0),
        frameon=False,
        fontsize=font,
        borderaxespad=0,
        handlelength=handle_length,
        borderpad=0.1,
    )


def _percent_bar_rows(layout: Layout, *, title: str, rows: list, x_label: str, legend: list) -> str:
    """Bars of shares, on an axis from 0 to 100% with whole-percent ticks."""
    return _bar_rows(
        layout,
        title=title,
        rows=rows,
        x_max=100,
        x_label=x_label,
        ticks=_percent_ticks(),
        tick_format=_tick_percent,
        legend=legend,
    )


def _percent_label(value: float) -> str:
    return percent(value)


def inline(svg: str) -> str:
    """A chart for an HTML page: without its namespace declarations, which HTML implies for <svg> (and for
    xlink:href), so the page names no outside address. The PDF, which embeds a chart as an image, keeps them."""
    return NAMESPACES.sub("", svg)


# --- text measured with the font the chart is drawn in ------------------------------------------------------------


@cache
def _font(size: float, bold: bool = False) -> FontProperties:
    _register_fonts()
    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else 380)


@cache
def _text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` in points, as matplotlib will lay it out."""
    width, _height, _descent = TextToPath().get_text_width_height_descent(text, _font(size, bold), ismath=False)
    return width


def wrap(text: str, width_pt: float, size: float, bold: bool = False) -> list[str]:
    """`text` in lines no wider than `width_pt` at `size` points, broken between words (a word longer than the line
    keeps its own line): the whole label, never cut."""
    lines: list[str] = []
    for word in re.sub(r"\s+", " ", text).strip().split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", size, bold) <= width_pt:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _title(figure: Figure, layout: Layout, title: str, top_pt: float) -> None:
    """The chart's title, wrapped, at the top left of a figure whose height is already set."""
    height_pt = figure.get_figheight() * POINTS_PER_INCH
    figure.text(
        0,
        1 - top_pt / height_pt,
        "\n".join(wrap(title, layout.width_in * POINTS_PER_INCH, layout.title_pt, True)),
        fontsize=layout.title_pt,
        fontweight="bold",
        va="top",
        ha="left",
        linespacing=1.2,
    )


def _title_height(layout: Layout, title: str) -> float:
    lines = len(wrap(title, layout.width_in * POINTS_PER_INCH, layout.title_pt, True))
    return lines * layout.title_pt * 1.2 + layout.font_pt * 0.8


# --- horizontal bars, each under its whole label -------------------------------------------------------------------


@dataclass(frozen=True)
class _Bar:
    value: float
    colour: str
    text: str  # written at the end of the bar


@dataclass(frozen=True)
class _Row:
    label: str
    bars: tuple[_Bar, ...]
    marker: float | None = None  # a target, drawn as a tick across the bar


def _bar_rows(
    layout: Layout,
    *,
    title: str,
    rows: Sequence[_Row],
    x_max: float,
    x_label: str,
    ticks: Sequence[float],
    tick_format=number,
    legend: Sequence[tuple[str, str, str]] = (),  # (kind "bar" or "marker", colour, label)
) -> str:
    """Rows of bars top to bottom, each row's label above its bars over the chart's whole width, an x axis with its
    values and label, the legend under it. The vertical scale is set in points so text and bars never overlap."""
    font = layout.font_pt
    width_pt = layout.width_in * POINTS_PER_INCH
    left_pt = font * 1.3  # room for the first tick value
    # Room on the right for the longest value written after its bar, where the bar leaves too little.
    plot_pt = width_pt - left_pt - font * 1.5
    right_pt = max(
        font * 1.5,
        *(
            _text_width(bar.text, font) + 5 - (x_max - max(bar.value, row.marker or 0)) / x_max * plot_pt
            for row in rows
            for bar in row.bars
        ),
    )
    line_pt, bar_pt, gap_pt = font * 1.22, font * 1.05, font * 0.55
    placed, y = [], gap_pt * 0.5
    for row in rows:
        lines = wrap(row.label, width_pt - left_pt * 0.5, font)
        label_y = y
        y += len(lines) * line_pt + font * 0.15
        bars_y = [y + index * bar_pt + bar_pt / 2 for index in range(len(row.bars))]
        y += len(row.bars) * bar_pt + gap_pt
        placed.append((row, lines, label_y, bars_y))
    rows_pt = y
    top_pt = _title_height(layout, title)
    legend_lines = sum(len(wrap(label, width_pt - font * 2.5, font)) for _kind, _colour, label in legend)
    bottom_pt = font * 3.4 + (legend_lines * line_pt + font * 0.6 if legend else 0)
    height_pt = top_pt + rows_pt + bottom_pt
    with matplotlib.rc_context(STYLE):
        figure = _figure(layout, height_pt / POINTS_PER_INCH)
        axes = figure.add_axes(
            (left_pt / width_pt, bottom_pt / height_pt, 1 - (left_pt + right_pt) / width_pt, rows_pt / height_pt)
        )
        axes.set_ylim(rows_pt, 0)
        axes.set_xlim(0, x_max)
        axes.set_yticks([])
        axes.spines["left"].set_visible(True)
        label_transform = blended_transform_factory(axes.transAxes, axes.transData)
        for row, lines, label_y, bars_y in placed:
            axes.text(
                -left_pt * 0.5 / (width_pt - left_pt - right_pt),
                label_y,
                "\n".join(lines),
                transform=label_transform,
                va="top",
                ha="left",
                fontsize=font,
                linespacing=1.1,
            )
            for bar, bar_y in zip(row.bars, bars_y, strict=True):
                axes.barh(bar_y, bar.value, height=bar_pt * 0.8, color=bar.colour)
                # After the target's tick too, which would cross the figure.
                axes.annotate(
                    bar.text,
                    (max(bar.value, row.marker or 0), bar_y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=font,
                )
            if row.marker is not None:
                top, bottom = bars_y[0] - bar_pt * 0.6, bars_y[-1] + bar_pt * 0.6
                axes.plot([row.marker, row.marker], [top, bottom], color=TARGET, linewidth=2.5, solid_capstyle="butt")
        axes.set_xticks(list(ticks), [tick_format(t) for t in ticks])
        axes.tick_params(axis="x", labelsize=font)
        axes.grid(axis="x", color="#e3e9e5", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.set_xlabel(x_label, fontsize=font)
        if legend:
            handles = [
                Patch(color=colour) if kind == "bar" else matplotlib.lines.Line2D([], [], color=colour, linewidth=2.5)
                for kind, colour, _label in legend
            ]
            labels = ["\n".join(wrap(label, width_pt - font * 2.5, font)) for _kind, _colour, label in legend]
            _legend_below(figure, handles, labels, font, handle_length=1.2)
        _title(figure, layout, title, top_pt=0)
        return _svg(figure, title=title)


def _percent_ticks() -> list[int]:
    return [0, 25, 50, 75, 100]


def _tick_percent(value: float) -> str:
    return f"{number(value)}%"  # axis ticks are whole percents: no decimals to line up


def _count_ticks(highest: float) -> list[int]:
    """Round tick values from 0 to at least `highest`: the finest step of 1, 2 or 5 × 10ⁿ giving at most five
    intervals, and at least three values (0, 1, 2 on an axis of one commune)."""
    highest = max(math.ceil(highest), 2)
    step = next(f * 10**e for e in range(12) for f in (1, 2, 5) if math.ceil(highest / (f * 10**e)) <= 5)
    return list(range(0, math.ceil(highest / step) * step + 1, step))


def bands_chart(summary: UnitProgress, *, layout: Layout = PRINT) -> str:
    """Communes by criteria met: all / 15–18 / 10–14 / 5–9 / < 5 (for 19 criteria), and those without a round."""
    rows = [
        _Row(
            _("%(range)s tiêu chí") % {"range": band.label},
            (_Bar(band.communes, BAND_COLOURS.get(band.key, BRAND), number(band.communes)),),
        )
        for band in summary.bands
    ]
    if summary.communes_without_round:
        value = summary.communes_without_round
        rows.append(_Row(_("Chưa đánh giá"), (_Bar(value, BAND_COLOURS["none"], number(value)),)))
    if not rows:
        return ""
    ticks = _count_ticks(max(bar.value for row in rows for bar in row.bars))
    title = _("Số xã theo số tiêu chí đạt")
    return _bar_rows(layout, title=title, rows=rows, x_max=ticks[-1] * 1.02, x_label=_("Số xã"), ticks=ticks)


def districts_chart(summary: UnitProgress, *, layout: Layout = PRINT) -> str:
    """Share of communes meeting the standard per district, with the district's target where one is set.
    Empty for a unit without district lines (a district itself, or a province without districts)."""
    lines = [line for line in summary.districts if line.district_id is not None]
    if not lines:
        return ""
    rows, target_year = [], None
    for line in lines:
        share = line.percent_meeting_standard or 0
        marker = None
        if line.target and line.target.min_communes_meeting_standard and line.communes_total:
            marker = min(100 * line.target.min_communes_meeting_standard / line.communes_total, 100)
            target_year = line.target.year
        text = f"{line.communes_meeting_standard}/{line.communes_total} ({_percent_label(share)})"
        rows.append(_Row(line.name, (_Bar(share, BRAND, text),), marker))
    legend = [("marker", TARGET, _("Mục tiêu năm %(year)s") % {"year": target_year})] if target_year else []
    return _percent_bar_rows(
        layout,
        title=_("Tỷ lệ xã đạt chuẩn NTM theo huyện"),
        rows=rows,
        x_label=_("% số xã đạt chuẩn NTM"),
        legend=legend,
    )


def criteria_chart(summary: UnitProgress, *, layout: Layout = PRINT) -> str:
    """Share of assessed communes meeting each criterion of the one set in force, the weakest first (at the top)."""
    if not summary.criteria:
        return ""
    rows = [
        _Row(
            f"{c.number}. {c.name}",
            (_Bar(c.percent or 0, TARGET if (c.percent or 0) < 50 else BRAND, _percent_label(c.percent or 0)),),
        )
        for c in summary.criteria
    ]
    title = _("Tỷ lệ xã đạt từng tiêu chí (yếu nhất ở trên)")
    if summary.criteria_set_name:
        title = f"{title}: {summary.criteria_set_name}"
    shares = [c.percent or 0 for c in summary.criteria]
    legend = [("bar", TARGET, _("Dưới một nửa số xã đạt"))] if min(shares) < 50 else []
    legend += [("bar", BRAND, _("Từ một nửa số xã đạt trở lên"))] if max(shares) >= 50 else []
    return _percent_bar_rows(
        layout, title=title, rows=rows, x_label=_("% số xã đã đánh giá đạt tiêu chí"), legend=legend
    )


def secondment_comparison_chart(results: SecondmentResults, *, layout: Layout = PRINT) -> str:
    """Share of communes reaching the standard: those with a seconded cadre next to those without one in the same
    unit and period, for every batch and all secondments. Empty without secondments."""
    if results.overall is None:
        return ""
    rows = []
    for group in (results.overall, *results.batches):
        seconded = group.seconded.percent_meeting_standard or 0
        others = group.comparison.percent_meeting_standard or 0
        rows.append(
            _Row(
                group.label,
                (_Bar(seconded, BRAND, _percent_label(seconded)), _Bar(others, MUTED, _percent_label(others))),
            )
        )
    legend = [
        ("bar", BRAND, _("Xã có cán bộ biệt phái, luân chuyển")),
        ("bar", MUTED, _("Xã không có cán bộ biệt phái cùng thời kỳ")),
    ]
    return _percent_bar_rows(
        layout,
        title=_("Tỷ lệ xã đạt chuẩn: có và không có cán bộ biệt phái"),
        rows=rows,
        x_label=_("% số xã đạt chuẩn NTM"),
        legend=legend,
    )


# --- values over the years ------------------------------------------------------------------------------------------


def _year_labels(years: Sequence[int], layout: Layout, axes_width_pt: float) -> list[str]:
    """Every year where the labels fit side by side, else every other one (the last always): never overlapping."""
    slot = axes_width_pt / max(len(years), 1)
    every = 1 if _text_width("2030", layout.font_pt) * 1.2 <= slot else 2
    last = len(years) - 1
    return [str(year) if (last - index) % every == 0 else "" for index, year in enumerate(years)]


def _over_years(
    layout: Layout,
    *,
    title: str,
    years: Sequence[int],
    y_label: str,
    y_max: float,
    draw,
    legend_entries: int = 0,
) -> str:
    """A chart of values over the years: the title on top, the years along the bottom, the values up the left, the
    legend under the chart. `draw(axes, positions)` draws the values."""
    font = layout.font_pt
    width_pt = layout.width_in * POINTS_PER_INCH
    top_pt = _title_height(layout, title)
    plot_pt = font * 13
    left_pt = font * 3.2
    bottom_pt = font * 2.2 + (legend_entries * font * 1.4 + font * 0.5 if legend_entries else 0)
    height_pt = top_pt + plot_pt + bottom_pt
    with matplotlib.rc_context(STYLE):
        figure = _figure(layout, height_pt / POINTS_PER_INCH)
        axes = figure.add_axes(
            (left_pt / width_pt, bottom_pt / height_pt, 1 - (left_pt + font) / width_pt, plot_pt / height_pt)
        )
        positions = list(range(len(years)))
        draw(axes, positions)
        axes.set_xticks(positions, _year_labels(years, layout, width_pt - left_pt - font))
        spare = max(4 - len(years), 0) / 2  # a single round keeps a bar's width, centred
        axes.set_xlim(-0.6 - spare, len(years) - 0.4 + spare)
        ticks = _count_ticks(y_max)
        axes.set_yticks(ticks, [number(t) for t in ticks])
        axes.set_ylim(0, ticks[-1] * 1.12)
        axes.tick_params(labelsize=font)
        axes.grid(axis="y", color="#e3e9e5", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.set_ylabel(y_label, fontsize=font)
        if legend_entries:
            handles, labels = axes.get_legend_handles_labels()
            labels = ["\n".join(wrap(label, width_pt - font * 3, font)) for label in labels]
            _legend_below(figure, handles, labels, font, handle_length=1.6)
        _title(figure, layout, title, top_pt=0)
        return _svg(figure, title=title)


# How far above a bar (a share of the chart's highest value) a target's tick would cover the bar's figure: the figure
# is about a tenth of the plot's height, which reaches a little over the highest value.
TARGET_CLEARANCE = 0.15


def trend_chart(trend: list[YearProgress], *, layout: Layout = PRINT) -> str:
    """Communes meeting the standard year by year (on 31 December; the last year on the as-of date), with the
    target in force each year where one is set. Empty for an empty trend."""
    if not trend:
        return ""
    values = [line.communes_meeting_standard for line in trend]
    targets = [
        (position, line.target_communes_meeting_standard)
        for position, line in enumerate(trend)
        if line.target_communes_meeting_standard is not None
    ]

    target_at = dict(targets)

    def draw(axes, positions):
        axes.bar(positions, values, color=BRAND, width=0.62)
        for position, value in zip(positions, values, strict=True):
            # A target just above the bar would draw its tick across the bar's figure: the figure goes over the tick.
            target = target_at.get(position)
            over_target = target is not None and value <= target <= value + TARGET_CLEARANCE * highest
            axes.annotate(
                number(value),
                (position, target if over_target else value),
                xytext=(0, layout.font_pt * 0.5 if over_target else 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=layout.font_pt,
            )
        if targets:
            axes.scatter(
                [p for p, _t in targets],
                [t for _p, t in targets],
                marker="_",
                s=layout.font_pt * 30,
                linewidths=2.5,
                color=TARGET,
                label=_("Mục tiêu số xã đạt chuẩn"),
                zorder=3,
            )

    highest = max([*values, *(t for _p, t in targets)])
    return _over_years(
        layout,
        title=_("Số xã đạt chuẩn NTM qua các năm"),
        years=[line.year for line in trend],
        y_label=_("Số xã đạt chuẩn"),
        y_max=highest,
        draw=draw,
        legend_entries=1 if targets else 0,
    )


def forecast_chart(outlook: TargetOutlook, *, layout: Layout = PRINT) -> str:
    """Communes meeting the standard by the end of each year on the present trend, with the target where one is set.
    Empty for a unit without communes."""
    if not outlook.projection or not outlook.communes_total:
        return ""
    values = [communes for _year, communes in outlook.projection]
    has_target = outlook.target_communes_meeting_standard is not None and outlook.target_year is not None

    def draw(axes, positions):
        axes.plot(positions, values, color=BRAND, marker="o", label=_("Theo xu hướng hiện tại"))
        for position, value in zip(positions, values, strict=True):
            axes.annotate(
                number(value),
                (position, value),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=layout.font_pt,
            )
        if has_target:
            axes.axhline(
                outlook.target_communes_meeting_standard,
                color=TARGET,
                linestyle="--",
                linewidth=1.5,
                label=_("Mục tiêu %(n)s xã năm %(year)s")
                % {"n": outlook.target_communes_meeting_standard, "year": outlook.target_year},
            )

    return _over_years(
        layout,
        title=_("Dự báo số xã đạt chuẩn NTM theo xu hướng hiện tại"),
        years=[year for year, _communes in outlook.projection],
        y_label=_("Số xã đạt chuẩn"),
        y_max=outlook.communes_total,
        draw=draw,
        legend_entries=2 if has_target else 1,
    )


@dataclass(frozen=True)
class RoundScore:
    """One assessment round of a commune, for its chart."""

    year: int
    criteria_met: int
    criteria_total: int


def commune_rounds_chart(set_name: str, rounds: Sequence[RoundScore], *, layout: Layout = SCREEN) -> str:
    """Criteria met round by round, on one criteria set: the commune page draws one chart per set, so 19-criterion
    and 10-criterion scores are never on one scale. Empty without rounds."""
    if not rounds:
        return ""
    total = max(r.criteria_total for r in rounds)

    def draw(axes, positions):
        values = [r.criteria_met for r in rounds]
        colours = [BRAND if r.criteria_met == r.criteria_total else "#6aa84f" for r in rounds]
        bars = axes.bar(positions, values, color=colours, width=0.62)
        axes.bar_label(bars, labels=[number(v) for v in values], padding=2, fontsize=layout.font_pt)
        axes.axhline(total, color=TARGET, linestyle="--", linewidth=1.2, label=_("Đủ %(n)s tiêu chí") % {"n": total})

    return _over_years(
        layout,
        title=_("Số tiêu chí đạt: %(set)s") % {"set": set_name},
        years=[r.year for r in rounds],
        y_label=_("Số tiêu chí đạt"),
        y_max=total,
        draw=draw,
        legend_entries=1,
    )


# --- the map of the communes ---------------------------------------------------------------------------------------

# Standing on the map's date (communes.selectors.MapPoint.standing): recognised levels in greens and blue, the
# criteria-met bands of a commune not yet recognised from yellow to red, grey without a round.
STANDING_COLOURS = {
    "advanced": "#1d4e89",
    "standard": BRAND,
    "all": "#8cc084",
    "high": "#e8c547",
    "middle": "#e08a2c",
    "low": "#b3261e",
    "lowest": "#6e1410",
    "none": "#c9cfcb",
}
MAP_MAX_HEIGHT = 1.25  # of the map's width: a long province is drawn narrower rather than taller than a phone
MAP_MAX_HEIGHT_PT = 360  # 127 mm: the map, its title and legend fit on half an A4 page in the PDF


def standing_labels(criteria_total: int) -> dict[str, str]:
    """The map legend's label of each standing (communes.selectors.MapPoint.standing), in the legend's order."""
    labels = {"advanced": _("Đạt chuẩn nâng cao, kiểu mẫu"), "standard": _("Đạt chuẩn NTM")}
    for key, label, _low, _high in criteria_band_ranges(criteria_total):
        if key == "all":
            labels[key] = _("Chưa công nhận, đủ %(n)s tiêu chí") % {"n": criteria_total}
        else:
            labels[key] = _("Chưa đạt chuẩn: %(range)s tiêu chí") % {"range": label}
    labels["none"] = _("Chưa có kỳ đánh giá")
    return labels


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull, counter-clockwise (Andrew's monotone chain)."""
    points = sorted(set(points))
    if len(points) < 3:
        return points

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in points:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def communes_map(
    data,
    *,
    title: str = "",
    href: str | None = None,
    linked: set[int] | frozenset[int] | None = None,
    layout: Layout = PRINT,
) -> str:
    """The communes of `data` (communes.selectors.CommunesMap) as dots at their coordinates, coloured by standing,
    inside the outline of their convex hull, with the title and a legend counting each colour. Communes without
    coordinates are not drawn (the page lists them). `href`: the commune page's URL with "{id}" for the commune's
    pk, each dot then a link to it with a tooltip (none without: the printed map); `linked`: the communes that may be
    linked and named (None: all of them).
    A linked dot is 14 px across on a phone, small to tap among its neighbours: under the dots, each linked commune
    has an invisible disc MIN_TAP_PX across that links to the same page, so a tap near a dot opens it while a tap on a
    dot still opens that dot's commune (the discs are drawn first). They are hidden from screen readers and from the
    keyboard, which have the dot's own link.
    Hand-written SVG: one <circle data-commune-id> per commune, presentation attributes only (the page's CSP)."""
    font = layout.font_pt
    width = layout.width_in * POINTS_PER_INCH
    title = title or _("Bản đồ các xã theo mức đạt chuẩn NTM")
    labels = standing_labels(data.criteria_total)
    placed = [p for p in data.points if p.latitude is not None and p.longitude is not None]
    counts = Counter(p.standing for p in data.points)

    title_lines = wrap(title, width, layout.title_pt, True)
    parts, y = [], layout.title_pt
    for line in title_lines:
        parts.append(
            f'<text x="0" y="{_number(y)}" font-size="{_number(layout.title_pt)}" font-weight="bold">'
            f"{escape(line)}</text>"
        )
        y += layout.title_pt * 1.2
    if data.as_of:
        day = _("Ngày %(date)s") % {"date": data.as_of.strftime("%d/%m/%Y")}
        parts.append(f'<text x="0" y="{_number(y)}" font-size="{_number(font)}" fill="#3d4a41">{escape(day)}</text>')
        y += font * 0.8
    radius = font * 0.6  # a dot a finger can hit on a phone: 14 px across at 375 px
    margin = radius * 3
    map_top = y + font * 0.4
    map_height = 0.0
    if placed:
        latitudes = [float(p.latitude) for p in placed]
        longitudes = [float(p.longitude) for p in placed]
        middle = math.radians((max(latitudes) + min(latitudes)) / 2)
        # Equirectangular, x shrunk by cos(latitude): true shapes at a province's size.
        span_x = max((max(longitudes) - min(longitudes)) * math.cos(middle), 1e-3)
        span_y = max(max(latitudes) - min(latitudes), 1e-3)
        inner = width - 2 * margin
        scale = min(inner / span_x, min(inner * MAP_MAX_HEIGHT, MAP_MAX_HEIGHT_PT) / span_y)
        offset_x = margin + (inner - span_x * scale) / 2
        map_height = span_y * scale + 2 * margin

        def project(point) -> tuple[float, float]:
            x = offset_x + (float(point.longitude) - min(longitudes)) * math.cos(middle) * scale
            y_ = map_top + margin + (max(latitudes) - float(point.latitude)) * scale
            return round(x, 1), round(y_, 1)

        positions = [project(p) for p in placed]
        hull = _hull(positions)
        if len(hull) >= 3:
            centre_x = sum(x for x, _y in hull) / len(hull)
            centre_y = sum(y_ for _x, y_ in hull) / len(hull)

            def out(x: float, y_: float) -> str:
                distance = math.hypot(x - centre_x, y_ - centre_y) or 1
                pad = radius * 2.2 / distance
                return f"{_number(x + (x - centre_x) * pad)},{_number(y_ + (y_ - centre_y) * pad)}"

            parts.append(
                f'<polygon class="map-outline" points="{" ".join(out(x, y_) for x, y_ in hull)}" '
                'fill="#f3f6f3" stroke="#8a9a8f" stroke-width="1" stroke-linejoin="round"/>'
            )
        tap_radius = math.ceil(MIN_TAP_PX / 2 * width / PHONE_CHART_PX * 10) / 10  # up: written with one decimal
        tap_areas, dots = [], []
        for point, (x, y_) in zip(placed, positions, strict=True):
            may_name = linked is None or point.commune_id in linked
            url = escape(href.replace("{id}", str(point.commune_id))) if href and may_name else None
            standing = labels.get(point.standing, "")
            score = (
                f", {point.criteria_met}/{point.criteria_total} " + _("tiêu chí")
                if point.criteria_met is not None
                else ""
            )
            tooltip = f"{point.name}: {standing}{score}" if may_name else f"{standing}{score}"
            # A tooltip on screen only: on paper nobody hovers, and WeasyPrint pays for each element of the SVG.
            title = f"<title>{escape(tooltip)}</title>" if href else ""
            circle = (
                f'<circle data-commune-id="{point.commune_id}" data-standing="{point.standing}" cx="{_number(x)}" '
                f'cy="{_number(y_)}" r="{_number(radius)}" fill="{STANDING_COLOURS.get(point.standing, MUTED)}" '
                f'stroke="#ffffff" stroke-width="1">{title}</circle>'
            )
            if url:
                tap_areas.append(
                    f'<a href="{url}" tabindex="-1" aria-hidden="true"><circle cx="{_number(x)}" cy="{_number(y_)}" '
                    f'r="{_number(tap_radius)}" fill="#ffffff" fill-opacity="0"/></a>'
                )
                circle = f'<a href="{url}" aria-label="{escape(tooltip)}">{circle}</a>'
            dots.append(circle)
        parts.extend(tap_areas + dots)  # every tap area under every dot
    y = map_top + map_height + font * 0.6
    for key, label in labels.items():
        if not counts[key]:
            continue
        colour = STANDING_COLOURS[key]
        lines = wrap(f"{label} ({counts[key]})", width - font * 1.6, font)
        parts.append(
            f'<circle cx="{_number(radius)}" cy="{_number(y + font * 0.6)}" r="{_number(radius)}" fill="{colour}"/>'
        )
        for line in lines:
            y += font * 1.0
            parts.append(
                f'<text x="{_number(font * 1.4)}" y="{_number(y)}" font-size="{_number(font)}">{escape(line)}</text>'
            )
            y += font * 0.25
        y += font * 0.35
    height = y + font * 0.3
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="communes-map" viewBox="0 0 {_number(width)} '
        f'{_number(height)}" width="{_number(width)}pt" height="{_number(height)}pt" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT_FAMILY}, DejaVu Sans, sans-serif" fill="{INK}">'
        + "".join(parts)
        + "</svg>"
    )
