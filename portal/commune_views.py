"""Browser pages of communes (issue 7): the commune list with its filters, the communes × criteria matrix, and the
commune page.

As criteria.views: the views parse input and show what the selectors answer. Scope comes from
`AdministrativeUnit.objects.communes().visible_to(user)` (another unit's commune is a 404, never a 403 that would
confirm it exists); scores from criteria.selectors through portal.matrix and reports.commune_page. Each page costs a
fixed number of queries whatever the number of communes or records (tests/communes/test_views.py pins them).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from communes.choices import CommuneGroup, NtmLevel, Region
from communes.filtersets import MAX_ID, SEARCH_MAX_LENGTH
from communes.models import AdministrativeUnit
from communes.permissions import units_in_scope
from criteria import ledger
from criteria.filtersets import CommuneFilterSet
from criteria.forms import FIRST_YEAR, LAST_YEAR
from criteria.models import CriteriaSet
from criteria.selectors import CommuneProgress, commune_progress_for
from ntm_portal.choices import UnitLevel
from ntm_portal.collation import vi_order, vi_sort_key
from ntm_portal.excel import xlsx_streaming_response
from ntm_portal.figures_cache import cached_figures
from ntm_portal.formats import date_text, vnd
from ntm_portal.tables import page_of
from reports import charts
from reports.commune_page import commune_page
from reports.commune_profile import commune_profile as build_commune_profile
from reports.commune_profile import profile_pdf
from secondments.models import Agency, Secondment, SponsorAssignment

from . import matrix as matrix_marks
from .context_processors import request_work_counts
from .todo import todo_for

YES, NO = "true", "false"  # what CommuneFilterSet's BooleanFilter takes
SORTS = ("code", "name", "-name", "score", "-score")


def _visible_communes(user) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.communes().visible_to(user)


def _level_label(value: str) -> str:
    return str(NtmLevel(value).label) if value in NtmLevel.values else value


def _score_text(progress: CommuneProgress | None) -> str:
    if progress is None or progress.criteria_met is None:
        return "—"
    return f"{progress.criteria_met}/{progress.criteria_total}"


def _previous_set_note(progress: CommuneProgress | None):
    """Beside a commune not assessed on the set yet: its standing on the set before, labelled."""
    if progress is None or progress.previous_criteria_met is None:
        return ""
    return format_html(
        ' <small class="previous-set" title="{}">{}</small>',
        progress.previous_set_name,
        _("bộ trước: %(met)s/%(total)s")
        % {"met": progress.previous_criteria_met, "total": progress.previous_criteria_total},
    )


def _score_key(progress: CommuneProgress | None, *, descending: bool) -> tuple:
    """Communes without a round last, whichever way the scores run."""
    met = progress.criteria_met if progress is not None else None
    if met is None:
        return (1, 0)
    return (0, -met if descending else met)


def _chosen_sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "code")
    return sort if sort in SORTS else "code"


def _sort_links(request: HttpRequest, sort: str) -> dict[str, dict]:
    """Per sortable column: the link (names A→Z first, scores highest first; a second click turns the order) and,
    for the column sorted now, its direction for `aria-sort` and the arrow."""
    links = {}
    for column, first, second in (("name", "name", "-name"), ("score", "-score", "score")):
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        params["sort"] = second if sort == first else first
        direction = ""
        if sort in (first, second):
            direction = "descending" if sort.startswith("-") else "ascending"
        links[column] = {"url": f"?{params.urlencode()}", "direction": direction}
    return links


# --- 1. the commune list -------------------------------------------------------------------------------------------

YES_NO_CHOICES = [("", gettext_lazy("Tất cả")), (YES, gettext_lazy("Có")), (NO, gettext_lazy("Không"))]


class CommuneFilterForm(forms.Form):
    """What the list page shows of CommuneFilterSet's filters, under the names the FilterSet (and the API) take, with
    choices limited to the user's scope and widgets for people (the FilterSet's own form asks for "true/false").

    The FilterSet does the filtering; this form only renders the fields and says what is wrong with them. The level
    and the last fields are applied by the view, on the chosen date (today by default) — the NTM level and the score
    against a criteria set as the progress ledger has them then, a cadre on secondment, an agency or twinned
    enterprise assigned then.
    """

    q = forms.CharField(
        label=gettext_lazy("Tìm xã"),
        help_text=gettext_lazy(
            "Tên xã, tên huyện, tên xã cũ trước sắp xếp hoặc mã xã; gõ không dấu cũng được: “dinh hoa” tìm ra các xã "
            "của Định Hóa."
        ),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
    )
    district_id = forms.TypedChoiceField(label=gettext_lazy("Huyện"), coerce=int, required=False, empty_value=None)
    ntm_level = forms.MultipleChoiceField(
        label=gettext_lazy("Mức đạt chuẩn"),
        choices=NtmLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ChoiceField(label=gettext_lazy("Vùng"), required=False)
    commune_group = forms.ChoiceField(label=gettext_lazy("Nhóm xã (2026–2030)"), required=False)
    especially_disadvantaged = forms.ChoiceField(
        label=gettext_lazy("Xã đặc biệt khó khăn"), choices=YES_NO_CHOICES, required=False
    )
    designated_special = forms.ChoiceField(label=gettext_lazy("Xã đặc thù"), choices=YES_NO_CHOICES, required=False)
    target_year = forms.IntegerField(
        label=gettext_lazy("Năm phấn đấu đạt chuẩn"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    # Not in CommuneFilterSet: applied by the view.
    criteria_set = forms.ModelChoiceField(
        label=gettext_lazy("Bộ tiêu chí"),
        queryset=CriteriaSet.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Bộ tiêu chí đang áp dụng"),
    )
    as_of = forms.DateField(
        label=gettext_lazy("Tính đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Điểm, mức đạt chuẩn và bộ lọc theo ngày này; để trống: hôm nay."),
    )
    score_min = forms.IntegerField(label=gettext_lazy("Số tiêu chí đạt từ"), required=False, min_value=0, max_value=99)
    score_max = forms.IntegerField(label=gettext_lazy("đến"), required=False, min_value=0, max_value=99)
    seconded = forms.ChoiceField(
        label=gettext_lazy("Có cán bộ biệt phái, luân chuyển đang công tác"), choices=YES_NO_CHOICES, required=False
    )
    sponsor_id = forms.TypedChoiceField(
        label=gettext_lazy("Cơ quan, doanh nghiệp đang giúp đỡ"), coerce=int, required=False, empty_value=None
    )

    FILTERSET_FIELDS = (
        "q",
        "district_id",
        "ntm_level",
        "region",
        "commune_group",
        "especially_disadvantaged",
        "designated_special",
        "target_year",
    )

    def __init__(self, *args, user, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        visible = _visible_communes(user)
        districts = AdministrativeUnit.objects.districts().filter(pk__in=visible.values("district_id"))
        districts = districts.order_by(vi_order("name"), "pk")
        district_choices = [(d.pk, d.name) for d in districts]
        if district_choices:
            self.fields["district_id"].choices = [("", _("Tất cả")), *district_choices]
        else:  # a province without districts (since July 2025)
            del self.fields["district_id"]
        self.fields["region"].choices = [("", _("Tất cả")), *Region.choices]
        self.fields["commune_group"].choices = [("", _("Tất cả")), *CommuneGroup.choices]
        self.fields["criteria_set"].queryset = CriteriaSet.objects.visible_to(user).order_by(
            "-period_start", "level", "code"
        )
        in_force = SponsorAssignment.objects.visible_to(user).in_force_on(today)
        agencies = Agency.objects.filter(pk__in=in_force.values("agency_id")).order_by(vi_order("name"), "pk")
        self.fields["sponsor_id"].choices = [("", _("Tất cả")), *((a.pk, a.name) for a in agencies)]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", _("Số tiêu chí “đến” phải không nhỏ hơn số “từ”."))
        return cleaned

    def value_of(self, name: str):
        """The cleaned value of one field, None when it is empty or wrong (its error is shown next to it)."""
        if not self.is_bound:
            return None
        self.is_valid()  # cleans once; cleaned_data keeps the valid fields even when another one is wrong
        value = self.cleaned_data.get(name)
        return None if value in ("", None, []) else value

    def filterset_fields(self):
        return [self[name] for name in self.FILTERSET_FIELDS if name in self.fields]


def _extra_filters(communes: QuerySet, form: CommuneFilterForm, *, user, today: datetime.date) -> QuerySet:
    """The list's filters that CommuneFilterSet lacks and that the database can answer (the score range is applied to
    the computed scores)."""
    seconded = form.value_of("seconded")
    if seconded in (YES, NO):
        on_secondment = Exists(Secondment.objects.visible_to(user).in_force_on(today).filter(commune=OuterRef("pk")))
        communes = communes.filter(on_secondment if seconded == YES else ~on_secondment)
    sponsor_id = form.value_of("sponsor_id")
    if sponsor_id:
        communes = communes.filter(
            Exists(
                SponsorAssignment.objects.visible_to(user)
                .in_force_on(today)
                .filter(commune=OuterRef("pk"), agency_id=sponsor_id)
            )
        )
    return communes


@dataclass
class CommuneRow:
    commune: AdministrativeUnit
    progress: CommuneProgress | None

    @property
    def score(self) -> str:
        return _score_text(self.progress)

    @property
    def previous_set_note(self):
        return _previous_set_note(self.progress)

    @property
    def level_label(self) -> str:
        """The NTM level on the list's date (the ledger's), not the commune's current one."""
        return _level_label(self.progress.ntm_level) if self.progress else ""

    @property
    def unmet_numbers(self) -> str:
        return ", ".join(str(number) for number, _name in self.progress.unmet_criteria) if self.progress else ""

    @property
    def unmet_names(self) -> str:
        return "; ".join(f"{number}. {name}" for number, name in self.progress.unmet_criteria) if self.progress else ""


