"""API tokens (knox's, as ntm_portal.models.ApiToken): a user holds several, each named and expiring. Issued, listed
and revoked here, for the token page and the API. The key exists only in the answer to its issue: the database keeps
its hash."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken


def token_issue(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` named `name`, valid for `days` (NTM_API_TOKEN_DAYS unless fewer): the token and its key,
    which is never shown again. The user's other tokens keep working."""
    days = min(days or settings.NTM_API_TOKEN_DAYS, settings.NTM_API_TOKEN_DAYS)
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()  # housekeeping: expired ones are dead
    return ApiToken.objects.create(user=user, name=name.strip(), expiry=datetime.timedelta(days=days))


def token_list(*, user) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created", "-id")


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of `user`'s tokens (another user's id does nothing); False when there was none."""
    deleted, _rows = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
