"""Writes at Invoca end within INVOCA_WRITE_TIMEOUT, and a write whose reply never came
says its outcome is unknown (the sandbox made slow, over real HTTP)."""

import pytest
import requests
import responses

from invoca_admin.invoca import InvocaClient, InvocaNotFound, InvocaUnavailable, get_client


def _client(handle, **timeouts) -> InvocaClient:
    return InvocaClient(
        api_url=handle.url, network_id=handle.network_id, token=handle.token, **timeouts
    )


def test_a_slow_delete_is_cut_by_the_write_timeout_while_a_read_waits(sandbox_factory):
    handle = sandbox_factory(destinations=3, seed=1)
    remote_id = handle.state.list_destinations(start=0, limit=1)["data"][0]["id"]
    handle.state.timeout_paths = f"customer_phone_numbers/{remote_id}"
    handle.state.hang_seconds = 1.0
    with _client(handle, read_timeout=5.0, write_timeout=0.3) as client:
        with pytest.raises(InvocaUnavailable) as caught:
            client.delete_destination(remote_id)
        assert caught.value.outcome_unknown
        assert "may or may not have been made" in caught.value.message
        # The same slow path, read: waited for (the sandbox deleted it after hanging).
        with pytest.raises(InvocaNotFound):
            client.get_destination(remote_id)
    methods = [method for method, path, _query in handle.request_log if str(remote_id) in path]
    assert methods == ["DELETE", "GET"]  # the lost DELETE was not sent again


def test_the_write_timeout_comes_from_the_settings(settings):
    settings.INVOCA_API_URL = "https://invoca.test"
    settings.INVOCA_NETWORK_ID = "1"
    settings.INVOCA_API_TOKEN = "t"
    settings.INVOCA_WRITE_TIMEOUT = 7.5
    assert get_client().write_timeout == 7.5


def test_a_refused_write_never_reached_invoca_so_its_outcome_is_known(monkeypatch):
    monkeypatch.setattr("invoca_admin.invoca.transport.time.sleep", lambda seconds: None)
    client = InvocaClient(api_url="https://invoca.test", network_id="1", token="t")
    url = "https://invoca.test/api/2022-08-01/1/customer_phone_numbers/5.json"
    with responses.RequestsMock() as mock:
        mock.delete(url, body=requests.ConnectionError("[Errno 111] Connection refused"))
        with pytest.raises(InvocaUnavailable) as caught:
            client.delete_destination(5)
    assert not caught.value.outcome_unknown
    assert "connection refused" in caught.value.message
