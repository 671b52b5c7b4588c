"""Shared resources of the Streamlit pages (no business logic here).

The guards of staff pages are in ``app_pages.staff_access`` and ``app_pages.staff_session``.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

import streamlit as st

from assessment.access.proxies import TrustedProxies, requester_address
from assessment.delivery.service import Delivery
from assessment.persistence.store import Store
from assessment.settings import Settings, public_url, resolve_settings, served_url
from items import ItemBank, load_bank

LOGGER = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One store (connection pool) per server process."""
    return Store.open()


@st.cache_resource(show_spinner=False)
def get_bank() -> ItemBank:
    return load_bank()


@st.cache_resource(show_spinner=False, max_entries=4)
def _delivery_for_version(version_id: int) -> Delivery:
    return Delivery.from_store(get_store(), get_bank())


def get_delivery() -> Delivery:
    """The delivery service of the active model version (rebuilt when a version is promoted)."""
    version = get_store().active_model_version()
    return _delivery_for_version(version.id if version else -1)


def get_settings() -> Settings:
    """The organisation settings in force (environment over ``sjt settings``; read per run)."""
    return resolve_settings(get_store().stored_settings(), os.environ)


def served_address() -> str:
    """The address this app is served on: as the browser reached it, else from the config."""
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = st.context.url
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}" + (f"/{base_path}" if base_path else "")
    environ = {
        "STREAMLIT_SERVER_PORT": str(st.get_option("server.port")),
        "STREAMLIT_SERVER_BASE_URL_PATH": base_path,
        **{k: v for k, v in os.environ.items() if k.startswith("STREAMLIT_BROWSER_")},
    }
    return served_url(environ)


def link_base() -> str:
    """The base of candidate links: the ``public_url`` setting, else the served address."""
    return public_url(get_settings(), served_address())


def client_address() -> str:
    """The requester's address, the key of every throttle (guessed links, staff sign-in).

    Taken from the connection and the ``X-Forwarded-For`` entries of the proxies trusted in
    ``SJT_TRUSTED_PROXIES`` (``assessment.access.proxies``); every page uses this one.
    """
    return requester_address(
        st.context.ip_address, st.context.headers.get_all("X-Forwarded-For"), trusted_proxies()
    )


@st.cache_resource(show_spinner=False)
def trusted_proxies() -> TrustedProxies:
    """The trusted proxies, read once per server process (none if the setting is malformed)."""
    try:
        return TrustedProxies.from_environment()
    except ValueError as error:
        LOGGER.error("%s; no proxy is trusted until it is fixed", error)
        return TrustedProxies()
