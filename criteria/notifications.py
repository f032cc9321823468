"""E-mail to a commune's officials when its round is returned or approved (the transitions marked `notifies`).

Sent after the transaction commits, through Django's mail (the console on the embedded default, SMTP by EMAIL_URL);
a mail server that fails is logged, never undoes the transition.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ntm_portal.choices import Role
from ntm_portal.models import User

from .choices import ReviewState, RoundStatus
from .models import AssessmentRound

logger = logging.getLogger(__name__)


def notify_commune(*, round_id: int, state: str, comment: str = "") -> int:
    """Mail the active officials of the round's commune who have an address; returns the number of mails sent."""
    assessment_round = AssessmentRound.objects.select_related("commune").filter(pk=round_id).first()
    if assessment_round is None:
        return 0
    commune = assessment_round.commune
    recipients = list(
        User.objects.filter(role=Role.COMMUNE_OFFICIAL, unit=commune, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    link = settings.NTM_PORTAL_URL.rstrip("/") + reverse("criteria:round_detail", args=[round_id])
    facts = {"year": assessment_round.year, "commune": commune.name}
    with translation.override(settings.LANGUAGE_CODE):
        if state == RoundStatus.RETURNED:
            subject = _("[NTM] Kỳ đánh giá năm %(year)s của %(commune)s bị trả lại")
            returned = assessment_round.criterion_results.filter(review_state=ReviewState.RETURNED).select_related(
                "criterion"
            )
            lines = [f"- {r.criterion.number}. {r.criterion.name}: {r.review_comment}" for r in returned]
            body = _("Kỳ đánh giá năm %(year)s của %(commune)s đã bị trả lại để bổ sung.") % facts
            body += "\n\n" + "\n".join(lines)
        else:
            subject = _("[NTM] Kỳ đánh giá năm %(year)s của %(commune)s đã được tỉnh thẩm định")
            body = _("Tỉnh đã thẩm định kỳ đánh giá năm %(year)s của %(commune)s.") % facts
        if comment.strip():
            body += "\n\n" + _("Ý kiến chung: %(comment)s") % {"comment": comment.strip()}
        body += "\n\n" + _("Xem chi tiết: %(link)s") % {"link": link}
        messages = [(subject % facts, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
    try:
        return send_mass_mail(messages, fail_silently=False)
    except OSError:
        logger.exception("Could not mail the officials of commune %s about round %s", commune.pk, round_id)
        return 0
