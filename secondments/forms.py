"""Browser forms of the secondment side. They parse what the user typed — dates as dd/mm/yyyy or from a date picker,
"1,5" days, "22.500.000.000" or "12,5 triệu" đồng (ntm_portal.fields) — and offer only the rows the user sees as
choices. Who may write what, and every rule of the domain, stay in secondments.services (and the models'
clean()), whose errors the views put back here.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import AdministrativeUnit
from communes.permissions import units_in_scope
from criteria.models import Criterion
from criteria.selectors import default_criteria_set
from ntm_portal.choices import UnitLevel
from ntm_portal.collation import vi_order
from ntm_portal.fields import MoneyField, VietnameseDecimalField
from ntm_portal.scoping import commune_q
from ntm_portal.widgets import DateInput

from .models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)
from .services import ASSIGNMENT_FIELDS


class DateField(forms.DateField):
    """A date picker that also takes dd/mm/yyyy typed (the locale's input formats, ntm_portal.locale_formats)."""

    widget = DateInput


def _formfield(db_field: models.Field, **kwargs):
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs["form_class"] = DateField
    elif isinstance(db_field, models.DecimalField):
        kwargs["form_class"] = VietnameseDecimalField
    return db_field.formfield(**kwargs)


def visible_communes(user) -> QuerySet[AdministrativeUnit]:
    """The communes the user sees (a liaison: those its agency is assigned to), by name."""
    return (
        AdministrativeUnit.objects.communes()
        .filter(commune_q(user))
        .select_related("district")
        .order_by(vi_order("name"), "pk")
    )


def criteria_in_force(year: int) -> QuerySet[Criterion]:
    """The criteria of the national set in force in `year`, by number (none when no set covers the year)."""
    criteria_set = default_criteria_set(year=year)
    if criteria_set is None:
        return Criterion.objects.none()
    return Criterion.objects.filter(criteria_set=criteria_set).order_by("number")


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.district.name})" if obj.district_id else obj.name


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.name}"


class CriteriaChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.name}"


class AssignmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.agency} → {obj.commune.name} ({obj.get_role_display()}, {obj.decision_number})"


