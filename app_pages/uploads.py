"""Who may park files in Streamlit's upload endpoint, how many, and for how long.

Streamlit (1.67) accepts a ``PUT /_stcore/upload_file/<session id>/<file id>`` for any live
browser session, whatever page it shows, and keeps each file in memory
(``MemoryUploadedFileManager``) until the session is shut down; ``server.maxUploadSize`` caps
each file but not their number. So an anonymous visitor of the sign-in page could park
hundreds of megabytes.

``guard_uploads`` (called by ``app.py`` on every run) wraps the manager's ``add_file`` once per
server process with an ``UploadGuard``: only sessions in which a staff member who uploads
files (recruiter, psychometrician, admin) is signed in may upload, at most
``MAX_FILES_PER_SESSION`` files and ``MAX_BYTES_PER_SESSION`` bytes at a time; the permission
lapses after ``PERMIT_SECONDS`` without a run and is withdrawn at sign-out, and the files of
a session are released as soon as it stops being permitted or is no longer connected.
Refused uploads get HTTP 403 (not permitted) or 413 (over the cap) and are never stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from streamlit import runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

MAX_FILES_PER_SESSION = 4
"""Files one session may hold: an uploader replacing its file briefly holds two."""
MAX_BYTES_PER_SESSION = 45 * 1024 * 1024
"""Bytes one session may hold: two files of the 20 MB ``server.maxUploadSize`` and change."""
PERMIT_SECONDS = 30 * 60
"""A permission lapses after this long without a run (the staff idle limit)."""


class UploadGuard:
    """Checks every upload against the permitted sessions and the caps (thread-safe).

    Parameters
    ----------
    manager
        Streamlit's uploaded-file manager, whose ``add_file`` this guard replaces.
    is_active
        Whether a session id belongs to a connected session.
    clock
        Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        manager: MemoryUploadedFileManager,
        is_active: Callable[[str], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.manager = manager
        self._add_file = manager.add_file
        self._is_active = is_active
        self._clock = clock
        self._permits: dict[str, float] = {}
        self._lock = threading.Lock()

    def permit(self, session_id: str) -> None:
        """Let ``session_id`` upload for the next ``PERMIT_SECONDS``."""
        with self._lock:
            self._permits[session_id] = self._clock() + PERMIT_SECONDS
        self.sweep()

    def revoke(self, session_id: str) -> None:
        """Withdraw the permission and release the session's files."""
        with self._lock:
            self._permits.pop(session_id, None)
        self.manager.remove_session_files(session_id)

    def permitted(self, session_id: str) -> bool:
        with self._lock:
            until = self._permits.get(session_id)
        return until is not None and until > self._clock() and self._is_active(session_id)

    def sweep(self) -> None:
        """Release the files of every session that may no longer upload."""
        with self._lock:
            holders = list(self.manager.file_storage)
        for session_id in holders:
            if not self.permitted(session_id):
                self.revoke(session_id)

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        """Store ``file`` if the session may upload and stays within the caps."""
        if not self.permitted(session_id):
            self.revoke(session_id)
            raise HTTPException(status_code=403, detail="uploads need a signed-in staff session")
        with self._lock:  # check and store together, so concurrent uploads cannot overshoot
            held = {
                rec.file_id: len(rec.data)
                for rec in self.manager.file_storage.get(session_id, {}).values()
            }
            held[file.file_id] = len(file.data)  # a replaced file no longer counts
            if len(held) > MAX_FILES_PER_SESSION or sum(held.values()) > MAX_BYTES_PER_SESSION:
                raise HTTPException(status_code=413, detail="too many or too large uploads")
            self._add_file(session_id=session_id, file=file)


_INSTALL_LOCK = threading.Lock()


def upload_guard(manager: Any) -> UploadGuard | None:
    """The guard of ``manager``, installed on first use (None for other managers)."""
    if not isinstance(manager, MemoryUploadedFileManager):
        return None
    with _INSTALL_LOCK:
        guard = getattr(manager, "sjt_upload_guard", None)
        if not isinstance(guard, UploadGuard):
            guard = UploadGuard(manager, _session_is_active)
            manager.add_file = guard.add_file  # type: ignore[method-assign]
            manager.sjt_upload_guard = guard  # type: ignore[attr-defined]
    return guard


def _session_is_active(session_id: str) -> bool:
    if not runtime.exists():  # AppTest and bare mode: no server, no other sessions
        return True
    return runtime.get_instance().is_active_session(session_id)


def guard_uploads(allowed: bool) -> None:
    """Permit this browser session to upload (or withdraw it and release its files)."""
    context = get_script_run_ctx()
    if context is None:
        return
    guard = upload_guard(context.uploaded_file_mgr)
    if guard is None:
        return
    if allowed:
        guard.permit(context.session_id)
    else:
        guard.revoke(context.session_id)


__all__ = [
    "MAX_BYTES_PER_SESSION",
    "MAX_FILES_PER_SESSION",
    "PERMIT_SECONDS",
    "UploadGuard",
    "guard_uploads",
    "upload_guard",
]
