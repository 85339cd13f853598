"""Ring pools of a campaign: list, read, create, update (only what is sent), delete."""

from __future__ import annotations

from .transport import (
    Transport,
    _as_list,
    _as_object,
    _has_id_from_network,
    _reply_object,
    _segment,
)
from .types import RingPool


class RingPoolsAPI(Transport):
    """``advertisers/<id>/advertiser_campaigns/<id>/ring_pools``."""

    @staticmethod
    def _ring_pools_path(advertiser_id_from_network: str, campaign_id_from_network: str) -> str:
        return (
            f"advertisers/{_segment(advertiser_id_from_network)}"
            f"/advertiser_campaigns/{_segment(campaign_id_from_network)}/ring_pools"
        )

    def list_ring_pools(
        self, advertiser_id_from_network: str, campaign_id_from_network: str
    ) -> list[RingPool]:
        path = self._ring_pools_path(advertiser_id_from_network, campaign_id_from_network)
        payload = self._request("GET", path, retry=True)
        return [RingPool.from_api(item) for item in _as_list(payload, "ring pools")]

    def get_ring_pool(
        self,
        advertiser_id_from_network: str,
        campaign_id_from_network: str,
        ring_pool_id_from_network: str,
    ) -> RingPool:
        path = self._ring_pools_path(advertiser_id_from_network, campaign_id_from_network)
        payload = self._request("GET", f"{path}/{_segment(ring_pool_id_from_network)}", retry=True)
        return RingPool.from_api(_as_object(payload, "a ring pool"))

    def create_ring_pool(
        self,
        advertiser_id_from_network: str,
        campaign_id_from_network: str,
        *,
        data: dict,
    ) -> RingPool:
        """Create a ring pool (POST; Invoca answers 201, or 200 for Local RingPools).

        Retried on connection errors/5xx only when ``data`` has a non-blank
        ``id_from_network`` (then the POST is an upsert and safe to repeat).

        Invoca may answer with an empty body (``{}``, as in its Local RingPool
        example). The returned :class:`RingPool` is therefore built from the request
        ``data`` merged with whatever came back, the reply winning key by key; fields
        only Invoca knows (``id``, ``object_url``, linked destinations) are ``None`` /
        empty until the pool is fetched again.
        """
        path = self._ring_pools_path(advertiser_id_from_network, campaign_id_from_network)
        payload = self._request("POST", path, data=data, retry=_has_id_from_network(data))
        return RingPool.from_api({**data, **_reply_object(payload)})

    def update_ring_pool(
        self,
        advertiser_id_from_network: str,
        campaign_id_from_network: str,
        ring_pool_id_from_network: str,
        *,
        data: dict,
    ) -> RingPool:
        """Update a ring pool (PUT, idempotent). Returns the request ``data`` merged with
        the reply, as :meth:`create_ring_pool` does. Note: ``allow_overflow`` may not change
        after creation; Invoca answers 403 if it does."""
        path = self._ring_pools_path(advertiser_id_from_network, campaign_id_from_network)
        payload = self._request(
            "PUT", f"{path}/{_segment(ring_pool_id_from_network)}", data=data, retry=True
        )
        merged = {"id_from_network": ring_pool_id_from_network, **data, **_reply_object(payload)}
        return RingPool.from_api(merged)

    def delete_ring_pool(
        self,
        advertiser_id_from_network: str,
        campaign_id_from_network: str,
        ring_pool_id_from_network: str,
        *,
        delete_detected_phone_number: bool = False,
    ) -> None:
        """Delete a ring pool; ``delete_detected_phone_number=True`` also deletes its linked
        destinations. 404 handling as in :meth:`delete_destination`."""
        path = self._ring_pools_path(advertiser_id_from_network, campaign_id_from_network)
        params = {"delete_detected_phone_number": "true"} if delete_detected_phone_number else None
        self._request(
            "DELETE",
            f"{path}/{_segment(ring_pool_id_from_network)}",
            params=params,
            retry=True,
            missing_ok_on_retry=True,
        )
