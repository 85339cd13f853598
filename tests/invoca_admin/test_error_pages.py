"""The site's own error pages, the SECRET_KEY guard and the HTTPS deployment profile.

This module is also a URLconf (the project's URLs plus two views that fail), so that
the 400 and 500 handlers can be reached.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import BadRequest
from django.test import Client
from django.urls import path

from invoca_admin.urls import handler400, handler403, handler404, handler500  # noqa: F401
from invoca_admin.urls import urlpatterns as project_urls

ROOT = Path(__file__).resolve().parents[2]


def broken(request):
    raise RuntimeError("a bug")


def bad(request):
    raise BadRequest("nonsense")


urlpatterns = [path("broken/", broken), path("bad/", bad), *project_urls]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
HTMX = {"HTTP_HX_REQUEST": "true"}


def heading(response) -> str:
    return BeautifulSoup(response.content, "html.parser").find("h1").get_text(strip=True)


class TestPages:
    def test_404_is_the_sites_own_page(self, editor_client):
        response = editor_client.get("/destinations/999999999/")
        assert response.status_code == 404
        assert heading(response) == "Not found"
        page = BeautifulSoup(response.content, "html.parser")
        assert page.select_one("nav.mainnav")  # inside the layout, with the navigation
        assert page.find("a", string="Go to the overview")

    def test_403_says_who_can(self, viewer_client):
        response = viewer_client.post("/sync/")
        assert response.status_code == 403
        assert heading(response) == "You do not have permission to do that"
        assert b"Editors group" in response.content

    def test_405_has_a_page_and_keeps_allow(self, editor_client):
        response = editor_client.get("/sync/")
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert heading(response) == "That action is not available here"

    def test_400(self, editor_client):
        response = editor_client.get("/bad/")
        assert response.status_code == 400
        assert heading(response) == "That request could not be understood"

    def test_500_needs_neither_database_nor_user(self, editor):
        client = Client(raise_request_exception=False)
        client.force_login(editor)
        response = client.get("/broken/")
        assert response.status_code == 500
        assert heading(response) == "Something went wrong on our side"
        assert b"Traceback" not in response.content and b"a bug" not in response.content

    def test_csrf_failure_says_reload_and_log_in_again(self, editor):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        response = client.post("/sync/")
        assert response.status_code == 403
        assert heading(response) == "Your session has expired"
        page = BeautifulSoup(response.content, "html.parser")
        assert page.find("a", string="Reload this page")
        assert "log in again" in page.get_text()

    @pytest.mark.parametrize(
        ("url", "method", "status", "words"),
        [
            ("/destinations/999999999/", "get", 404, "Not found"),
            ("/sync/", "get", 405, "That action is not available here"),
        ],
    )
    def test_htmx_requests_get_the_words_in_a_header(
        self, editor_client, url, method, status, words
    ):
        response = getattr(editor_client, method)(url, **HTMX)
        assert response.status_code == status
        assert unquote(response["X-Message"]).startswith(words)

    def test_htmx_500_has_words_too(self, editor):
        client = Client(raise_request_exception=False)
        client.force_login(editor)
        response = client.get("/broken/", **HTMX)
        assert "Something went wrong" in unquote(response["X-Message"])


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "invoca_admin.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestProductionGuards:
    @pytest.mark.parametrize("key", [None, "change-me-to-a-long-random-string"])
    def test_the_web_application_refuses_to_start_without_a_real_key(self, key):
        env = {"DEBUG": "False"} | ({"SECRET_KEY": key} if key else {})
        result = run_python("import invoca_admin.wsgi", **env)
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr

    def test_a_real_key_starts(self):
        result = run_python(
            "import invoca_admin.wsgi; print('ok')",
            DEBUG="False",
            SECRET_KEY=secrets.token_urlsafe(50),
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "ok"

    def test_debug_may_use_the_local_default(self):
        assert run_python("import invoca_admin.wsgi", DEBUG="True").returncode == 0

    def test_https_profile_passes_check_deploy(self):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                "DEBUG": "False",
                "HTTPS": "True",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "dashboard.example.com",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_one_setting_turns_on_every_https_measure(self):
        code = (
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
        )
        on = run_python(code, HTTPS="True").stdout.strip()
        off = run_python(code, HTTPS="False", DEBUG="False").stdout.strip()
        assert on == "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
        assert off == "False False False 0 None"

    def test_a_missing_collectstatic_is_not_a_500(self, settings, editor_client, tmp_path):
        settings.STATIC_ROOT = tmp_path / "never-collected"
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "invoca_admin.deploy.StaticFilesStorage"},
        }
        response = editor_client.get("/accounts/login/")
        assert response.status_code == 200
        assert b'href="/static/app.css"' in response.content


@pytest.mark.parametrize("url", ["/", "/destinations/", "/ringpools/", "/audit/", "/nope/"])
def test_no_template_comment_reaches_a_page(editor_client, url):
    """A `{# … #}` comment spanning lines is not a comment in Django: it would be shown."""
    from invoca_admin.core.audit import audit_record

    audit_record(user=None, action="sync.start", target_type="sync", target_id="1")
    body = editor_client.get(url).content.decode()
    assert "{#" not in body and "#}" not in body
