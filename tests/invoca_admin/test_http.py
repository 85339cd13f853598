"""invoca_admin/core/http.py: safe redirects, ids and the <id:...> converter."""

import re

import pytest
from django.test import RequestFactory

from invoca_admin.core.http import ID_MAX, parse_id, parse_ids, safe_redirect_url

rf = RequestFactory()


def post(data=None, **extra):
    return rf.post("/sync/", data or {}, **extra)


class TestSafeRedirectUrl:
    def test_a_local_next_is_followed(self):
        request = post({"next": "/destinations/?status=ignored"})
        assert safe_redirect_url(request, fallback="home") == "/destinations/?status=ignored"

    def test_next_in_the_query_string_too(self):
        request = rf.post("/sync/?next=/audit/")
        assert safe_redirect_url(request, fallback="home") == "/audit/"

    def test_an_absolute_url_of_this_site_becomes_a_path(self):
        request = post({"next": "http://testserver/ringpools/?page=2"})
        assert safe_redirect_url(request, fallback="home") == "/ringpools/?page=2"

    @pytest.mark.parametrize(
        "next_url",
        [
            "https://evil.example/x",
            "//evil.example/x",
            "///evil.example/x",
            "/\\evil.example/x",
            "\\\\evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "http://[::1",  # not even a URL
            "/x\r\nSet-Cookie: a=b",
            "/x\x00y",
            "\x00/x",
            "foo",  # a name of no view, and relative
            "?page=2",
            "",
            "/" + "a" * 10_000,
        ],
    )
    def test_anything_else_gives_the_fallback(self, next_url):
        assert safe_redirect_url(post({"next": next_url}), fallback="home") == "/"

    def test_a_repeated_next_is_not_trusted(self):
        request = post({"next": ["/audit/", "/destinations/"]})
        assert safe_redirect_url(request, fallback="home") == "/"

    def test_an_http_next_is_refused_on_https(self):
        request = post({"next": "http://testserver/audit/"}, secure=True)
        assert safe_redirect_url(request, fallback="home") == "/"

    def test_the_referer_only_when_asked_and_only_of_this_site(self):
        request = post(HTTP_REFERER="http://testserver/ringpools/?query=x")
        assert safe_redirect_url(request, fallback="home", referer=True) == "/ringpools/?query=x"
        assert safe_redirect_url(request, fallback="home") == "/"
        foreign = post(HTTP_REFERER="https://evil.example/ringpools/")
        assert safe_redirect_url(foreign, fallback="home", referer=True) == "/"

    def test_after_a_bad_next_a_local_referer_may_still_serve(self):
        request = post({"next": "https://evil.example/"}, HTTP_REFERER="http://testserver/audit/")
        assert safe_redirect_url(request, fallback="home", referer=True) == "/audit/"

    def test_the_fallback_may_be_a_path(self):
        assert (
            safe_redirect_url(post(), fallback="/destinations/?page=2") == "/destinations/?page=2"
        )


class TestIds:
    @pytest.mark.parametrize("text", ["1", "42", str(ID_MAX), "007"])
    def test_valid(self, text):
        assert parse_id(text) == int(text)

    @pytest.mark.parametrize(
        "text",
        [
            "0",
            "-1",
            str(ID_MAX + 1),
            str(2**64),
            "9" * 10_000,
            "1e3",
            " 1",
            "1.0",
            "",
            "²",
            "١٢٣",
            "0x10",
            "1\x00",
            None,
            12,
        ],
    )
    def test_invalid(self, text):
        assert parse_id(text) is None

    def test_parse_ids_drops_the_bad_and_the_repeated(self):
        assert parse_ids(["3", "x", "3", str(2**63), "-4", "1"]) == [3, 1]


@pytest.mark.django_db
class TestInTheViews:
    """Every POST that redirects back uses it: no open redirect, never a 5xx."""

    @pytest.fixture
    def destination(self):
        from tests.destinations.conftest import make_destination

        return make_destination("202-555-0199", remote_id=77)

    @pytest.mark.parametrize("next_url", ["https://evil.example/x", "//evil.example/x"])
    def test_sync_never_leaves_the_site(self, editor_client, next_url):
        response = editor_client.post("/sync/", {"next": next_url})
        assert response.status_code == 302
        assert response["Location"] == "/"

    def test_sync_goes_back_to_the_page_it_was_pressed_on(self, editor_client):
        response = editor_client.post("/sync/", {"next": "/ringpools/?query=a"})
        assert response["Location"] == "/ringpools/?query=a"
        response = editor_client.post("/sync/", HTTP_REFERER="http://testserver/audit/")
        assert response["Location"] == "/audit/"

    @pytest.mark.parametrize(
        "next_value", ["foo", ["/a/", "/b/"], "/x\r\ny", "/x\x00", "https://evil.example/"]
    )
    @pytest.mark.parametrize("action", ["ignore", "unignore", "delete"])
    def test_row_actions(self, editor_client, destination, action, next_value):
        response = editor_client.post(
            f"/destinations/77/{action}/?status=ignored", {"next": next_value}
        )
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert response["Location"] in ("/destinations/?status=ignored", "/destinations/")

    def test_bulk(self, editor_client, destination):
        response = editor_client.post(
            "/destinations/bulk/", {"action": "ignore", "ids": ["77"], "next": "foo"}
        )
        assert response.status_code == 302
        # A bulk action leads to its job's page; a `next` is not followed.
        assert re.fullmatch(r"/destinations/jobs/\d+/", response["Location"])
        destination.refresh_from_db()
        assert destination.status == "ignored"

    @pytest.mark.parametrize(
        "ids", [[str(2**63)], ["9" * 10_000], ["-77"], ["²"], ["77", str(2**64)], ["x"]]
    )
    def test_bulk_ids_out_of_range_are_dropped(self, editor_client, destination, ids):
        response = editor_client.post("/destinations/bulk/", {"action": "ignore", "ids": ids})
        assert response.status_code == 302
        destination.refresh_from_db()
        assert destination.status == ("ignored" if "77" in ids else "discovered")

    @pytest.mark.parametrize(
        "url",
        [
            f"/destinations/{2**63}/",
            f"/destinations/{'9' * 10_000}/",
            f"/destinations/{2**63}/ignore/",
            f"/ringpools/{2**63}/",
            f"/ringpools/{2**64}/edit/",
            f"/ringpools/{'9' * 40}/delete/",
        ],
    )
    def test_ids_in_the_path_beyond_the_column_are_404_too(self, editor_client, url):
        assert editor_client.get(url).status_code in (404, 405)
