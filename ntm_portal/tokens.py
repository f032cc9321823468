"""API tokens: a user has at most one (DRF's authtoken). Issued and revoked here, for the token page and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_issue(*, user) -> Token:
    """A new key for `user`, replacing the old one, which stops working at once."""
    # The user's row locked: a double click (or two clients at once) makes two keys one after the other, not a clash.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete `user`'s key; False when there was none."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)
