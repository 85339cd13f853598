"""Login throttling with django-axes: a username + address pair is locked out after
AXES_FAILURE_LIMIT wrong passwords, until the cool-off passes or an admin lifts it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


class TestLockOut:
    def test_a_few_wrong_passwords_are_only_a_form_error(self, client, editor, settings):
        assert settings.AXES_FAILURE_LIMIT == 5
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = attempt(client, "editor", "wrong")
            assert response.status_code == 200
            assert b"Please enter a correct username and password" in response.content
        assert attempt(client, "editor", PASSWORD).status_code == 302

    def test_success_resets_the_count(self, client, editor, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, "editor", "wrong")
        assert attempt(client, "editor", PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, "editor", "wrong")
        assert attempt(client, "editor", PASSWORD).status_code == 302

    def test_200_wrong_passwords_lock_out_until_reset(self, client, editor):
        for _ in range(200):
            attempt(client, "editor", "not-the-password")
        response = attempt(client, "editor", PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert client.get("/").status_code == 302  # still not logged in

        call_command("axes_reset_username", "editor")
        response = attempt(client, "editor", PASSWORD)
        assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_axes_reset_lifts_every_lock_out(self, client, editor, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "editor", "wrong")
        assert attempt(client, "editor", PASSWORD).status_code == 429
        call_command("axes_reset")
        assert attempt(client, "editor", PASSWORD).status_code == 302

    def test_lock_out_is_per_username_and_address(self, client, editor, viewer, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "editor", "wrong")
        assert attempt(client, "editor", PASSWORD).status_code == 429
        # Another user from the same address, and the same user from elsewhere, may log in.
        assert attempt(Client(), "viewer", PASSWORD).status_code == 302
        other = Client(REMOTE_ADDR="10.1.2.3")
        assert attempt(other, "editor", PASSWORD).status_code == 302

    def test_the_lock_out_ends_after_the_cool_off(self, client, editor, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "editor", "wrong")
        assert attempt(client, "editor", PASSWORD).status_code == 429
        AccessAttempt.objects.update(
            attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
        )
        assert attempt(client, "editor", PASSWORD).status_code == 302

    def test_the_admin_login_is_throttled_too(self, client, editor, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        response = client.post("/admin/login/", {"username": "editor", "password": PASSWORD})
        assert response.status_code == 429


class TestLockOutPage:
    def test_says_what_happened_and_when_to_try_again(self, client, editor, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "editor", "wrong")
        response = attempt(client, "editor", "wrong")
        html = response.content.decode()
        assert response.status_code == 429
        assert "<html" in html and 'href="/static/app.css"' in html  # the site's layout
        assert "Too many failed logins" in html
        assert "failed 5 times in a row" in html
        assert "try again in 15 minutes" in html
        assert "axes_reset_username editor" in html

    def test_the_username_is_escaped(self, client, db, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            response = attempt(client, "<b>x</b>", "wrong")
        assert response.status_code == 429
        assert b"<b>x</b>" not in response.content
        assert b"&lt;b&gt;x&lt;/b&gt;" in response.content


def test_limits_come_from_the_environment(monkeypatch):
    import importlib

    import invoca_admin.settings as project_settings

    monkeypatch.setenv("AXES_FAILURE_LIMIT", "3")
    monkeypatch.setenv("AXES_COOLOFF_MINUTES", "60")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.AXES_FAILURE_LIMIT == 3
        assert reloaded.AXES_COOLOFF_TIME == timedelta(minutes=60)
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
