from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.choices import CommuneGroup, NtmLevel, Region
from communes.models import AdministrativeUnit, commune_foreign_key
from ntm_portal.access import signed_in
from ntm_portal.choices import UnitLevel
from ntm_portal.fields import NormalizedCharField, NormalizedTextField
from ntm_portal.in_force import InForceQuerySet
from ntm_portal.scoping import ScopedQuerySet

from .choices import ChangeKind, Comparison, ImportStatus, ReviewState, RoundStatus, SetLevel, TargetScheme

PERCENT_COMPARISONS = (Comparison.PERCENT_AT_LEAST, Comparison.PERCENT_AT_MOST)


class RoundPartQuerySet(ScopedQuerySet):
    """Rows that belong to a round are seen by whoever sees the round's commune."""

    commune_path = "assessment_round__commune"


class CriteriaSetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The national sets, and the provincial sets of the provinces the user sees."""
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(province__isnull=True) | Q(province__in=AdministrativeUnit.objects.visible_to(user)))


class CriteriaSet(models.Model):
    """Bộ tiêu chí: a versioned national (or provincial) set of criteria for one period and level."""

    code = models.SlugField(_("mã bộ tiêu chí"), max_length=40, unique=True)
    name = NormalizedCharField(_("tên"), max_length=200)
    period_start = models.PositiveSmallIntegerField(_("từ năm"))
    period_end = models.PositiveSmallIntegerField(_("đến năm"))
    level = models.CharField(_("mức"), max_length=10, choices=SetLevel.choices, default=SetLevel.BASIC)
    target_scheme = models.CharField(
        _("phân loại chỉ tiêu"),
        max_length=15,
        choices=TargetScheme.choices,
        default=TargetScheme.REGION,
    )
    legal_basis = NormalizedCharField(_("căn cứ pháp lý"), max_length=300)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    province = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("tỉnh ban hành (bộ tiêu chí riêng)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"level": UnitLevel.PROVINCE},
        related_name="criteria_sets",
    )
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("dựa trên bộ tiêu chí"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    source_note = NormalizedTextField(_("nguồn"), blank=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        ordering = ["period_start", "level", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="set_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("Năm kết thúc phải sau năm bắt đầu.")})
        if self.province_id and not self.derived_from_id:
            raise ValidationError({"derived_from": _("Bộ tiêu chí của tỉnh phải dựa trên một bộ tiêu chí quốc gia.")})


class Criterion(models.Model):
    """Tiêu chí: one numbered criterion of a set (e.g. 17 Môi trường và an toàn thực phẩm)."""

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.CASCADE, related_name="criteria"
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = NormalizedCharField(_("tên tiêu chí"), max_length=200)
    group_code = NormalizedCharField(_("nhóm"), max_length=5, blank=True)
    group_name = NormalizedCharField(_("tên nhóm"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["criteria_set", "number"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Indicator(models.Model):
    """Chỉ tiêu: a measurable part of a criterion (e.g. 3.1 share of land actively irrigated)."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="indicators")
    code = NormalizedCharField(_("mã chỉ tiêu"), max_length=10)
    name = NormalizedCharField(_("tên chỉ tiêu"), max_length=300)
    unit = NormalizedCharField(_("đơn vị tính"), max_length=40, blank=True)
    comparison = models.CharField(_("cách so sánh"), max_length=20, choices=Comparison.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["criterion", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["criterion", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorTarget(models.Model):
    """The threshold an indicator must reach, in general or for one region / commune group.

    An empty threshold means "not yet known": it is shown as such and edited in the admin, never guessed.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    region = models.CharField(_("vùng"), max_length=10, choices=Region.choices, blank=True)
    commune_group = models.PositiveSmallIntegerField(_("nhóm xã"), choices=CommuneGroup.choices, null=True, blank=True)
    threshold = models.DecimalField(_("chỉ tiêu"), max_digits=14, decimal_places=2, null=True, blank=True)
    source_note = NormalizedCharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu theo vùng/nhóm")
        verbose_name_plural = _("chỉ tiêu theo vùng/nhóm")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region"],
                condition=Q(commune_group__isnull=True),
                name="target_unique_region",
            ),
            models.UniqueConstraint(
                fields=["indicator", "commune_group"],
                condition=Q(commune_group__isnull=False),
                name="target_unique_group",
            ),
            models.CheckConstraint(
                condition=Q(region="") | Q(commune_group__isnull=True),
                name="target_region_or_group_not_both",
            ),
        ]

    def __str__(self) -> str:
        scope = self.get_region_display() or self.get_commune_group_display() or _("chung")
        return f"{self.indicator.code} – {scope}"

    def clean(self) -> None:
        if self.region and self.commune_group:
            raise ValidationError(_("Một chỉ tiêu áp dụng cho một vùng hoặc một nhóm xã, không cả hai."))
        is_percent = self.indicator_id and self.indicator.comparison in PERCENT_COMPARISONS
        if is_percent and self.threshold is not None and not (Decimal(0) <= self.threshold <= Decimal(100)):
            raise ValidationError({"threshold": _("Tỷ lệ phải nằm trong khoảng 0–100%.")})


class AssessmentRound(models.Model):
    """Kỳ đánh giá: a commune's self-assessment against one criteria set in one year, and its workflow state."""

    commune = commune_foreign_key("assessment_rounds")
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    as_of = models.DateField(_("số liệu tính đến ngày"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Criteria whose result is met: kept by criteria.ledger with every write that changes a result (never counted
    # again on a read), as the ledger's rows are.
    criteria_met = models.PositiveSmallIntegerField(_("số tiêu chí đạt"), default=0, editable=False)
    # The day the province approved it (thẩm định), cleared when it reopens the round: an approved round counts in
    # the figures from this day when that comes before `as_of` (a 2026 round approved in May, dated 31 December).
    approved_on = models.DateField(_("ngày thẩm định"), null=True, blank=True, editable=False)
    # Optimistic locking: the workflow services bump it on every change and refuse one based on an older version.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("kỳ đánh giá")
        verbose_name_plural = _("kỳ đánh giá")
        ordering = ["-year", "commune"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "criteria_set", "year"], name="round_unique_per_year"),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.commune} – {self.year}"

    def clean(self) -> None:
        if self.commune_id and not self.commune.is_commune:
            raise ValidationError({"commune": _("Chỉ đơn vị cấp xã mới có kỳ đánh giá.")})
        if (
            self.criteria_set_id
            and self.year
            and not (self.criteria_set.period_start <= self.year <= self.criteria_set.period_end)
        ):
            raise ValidationError({"year": _("Năm đánh giá nằm ngoài giai đoạn của bộ tiêu chí.")})
        if self.as_of and self.year and self.as_of.year != self.year:
            raise ValidationError({"as_of": _("Ngày chốt số liệu phải thuộc năm đánh giá.")})


class CriterionResult(models.Model):
    """Whether one criterion is met in a round: computed from its indicators, or assessed as a whole
    where the set's indicators are not recorded (as the field reports do: "đạt 15/19 tiêu chí")."""

    assessment_round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="criterion_results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="results")
    met = models.BooleanField(_("đạt"), null=True, blank=True)  # null: not assessed yet
    assessed_as_whole = models.BooleanField(_("đánh giá chung cả tiêu chí"), default=False)
    note = NormalizedTextField(_("ghi chú"), blank=True)
    review_state = models.CharField(
        _("kết quả thẩm tra"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    review_comment = NormalizedTextField(_("ý kiến thẩm tra"), blank=True)

    objects = RoundPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("kết quả tiêu chí")
        verbose_name_plural = _("kết quả tiêu chí")
        ordering = ["assessment_round", "criterion__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment_round", "criterion"], name="criterion_result_unique"),
        ]
        indexes = [models.Index(fields=["assessment_round", "met"])]

    def __str__(self) -> str:
        return f"{self.assessment_round} – {self.criterion.number}"

    def clean(self) -> None:
        if (
            self.criterion_id
            and self.assessment_round_id
            and self.criterion.criteria_set_id != self.assessment_round.criteria_set_id
        ):
            raise ValidationError({"criterion": _("Tiêu chí không thuộc bộ tiêu chí của kỳ đánh giá.")})


class IndicatorValue(models.Model):
    """Giá trị chỉ tiêu: a commune's value for one indicator in one round."""

    assessment_round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value_number = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2, null=True, blank=True)
    value_bool = models.BooleanField(_("đạt (có/không)"), null=True, blank=True)
    met = models.BooleanField(_("đạt chỉ tiêu"), null=True, blank=True)  # null: no value or no known target
    note = NormalizedTextField(_("ghi chú"), blank=True)

    objects = RoundPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("giá trị chỉ tiêu")
        verbose_name_plural = _("giá trị chỉ tiêu")
        ordering = ["assessment_round", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["assessment_round", "indicator"], name="indicator_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_round} – {self.indicator.code}"

    def clean(self) -> None:
        if not self.indicator_id:
            return
        comparison = self.indicator.comparison
        if comparison == Comparison.YES_NO and self.value_number is not None:
            raise ValidationError({"value_number": _("Chỉ tiêu này chỉ nhận giá trị Đạt / Chưa đạt.")})
        if comparison != Comparison.YES_NO and self.value_bool is not None:
            raise ValidationError({"value_bool": _("Chỉ tiêu này nhận giá trị số.")})
        number = self.value_number
        if comparison in PERCENT_COMPARISONS and number is not None and not (Decimal(0) <= number <= Decimal(100)):
            raise ValidationError({"value_number": _("Tỷ lệ phải nằm trong khoảng 0–100%.")})
        round_set_id = self.assessment_round.criteria_set_id if self.assessment_round_id else None
        if round_set_id and self.indicator.criterion.criteria_set_id != round_set_id:
            raise ValidationError({"indicator": _("Chỉ tiêu không thuộc bộ tiêu chí của kỳ đánh giá.")})


class EvidenceFile(models.Model):
    """Hồ sơ minh chứng: a file backing a value (minutes, survey, photo)."""

    assessment_round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="evidence_files")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT)
    file = models.FileField(_("tệp"), upload_to="evidence/%Y/")
    description = NormalizedCharField(_("mô tả"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = RoundPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ minh chứng")
        verbose_name_plural = _("hồ sơ minh chứng")

    def __str__(self) -> str:
        return self.description or self.file.name


class ExcelImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Each job is seen by the user who uploaded its file (and a superuser): the file's figures and its errors
        are theirs."""
        if not signed_in(user):
            return self.none()
        return self.all() if user.is_superuser else self.filter(requested_by=user)


class ExcelImportJob(models.Model):
    """A large Excel upload (settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES) imported by a Celery worker, all or nothing as
    at once: the row says how far it got and, when finished, what changed or every problem found."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("tệp"), upload_to="excel-imports/%Y/", max_length=300, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    stage = models.CharField(_("bước đang làm"), max_length=200, blank=True)
    report = models.JSONField(_("kết quả"), null=True, blank=True)  # ImportReport's fields once done
    errors = models.JSONField(_("lỗi"), default=list, blank=True)  # [{row, column, reason, message}] once refused
    task_id = models.CharField(_("mã tác vụ Celery"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("gửi vào hàng đợi lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    objects = ExcelImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt nhập Excel")
        verbose_name_plural = _("lượt nhập Excel")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="excel_import_progress_at_most_100")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class UnitTargetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The targets of the units the user sees (a district officer: its district's and the province's)."""
        if not signed_in(user):
            return self.none()
        return self.filter(unit__in=AdministrativeUnit.objects.visible_to(user))


class UnitTarget(models.Model):
    """Chỉ tiêu phấn đấu: what a province or district committed to by a year
    (e.g. Định Hóa, NQ 07-NQ/HU: at least 10/23 communes meeting the standard by 2020)."""

    unit = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("đơn vị"),
        on_delete=models.CASCADE,
        related_name="targets",
        limit_choices_to={"level__in": [UnitLevel.PROVINCE, UnitLevel.DISTRICT]},
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    min_communes_meeting_standard = models.PositiveIntegerField(_("số xã đạt chuẩn tối thiểu"), null=True, blank=True)
    min_average_criteria = models.DecimalField(
        _("bình quân tiêu chí/xã tối thiểu"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    min_criteria_per_commune = models.PositiveSmallIntegerField(
        _("không xã nào dưới (tiêu chí)"), null=True, blank=True
    )
    decision = NormalizedCharField(_("văn bản giao chỉ tiêu"), max_length=200, blank=True)

    objects = UnitTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("chỉ tiêu phấn đấu")
        verbose_name_plural = _("chỉ tiêu phấn đấu")
        ordering = ["unit", "year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="unit_target_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.unit} – {self.year}"

    def clean(self) -> None:
        if self.unit_id and self.unit.is_commune:
            raise ValidationError({"unit": _("Chỉ tiêu phấn đấu đặt cho tỉnh hoặc huyện.")})
        if not any(
            v is not None
            for v in (self.min_communes_meeting_standard, self.min_average_criteria, self.min_criteria_per_commune)
        ):
            raise ValidationError(_("Nhập ít nhất một chỉ tiêu."))


class AssessmentChange(models.Model):
    """Nhật ký thay đổi: one change of a value or a state of a round — who, when, old → new, and why.

    Append-only, written in the same transaction as the change. Replaying it rebuilds a round "as of" any moment.
    """

    # Kept when a round opened by mistake is withdrawn (deleted): the log says who withdrew which year's round.
    assessment_round = models.ForeignKey(
        AssessmentRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    commune = models.ForeignKey(
        "communes.AdministrativeUnit", verbose_name=_("xã"), on_delete=models.CASCADE, related_name="+"
    )
    changed_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("loại thay đổi"), max_length=15, choices=ChangeKind.choices)
    criterion = models.ForeignKey(Criterion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("trường"), max_length=30)
    old_value = models.JSONField(_("giá trị cũ"), null=True, blank=True)
    new_value = models.JSONField(_("giá trị mới"), null=True, blank=True)
    comment = NormalizedTextField(_("lý do / ý kiến"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("thay đổi đánh giá")
        verbose_name_plural = _("nhật ký thay đổi đánh giá")
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(fields=["commune", "changed_at"]),
            models.Index(fields=["assessment_round", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.changed_at:%d/%m/%Y %H:%M} {self.get_kind_display()}"


class StandingQuerySet(InForceQuerySet, ScopedQuerySet):
    pass


class Standing(models.Model):
    """Sổ tiến độ: where a commune stood against one criteria set from `valid_from` to `valid_to` (inclusive; open
    when empty): its latest round of the set dated by then, the criteria met, and the NTM level of the recognition
    decisions in force. DHIS2's analytics tables are the model: written by criteria.ledger in the same transaction
    as the change that alters it, read by every page, the API and the reports, never recomputed on a read.

    `approved_only` rows count only approved rounds (the dashboards' "approved only" figures). A commune with no
    round and no recognition has no rows: it stands nowhere yet.
    """

    commune = commune_foreign_key("standings", on_delete=models.CASCADE)
    # Empty: the commune's NTM level alone, whatever set (a commune recognised before any set is loaded has one).
    criteria_set = models.ForeignKey(CriteriaSet, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    approved_only = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    assessment_round = models.ForeignKey(
        AssessmentRound, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    criteria_met = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no round of the set by then
    criteria_total = models.PositiveSmallIntegerField()
    unmet_criteria = models.JSONField(default=list)  # criterion numbers, in order; empty without a round
    ntm_level = models.CharField(max_length=10, choices=NtmLevel.choices)
    meets_standard = models.BooleanField()
    standard_since = models.DateField(null=True, blank=True)  # the earliest decision at the standard in force

    objects = StandingQuerySet.as_manager()

    class Meta:
        verbose_name = _("sổ tiến độ")
        verbose_name_plural = _("sổ tiến độ")
        indexes = [
            models.Index(fields=["commune", "criteria_set", "approved_only", "valid_from"]),
            models.Index(fields=["criteria_set", "approved_only", "valid_from"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "approved_only", "valid_from"], name="standing_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.criteria_set_id} {self.valid_from}–{self.valid_to or ''}"
