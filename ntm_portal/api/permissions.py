"""The API's permission classes: thin adapters that ask ntm_portal.access (which asks the rules each app registers)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ntm_portal import access


class ScopedChangePermission(BasePermission):
    message = _("Vai trò của bạn không được thêm, sửa hoặc xóa loại dữ liệu này.")

    """Reads: any signed-in user (the viewset's queryset is already `visible_to` the user, so a row outside the
    user's scope is a 404). Writes: refused with 403 before the body is read when the user's role can change no row of
    the model at all; the object itself (before and after the change) is checked by `access.require_change` in the
    viewset's perform_* methods, since the object a POST creates does not exist when DRF asks has_object_permission.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return access.may_change_any(request.user, view.queryset.model)

    def has_object_permission(self, request, view, obj):
        if request.method not in SAFE_METHODS:
            access.require_change(request.user, obj)  # AccessDenied: a 403 that says which record
        return True
