"""Sign-in lockout (django-axes, configured by the AXES_* settings): the answer to a locked account, the accounts
locked now, and the unlock by the province coordinator or the admin.

Axes counts wrong passwords per username and per username and address (never per address alone: a provincial office
shares one); past AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME the account is refused, even with the right password,
until the cool-off ends or someone unlocks it."""

from __future__ import annotations

import datetime
import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import AccessDenied, unlockable_users

log = logging.getLogger(__name__)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Tài khoản này tạm thời bị khóa vì nhập sai mật khẩu %(limit)d lần liên tiếp. Hãy thử lại sau %(minutes)d "
        "phút, hoặc nhờ Văn phòng Điều phối NTM tỉnh mở khóa."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the message: JSON under /api/, else the login page saying so."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


def locked_usernames() -> dict[str, datetime.datetime]:
    """Usernames locked now, with when their lockout ends (the cool-off after the last wrong password)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"]: row["last"] + settings.AXES_COOLOFF_TIME for row in rows if row["username"]}


def locked_accounts(*, user) -> list[tuple[object, datetime.datetime]]:
    """The accounts `user` may unlock that are locked now, with when each lockout ends, by username."""
    locked = locked_usernames()
    users = unlockable_users(user).filter(username__in=locked).select_related("unit", "agency").order_by("username")
    return [(account, locked[account.username]) for account in users]


def account_unlock(*, by, username: str) -> None:
    """Lift the lockout of `username` (all its counted failures, from every address)."""
    if not unlockable_users(by).filter(username=username).exists():
        raise AccessDenied(_("Bạn không có quyền mở khóa tài khoản này."))
    reset(username=username)
    log.info("Sign-in lockout of %s lifted by %s", username, by.username)
