from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every part answered, else 503; each part "ok" or "unavailable", nothing more (details are logged)."""
    checks = run_checks()
    body = {"status": "ok" if all(checks.values()) else "unavailable"}
    body.update({name: "ok" if answered else "unavailable" for name, answered in checks.items()})
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


# --- the user's own API tokens (issues 5 and 17) ---------------------------------------------------------------------

from django.conf import settings  # noqa: E402 - appended section
from django.contrib import messages  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.views.decorators.http import require_http_methods  # noqa: E402

from .access import unlockable_users  # noqa: E402
from .lockout import account_unlock, locked_accounts  # noqa: E402
from .tokens import token_issue, token_list, token_revoke  # noqa: E402

NEW_TOKEN_SESSION_KEY = "ntm_new_api_token"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens. POST `create` issues a named token and redirects here, where its key is shown
    once (kept in the session for that one page: a refresh shows it no more and issues nothing); POST `revoke`
    revokes one, after `?revoke=<id>` asked to confirm."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            name = request.POST.get("name", "").strip()[:100] or _("Khóa API")
            api_token, key = token_issue(user=request.user, name=name)
            request.session[NEW_TOKEN_SESSION_KEY] = {"key": key, "name": api_token.name}
            return redirect("api-token")
        if action == "revoke" and request.POST.get("token_id", "").isdigit():
            if token_revoke(user=request.user, token_id=int(request.POST["token_id"])):
                messages.success(request, _("Đã thu hồi khóa."))
            return redirect("api-token")
        context = {"bad_action": True, "tokens": list(token_list(user=request.user))}
        return render(
            request, "ntm_portal/token.html", {**context, "token_days": settings.NTM_API_TOKEN_DAYS}, status=400
        )
    tokens = list(token_list(user=request.user))
    revoke_id = request.GET.get("revoke", "")
    context = {
        "tokens": tokens,
        "token_days": settings.NTM_API_TOKEN_DAYS,
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
        "confirm_revoke": next((t for t in tokens if str(t.pk) == revoke_id), None),
    }
    return render(request, "ntm_portal/token.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def locked_accounts_view(request: HttpRequest) -> HttpResponse:
    """Tài khoản bị khóa: the accounts of the coordinator's province (any, for the admin) locked after wrong
    passwords, each with "Mở khóa": `?unlock=<username>` asks to confirm, the POST unlocks."""
    if not unlockable_users(request.user).exists():
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "")
        account_unlock(by=request.user, username=username)  # AccessDenied: the 403 page says why
        messages.success(request, _("Đã mở khóa tài khoản %(username)s.") % {"username": username})
        return redirect("locked-accounts")
    accounts = locked_accounts(user=request.user)
    confirm = next((a for a, _until in accounts if a.username == request.GET.get("unlock")), None)
    return render(request, "ntm_portal/locked_accounts.html", {"accounts": accounts, "confirm_unlock": confirm})


# --- forgotten password (issue 19) -----------------------------------------------------------------------------------

from axes.utils import reset as axes_reset  # noqa: E402
from django.contrib.auth import views as auth_views  # noqa: E402


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "set a new password" page, which also lifts the account's sign-in lockout: whoever reads the
    account's mailbox could reset it anyway, and the owner who forgot their password has usually locked it by trying.
    The reset does not sign in (post_reset_login stays False), so the lockout is never bypassed by it: the new
    password still goes through the login page and axes."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
