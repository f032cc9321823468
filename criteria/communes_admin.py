"""The communes' admin (units, recognitions, successions): in criteria because every save and delete keeps the
progress ledger in step (KeepsLedgerAdmin) and a change of a commune's attributes re-chooses its targets."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from ntm_portal.choices import UnitLevel
from ntm_portal.text import fold_vietnamese

from .admin import KeepsLedgerAdmin
from .services.assessment import targets_changed

# A commune's attributes that choose which targets apply to it (applicable_threshold).
TARGET_ATTRIBUTES = {"region", "commune_group", "especially_disadvantaged"}


class RecognitionInline(admin.TabularInline):
    model = Recognition
    fields = ("level", "year", "decision_number", "decision_date", "signer", "criteria_set", "revoked_on")
    extra = 0

    def get_queryset(self, request):
        # A recognition's label names its commune; the formset sets only the commune's id on each row.
        return super().get_queryset(request).select_related("commune")


class PredecessorInline(admin.TabularInline):
    """The units this one was formed from (merged_from), with the default-successor mark of each link."""

    model = UnitSuccession
    fk_name = "successor"
    fields = ("predecessor", "default_successor")
    autocomplete_fields = ("predecessor",)
    extra = 0
    verbose_name = _("đơn vị cũ hợp nhất vào")
    verbose_name_plural = _("hợp nhất từ")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("predecessor", "successor")


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(KeepsLedgerAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "province", "ntm_level", "region", "commune_group", "valid_to")
    list_select_related = ("parent", "province")
    list_filter = (
        "level",
        "kind",
        "ntm_level",
        "region",
        "commune_group",
        "especially_disadvantaged",
        "designated_special",
        # Only the provinces and districts that units hang under, never every unit of the country.
        ("province", admin.RelatedOnlyFieldListFilter),
        ("district", admin.RelatedOnlyFieldListFilter),
        ("valid_to", admin.EmptyFieldListFilter),
    )
    # name_folded is every name lower-cased without marks: searched with a folded term it finds "Định Hóa"
    # for "dinh hoa", "Định Hoá" or "định hóa" alike (SQLite's LIKE ignores case only for ASCII).
    search_fields = ("code", "name_folded")
    autocomplete_fields = ("parent", "recognition")
    readonly_fields = ("province", "district", "name_folded")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_folded", "level", "kind", "parent", "province", "district")}),
        (_("Hiệu lực"), {"fields": ("valid_from", "valid_to")}),
        (_("Vị trí"), {"fields": ("latitude", "longitude", "area_km2")}),
        (_("Sắp xếp đơn vị hành chính (tỉnh)"), {"fields": ("merged_standing",)}),
        (
            _("Thuộc tính của xã"),
            {
                "fields": (
                    "region",
                    "commune_group",
                    "especially_disadvantaged",
                    "designated_special",
                    "ntm_level",
                    "recognition",
                    "target_year",
                )
            },
        ),
    )

    def affected(self, obj, form=None) -> list[int]:
        if obj.level == UnitLevel.PROVINCE:  # its rule for merged communes: those communes' standing follows it
            return list(
                AdministrativeUnit.objects.communes()
                .filter(province=obj, predecessor_links__isnull=False)
                .values_list("pk", flat=True)
                .distinct()
            )
        return [obj.pk] if obj.level == UnitLevel.COMMUNE else []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.level == UnitLevel.COMMUNE and TARGET_ATTRIBUTES & set(form.changed_data):
            targets_changed(commune_ids=[form.instance.pk])  # other targets apply to its recorded values

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold_vietnamese(search_term))

    def get_inlines(self, request, obj):
        # Only communes are recognised; a province's page has no use for an empty recognitions table.
        if obj is not None and obj.level == UnitLevel.COMMUNE:
            return [PredecessorInline, RecognitionInline]
        return [PredecessorInline]


@admin.register(Recognition)
class RecognitionAdmin(KeepsLedgerAdmin, admin.ModelAdmin):
    list_display = ("decision_number", "commune", "level", "year", "decision_date", "signer", "revoked_on")
    list_select_related = ("commune",)
    list_filter = ("level", "year", "criteria_set", ("commune__province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("decision_number", "signer", "commune__code", "commune__name", "commune__name_folded")
    autocomplete_fields = ("commune", "criteria_set")
    date_hierarchy = "decision_date"

    def get_queryset(self, request):
        # A recognition's label names its commune. Joined here, not only in list_select_related (which the changelist
        # skips for a queryset already joined), so that lists and autocomplete results alike cost one query.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "default_successor")
    list_select_related = ("predecessor", "successor")
    list_filter = ("default_successor", ("successor__level", admin.AllValuesFieldListFilter))
    autocomplete_fields = ("successor", "predecessor")
    search_fields = ("successor__code", "successor__name_folded", "predecessor__code", "predecessor__name_folded")

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold_vietnamese(search_term))
