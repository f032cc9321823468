from django.contrib import admin

from criteria.admin import ReadOnlyAdminMixin

from .models import ReportJob, ReportLetterhead


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Jobs are created through report_request (browser, API, beat) and moved on only by their builder; stewards
    look at them here, and may delete old ones."""

    list_display = ("unit", "as_of", "language", "status", "progress", "attempts", "requested_by", "created_at")
    list_select_related = ("unit", "requested_by")
    list_filter = ("status", "language", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("unit__name", "unit__name_folded", "unit__code", "requested_by__username", "error", "error_detail")
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(ReportLetterhead)
class ReportLetterheadAdmin(admin.ModelAdmin):
    """Each province's office edits its own at /reports/letterhead/; the admin sees and corrects any."""

    list_display = ("unit", "governing_body", "issuer", "signer_title", "updated_at")
    list_select_related = ("unit",)
    search_fields = ("unit__name", "governing_body", "issuer")
    raw_id_fields = ("unit",)
