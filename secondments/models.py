import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.models import AdministrativeUnit, commune_foreign_key
from communes.permissions import units_in_scope
from ntm_portal import formats
from ntm_portal.access import signed_in
from ntm_portal.choices import UnitLevel
from ntm_portal.fields import NameUniqueWithinMixin, NormalizedCharField, NormalizedTextField
from ntm_portal.in_force import InForceQuerySet
from ntm_portal.scoping import NOTHING, ScopedQuerySet

from .choices import (
    AgencyKind,
    AgencyLevel,
    Gender,
    PlanItemStatus,
    PlanPeriod,
    SecondmentKind,
    SponsorRole,
    SupportKind,
)


class SecondmentQuerySet(InForceQuerySet, ScopedQuerySet):
    in_force_fields = ("start_date", "actual_end_date")  # on secondment from the first day to the last


class SponsorAssignmentQuerySet(InForceQuerySet, ScopedQuerySet):
    in_force_fields = ("start_date", "end_date")


class WorkPlanQuerySet(ScopedQuerySet):
    commune_path = "assignment__commune"


class WorkPlanItemQuerySet(ScopedQuerySet):
    commune_path = "work_plan__assignment__commune"


# Directories without a commune of their own are scoped from the same units the commune scope uses.


class AgencyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Agencies of the units the user sees (their own unit, the units above it and under it), and their own
        agency."""
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        own = Q(pk=user.agency_id) if user.agency_id else NOTHING
        return self.filter(Q(unit__in=AdministrativeUnit.objects.visible_to(user)) | own)


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cadres of the agencies at or under the user's own unit (a liaison: of their own agency), and every cadre
        seconded to a commune the user sees. A commune official sees the cadres sent to their commune, not the
        province's whole roll with its phone numbers."""
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        own_agency = Q(home_agency_id=user.agency_id) if user.agency_id else NOTHING
        at_or_under = Q(home_agency__unit__in=units_in_scope(user))
        seconded_here = Q(pk__in=Secondment.objects.visible_to(user).values("cadre_id"))
        return self.filter(own_agency | at_or_under | seconded_here)


class SecondmentBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches of the user's province, and the batches that sent a cadre to a commune the user sees."""
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            Q(province__in=AdministrativeUnit.objects.visible_to(user))
            | Q(pk__in=Secondment.objects.visible_to(user).values("batch_id"))
        )


def _history() -> HistoricalRecords:
    """Lịch sử thay đổi (issue 15): a historical row per create, change and delete — who, when, the record as it
    was saved — for the records a coordinator or a liaison keeps. The services name the user; a write outside a
    service (the admin) gets it from the request (HistoryRequestMiddleware); bulk loads (the demo) write none.
    Agencies and batches are reference lists kept by the province: not tracked. A field visit's criteria addressed
    (many-to-many) are not copied; the service names a change of them in the row's change reason."""
    # The reason as text: a visit's criteria before and after can be longer than simple_history's 100 characters.
    return HistoricalRecords(
        user_model=settings.AUTH_USER_MODEL, history_change_reason_field=models.TextField(null=True)
    )


def _check_dates(start: datetime.date | None, end: datetime.date | None, field: str) -> None:
    if start and end and end < start:
        raise ValidationError({field: _("Ngày kết thúc phải sau ngày bắt đầu.")})


def _check_commune(unit) -> None:
    if unit is not None and not unit.is_commune:
        raise ValidationError({"commune": _("Chọn một đơn vị cấp xã.")})


class Agency(NameUniqueWithinMixin, models.Model):
    """Cơ quan, đơn vị: a department, board, mass organisation, district body or twinned enterprise."""

    name = NormalizedCharField(_("tên"), max_length=200)
    short_name = NormalizedCharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.CharField(_("loại"), max_length=15, choices=AgencyKind.choices)
    level = models.CharField(_("cấp"), max_length=10, choices=AgencyLevel.choices, default=AgencyLevel.PROVINCE)
    unit = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("thuộc đơn vị hành chính"),
        on_delete=models.PROTECT,
        related_name="agencies",
        limit_choices_to={"level__in": [UnitLevel.PROVINCE, UnitLevel.DISTRICT]},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    contact = NormalizedCharField(_("liên hệ"), max_length=200, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="agency_name_unique_per_unit")]

    def __str__(self) -> str:
        return formats.agency_name(self.name, self.short_name)

    @property
    def compact_name(self) -> str:
        return formats.agency_name(self.name, self.short_name, compact=True)

    def clean(self) -> None:
        if self.unit_id and self.unit.is_commune:
            raise ValidationError({"unit": _("Cơ quan thuộc cấp tỉnh hoặc cấp huyện.")})
        if self.kind == AgencyKind.DISTRICT_BODY and self.level != AgencyLevel.DISTRICT:
            raise ValidationError({"level": _("Cơ quan cấp huyện phải có cấp là cấp huyện.")})


