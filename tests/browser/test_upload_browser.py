"""The upload endpoint of a real server refuses anonymous sessions (issue 11, finding 8).

The attack of the finding: from the sign-in page, PUT files to
``/_stcore/upload_file/<session id>/<file id>`` with the session's own XSRF cookie. They used
to be accepted and held in memory; now every one is refused, and a signed-in staff session
may still upload (through the workbench's uploader).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from assessment.access.accounts import add_user
from tests.browser.candidate import open_link
from tests.browser.conftest import Server
from tests.browser.staff import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "psychometrician-password-1"


def watch_sessions(page: Any) -> list[str]:
    """The Streamlit session ids the server gives ``page`` (latest last), as they come."""
    found: list[str] = []

    def frame(payload: Any) -> None:
        if isinstance(payload, bytes | bytearray):
            message = ForwardMsg()
            message.ParseFromString(bytes(payload))
            if message.WhichOneof("type") == "new_session":
                session_id = message.new_session.initialize.session_id
                if not found or found[-1] != session_id:
                    found.append(session_id)

    page.on("websocket", lambda ws: ws.on("framereceived", frame))
    return found


def upload(page: Any, server: Server, session_id: str, size: int) -> int:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    response = page.request.put(
        f"{server.url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        multipart={"file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"x" * size}},
        headers={"X-Xsrftoken": cookies.get("_streamlit_xsrf", "")},
    )
    return int(response.status)


def test_anonymous_uploads_are_refused_and_staff_uploads_accepted(
    server: Server, browser: Any
) -> None:
    add_user(server.store, "petra", PASSWORD, "psychometrician", actor="test")
    context = browser.new_context()
    try:
        page = context.new_page()
        sessions = watch_sessions(page)
        open_link(page, server.url)
        anonymous = sessions[-1]
        assert [upload(page, server, anonymous, 2 * 1024 * 1024) for _ in range(5)] == [403] * 5

        sign_in(page, server.url, "petra", PASSWORD)
        staff = sessions[-1]
        statuses = [upload(page, server, staff, 1024) for _ in range(6)]
        assert statuses[0] == 204  # a signed-in psychometrician may upload
        assert 413 in statuses  # but only a few files at a time
    finally:
        context.close()
