"""invoca_admin/core/middleware.py: NUL characters are refused; private pages are not cached."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


class TestRejectNul:
    @pytest.mark.parametrize(
        "url",
        [
            "/audit/?action=a%00b",
            "/ringpools/new/campaigns/?advertiser=%00",
            "/destinations/?query=202%00",
            "/ringpools/?query=%00x",
            "/destinations/?a%00b=1",
            "/admin/invoca_admin/auditentry/?q=%00",
            "/admin/auth/user/?q=x%00",
            "/admin/invoca_admin/auditentry/?action__exact=%00",
            "/accounts/login/?next=/%00",
        ],
    )
    def test_get_parameters(self, admin_client, url):
        response = admin_client.get(url)
        assert response.status_code == 400
        assert b"NUL" in response.content

    @pytest.mark.parametrize(
        ("url", "data"),
        [
            ("/destinations/bulk/", {"action": "ignore", "ids": ["1\x00"]}),
            ("/destinations/bulk/", {"action": "ignore", "select_all": "1", "query": "\x00"}),
            ("/sync/", {"next": "/\x00"}),
            ("/ringpools/new/", {"name": "a\x00b"}),
        ],
    )
    def test_post_parameters(self, editor_client, url, data):
        assert editor_client.post(url, data).status_code == 400

    def test_the_login_form_and_its_throttle(self, client, editor):
        response = client.post("/accounts/login/", {"username": "editor\x00", "password": "x"})
        assert response.status_code == 400

    def test_headers_and_cookies(self, editor_client):
        assert editor_client.get("/", HTTP_USER_AGENT="x\x00y").status_code == 400
        client = Client()
        client.cookies["sessionid"] = "abcdefgh\x00"
        assert client.get("/").status_code == 400

    def test_ordinary_text_passes(self, editor_client):
        response = editor_client.get("/audit/?action=<script>'; DROP TABLE x;--&outcome=☃")
        assert response.status_code == 200


class TestPrivateCache:
    @pytest.mark.parametrize(
        ("url", "extra"),
        [
            ("/", {}),
            ("/destinations/", {}),
            ("/destinations/", HX),
            ("/ringpools/", HX),
            ("/audit/", {}),
            ("/sync/status/", HX),
            ("/admin/", {}),
            ("/destinations/999/", {}),  # a 404 page too
        ],
    )
    def test_every_answer_to_a_logged_in_user(self, admin_client, url, extra):
        cache_control = admin_client.get(url, **extra)["Cache-Control"]
        assert "private" in cache_control
        assert "no-store" in cache_control
        assert "public" not in cache_control

    def test_redirects_after_a_post_too(self, editor_client):
        response = editor_client.post("/sync/")
        assert response.status_code == 302
        assert "no-store" in response["Cache-Control"]

    def test_not_on_answers_to_anonymous_users(self, client):
        response = client.get("/destinations/")
        assert response.status_code == 302
        assert "Cache-Control" not in response

    def test_static_files_keep_their_caching(self, editor, settings):
        settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
        settings.WHITENOISE_AUTOREFRESH = True
        client = Client()  # a new handler, so WhiteNoise starts with these settings
        client.force_login(editor)
        response = client.get("/static/app.css")
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
        assert "max-age" in response["Cache-Control"]
