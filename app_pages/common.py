"""Shared resources of the Streamlit pages (no business logic here).

The guards of staff pages are in ``app_pages.staff_access`` and ``app_pages.staff_session``.
"""

from __future__ import annotations

import streamlit as st

from assessment.delivery.service import Delivery
from assessment.persistence.store import Store
from items import ItemBank, load_bank


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
