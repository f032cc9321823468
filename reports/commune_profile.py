"""A one-commune profile as a one-page A4 PDF (issue 18): standing, the unmet criteria with their unmet indicators,
history, cadres, sponsors and support, for a meeting's table or a leader's folder.

Every figure comes from reports.commune_page.commune_page, the one the commune page shows, so the two never disagree;
the only read of its own is the unmet indicators' values of the latest round (two queries, whatever their number).
The page is made synchronously: one page lays out in about half a second (a second or two when lists must be cut
shorter), no Celery job is worth its polling.
Long lists are cut to fit the page ("và N … khác"); when the page still overflows, the lists are cut shorter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit
from criteria.models import IndicatorValue
from criteria.services.assessment import applicable_threshold

# The round page's wording of a value and a target ("≥ 80%", "Chưa nhập"): the profile says what the round page says.
from criteria.views import _target_text, _value_text
from ntm_portal.text import fold_vietnamese, vnd

from .commune_page import CommunePage, commune_page
from .pdf import PrintHTML, _FontsOnlyFetcher, font_paths


@dataclass(frozen=True)
class Limits:
    """How many lines of each list the page shows; the rest are counted in a "và N … khác" line."""

    unmet_criteria: int
    indicators: int  # per unmet criterion
    rounds: int
    cadres: int
    agencies: int
    support_kinds: int


# Tried in order until the page holds on one A4 sheet.
LIMITS = (
    Limits(unmet_criteria=8, indicators=3, rounds=12, cadres=6, agencies=6, support_kinds=6),
    Limits(unmet_criteria=5, indicators=2, rounds=6, cadres=4, agencies=4, support_kinds=3),
    Limits(unmet_criteria=3, indicators=1, rounds=4, cadres=2, agencies=2, support_kinds=2),
)


@dataclass(frozen=True)
class UnmetIndicator:
    code: str
    name: str
    value: str
    target: str


@dataclass(frozen=True)
class UnmetCriterion:
    number: int
    name: str
    indicators: list[UnmetIndicator]  # empty: assessed as a whole, or no indicator value says which one fails


@dataclass(frozen=True)
class Shown:
    """A list cut to its limit, and how many it left out."""

    items: list
    more: int


def _cut(items: list, limit: int) -> Shown:
    return Shown(items[:limit], max(len(items) - limit, 0))


@dataclass
class CommuneProfile:
    page: CommunePage
    unmet: list[UnmetCriterion]
    generated_at: datetime.datetime

    @property
    def commune(self) -> AdministrativeUnit:
        return self.page.commune

    @property
    def file_name(self) -> str:
        # "Xã Phú Đình" → ho-so-xa-phu-dinh, not ho-so-xa-xa-phu-dinh; a ward or town keeps its kind in the name.
        slug = slugify(fold_vietnamese(self.commune.name)).removeprefix("xa-") or str(self.commune.pk)
        return f"ho-so-xa-{slug}-{self.page.today.isoformat()}.pdf"


def _unmet_criteria(page: CommunePage, *, user) -> list[UnmetCriterion]:
    """The latest round's unmet criteria, each with the indicators whose value misses the commune's target."""
    if page.latest_round is None or not page.unmet:
        return []
    numbers = [c.number for c in page.unmet]
    values = (
        IndicatorValue.objects.visible_to(user)
        .filter(assessment_round=page.latest_round, met=False, indicator__criterion__number__in=numbers)
        .select_related("indicator__criterion__criteria_set")
        .prefetch_related("indicator__targets")
        .order_by("indicator__criterion__number", "indicator__position", "indicator__code")
    )
    by_number: dict[int, list[UnmetIndicator]] = {}
    for value in values:
        indicator = value.indicator
        by_number.setdefault(indicator.criterion.number, []).append(
            UnmetIndicator(
                code=indicator.code,
                name=indicator.name,
                value=_value_text(indicator, value),
                target=_target_text(indicator, applicable_threshold(indicator, page.commune)),
            )
        )
    return [UnmetCriterion(c.number, c.name, by_number.get(c.number, [])) for c in page.unmet]


def commune_profile(*, user, commune: AdministrativeUnit, today: datetime.date) -> CommuneProfile:
    """What the profile shows; `commune` must be one the user may read (the view checks, as the commune page does)."""
    page = commune_page(user=user, commune=commune, today=today)
    return CommuneProfile(page=page, unmet=_unmet_criteria(page, user=user), generated_at=timezone.localtime())


def profile_html(profile: CommuneProfile, limits: Limits) -> str:
    page = profile.page
    latest = page.latest_round
    standing = page.standing
    level = standing.ntm_level if standing else ""
    unmet = _cut(profile.unmet, limits.unmet_criteria)
    cadres = [s for s in page.secondments if s.is_active_on(page.today)]
    # Assigned agencies first, then those that came without an assignment; the most present first.
    agencies = sorted(page.agency_visits, key=lambda a: (not a.assigned, -a.visits, a.name))
    roles = {a.agency_id: a.get_role_display() for a in page.active_assignments}
    support = [(label, count, vnd(value)) for _kind, label, count, value in page.support_by_kind]
    return render_to_string(
        "reports/commune_profile.html",
        {
            "p": profile,
            "data": page,
            "commune": page.commune,
            "latest": latest,
            "standing": standing,
            "level_label": str(NtmLevel(level).label) if level in NtmLevel.values else "",
            "unmet": Shown(
                [(c, _cut(c.indicators, limits.indicators)) for c in unmet.items],
                unmet.more,
            ),
            "unmet_rest": profile.unmet[limits.unmet_criteria :],
            "rounds": _cut(list(reversed(page.rounds)), limits.rounds),
            "cadres": _cut(cadres, limits.cadres),
            "agencies": _cut([(a, roles.get(a.agency_id, "")) for a in agencies], limits.agencies),
            "support_total": vnd(page.support_total),
            "support": _cut(support, limits.support_kinds),
        },
    )


def _render(html: str):
    fonts = font_paths()
    font_urls = {key: path.as_uri() for key, path in fonts.items()}
    font_config = FontConfiguration()
    fetcher = _FontsOnlyFetcher(set(font_urls.values()))
    css = CSS(
        string=render_to_string("reports/commune_profile.css", {"fonts": font_urls}),
        font_config=font_config,
        url_fetcher=fetcher,
    )
    return PrintHTML(string=html, url_fetcher=fetcher).render(stylesheets=[css], font_config=font_config)


def profile_pdf(profile: CommuneProfile) -> bytes:
    """The profile on one A4 page: the longest lists that fit. A commune whose shortest lists still overflow (none of
    the demo's) gets the pages it needs rather than a page that silently drops a section."""
    document = None
    for limits in LIMITS:
        document = _render(profile_html(profile, limits))
        if len(document.pages) == 1:
            break
    return document.write_pdf()