class ScopedModelForm(forms.ModelForm):
    """A ModelForm built for one user: its key fields list only the rows that user sees."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.limit_choices(user)

    def limit_choices(self, user) -> None:
        pass

    def year_of(self, field: str, default: datetime.date | None) -> int:
        """The year of a date typed in this form (for the criteria in force that year), else of `default`, else
        this year."""
        raw = self.data.get(self.add_prefix(field)) if self.is_bound else None
        if raw:
            try:
                return self.fields[field].clean(raw).year
            except forms.ValidationError:
                pass
        return (default or timezone.localdate()).year


# --- agencies, cadres, batches ---------------------------------------------------------------------------------


class AgencyForm(ScopedModelForm):
    class Meta:
        model = Agency
        fields = ["name", "short_name", "kind", "level", "unit", "parent", "contact"]
        formfield_callback = _formfield

    def limit_choices(self, user):
        self.fields["unit"].queryset = (
            units_in_scope(user).filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT]).order_by("level", "name")
        )
        parents = Agency.objects.visible_to(user).order_by(vi_order("name"), "pk")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents


class CadreForm(ScopedModelForm):
    class Meta:
        model = Cadre
        fields = ["full_name", "gender", "birth_year", "title", "home_agency", "phone", "email"]
        formfield_callback = _formfield
        widgets = {"birth_year": forms.TextInput(attrs={"inputmode": "numeric"})}

    def limit_choices(self, user):
        self.fields["home_agency"].queryset = Agency.objects.visible_to(user).order_by(vi_order("name"), "pk")


class SecondmentBatchForm(ScopedModelForm):
    class Meta:
        model = SecondmentBatch
        fields = ["province", "name", "year", "decided_by", "decision_number", "decision_date"]
        formfield_callback = _formfield
        widgets = {"year": forms.TextInput(attrs={"inputmode": "numeric"})}

    def limit_choices(self, user):
        provinces = AdministrativeUnit.objects.provinces().visible_to(user).order_by(vi_order("name"), "pk")
        self.fields["province"].queryset = provinces
        if not self.instance.pk and getattr(user, "unit_id", None):
            self.fields["province"].initial = user.unit.province_id or user.unit_id


# --- secondments --------------------------------------------------------------------------------------------------


class SecondmentForm(ScopedModelForm):
    commune = CommuneChoiceField(label=_("Xã"), queryset=AdministrativeUnit.objects.none())

    class Meta:
        model = Secondment
        fields = [
            "cadre",
            "commune",
            "kind",
            "role_at_commune",
            "decided_by",
            "decision_number",
            "decision_date",
            "batch",
            "start_date",
            "planned_end_date",
            "criteria_met_at_start",
            "note",
        ]
        formfield_callback = _formfield
        widgets = {
            "criteria_met_at_start": forms.TextInput(attrs={"inputmode": "numeric"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "role_at_commune": _("Ví dụ: Phó Bí thư Đảng ủy, Chủ tịch UBND xã."),
            "decided_by": _("Ví dụ: Ban Thường vụ Tỉnh ủy, Thường trực Tỉnh ủy."),
            "criteria_met_at_start": _("Để trống để lấy từ kỳ đánh giá gần nhất của xã trước ngày bắt đầu."),
        }

    def limit_choices(self, user):
        self.fields["cadre"].queryset = (
            Cadre.objects.visible_to(user).select_related("home_agency").order_by("full_name")
        )
        self.fields["commune"].queryset = visible_communes(user)
        self.fields["batch"].queryset = SecondmentBatch.objects.visible_to(user).order_by(
            "-year", vi_order("name"), "pk"
        )


class SecondmentCloseForm(forms.Form):
    actual_end_date = DateField(label=_("Ngày kết thúc thực tế"))


# --- sponsor assignments and work plans ----------------------------------------------------------------------------


class SponsorAssignmentForm(ScopedModelForm):
    commune = CommuneChoiceField(label=_("Xã"), queryset=AdministrativeUnit.objects.none())

    class Meta:
        model = SponsorAssignment
        fields = ASSIGNMENT_FIELDS  # every field the service writes
        formfield_callback = _formfield
        help_texts = {"decision_number": _("Ví dụ: 708/QĐ-UBND, 140-QĐ/TU.")}

    def limit_choices(self, user):
        self.fields["agency"].queryset = Agency.objects.visible_to(user).order_by(vi_order("name"), "pk")
        self.fields["commune"].queryset = visible_communes(user)


class WorkPlanForm(ScopedModelForm):
    assignment = AssignmentChoiceField(label=_("Phân công"), queryset=SponsorAssignment.objects.none())

    class Meta:
        model = WorkPlan
        fields = ["assignment", "year", "title"]
        formfield_callback = _formfield
        widgets = {"year": forms.TextInput(attrs={"inputmode": "numeric"})}

    def limit_choices(self, user):
        self.fields["assignment"].queryset = (
            SponsorAssignment.objects.visible_to(user)
            .select_related("agency", "commune")
            .order_by("commune__name", "agency__name")
        )


class WorkPlanItemForm(ScopedModelForm):
    criterion = CriterionChoiceField(label=_("Tiêu chí hướng tới"), queryset=Criterion.objects.none(), required=False)

    class Meta:
        model = WorkPlanItem
        fields = ["period", "period_number", "title", "due_date", "criterion", "status", "done_on"]
        formfield_callback = _formfield
        widgets = {"period_number": forms.TextInput(attrs={"inputmode": "numeric"})}

    def __init__(self, *args, work_plan: WorkPlan, **kwargs):
        self.work_plan = work_plan
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.work_plan = work_plan

    def limit_choices(self, user):
        self.fields["criterion"].queryset = criteria_in_force(self.work_plan.year)


# --- field visits and support ------------------------------------------------------------------------------------


class FieldVisitForm(ScopedModelForm):
    """Filled in on a phone after a day at the commune: the commune, the date, how long, who, what was done, the
    party-cell meetings attended, the criteria worked on. An agency liaison records for its own agency (no choice)."""

    commune = CommuneChoiceField(label=_("Xã"), queryset=AdministrativeUnit.objects.none())
    criteria_addressed = CriteriaChoiceField(
        label=_("Tiêu chí hỗ trợ"), queryset=Criterion.objects.none(), required=False
    )

    class Meta:
        model = FieldVisit
        fields = [
            "agency",
            "commune",
            "visit_date",
            "days_on_site",
            "hours_on_site",
            "participants",
            "activities",
            "party_cell_meetings",
            "criteria_addressed",
            "secondment",
        ]
        formfield_callback = _formfield
        widgets = {
            "activities": forms.Textarea(attrs={"rows": 4}),
            "party_cell_meetings": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        labels = {"secondment": _("Cán bộ biệt phái (nếu có)")}
        help_texts = {
            "days_on_site": _("Ví dụ: 1 hoặc 0,5. Nhập 0 nếu chỉ tính theo giờ."),
            "participants": _("Ví dụ: đồng chí Phó Giám đốc Sở và 2 chuyên viên."),
        }

    def __init__(self, *args, fixed_agency: Agency | None = None, **kwargs):
        self.fixed_agency = fixed_agency
        super().__init__(*args, **kwargs)
        if fixed_agency is not None:
            del self.fields["agency"]
            if not self.instance.pk:
                self.instance.agency = fixed_agency
        self.fields["party_cell_meetings"].required = False  # left empty: none

    def clean_party_cell_meetings(self):
        return self.cleaned_data.get("party_cell_meetings") or 0

    def limit_choices(self, user):
        if "agency" in self.fields:
            self.fields["agency"].queryset = Agency.objects.visible_to(user).order_by(vi_order("name"), "pk")
        communes = visible_communes(user)
        self.fields["commune"].queryset = communes
        if not self.instance.pk and not self.is_bound:
            only = list(communes[:2])
            if len(only) == 1:  # a liaison whose agency helps one commune: nothing to choose
                self.fields["commune"].initial = only[0].pk
        self.fields["secondment"].queryset = (
            Secondment.objects.visible_to(user).select_related("cadre", "commune").order_by("-start_date")
        )
        year = self.year_of("visit_date", self.instance.visit_date if self.instance.pk else None)
        self.fields["criteria_addressed"].queryset = criteria_in_force(year)
        if not self.instance.pk:
            self.fields["visit_date"].initial = timezone.localdate()
            self.fields["days_on_site"].initial = 1


class SupportContributionForm(ScopedModelForm):
    commune = CommuneChoiceField(label=_("Xã"), queryset=AdministrativeUnit.objects.none())
    criterion = CriterionChoiceField(label=_("Tiêu chí hướng tới"), queryset=Criterion.objects.none(), required=False)

    class Meta:
        model = SupportContribution
        fields = ["giver", "commune", "date", "kind", "value_vnd", "description", "criterion"]
        formfield_callback = _formfield
        field_classes = {"value_vnd": MoneyField}
        help_texts = {"value_vnd": _("Ví dụ: 50.000.000 hoặc 12,5 triệu")}

    def __init__(self, *args, fixed_agency: Agency | None = None, **kwargs):
        self.fixed_agency = fixed_agency
        super().__init__(*args, **kwargs)
        if fixed_agency is not None:
            del self.fields["giver"]
            if not self.instance.pk:
                self.instance.giver = fixed_agency

    def limit_choices(self, user):
        if "giver" in self.fields:
            self.fields["giver"].queryset = Agency.objects.visible_to(user).order_by(vi_order("name"), "pk")
        self.fields["commune"].queryset = visible_communes(user)
        year = self.year_of("date", self.instance.date if self.instance.pk else None)
        self.fields["criterion"].queryset = criteria_in_force(year)
