"""Which connections count together against ``ORDERBOT_CONNECTIONS_PER_ADDRESS``, and the count itself."""

from __future__ import annotations

from ipaddress import ip_network

from webhooks.ops.connections import ConnectionLimit


def test_an_ipv4_address_counts_alone() -> None:
    limit = ConnectionLimit(2)

    assert limit.key("203.0.113.7") == "203.0.113.7"
    assert limit.key("203.0.113.8") == "203.0.113.8"


def test_an_ipv6_client_counts_per_64_however_many_of_its_addresses_it_uses() -> None:
    limit = ConnectionLimit(2)

    assert (
        limit.key("2001:db8:1:2::1") == limit.key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    )
    assert limit.key("2001:db8:1:3::1") != limit.key("2001:db8:1:2::1")


def test_an_ipv4_mapped_address_counts_as_the_ipv4_one() -> None:
    assert ConnectionLimit(2).key("::ffff:203.0.113.7") == "203.0.113.7"


def test_trusted_proxies_and_peers_without_an_address_are_not_counted() -> None:
    limit = ConnectionLimit(2, [ip_network("10.0.0.0/8"), ip_network("2001:db8:ff::/48")])

    assert limit.key("10.1.2.3") is None
    assert limit.key("2001:db8:ff::9") is None
    assert limit.key("") is None
    assert limit.key("203.0.113.7") == "203.0.113.7"


def test_an_address_is_admitted_up_to_the_bound_and_again_once_one_closes() -> None:
    limit = ConnectionLimit(2)

    assert [limit.admit("a"), limit.admit("a"), limit.admit("a"), limit.admit("b")] == [
        True,
        True,
        False,
        True,
    ]
    limit.release("a")
    assert limit.admit("a")
    assert limit.open_connections("a") == 2


def test_no_bound_when_it_is_zero() -> None:
    limit = ConnectionLimit(0)

    assert all(limit.admit("a") for _ in range(1000))