def _list_export(rows: list[CommuneRow], criteria_set: CriteriaSet | None, today: datetime.date) -> HttpResponse:
    columns = [
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Mức đạt chuẩn"),
        _("Số tiêu chí đạt"),
        _("Tổng số tiêu chí"),
        _("Tiêu chí chưa đạt"),
        _("Năm phấn đấu đạt chuẩn"),
        _("Vùng"),
        _("Xã đặc biệt khó khăn"),
        _("Xã đặc thù"),
        _("Bộ tiêu chí"),
        _("Tính đến ngày"),
    ]
    set_name = criteria_set.name if criteria_set else ""
    # A generator: the rows are written one by one to the file that is sent (xlsx_streaming_response).
    body = (
        [
            row.commune.code,
            row.commune.name,
            row.commune.district.name if row.commune.district else "",
            row.level_label,
            row.progress.criteria_met if row.progress else None,
            row.progress.criteria_total if row.progress else None,
            row.unmet_names,
            row.commune.target_year,
            row.commune.get_region_display(),
            _("Có") if row.commune.especially_disadvantaged else "",
            _("Có") if row.commune.designated_special else "",
            set_name,
            today,
        ]
        for row in rows
    )
    return xlsx_streaming_response(filename=_("Danh sách xã.xlsx"), title=_("Danh sách xã"), columns=columns, rows=body)


