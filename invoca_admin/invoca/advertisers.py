"""Advertisers and their campaigns (read only: they address the ring pools)."""

from __future__ import annotations

from .transport import Transport, _as_list, _segment
from .types import Advertiser, Campaign


class AdvertisersAPI(Transport):
    """``advertisers`` and ``advertisers/<id>/advertiser_campaigns``."""

    def list_advertisers(self) -> list[Advertiser]:
        payload = self._request("GET", "advertisers", retry=True)
        return [Advertiser.from_api(item) for item in _as_list(payload, "advertisers")]

    def list_campaigns(self, advertiser_id_from_network: str) -> list[Campaign]:
        path = f"advertisers/{_segment(advertiser_id_from_network)}/advertiser_campaigns"
        payload = self._request("GET", path, retry=True)
        return [Campaign.from_api(item) for item in _as_list(payload, "campaigns")]