class Cadre(models.Model):
    """Cán bộ: a person who may be seconded or rotated to communes, more than once."""

    full_name = NormalizedCharField(_("họ và tên"), max_length=120)
    gender = models.CharField(_("giới tính"), max_length=6, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("năm sinh"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1930), MaxValueValidator(2010)],
    )
    title = NormalizedCharField(_("chức vụ"), max_length=200, blank=True)
    home_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan công tác"),
        on_delete=models.PROTECT,
        related_name="cadres",
    )
    phone = NormalizedCharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)

    objects = CadreQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class SecondmentBatch(NameUniqueWithinMixin, models.Model):
    """Đợt cử cán bộ: e.g. Tuyên Quang sent 7 cadres in 2014, 6 in 2016 and 7 in 2017."""

    province = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("tỉnh"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": UnitLevel.PROVINCE},
    )
    name = NormalizedCharField(_("tên đợt"), max_length=120)
    year = models.PositiveSmallIntegerField(_("năm"))
    decided_by = NormalizedCharField(_("cơ quan quyết định"), max_length=200, blank=True)
    decision_number = NormalizedCharField(_("số văn bản"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày văn bản"), null=True, blank=True)

    objects = SecondmentBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt cử cán bộ")
        verbose_name_plural = _("đợt cử cán bộ")
        ordering = ["province", "year", "name"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="batch_name_unique")]

    def __str__(self) -> str:
        return self.name


class Secondment(models.Model):
    """Biệt phái / luân chuyển: a cadre sent to a commune, with the commune's criteria count at both ends."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("cán bộ"), on_delete=models.PROTECT, related_name="secondments")
    commune = commune_foreign_key("secondments")
    batch = models.ForeignKey(
        SecondmentBatch,
        verbose_name=_("đợt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    kind = models.CharField(_("hình thức"), max_length=15, choices=SecondmentKind.choices)
    role_at_commune = NormalizedCharField(_("chức danh tại xã"), max_length=120, blank=True)
    decided_by = NormalizedCharField(_("cơ quan quyết định"), max_length=200)
    decision_number = NormalizedCharField(_("số quyết định / thông báo"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    start_date = models.DateField(_("ngày bắt đầu"))
    planned_end_date = models.DateField(_("ngày kết thúc dự kiến"), null=True, blank=True)
    actual_end_date = models.DateField(_("ngày kết thúc thực tế"), null=True, blank=True)
    criteria_met_at_start = models.PositiveSmallIntegerField(_("số tiêu chí đạt khi đến"), null=True, blank=True)
    criteria_met_at_end = models.PositiveSmallIntegerField(_("số tiêu chí đạt khi kết thúc"), null=True, blank=True)
    note = NormalizedTextField(_("ghi chú"), blank=True)

    objects = SecondmentQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("biệt phái / luân chuyển")
        verbose_name_plural = _("biệt phái / luân chuyển")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_end_date__isnull=True) | Q(actual_end_date__gte=models.F("start_date")),
                name="secondment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True) | Q(planned_end_date__gte=models.F("start_date")),
                name="secondment_planned_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.commune}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.actual_end_date is None or day <= self.actual_end_date)

    def clean(self) -> None:
        _check_commune(self.commune if self.commune_id else None)
        _check_dates(self.start_date, self.planned_end_date, "planned_end_date")
        _check_dates(self.start_date, self.actual_end_date, "actual_end_date")
        if self.decision_date and self.start_date and self.decision_date > self.start_date:
            raise ValidationError({"decision_date": _("Quyết định phải có trước ngày bắt đầu.")})
        if self.criteria_met_at_end is not None and self.actual_end_date is None:
            raise ValidationError({"criteria_met_at_end": _("Chỉ ghi số tiêu chí khi kết thúc sau khi đã kết thúc.")})


class SponsorAssignment(models.Model):
    """Phân công giúp đỡ: an agency or twinned enterprise assigned to a commune under a decision
    (e.g. Điện Biên QĐ 708/QĐ-UBND 2017; Ninh Bình QĐ 140-QĐ/TU with twinned enterprises)."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="assignments")
    commune = commune_foreign_key("sponsor_assignments")
    role = models.CharField(_("vai trò"), max_length=15, choices=SponsorRole.choices, default=SponsorRole.RESPONSIBLE)
    decided_by = NormalizedCharField(_("cơ quan quyết định"), max_length=200)
    decision_number = NormalizedCharField(_("số quyết định"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = SponsorAssignmentQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("phân công giúp đỡ xã")
        verbose_name_plural = _("phân công giúp đỡ xã")
        ordering = ["commune", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "commune", "start_date"], name="assignment_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.commune}"

    def clean(self) -> None:
        _check_commune(self.commune if self.commune_id else None)
        _check_dates(self.start_date, self.end_date, "end_date")
        if self.role == SponsorRole.TWINNED and self.agency_id and self.agency.kind != AgencyKind.ENTERPRISE:
            raise ValidationError({"role": _("Chỉ doanh nghiệp mới là đơn vị kết nghĩa.")})


class WorkPlan(models.Model):
    """Kế hoạch giúp đỡ: what an assigned agency plans to do for its commune in a year."""

    assignment = models.ForeignKey(
        SponsorAssignment,
        verbose_name=_("phân công"),
        on_delete=models.CASCADE,
        related_name="work_plans",
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    title = NormalizedCharField(_("tên kế hoạch"), max_length=200)

    objects = WorkPlanQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("kế hoạch giúp đỡ")
        verbose_name_plural = _("kế hoạch giúp đỡ")
        ordering = ["assignment", "year"]
        constraints = [models.UniqueConstraint(fields=["assignment", "year"], name="work_plan_unique_per_year")]

    def __str__(self) -> str:
        return self.title


class WorkPlanItem(models.Model):
    """One item of a work plan, due in a month, quarter or the whole year."""

    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="items")
    period = models.CharField(_("kỳ"), max_length=10, choices=PlanPeriod.choices)
    period_number = models.PositiveSmallIntegerField(
        _("số kỳ"),
        help_text=_("Tháng 1–12, quý 1–4, hoặc 1 cho cả năm."),
    )
    title = NormalizedCharField(_("nội dung"), max_length=300)
    criterion = models.ForeignKey(
        "criteria.Criterion",
        verbose_name=_("tiêu chí hướng tới"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=PlanItemStatus.choices, default=PlanItemStatus.OPEN
    )
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)

    PERIOD_MAX = {PlanPeriod.MONTH: 12, PlanPeriod.QUARTER: 4, PlanPeriod.YEAR: 1}

    objects = WorkPlanItemQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("nội dung kế hoạch")
        verbose_name_plural = _("nội dung kế hoạch")
        ordering = ["work_plan", "due_date"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        highest = self.PERIOD_MAX.get(self.period)
        if highest and self.period_number is not None and not (1 <= self.period_number <= highest):
            raise ValidationError({"period_number": _("Số kỳ không hợp lệ cho loại kỳ đã chọn.")})
        if (self.status == PlanItemStatus.DONE) != (self.done_on is not None):
            raise ValidationError({"done_on": _("Ngày hoàn thành đi cùng trạng thái Hoàn thành.")})


class FieldVisit(models.Model):
    """Chuyến công tác xã: who came, for how long, and what they did — the measure behind
    seed 003's complaint of agencies that come "a few times a year, a few hours each"."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="field_visits")
    commune = commune_foreign_key("field_visits")
    secondment = models.ForeignKey(
        Secondment,
        verbose_name=_("cán bộ biệt phái"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="field_visits",
    )
    visit_date = models.DateField(_("ngày đến xã"))
    days_on_site = models.DecimalField(
        _("số ngày tại xã"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    hours_on_site = models.DecimalField(
        _("số giờ tại xã"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    participants = NormalizedCharField(_("thành phần"), max_length=300, blank=True)
    activities = NormalizedTextField(_("nội dung làm việc"))
    party_cell_meetings = models.PositiveSmallIntegerField(_("số buổi dự sinh hoạt chi bộ thôn"), default=0)
    criteria_addressed = models.ManyToManyField("criteria.Criterion", verbose_name=_("tiêu chí hỗ trợ"), blank=True)

    objects = ScopedQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("chuyến công tác xã")
        verbose_name_plural = _("chuyến công tác xã")
        ordering = ["-visit_date"]
        indexes = [models.Index(fields=["agency", "visit_date"]), models.Index(fields=["commune", "visit_date"])]

    def __str__(self) -> str:
        return f"{self.agency} – {self.commune} – {formats.date_text(self.visit_date)}"

    def clean(self) -> None:
        _check_commune(self.commune if self.commune_id else None)
        if self.days_on_site is not None and self.days_on_site <= 0 and not self.hours_on_site:
            raise ValidationError({"days_on_site": _("Nhập số ngày hoặc số giờ làm việc tại xã.")})


class SupportContribution(models.Model):
    """Hỗ trợ: money, goods, training or works given to a commune (Ninh Bình: over 22.5 billion VND in a year)."""

    giver = models.ForeignKey(
        Agency,
        verbose_name=_("đơn vị hỗ trợ"),
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    commune = commune_foreign_key("contributions")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("hình thức"), max_length=15, choices=SupportKind.choices)
    value_vnd = models.PositiveBigIntegerField(_("giá trị (đồng)"))
    description = NormalizedCharField(_("nội dung"), max_length=300)
    criterion = models.ForeignKey(
        "criteria.Criterion",
        verbose_name=_("tiêu chí hướng tới"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    objects = ScopedQuerySet.as_manager()
    history = _history()

    class Meta:
        verbose_name = _("đóng góp hỗ trợ")
        verbose_name_plural = _("đóng góp hỗ trợ")
        ordering = ["-date"]
        indexes = [models.Index(fields=["commune", "date"]), models.Index(fields=["giver", "date"])]

    def __str__(self) -> str:
        return f"{self.giver} – {self.commune} – {formats.vnd(self.value_vnd)}"

    def clean(self) -> None:
        _check_commune(self.commune if self.commune_id else None)
