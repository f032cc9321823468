"""Forgotten password (issue 19): Django's reset by e-mail, in Vietnamese; a reset lifts the sign-in lockout."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mot-mat-khau-moi-2026"


def reset_link(client, email: str) -> str:
    response = client.post(reverse("password_reset"), {"email": email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    found = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    return found.group(1)


def test_the_login_page_links_to_the_reset(client):
    assert f'href="{reverse("password_reset")}"' in client.get(reverse("login")).content.decode()


def test_the_reset_mail_goes_to_the_users_address_and_its_link_sets_a_password_that_logs_in(client):
    user = UserFactory(username="official", email="official@phudinh.gov.vn")
    link = reset_link(client, "official@phudinh.gov.vn")
    message = mail.outbox[0]
    assert message.to == ["official@phudinh.gov.vn"]
    assert "Đặt lại mật khẩu" in message.subject and "official" in message.body

    form = client.get(link, follow=True)  # Django swaps the token for a session and redirects to set-password
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")

    client.logout()
    login = client.post(reverse("login"), {"username": user.username, "password": NEW_PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.vn"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_used_link_is_refused(client):
    UserFactory(username="official", email="official@phudinh.gov.vn")
    link = reset_link(client, "official@phudinh.gov.vn")
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert again.context["validlink"] is False
    assert "không còn dùng được" in again.content.decode()


def test_a_reset_lifts_the_lockout_and_does_not_sign_in(client):
    user = UserFactory(username="official", email="official@phudinh.gov.vn")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "official", "password": "sai-mat-khau"})
    locked = client.post(reverse("login"), {"username": "official", "password": "mat-khau-thu"})
    assert locked.status_code == 429

    link = reset_link(client, user.email)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "_auth_user_id" not in client.session  # the reset itself signs nobody in
    assert not AccessAttempt.objects.filter(username="official").exists()

    login = client.post(reverse("login"), {"username": "official", "password": NEW_PASSWORD})
    assert login.status_code == 302
