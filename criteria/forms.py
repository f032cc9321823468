"""Browser forms of the assessment workflow. They parse what the user typed; every rule of the domain (what may be
saved, when, by whom) stays in criteria.services.assessment, whose errors the views put back on these forms."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit
from ntm_portal.fields import VietnameseDecimalField
from ntm_portal.formats import number_input

from .choices import Comparison, ReviewState, RoundStatus
from .models import Criterion, CriterionResult, Indicator, IndicatorValue
from .services.assessment import CriterionInput, IndicatorInput
from .services.transitions import ReviewInput, Transition

YES, NO = "yes", "no"
FIRST_YEAR, LAST_YEAR = 2010, 2100

MET_CHOICES = [("", _("Chưa đánh giá")), (YES, _("Đạt")), (NO, _("Chưa đạt"))]
YES_NO_CHOICES = [("", _("Chưa nhập")), (YES, _("Đạt")), (NO, _("Chưa đạt"))]


def _as_bool(choice: str) -> bool | None:
    return {YES: True, NO: False}.get(choice)


def _as_choice(value: bool | None) -> str:
    return {True: YES, False: NO}.get(value, "")


class NumberField(VietnameseDecimalField):
    """An indicator's value: "85,5" or "85.5", two decimals at most."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, required=False, **kwargs)


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        kwargs.setdefault("label", _("Năm đánh giá"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric"})


# --- the list page ---------------------------------------------------------------------------------------------


class RoundStartForm(forms.Form):
    """Open a round: a commune official for their own commune (no choice shown), the coordinator for any commune
    it may enter values for."""

    commune = forms.ModelChoiceField(label=_("Xã"), queryset=AdministrativeUnit.objects.none())
    year = YearField()

    def __init__(self, *args, communes, fixed_commune: AdministrativeUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_commune = fixed_commune
        if fixed_commune is not None:
            del self.fields["commune"]
        else:
            self.fields["commune"].queryset = communes
        self.fields["year"].initial = timezone.localdate().year

    def chosen_commune(self) -> AdministrativeUnit:
        return self.fixed_commune or self.cleaned_data["commune"]


class RoundFilterForm(forms.Form):
    """What the list page shows of AssessmentRoundFilterSet's filters, with choices limited to the user's scope (the
    FilterSet's own form would list every commune of the country)."""

    year = forms.IntegerField(label=_("Năm"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    status = forms.MultipleChoiceField(
        label=_("Trạng thái"), choices=RoundStatus.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    district_id = forms.TypedChoiceField(label=_("Huyện"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district_id"].choices = [("", _("Tất cả"))] + [(d.pk, d.name) for d in districts]
        if not self.fields["district_id"].choices[1:]:
            del self.fields["district_id"]


# --- the round page --------------------------------------------------------------------------------------------


def indicator_field_name(indicator: Indicator) -> str:
    return f"indicator_{indicator.pk}"


def criterion_field_name(criterion: Criterion) -> str:
    return f"criterion_{criterion.pk}"


def note_field_name(criterion: Criterion) -> str:
    return f"note_{criterion.pk}"


def comment_field_name(criterion: Criterion) -> str:
    return f"comment_{criterion.pk}"


class RoundValuesForm(forms.Form):
    """One field per indicator (a number, or Đạt / Chưa đạt), a Đạt / Chưa đạt select per criterion assessed as a
    whole, a note per criterion, and the version the user started from (optimistic locking in round_save)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        criteria: list[Criterion],
        values: dict[int, IndicatorValue],
        results: dict[int, CriterionResult],
        version: int,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.criteria, self.values, self.results = criteria, values, results
        self.fields["version"].initial = version
        for criterion in criteria:
            result = results.get(criterion.pk)
            indicators = list(criterion.indicators.all())
            for indicator in indicators:
                value = values.get(indicator.pk)
                label = f"{indicator.code} {indicator.name}"
                if indicator.comparison in (Comparison.PERCENT_AT_LEAST, Comparison.PERCENT_AT_MOST):
                    label += " (%)"
                elif indicator.comparison != Comparison.YES_NO and indicator.unit:
                    label += f" ({indicator.unit})"
                if indicator.comparison == Comparison.YES_NO:
                    field = forms.ChoiceField(label=label, choices=YES_NO_CHOICES, required=False)
                    field.initial = _as_choice(value.value_bool if value else None)
                else:
                    field = NumberField(label=label)
                    field.initial = number_input(value.value_number) if value else ""
                self.fields[indicator_field_name(indicator)] = field
            if not indicators:
                field = forms.ChoiceField(label=_("Kết quả"), choices=MET_CHOICES, required=False)
                field.initial = _as_choice(result.met if result else None)
                self.fields[criterion_field_name(criterion)] = field
            note = forms.CharField(
                label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}), strip=True
            )
            note.initial = result.note if result else ""
            self.fields[note_field_name(criterion)] = note

    def service_inputs(self) -> tuple[dict[int, IndicatorInput], dict[int, CriterionInput]]:
        """The values to hand to round_save: every indicator that has a value (stored or typed now) and every
        criterion's result and note."""
        indicators: dict[int, IndicatorInput] = {}
        criteria: dict[int, CriterionInput] = {}
        data = self.cleaned_data
        for criterion in self.criteria:
            own = list(criterion.indicators.all())
            for indicator in own:
                stored = self.values.get(indicator.pk)
                raw = data.get(indicator_field_name(indicator))
                given = IndicatorInput(note=stored.note if stored else "")  # the indicator's note is kept as it is
                if indicator.comparison == Comparison.YES_NO:
                    given.value_bool = _as_bool(raw)
                else:
                    given.value_number = raw
                empty = given.value_bool is None and given.value_number is None
                # No empty row for an indicator nobody has filled in yet.
                if stored is not None or not empty:
                    indicators[indicator.pk] = given
            note = data.get(note_field_name(criterion), "")
            if own:
                # round_save decides from the indicators once any has a value; until then the criterion keeps the
                # result it was assessed with as a whole (an import, older data).
                result = self.results.get(criterion.pk)
                criteria[criterion.pk] = CriterionInput(met=result.met if result else None, note=note)
            else:
                criteria[criterion.pk] = CriterionInput(
                    met=_as_bool(data.get(criterion_field_name(criterion))), note=note
                )
        return indicators, criteria

    def field_for_error_key(self, key: str) -> str | None:
        """Where round_save's InvalidValue key belongs: "3.1" (an indicator code), "indicator:<id>",
        "criterion:<id>"."""
        for criterion in self.criteria:
            if key == f"criterion:{criterion.pk}":
                return criterion_field_name(criterion)
            for indicator in criterion.indicators.all():
                if key in (indicator.code, f"indicator:{indicator.pk}"):
                    return indicator_field_name(indicator)
        return None


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Tệp minh chứng"))
    indicator = forms.ModelChoiceField(
        label=_("Cho chỉ tiêu"), queryset=Indicator.objects.none(), required=False, empty_label=_("(cả kỳ đánh giá)")
    )
    description = forms.CharField(label=_("Mô tả"), max_length=200, required=False)

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.queryset = Indicator.objects.filter(pk__in=[i.pk for i in indicators])
        # The choices come from the indicators already loaded for the grid, not from a query per render.
        field.choices = [("", field.empty_label)] + [(i.pk, f"{i.code} {i.name}") for i in indicators]
        if not indicators:
            del self.fields["indicator"]


def review_field_name(criterion: Criterion) -> str:
    return f"review_{criterion.pk}"


REVIEW_CHOICES = [
    (ReviewState.PENDING, _("Chưa thẩm tra")),
    (ReviewState.VERIFIED, _("Đạt")),
    (ReviewState.RETURNED, _("Trả lại")),
]
REVIEW_FORM_ID = "review-form"  # the criterion cards' review fields belong to the one review form (form="...")


class TransitionForm(forms.Form):
    """The input one transition of criteria.services.transitions needs, read from its row of the table: the version
    the user read, a comment (a required reason for some), per-criterion marks and comments, a decision."""

    def __init__(self, *args, transition: Transition, criteria=(), results=None, default_level=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition, self.criteria = transition, list(criteria)
        name = transition.name
        if transition.needs_version:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if name == "recognise":
            self.fields["decision_number"] = forms.CharField(label=_("Số quyết định"), max_length=60)
            self.fields["decision_date"] = forms.DateField(
                label=_("Ngày quyết định"),
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                initial=timezone.localdate,
            )
            self.fields["signer"] = forms.CharField(label=_("Người ký"), max_length=120)
            self.fields["level"] = forms.ChoiceField(
                label=_("Mức công nhận"),
                choices=[(value, label) for value, label in NtmLevel.choices if value != NtmLevel.NOT_YET],
                initial=default_level or NtmLevel.STANDARD,
            )
            self.fields["confirm"] = forms.BooleanField(
                label=_("Tôi xác nhận ghi quyết định này dù xã đã có mức bằng hoặc cao hơn"), required=False
            )
            self.fields["reason"] = forms.CharField(
                label=_("Lý do (khi xác nhận)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        elif name == "revoke_recognition":
            self.fields["revoked_on"] = forms.DateField(
                label=_("Thu hồi từ ngày"),
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                initial=timezone.localdate,
            )
        if name not in ("submit", "withdraw", "recognise"):
            label = _("Lý do") if transition.needs_reason else _("Ý kiến chung")
            attrs = {"rows": 2, "form": REVIEW_FORM_ID} if transition.needs_review else {"rows": 2}
            # Not required here: the service refuses a missing reason in its own words ("Ghi lý do.").
            self.fields["comment"] = forms.CharField(label=label, required=False, widget=forms.Textarea(attrs=attrs))
        if transition.needs_review:
            results = results or {}
            for criterion in self.criteria:
                result = results.get(criterion.pk)
                self.fields[review_field_name(criterion)] = forms.ChoiceField(
                    label=_("Thẩm tra tiêu chí %(number)s") % {"number": criterion.number},
                    choices=REVIEW_CHOICES,
                    required=False,
                    initial=result.review_state if result else ReviewState.PENDING,
                    widget=forms.RadioSelect(attrs={"form": REVIEW_FORM_ID}),
                )
                self.fields[comment_field_name(criterion)] = forms.CharField(
                    label=_("Ý kiến thẩm tra tiêu chí %(number)s") % {"number": criterion.number},
                    required=False,
                    initial=result.review_comment if result else "",
                    widget=forms.Textarea(attrs={"rows": 2, "form": REVIEW_FORM_ID}),
                )

    def reviews(self) -> dict[int, ReviewInput]:
        return {
            c.pk: ReviewInput(
                state=self.cleaned_data.get(review_field_name(c)) or ReviewState.PENDING,
                comment=self.cleaned_data.get(comment_field_name(c), ""),
            )
            for c in self.criteria
        }

    def service_input(self) -> dict:
        """What criteria.services.assessment.transition_take reads."""
        data = dict(self.cleaned_data)
        given = {"comment": data.get("comment", ""), "version": data.get("version")}
        if self.transition.needs_review:
            given["reviews"] = self.reviews()
        for key in ("decision_number", "decision_date", "signer", "level", "confirm", "reason", "revoked_on"):
            if key in data:
                given[key] = data[key]
        return given


# --- history, Excel ----------------------------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("Tính đến ngày"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def moment(self) -> datetime.datetime:
        """The end of the chosen day, local time: a change made that day counts."""
        day = self.cleaned_data["as_of"]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


class TemplateDownloadForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdministrativeUnit.objects.none())
    year = YearField()

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].initial = timezone.localdate().year
        # A user with one unit (a commune official: their commune) is not asked to pick it from a one-item list.
        only = list(units[:2])
        self.sole_unit = only[0] if len(only) == 1 else None
        if self.sole_unit is not None:
            self.fields["unit"].initial = self.sole_unit.pk
            self.fields["unit"].widget = forms.HiddenInput()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel đã điền (.xlsx)"))
    year = YearField(required=False, help_text=_("Để trống nếu năm đã ghi trong tệp."))
