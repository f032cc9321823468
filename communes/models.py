from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ntm_portal.fields import NormalizedCharField
from ntm_portal.in_force import InForceQuerySet
from ntm_portal.scoping import ScopedQuerySet, commune_q
from ntm_portal.text import fold_vietnamese

from .choices import KIND_LEVEL, CommuneGroup, MergedStanding, NtmLevel, Region, UnitKind, UnitLevel


def commune_foreign_key(related_name: str, **kwargs) -> models.ForeignKey:
    """The foreign key every commune-level record (round, secondment, visit, support...) has to its commune."""
    kwargs.setdefault("on_delete", models.PROTECT)
    return models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("xã"),
        related_name=related_name,
        limit_choices_to={"level": UnitLevel.COMMUNE},
        **kwargs,
    )


class AdministrativeUnitQuerySet(InForceQuerySet):
    def provinces(self):
        return self.filter(level=UnitLevel.PROVINCE)

    def districts(self):
        return self.filter(level=UnitLevel.DISTRICT)

    def communes(self):
        return self.filter(level=UnitLevel.COMMUNE)

    def current(self):
        return self.filter(valid_to__isnull=True)

    def within(self, unit: "AdministrativeUnit"):
        """The unit itself and everything below it, through the denormalised ancestor columns."""
        if unit.level == UnitLevel.PROVINCE:
            return self.filter(Q(pk=unit.pk) | Q(province=unit))
        if unit.level == UnitLevel.DISTRICT:
            return self.filter(Q(pk=unit.pk) | Q(district=unit))
        return self.filter(pk=unit.pk)

    def visible_to(self, user):
        """The communes in the user's scope, and the units above the user's own (to read their summaries)."""
        if getattr(user, "is_authenticated", False) and user.is_superuser:
            return self.all()  # an empty Q() would vanish from the OR below
        unit = getattr(user, "unit", None)
        ancestors = [pk for pk in (unit.pk, unit.province_id, unit.district_id) if pk] if unit else []
        return self.filter(commune_q(user) | Q(pk__in=ancestors))

    def search(self, text: str):
        """Diacritic-insensitive name search: "dinh hoa" finds "Định Hóa" on SQLite and PostgreSQL alike."""
        return self.filter(name_folded__contains=fold_vietnamese(text))


