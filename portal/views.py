from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .context_processors import request_work_counts
from .start import start_page
from .todo import todo_for


def home(request: HttpRequest) -> HttpResponse:
    """A visitor: the welcome and its sign-in button. A signed-in user: their own start page (portal.start)."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    return start_page(request)


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    """Việc cần làm: every section of the user's to-do in full (the landing pages show the same box, shorter)."""
    return render(
        request, "ntm_portal/todo.html", {"todo": todo_for(user=request.user, counts=request_work_counts(request))}
    )
