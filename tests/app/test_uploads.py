"""Streamlit's upload endpoint cannot be used to park files (issue 11, finding 8).

``UploadGuard`` sits in front of the upload manager that the ``PUT /_stcore/upload_file``
route writes to: anonymous sessions are refused, permitted ones are capped, and files are
released when the permission lapses, is withdrawn, or the session is gone.
"""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from app_pages.uploads import (
    MAX_BYTES_PER_SESSION,
    MAX_FILES_PER_SESSION,
    PERMIT_SECONDS,
    UploadGuard,
    upload_guard,
)

MB = 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rec(file_id: str, size: int = 10) -> UploadedFileRec:
    return UploadedFileRec(file_id=file_id, name="x.csv", type="text/csv", data=b"x" * size)


@pytest.fixture
def manager() -> MemoryUploadedFileManager:
    return MemoryUploadedFileManager("/_stcore/upload_file")


def put(manager: MemoryUploadedFileManager, session_id: str, file: UploadedFileRec) -> int:
    """What the upload route answers: 204 stored, else the refusal's status code."""
    try:
        manager.add_file(session_id=session_id, file=file)
    except HTTPException as error:
        return error.status_code
    return 204


def test_anonymous_sessions_cannot_park_files(manager: MemoryUploadedFileManager) -> None:
    upload_guard(manager)
    statuses = [put(manager, "anonymous", rec(f"f{n}", 19 * MB)) for n in range(10)]
    assert statuses == [403] * 10
    assert manager.file_storage.get("anonymous") is None
    assert manager.get_stats() == {}  # nothing held


def test_a_permitted_session_is_capped_in_count_and_size(
    manager: MemoryUploadedFileManager,
) -> None:
    guard = upload_guard(manager)
    assert guard is not None
    guard.permit("staff")
    statuses = [put(manager, "staff", rec(f"f{n}")) for n in range(MAX_FILES_PER_SESSION + 2)]
    assert statuses == [204] * MAX_FILES_PER_SESSION + [413, 413]
    assert put(manager, "staff", rec("f0", 5 * MB)) == 204  # replacing a file is fine
    assert len(manager.file_storage["staff"]) == MAX_FILES_PER_SESSION
    guard.revoke("staff")
    guard.permit("staff")
    assert put(manager, "staff", rec("big", MAX_BYTES_PER_SESSION // 2)) == 204
    assert put(manager, "staff", rec("bigger", MAX_BYTES_PER_SESSION // 2 + 1)) == 413


def test_files_are_released_when_the_permission_ends(manager: MemoryUploadedFileManager) -> None:
    clock = Clock()
    active = {"a", "b", "c"}
    guard = UploadGuard(manager, active.__contains__, clock)
    manager.add_file = guard.add_file  # type: ignore[method-assign]
    for session_id in ("a", "b", "c"):
        guard.permit(session_id)
        assert put(manager, session_id, rec("f")) == 204

    guard.revoke("a")  # sign-out
    assert "a" not in manager.file_storage
    active.discard("b")  # the browser went away
    clock.now += 60
    guard.permit("c")  # any later run sweeps
    assert "b" not in manager.file_storage
    assert "c" in manager.file_storage
    clock.now += PERMIT_SECONDS + 1  # idle past the limit
    guard.sweep()
    assert manager.file_storage == {}
    assert put(manager, "c", rec("g")) == 403


def test_the_guard_is_installed_once_per_manager(manager: MemoryUploadedFileManager) -> None:
    first = upload_guard(manager)
    assert upload_guard(manager) is first
    assert upload_guard(object()) is None