class AdministrativeUnit(models.Model):
    """Đơn vị hành chính: a province (tỉnh), a district (huyện) or a commune (xã).

    Districts are optional: since 1 July 2025 communes hang directly under their province. Every unit
    carries its province and district as columns (DHIS2's org-unit structure) so that scoping and
    aggregation to any level is one indexed filter, never a walk up the tree.
    """

    code = NormalizedCharField(_("mã đơn vị (TCTK)"), max_length=10, db_index=True)
    name = NormalizedCharField(_("tên"), max_length=120)
    name_folded = models.CharField(_("tên không dấu"), max_length=120, editable=False, db_index=True)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices, db_index=True)
    kind = models.CharField(_("loại"), max_length=15, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province = models.ForeignKey(
        "self",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    district = models.ForeignKey(
        "self",
        verbose_name=_("huyện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    merged_from = models.ManyToManyField(
        "self",
        verbose_name=_("hợp nhất từ"),
        symmetrical=False,
        blank=True,
        related_name="merged_into",
        through="UnitSuccession",
        through_fields=("successor", "predecessor"),
    )
    # For maps: the unit's centre and area as the official conversion data gives them (communes.services).
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    area_km2 = models.DecimalField(_("diện tích (km²)"), max_digits=10, decimal_places=2, null=True, blank=True)

    # Commune attributes; empty on provinces and districts.
    region = models.CharField(_("vùng kinh tế - xã hội"), max_length=10, choices=Region.choices, blank=True)
    commune_group = models.PositiveSmallIntegerField(
        _("nhóm xã (2026–2030)"),
        choices=CommuneGroup.choices,
        null=True,
        blank=True,
    )
    especially_disadvantaged = models.BooleanField(_("xã đặc biệt khó khăn"), default=False)
    designated_special = models.BooleanField(_("xã đặc thù"), default=False)
    ntm_level = models.CharField(
        _("mức đạt chuẩn NTM"),
        max_length=10,
        choices=NtmLevel.choices,
        default=NtmLevel.NOT_YET,
    )
    recognition = models.ForeignKey(
        "Recognition",
        verbose_name=_("quyết định công nhận hiện hành"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_year = models.PositiveSmallIntegerField(_("năm phấn đấu đạt chuẩn"), null=True, blank=True)
    # A province's rule for the communes formed by merging others (read by criteria.ledger).
    merged_standing = models.CharField(
        _("mức đạt chuẩn của xã mới sau sắp xếp"),
        max_length=12,
        choices=MergedStanding.choices,
        default=MergedStanding.REASSESS,
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]
        constraints = [
            # Official codes are reused after mergers, so a code is unique per level and start date.
            models.UniqueConstraint(fields=["level", "code", "valid_from"], name="unit_code_unique_per_start"),
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=Q(valid_from__isnull=True),
                name="unit_code_unique_undated",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
        ]
        indexes = [models.Index(fields=["province", "level"]), models.Index(fields=["district", "level"])]

    def __str__(self) -> str:
        return self.name

    DERIVED_FIELDS = ("name_folded", "province", "district")

    def save(self, *args, **kwargs) -> None:
        # The ancestor columns and the folded name are derived here, the one place every write passes
        # (bulk writes in communes.services derive them the same way).
        self.name_folded = fold_vietnamese(self.name)
        parent = self.parent
        if parent is None:
            self.province, self.district = None, None
        elif parent.level == UnitLevel.PROVINCE:
            self.province, self.district = parent, None
        else:
            self.province, self.district = parent.province, parent
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "parent"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)
        if self.level == UnitLevel.DISTRICT:
            # A district moved to another province takes its communes' province column along.
            AdministrativeUnit.objects.filter(district=self).exclude(province=self.province).update(
                province=self.province
            )

    def clean(self) -> None:
        expected_level = KIND_LEVEL.get(self.kind)
        if expected_level and self.level and expected_level != self.level:
            raise ValidationError({"kind": _("Loại đơn vị không khớp với cấp hành chính.")})
        parent = self.parent
        if self.level == UnitLevel.PROVINCE and parent is not None:
            raise ValidationError({"parent": _("Tỉnh không có đơn vị cấp trên.")})
        if self.level == UnitLevel.DISTRICT and (parent is None or parent.level != UnitLevel.PROVINCE):
            raise ValidationError({"parent": _("Huyện phải thuộc một tỉnh.")})
        if self.level == UnitLevel.COMMUNE and (parent is None or parent.level == UnitLevel.COMMUNE):
            raise ValidationError({"parent": _("Xã phải thuộc một huyện hoặc trực tiếp một tỉnh.")})
        if self.level != UnitLevel.COMMUNE and (
            self.region or self.commune_group or self.especially_disadvantaged or self.designated_special
        ):
            raise ValidationError(_("Vùng, nhóm xã và các cờ đặc biệt chỉ dành cho cấp xã."))
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")})
        if self.recognition_id and self.recognition.commune_id != self.pk:
            raise ValidationError({"recognition": _("Quyết định công nhận phải là của chính xã này.")})

    def communes_q(self, path: str = "commune") -> Q:
        """Rows whose commune (reached through `path`) is this unit or lies within it: one indexed condition on the
        commune's ancestor columns."""
        if self.level == UnitLevel.PROVINCE:
            return Q(**{f"{path}__province": self})
        if self.level == UnitLevel.DISTRICT:
            return Q(**{f"{path}__district": self})
        return Q(**{path: self})

    @property
    def is_commune(self) -> bool:
        return self.level == UnitLevel.COMMUNE


class UnitSuccession(models.Model):
    """Sắp xếp đơn vị hành chính: a unit that became (part of) another one on a reorganisation.

    An old commune merged whole into a new one is linked to it once, as its default successor. A commune
    divided between several new ones is linked to each part, and `default_successor` marks the one the
    official conversion names as where the old commune's records (and addresses) go by default.
    """

    successor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị mới"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    predecessor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị cũ"), on_delete=models.CASCADE, related_name="successor_links"
    )
    default_successor = models.BooleanField(_("đơn vị kế thừa mặc định"), default=True)

    class Meta:
        verbose_name = _("sắp xếp đơn vị hành chính")
        verbose_name_plural = _("sắp xếp đơn vị hành chính")
        ordering = ["successor__code", "predecessor__code"]
        constraints = [
            models.UniqueConstraint(fields=["successor", "predecessor"], name="unit_succession_unique"),
            models.CheckConstraint(condition=~Q(successor=models.F("predecessor")), name="unit_succession_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class RecognitionQuerySet(InForceQuerySet, ScopedQuerySet):
    # A decision counts from its date until the day it is revoked.
    in_force_fields = ("decision_date", "revoked_on")
    in_force_end_exclusive = True


class Recognition(models.Model):
    """Quyết định công nhận: a commune recognised as meeting the NTM standard at some level."""

    commune = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("xã"),
        on_delete=models.CASCADE,
        related_name="recognitions",
        limit_choices_to={"level": UnitLevel.COMMUNE},
    )
    level = models.CharField(_("mức công nhận"), max_length=10, choices=NtmLevel.choices)
    year = models.PositiveSmallIntegerField(_("năm đạt chuẩn"))
    decision_number = NormalizedCharField(_("số quyết định"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    signer = NormalizedCharField(_("người ký"), max_length=120)
    criteria_set = models.ForeignKey(
        "criteria.CriteriaSet",
        verbose_name=_("bộ tiêu chí"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    revoked_on = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    assessment_round = models.OneToOneField(
        "criteria.AssessmentRound",
        verbose_name=_("kỳ đánh giá"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognition",
    )

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("quyết định công nhận")
        verbose_name_plural = _("quyết định công nhận")
        ordering = ["-decision_date"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "level", "decision_number"], name="recognition_unique"),
            models.CheckConstraint(condition=~Q(level=NtmLevel.NOT_YET), name="recognition_level_is_a_standard"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number} – {self.commune}"

    def clean(self) -> None:
        if self.commune_id and not self.commune.is_commune:
            raise ValidationError({"commune": _("Chỉ công nhận đạt chuẩn cho đơn vị cấp xã.")})
        if self.decision_date and self.year and self.decision_date.year < self.year:
            raise ValidationError({"decision_date": _("Quyết định không thể ban hành trước năm đạt chuẩn.")})
