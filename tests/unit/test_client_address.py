"""Which address the abuse limits count a request against: the peer, or what trusted proxies forwarded."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from aiohttp.test_utils import make_mocked_request

from webhooks.access.abuse import client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8::/32"))


class _Peer:
    def __init__(self, address: str) -> None:
        self.address = address

    def get_extra_info(self, name: str, default: object = None) -> object:
        return (self.address, 40000) if name == "peername" else default


def _address(peer: str, *forwarded: str) -> str:
    headers = [("X-Forwarded-For", value) for value in forwarded]
    request = make_mocked_request("GET", "/api/v1/orders", headers=headers, transport=_Peer(peer))
    return client_address(request, PROXIES)


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", (), "203.0.113.5"),
        ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),  # an untrusted peer's header is ignored
        ("10.0.0.2", (), "10.0.0.2"),
        ("10.0.0.2", ("198.51.100.1",), "198.51.100.1"),
        ("10.0.0.2", ("6.6.6.6, 198.51.100.1",), "198.51.100.1"),  # the client's own entries are not believed
        ("10.0.0.2", ("198.51.100.1, 10.4.4.4",), "198.51.100.1"),  # through two trusted proxies
        ("10.0.0.2", ("6.6.6.6", "198.51.100.1"), "198.51.100.1"),  # repeated headers read as one list
        ("10.0.0.2", ("10.9.9.9, 10.4.4.4",), "10.9.9.9"),  # all trusted: the farthest one
        ("2001:db8::1", ("2001:db8::7, 2a00:1450::1",), "2a00:1450::1"),
        ("10.0.0.2", (" , ",), "10.0.0.2"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str, forwarded: tuple[str, ...], client: str
) -> None:
    assert _address(peer, *forwarded) == client


def test_a_long_forged_entry_is_cut_short() -> None:
    assert len(_address("10.0.0.2", "x" * 5000)) == 64
