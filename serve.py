"""Server entry point: ``streamlit run serve.py`` serves ``app.py`` plus the staff-cookie routes.

``st.App`` is Streamlit's supported way to add HTTP routes to an app (Streamlit ≥ 1.53); the
routes set and drop the HttpOnly staff-session cookie (see ``app_pages/staff_cookie.py``).
Running ``streamlit run app.py`` still works, but a reload then signs staff out.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import get_store
from app_pages.staff_cookie import cookie_routes

app = st.App("app.py", routes=cookie_routes(get_store, st.get_option("server.baseUrlPath") or ""))
