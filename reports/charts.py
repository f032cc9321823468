"""Charts of a unit's progress, drawn by matplotlib as SVG strings: the PDF report inlines them, and the browser
dashboards can inline the same strings.

Text stays text (`svg.fonttype: none`), set in DejaVu Sans Condensed, the font the report ships in static/fonts:
matplotlib measures the labels with that very file, and WeasyPrint or the browser draws them with it (or a sans
fallback).
The Figure API is used without pyplot, so nothing global is touched and a worker can draw in any thread.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("svg")  # before anything imports pyplot: no GUI backend in a worker

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.utils.formats import number_format  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from criteria.forecast import TargetOutlook  # noqa: E402
from criteria.selectors import UnitProgress, YearProgress  # noqa: E402
from secondments.selectors import SecondmentResults  # noqa: E402

FONT_FILES = ("fonts/dejavu/DejaVuSansCondensed.ttf", "fonts/dejavu/DejaVuSansCondensed-Bold.ttf")
FONT_FAMILY = "DejaVu Sans Condensed"
BRAND = "#1f6f43"
TARGET = "#b3261e"
MUTED = "#9aa79f"
BAND_COLOURS = {"all": BRAND, "high": "#6aa84f", "middle": "#e0a526", "low": "#c0504d", "none": "#c9cfcb"}
WIDTH_IN = 6.9  # the text width of an A4 page with the report's margins
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ntm-portal",  # stable element ids: the same figures give the same SVG
    "font.family": FONT_FAMILY,
    # DejaVu's regular face weighs 380 ("Book"): asking for exactly that spares a findfont warning per label.
    "font.weight": 380,
    "axes.labelweight": 380,
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#5b6b60",
    "xtick.color": "#1b2a1f",
    "ytick.color": "#1b2a1f",
}


@cache
def _register_fonts() -> None:
    for name in FONT_FILES:
        path = finders.find(name) or str(Path(settings.BASE_DIR) / "static" / name)
        font_manager.fontManager.addfont(path)


STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
STYLE_ELEMENT = re.compile(r'\s*<style type="text/css">\*\{([^}]*)\}</style>')


def _presentation_attributes(declarations: str) -> str:
    """`fill: #fff; stroke-width: 0.8` → ` fill="#fff" stroke-width="0.8"`: the same styling as SVG attributes."""
    pairs = (declaration.split(":", 1) for declaration in declarations.split(";") if ":" in declaration)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _svg(figure: Figure) -> str:
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
    return STYLE_ATTRIBUTE.sub(lambda match: _presentation_attributes(match.group(1)), svg)


def _figure(height_in: float) -> Figure:
    _register_fonts()
    return Figure(figsize=(WIDTH_IN, height_in))


def _percent_label(value: float) -> str:
    return f"{number_format(value, 1)}%"


def bands_chart(summary: UnitProgress) -> str:
    """Communes by criteria met: all / 15–18 / 10–14 / < 10 (for 19 criteria), and those without a round."""
    with matplotlib.rc_context(STYLE):
        figure = _figure(2.3)
        axes = figure.add_subplot()
        labels = [_("%(range)s tiêu chí") % {"range": band.label} for band in summary.bands]
        values = [band.communes for band in summary.bands]
        colours = [BAND_COLOURS.get(band.key, BRAND) for band in summary.bands]
        if summary.communes_without_round:
            labels.append(_("Chưa đánh giá"))
            values.append(summary.communes_without_round)
            colours.append(BAND_COLOURS["none"])
        bars = axes.bar(labels, values, color=colours, width=0.6)
        axes.bar_label(bars, labels=[number_format(v) for v in values], padding=2)
        axes.set_ylabel(_("Số xã"))
        axes.set_title(_("Số xã theo số tiêu chí đạt"))
        axes.margins(y=0.15)
        return _svg(figure)


def districts_chart(summary: UnitProgress) -> str:
    """Share of communes meeting the standard per district, with the district's target where one is set.
    Empty for a unit without district lines (a district itself, or a province without districts)."""
    lines = [line for line in summary.districts if line.district_id is not None]
    if not lines:
        return ""
    with matplotlib.rc_context(STYLE):
        figure = _figure(0.9 + 0.16 * len(lines))
        axes = figure.add_subplot()
        names = [line.name for line in lines][::-1]
        shares = [line.percent_meeting_standard or 0 for line in lines][::-1]
        # No value labels: the district table beside the chart has every figure, and each label costs a text box.
        axes.barh(names, shares, color=BRAND, height=0.65)
        targets = [
            (position, 100 * line.target.min_communes_meeting_standard / line.communes_total)
            for position, line in enumerate(lines[::-1])
            if line.target and line.target.min_communes_meeting_standard and line.communes_total
        ]
        if targets:
            axes.scatter(
                [min(share, 100) for _position, share in targets],
                [position for position, _share in targets],
                marker="|",
                s=120,
                color=TARGET,
                label=_("Mục tiêu năm %(year)s") % {"year": lines[0].target.year if lines[0].target else ""},
                zorder=3,
            )
            axes.legend(loc="lower right", frameon=False, fontsize=7)
        axes.set_xlim(0, 110)
        axes.set_xlabel(_("% số xã đạt chuẩn NTM"))
        axes.set_title(_("Tỷ lệ xã đạt chuẩn NTM theo huyện"))
        axes.tick_params(axis="y", labelsize=7)
        axes.margins(y=0.01)
        return _svg(figure)


def criteria_chart(summary: UnitProgress) -> str:
    """Share of assessed communes meeting each criterion, the weakest first (at the top)."""
    if not summary.criteria:
        return ""
    with matplotlib.rc_context(STYLE):
        figure = _figure(0.8 + 0.19 * len(summary.criteria))
        axes = figure.add_subplot()
        rows = summary.criteria[::-1]  # barh draws bottom-up: the weakest ends at the top
        labels = [f"{c.number}. {_shorten(c.name)}" for c in rows]
        shares = [c.percent or 0 for c in rows]
        colours = [TARGET if share < 50 else BRAND for share in shares]
        bars = axes.barh(labels, shares, color=colours, height=0.65)
        axes.bar_label(bars, labels=[_percent_label(s) for s in shares], padding=2, fontsize=7)
        axes.set_xlim(0, 110)
        axes.set_xlabel(_("% số xã đã đánh giá đạt tiêu chí"))
        axes.set_title(_("Tỷ lệ xã đạt từng tiêu chí (yếu nhất ở trên)"))
        axes.tick_params(axis="y", labelsize=7)
        axes.margins(y=0.01)
        return _svg(figure)


def _shorten(name: str, limit: int = 38) -> str:
    name = re.sub(r"\s+", " ", name).strip()
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def trend_chart(trend: list[YearProgress]) -> str:
    """Communes meeting the standard year by year (on 31 December; the last year on the as-of date), with the
    target in force each year where one is set. Empty for an empty trend."""
    if not trend:
        return ""
    with matplotlib.rc_context(STYLE):
        figure = _figure(2.3)
        axes = figure.add_subplot()
        # Positions, not the years as strings: matplotlib would warn that they look like numbers.
        positions = list(range(len(trend)))
        values = [line.communes_meeting_standard for line in trend]
        bars = axes.bar(positions, values, color=BRAND, width=0.6)
        axes.set_xticks(positions, [str(line.year) for line in trend])
        axes.bar_label(bars, labels=[number_format(v) for v in values], padding=2)
        targets = [
            (position, line.target_communes_meeting_standard)
            for position, line in enumerate(trend)
            if line.target_communes_meeting_standard is not None
        ]
        if targets:
            axes.scatter(
                [position for position, _target in targets],
                [target for _position, target in targets],
                marker="_",
                s=220,
                linewidths=2,
                color=TARGET,
                label=_("Mục tiêu số xã đạt chuẩn"),
                zorder=3,
            )
            axes.legend(loc="upper left", frameon=False, fontsize=7)
        axes.set_ylabel(_("Số xã đạt chuẩn"))
        axes.set_title(_("Số xã đạt chuẩn NTM qua các năm"))
        axes.margins(y=0.15)
        return _svg(figure)


def secondment_comparison_chart(results: SecondmentResults) -> str:
    """Share of communes reaching the standard: those with a seconded cadre next to those without one in the same
    unit and period, for every batch and all secondments. Empty without secondments."""
    if results.overall is None:
        return ""
    groups = [results.overall, *results.batches]
    with matplotlib.rc_context(STYLE):
        figure = _figure(0.9 + 0.34 * len(groups))
        axes = figure.add_subplot()
        positions = list(range(len(groups)))[::-1]
        height = 0.38
        seconded = [g.seconded.percent_meeting_standard or 0 for g in groups]
        others = [g.comparison.percent_meeting_standard or 0 for g in groups]
        bars = axes.barh([p + height / 2 for p in positions], seconded, height=height, color=BRAND,
                         label=_("Xã có cán bộ biệt phái, luân chuyển"))  # fmt: skip
        axes.bar_label(bars, labels=[_percent_label(v) for v in seconded], padding=2, fontsize=7)
        bars = axes.barh([p - height / 2 for p in positions], others, height=height, color=MUTED,
                         label=_("Xã không có cán bộ biệt phái cùng thời kỳ"))  # fmt: skip
        axes.bar_label(bars, labels=[_percent_label(v) for v in others], padding=2, fontsize=7)
        axes.set_yticks(positions, [_shorten(g.label, 30) for g in groups])
        axes.set_xlim(0, 115)
        axes.set_xlabel(_("% số xã đạt chuẩn NTM"))
        axes.set_title(_("Tỷ lệ xã đạt chuẩn: có và không có cán bộ biệt phái"))
        # Below the axes: inside, it would cover a bar near 100%.
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.6 / len(groups)), ncols=2, frameon=False,
                    fontsize=7)  # fmt: skip
        axes.margins(y=0.02)
        return _svg(figure)


def forecast_chart(outlook: TargetOutlook) -> str:
    """Communes meeting the standard by the end of each year on the present trend, with the target where one is set.
    Empty for a unit without communes."""
    if not outlook.projection or not outlook.communes_total:
        return ""
    with matplotlib.rc_context(STYLE):
        figure = _figure(2.3)
        axes = figure.add_subplot()
        positions = list(range(len(outlook.projection)))
        values = [communes for _year, communes in outlook.projection]
        axes.plot(positions, values, color=BRAND, marker="o", label=_("Theo xu hướng hiện tại"))
        for position, value in zip(positions, values, strict=True):
            axes.annotate(number_format(value), (position, value), textcoords="offset points", xytext=(0, 5),
                          ha="center", fontsize=7)  # fmt: skip
        axes.set_xticks(positions, [str(year) for year, _communes in outlook.projection])
        if outlook.target_communes_meeting_standard is not None and outlook.target_year is not None:
            axes.axhline(outlook.target_communes_meeting_standard, color=TARGET, linestyle="--", linewidth=1,
                         label=_("Mục tiêu %(n)s xã năm %(year)s") % {"n": outlook.target_communes_meeting_standard,
                                                                      "year": outlook.target_year})  # fmt: skip
        axes.set_ylim(0, outlook.communes_total * 1.1)
        axes.set_ylabel(_("Số xã đạt chuẩn"))
        axes.set_title(_("Dự báo số xã đạt chuẩn NTM theo xu hướng hiện tại"))
        axes.legend(loc="lower right", frameon=False, fontsize=7)
        return _svg(figure)