@login_required
@require_GET
def commune_list(request: HttpRequest) -> HttpResponse:
    """Filtered, sorted and paged in the database, whatever the number of communes (a superuser: the whole country):
    the communes current on the chosen date, joined to their standing then in the progress ledger."""
    user = request.user
    form = CommuneFilterForm(request.GET or None, user=user, today=timezone.localdate())
    as_of = form.value_of("as_of") or timezone.localdate()
    filterset = CommuneFilterSet(
        request.GET, queryset=_visible_communes(user).select_related("district"), request=request
    )  # its level filter reads the level on the list's date
    communes = _extra_filters(filterset.qs.in_force_on(as_of), form, user=user, today=as_of)
    criteria_set = form.value_of("criteria_set") or ledger.set_in_force(as_of.year)
    communes = ledger.with_standing(communes, criteria_set=criteria_set, day=as_of)
    score_min, score_max = form.value_of("score_min"), form.value_of("score_max")
    if score_min is not None:  # a commune without a round has no score to match
        communes = communes.filter(criteria_met__gte=score_min)
    if score_max is not None:
        communes = communes.filter(criteria_met__lte=score_max)
    sort = _chosen_sort(request)
    order = {
        "code": ("code", "pk"),
        "name": (vi_order("name"), "code"),
        "-name": (vi_order("name", descending=True), "-code"),
        # Communes without a round last, whichever way the scores run.
        "score": (F("criteria_met").asc(nulls_last=True), "code"),
        "-score": (F("criteria_met").desc(nulls_last=True), "code"),
    }[sort]
    communes = communes.order_by(*order)

    if request.GET.get("format") == "xlsx":
        every = list(communes)
        progress = commune_progress_for(communes=every, as_of=as_of, criteria_set=criteria_set)
        return _list_export([CommuneRow(c, progress.get(c.pk)) for c in every], criteria_set, as_of)
    page = page_of(request, communes)
    on_page = list(page.object_list)
    progress = commune_progress_for(communes=on_page, as_of=as_of, criteria_set=criteria_set)
    page.object_list = [CommuneRow(c, progress.get(c.pk)) for c in on_page]

    context = {
        "form": form,
        "page": page,
        "criteria_set": criteria_set,
        "today": as_of,
        "sort": sort,
        "sort_links": _sort_links(request, sort),
        # Closed on a first visit (a phone sees the search and the list at once), open once a filter is in use.
        "more_filters_open": any(request.GET.get(name) for name in form.fields if name != "q")
        or any(name != "q" for name in form.errors),
    }
    return render(request, "communes/commune_list.html", context)


