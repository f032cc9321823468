from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User

SCOPE_FIELDS = ("role", "unit", "agency")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, plus the role and the unit or agency that scope what a user sees."""

    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        (_("Vai trò và phạm vi"), {"fields": SCOPE_FIELDS}),
        *DjangoUserAdmin.fieldsets[1:],
    )
    # A user is created with its scope, so that User.clean() checks role and unit together from the start.
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Vai trò và phạm vi"), {"classes": ("wide",), "fields": SCOPE_FIELDS}),
    )
    list_display = ("username", "first_name", "last_name", "email", "role", "unit", "agency", "is_active", "is_staff")
    list_select_related = ("unit", "agency")
    list_filter = (
        "role",
        ("agency", admin.RelatedOnlyFieldListFilter),
        *DjangoUserAdmin.list_filter,
    )
    search_fields = (*DjangoUserAdmin.search_fields, "unit__name", "unit__name_folded", "agency__name")
    autocomplete_fields = ("unit", "agency")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Users' API tokens: listed and revoked (deleted) here; issued on the user's own token page or through the API,
    where the key is shown once (only its hash is stored, so the admin could not show it)."""

    list_display = ("name", "user", "token_key", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("name", "token_key", "user__username")
    readonly_fields = ("name", "user", "token_key", "created", "expiry")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
