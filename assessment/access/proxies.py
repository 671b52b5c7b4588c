"""Which address a request comes from, given the proxies the operator trusts.

Throttles key on the client's address, so it must not be forgeable. The TCP peer is the only
address nobody can forge; ``X-Forwarded-For`` is written by whoever sends the request, and is
believed only as far as it was written by a proxy in ``SJT_TRUSTED_PROXIES`` (a
comma-separated list of addresses and networks, e.g. ``127.0.0.1, 10.0.0.0/8``; default: none).
Walking the chain from the peer leftwards, the first address that is not a trusted proxy is
the client. A peer that is not trusted is the client itself, whatever headers it sends.

Streamlit's server (uvicorn) rewrites the peer itself when the peer is on loopback: it then
reports the right-most non-loopback entry of ``X-Forwarded-For`` instead, and
``st.context.ip_address`` reports a loopback peer as ``None``. ``server_peer`` undoes both, so
that a forged header from a local process cannot pose as many clients unless the operator
trusts loopback as a proxy.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TRUSTED_PROXIES_VARIABLE = "SJT_TRUSTED_PROXIES"
LOOPBACK = "127.0.0.1"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOOPBACKS: tuple[Address, ...] = (ipaddress.ip_address(LOOPBACK), ipaddress.ip_address("::1"))


def parse_address(text: str) -> Address | None:
    """An address from ``1.2.3.4``, ``1.2.3.4:5678``, ``::1``, ``[::1]:5678``; else None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` entries are believed."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """From a comma-separated list; raises ``ValueError`` naming a malformed entry."""
        networks = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{TRUSTED_PROXIES_VARIABLE}: {entry!r} is not an address or network "
                    "(write e.g. 127.0.0.1, ::1, 10.0.0.0/8)"
                ) from None
        return cls(tuple(networks))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> TrustedProxies:
        """From ``SJT_TRUSTED_PROXIES`` (none when unset)."""
        environ = os.environ if environ is None else environ
        return cls.parse(environ.get(TRUSTED_PROXIES_VARIABLE, ""))

    def trusts(self, address: Address) -> bool:
        """Whether ``address`` is a trusted proxy (loopback, v4 or v6, counts as one)."""
        candidates = _LOOPBACKS if address.is_loopback else (address,)
        return any(item in network for item in candidates for network in self.networks)


def forwarded_chain(headers: Iterable[str]) -> list[str]:
    """The entries of every ``X-Forwarded-For`` header, left to right."""
    return [part.strip() for header in headers for part in header.split(",") if part.strip()]


def server_peer(reported: str | None, forwarded: Sequence[str]) -> str:
    """The TCP peer, given what Streamlit reports and the ``X-Forwarded-For`` entries.

    ``None`` means loopback. A reported address that appears in the header was put there by
    the server's own rewriting, which happens only for a loopback peer.
    """
    if reported is None:
        return LOOPBACK
    address = parse_address(reported)
    if address is None:
        return LOOPBACK
    if any(parse_address(entry) == address for entry in forwarded):
        return LOOPBACK
    return str(address)


def client_address(peer: str, forwarded: Sequence[str], trusted: TrustedProxies) -> str:
    """The client: the first address, from the peer leftwards, that is not a trusted proxy.

    An entry that is not an address ends the walk at the last address seen (a forged or
    garbled header never becomes a client key).
    """
    current = parse_address(peer)
    if current is None:
        return LOOPBACK
    for entry in reversed(forwarded):
        if not trusted.trusts(current):
            break
        previous = parse_address(entry)
        if previous is None:
            break
        current = previous
    return str(current)


def requester_address(
    reported: object, forwarded_headers: Iterable[str], trusted: TrustedProxies
) -> str:
    """The client of a request, from what the web server reports and its headers.

    ``reported`` is the peer as Streamlit reports it (``st.context.ip_address``: a string, or
    None for loopback) and ``forwarded_headers`` the values of its ``X-Forwarded-For``
    headers. The one function every page uses, so that all throttles key alike.
    """
    forwarded = forwarded_chain(forwarded_headers)
    peer = server_peer(reported if isinstance(reported, str) else None, forwarded)
    return client_address(peer, forwarded, trusted)


__all__ = [
    "LOOPBACK",
    "TRUSTED_PROXIES_VARIABLE",
    "TrustedProxies",
    "client_address",
    "forwarded_chain",
    "parse_address",
    "requester_address",
    "server_peer",
]
