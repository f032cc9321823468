from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User

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