# --- 2. the communes × criteria matrix -------------------------------------------------------------------------------

# Short classes: a 700-commune matrix has 13,300 of these cells (communes.css styles them under table.matrix).
MARK_CELLS = {
    matrix_marks.MET: '<td class="y">●</td>',
    matrix_marks.NOT_MET: '<td class="n">○</td>',
    matrix_marks.NOT_ASSESSED: '<td class="u">·</td>',
}


def _matrix_units(user) -> list[AdministrativeUnit]:
    """The units whose matrix the user may ask for: their own unit and the provinces and districts under it; for a
    user without a unit (an agency liaison), the provinces and districts of the communes they see. The matrix of any
    of them lists only the communes the user sees."""
    rank = Case(
        When(level=UnitLevel.PROVINCE, then=Value(0)),
        When(level=UnitLevel.DISTRICT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    if getattr(user, "unit_id", None) or user.is_superuser:
        units = units_in_scope(user).filter(~Q(level=UnitLevel.COMMUNE) | Q(pk=user.unit_id))
    else:
        visible = _visible_communes(user)
        units = AdministrativeUnit.objects.filter(
            Q(pk__in=visible.values("district_id")) | Q(pk__in=visible.values("province_id"))
        )
    return list(units.annotate(level_rank=rank).order_by("level_rank", vi_order("name"), "pk"))


class MatrixForm(forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Đơn vị"), coerce=int, required=False, empty_value=None)
    as_of = forms.DateField(
        label=gettext_lazy("Tính đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    criteria_set = forms.ModelChoiceField(
        label=gettext_lazy("Bộ tiêu chí"),
        queryset=CriteriaSet.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Bộ tiêu chí đang áp dụng"),
    )

    def __init__(self, *args, units: list[AdministrativeUnit], user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["criteria_set"].queryset = CriteriaSet.objects.visible_to(user).order_by(
            "-period_start", "level", "code"
        )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Năm phải từ %(first)s đến %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return day


@dataclass
class MatrixLine:
    row: matrix_marks.MatrixRow
    html: str  # the whole <tr>, escaped and marked safe

    @property
    def progress(self) -> CommuneProgress:
        return self.row.progress


# A key no commune has, replaced in the reversed URL: one reverse() for the page instead of one per row.
_URL_SENTINEL = 987654321


def _matrix_lines(rows: list[matrix_marks.MatrixRow], *, show_district: bool) -> list[MatrixLine]:
    """Each row printed once in Python: on 700 rows the template engine's lookups, escaping and {% url %} per cell
    cost more than the database does (DESIGN §5: layout choices decide the speed). Names are escaped by format_html;
    the mark cells are the constant strings of MARK_CELLS."""
    url = reverse("communes:commune_detail", args=[_URL_SENTINEL])
    lines = []
    for row in rows:
        progress = row.progress
        lines.append(
            MatrixLine(
                row,
                format_html(
                    '<tr><th scope="row" class="commune"><a href="{}">{}</a><small>{}</small></th>{}'
                    '<td class="total">{}{}</td></tr>',
                    url.replace(str(_URL_SENTINEL), str(progress.commune_id)),
                    progress.name,
                    (progress.district_name or "") if show_district else "",
                    mark_safe("".join(MARK_CELLS[mark] for mark in row.marks)),
                    _score_text(progress),
                    _previous_set_note(progress),
                ),
            )
        )
    return lines


def _matrix_export(matrix: matrix_marks.CriteriaMatrix, rows: list[matrix_marks.MatrixRow]) -> HttpResponse:
    words = {matrix_marks.MET: _("Đạt"), matrix_marks.NOT_MET: _("Chưa đạt"), matrix_marks.NOT_ASSESSED: ""}
    columns = [
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Mức đạt chuẩn"),
        _("Số tiêu chí đạt"),
        _("Tổng số tiêu chí"),
        *(f"{_('TC')} {number}. {name}" for _pk, number, name in matrix.criteria),
    ]
    body = (
        [
            row.progress.code,
            row.progress.name,
            row.progress.district_name or "",
            _level_label(row.progress.ntm_level),
            row.progress.criteria_met,
            row.progress.criteria_total,
            *(words[mark] for mark in row.marks),
        ]
        for row in rows
    )
    totals = ["", _("Số xã đạt"), "", "", None, None, *matrix.communes_meeting]
    filename = _("Ma trận tiêu chí %(unit)s %(day)s.xlsx") % {
        "unit": matrix.unit.name,
        "day": date_text(matrix.as_of).replace("/", "-"),  # no slash in a file name
    }
    return xlsx_streaming_response(
        filename=filename, title=_("Ma trận tiêu chí"), columns=columns, rows=itertools.chain(body, [totals])
    )


@login_required
@require_GET
def criteria_matrix(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    units = _matrix_units(user)
    unit_param = request.GET.get("unit", "")
    if unit_param.isdigit() and int(unit_param) not in {u.pk for u in units}:
        raise Http404(_("Không tìm thấy đơn vị."))
    default_unit = next((u for u in units if u.pk == getattr(user, "unit_id", None)), units[0] if units else None)
    form = MatrixForm(
        request.GET or None,
        units=units,
        user=user,
        initial={"unit": default_unit.pk if default_unit else None, "as_of": today},
    )
    cleaned = {}
    if form.is_bound:
        form.is_valid()  # the errors are shown next to their fields; cleaned_data keeps the valid ones
        cleaned = form.cleaned_data
    unit = next((u for u in units if u.pk == cleaned.get("unit")), default_unit)
    as_of = cleaned.get("as_of") or today
    criteria_set = cleaned.get("criteria_set") or ledger.set_in_force(as_of.year)
    sort = _chosen_sort(request)

    if unit is None:  # nothing in scope at all
        context = {"form": form, "matrix": None, "lines": [], "sort": sort}
        return render(request, "communes/matrix.html", context)

    matrix = matrix_marks.commune_criteria_matrix(user=user, unit=unit, as_of=as_of, criteria_set=criteria_set)
    rows = list(matrix.rows)
    if sort in ("score", "-score"):
        rows.sort(key=lambda r: (*_score_key(r.progress, descending=sort == "-score"), r.progress.code))
    elif sort in ("name", "-name"):
        rows.sort(key=lambda r: (vi_sort_key(r.progress.name), r.progress.code), reverse=sort == "-name")
    if request.GET.get("format") == "xlsx":
        return _matrix_export(matrix, rows)
    lines = _matrix_lines(rows, show_district=unit.level == UnitLevel.PROVINCE)
    context = {
        "form": form,
        "matrix": matrix,
        "lines": lines,
        "sort": sort,
        "sort_links": _sort_links(request, sort),
        "as_of": as_of,
        "columns": list(zip(matrix.criteria, matrix.communes_meeting, strict=True)),
    }
    return render(request, "communes/matrix.html", context)


# --- 3. the commune page -------------------------------------------------------------------------------------------

COMMUNE_CHART_CACHE_SECONDS = 3600


def _rounds_charts(rounds) -> list[tuple[str, str]]:
    """(set name, SVG) per criteria set, oldest set first: a 19-criterion score and a 10-criterion one are not on one
    scale, so each set's rounds get their own chart (issue 19). Kept in the shared cache like the dashboards'."""
    by_set: dict[int, list] = {}
    for r in rounds:
        by_set.setdefault(r.criteria_set_id, []).append(r)
    charts_by_set = []
    for group in by_set.values():
        name = group[0].criteria_set.name
        scores = tuple(charts.RoundScore(r.year, r.criteria_met, r.criteria_total) for r in group)
        svg = cached_figures(
            "chart:commune_rounds_chart",
            repr((name, scores)),
            lambda name=name, scores=scores: charts.inline(charts.commune_rounds_chart(name, scores)),
            timeout=COMMUNE_CHART_CACHE_SECONDS,
        )
        charts_by_set.append((name, svg))
    return charts_by_set


@dataclass(frozen=True)
class SecondmentLine:
    secondment: Secondment
    active: bool
    gained: int | None


def _commune_in_scope(user, pk: int) -> AdministrativeUnit:
    """The commune of the commune page and its profile: another unit's commune is a 404 for both."""
    if pk > MAX_ID:  # no such key, and SQLite could not even bind it
        raise Http404(_("Không tìm thấy đơn vị."))
    return get_object_or_404(_visible_communes(user).select_related("district", "province", "recognition"), pk=pk)


@login_required
@require_GET
def commune_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    commune = _commune_in_scope(user, pk)
    data = commune_page(user=user, commune=commune, today=today)
    secondments = [
        SecondmentLine(
            s,
            active=s.is_active_on(today),
            gained=(s.criteria_met_at_end - s.criteria_met_at_start)
            if s.criteria_met_at_start is not None and s.criteria_met_at_end is not None
            else None,
        )
        for s in data.secondments
    ]
    context = {
        "commune": commune,
        "data": data,
        "standing_level": _level_label(data.standing.ntm_level) if data.standing else "",
        "latest": data.latest_round,
        "secondments": secondments,
        "rounds_charts": _rounds_charts(data.rounds),
        "support_total": vnd(data.support_total),
        "support_by_kind": [(label, count, vnd(value)) for _kind, label, count, value in data.support_by_kind],
        "contributions": [(c, vnd(c.value_vnd)) for c in data.recent_contributions],
        "rounds_newest_first": list(reversed(data.rounds)),
        # The commune official's landing page: what waits for them first (issue 15).
        "todo": todo_for(user=user, today=today, counts=request_work_counts(request))
        if user.unit_id == commune.pk
        else None,
    }
    return render(request, "communes/commune_detail.html", context)


@login_required
@require_GET
def commune_profile_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The commune page as a one-page A4 PDF (issue 18), made while the user waits: one page takes about half a
    second, the progress report's job queue is for the province's hundred pages."""
    commune = _commune_in_scope(request.user, pk)
    profile = build_commune_profile(user=request.user, commune=commune, today=timezone.localdate())
    response = HttpResponse(profile_pdf(profile), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{profile.file_name}"'
    return response
