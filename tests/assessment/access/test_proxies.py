"""The client address behind proxies (issue 11, finding 2): forged headers give nothing."""

from __future__ import annotations

import pytest

from assessment.access.proxies import (
    LOOPBACK,
    TrustedProxies,
    client_address,
    forwarded_chain,
    server_peer,
)

NONE = TrustedProxies()
LOCAL_NGINX = TrustedProxies.parse("127.0.0.1")


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("198.51.100.7", ["1.2.3.4"], NONE) == "198.51.100.7"
    assert client_address("198.51.100.7", ["1.2.3.4"], LOCAL_NGINX) == "198.51.100.7"


def test_a_trusted_proxy_names_the_client_it_saw() -> None:
    # nginx appends the address it saw to whatever the client sent
    chain = forwarded_chain(["6.6.6.6, 7.7.7.7", "203.0.113.9"])
    assert chain == ["6.6.6.6", "7.7.7.7", "203.0.113.9"]
    assert client_address(LOOPBACK, chain, LOCAL_NGINX) == "203.0.113.9"


def test_several_trusted_proxies_are_walked_from_the_right() -> None:
    trusted = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    chain = ["5.5.5.5", "203.0.113.9", "10.0.0.7", "10.2.3.4"]
    assert client_address(LOOPBACK, chain, trusted) == "203.0.113.9"


@pytest.mark.parametrize("forged", [f"10.9.{n}.{n}" for n in range(5)])
def test_rotating_forged_headers_from_loopback_are_one_client(forged: str) -> None:
    """What Streamlit reports for a loopback peer with a forged header: the forged address."""
    peer = server_peer(forged, [forged])  # uvicorn rewrote the peer from the header
    assert peer == LOOPBACK
    assert client_address(peer, [forged], NONE) == LOOPBACK


def test_streamlit_reports_loopback_as_none() -> None:
    assert server_peer(None, []) == LOOPBACK
    assert server_peer("198.51.100.7", ["1.2.3.4"]) == "198.51.100.7"


def test_garbage_in_the_header_never_becomes_a_client_key() -> None:
    chain = ["'; drop table", "not-an-ip", "10.0.0.7"]
    trusted = TrustedProxies.parse("127.0.0.1,10.0.0.0/8")
    assert client_address(LOOPBACK, chain, trusted) == "10.0.0.7"
    assert client_address("junk", [], trusted) == LOOPBACK


def test_ports_brackets_and_mapped_addresses_are_understood() -> None:
    trusted = TrustedProxies.parse("::1")
    assert client_address("::1", ["203.0.113.9:4711"], trusted) == "203.0.113.9"
    assert client_address(LOOPBACK, ["[2001:db8::5]:443"], trusted) == "2001:db8::5"
    assert client_address("::ffff:198.51.100.7", [], NONE) == "198.51.100.7"


def test_the_setting_is_read_from_the_environment_and_checked() -> None:
    env = {"SJT_TRUSTED_PROXIES": " 127.0.0.1 , 10.0.0.0/8,"}
    assert len(TrustedProxies.from_environment(env).networks) == 2
    assert TrustedProxies.from_environment({}).networks == ()
    with pytest.raises(ValueError, match=r"SJT_TRUSTED_PROXIES: 'proxy\.local'"):
        TrustedProxies.from_environment({"SJT_TRUSTED_PROXIES": "proxy.local"})
