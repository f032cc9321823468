from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every part answered, else 503; each part "ok" or "unavailable", nothing more (details are logged)."""
    checks = run_checks()
    body = {"status": "ok" if all(checks.values()) else "unavailable"}
    body.update({name: "ok" if answered else "unavailable" for name, answered in checks.items()})
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


# --- the user's own API token (issue 5) -----------------------------------------------------------------------------

from django.contrib.auth.decorators import login_required  # noqa: E402 - appended section
from django.views.decorators.http import require_http_methods  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from .tokens import token_issue, token_revoke  # noqa: E402


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API token: whether one exists; POST `create` issues a new one (replacing the old, which
    stops working), POST `revoke` deletes it. The key is shown once, in the answer to the POST that created it."""
    new_key = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = token_issue(user=request.user).key
        elif action == "revoke":
            token_revoke(user=request.user)
        else:
            status = 400
    token = Token.objects.filter(user=request.user).first()
    context = {"token": token, "new_key": new_key, "bad_action": status == 400}
    return render(request, "ntm_portal/token.html", context, status=status)


# --- the user's to-do (issue 15) ------------------------------------------------------------------------------------

from .context_processors import request_work_counts  # noqa: E402
from .todo import todo_for  # noqa: E402


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    """Việc cần làm: every section of the user's to-do in full (the landing pages show the same box, shorter)."""
    return render(
        request, "ntm_portal/todo.html", {"todo": todo_for(user=request.user, counts=request_work_counts(request))}
    )
