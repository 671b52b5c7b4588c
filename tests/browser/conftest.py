"""A real Streamlit server and Debian's headless Chromium for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessment.demo import ensure_active_model
from assessment.persistence.store import Store
from items import load_bank

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    database_url: str
    store: Store
    process: subprocess.Popen[bytes]
    port: int

    def start(self) -> None:
        """(Re)start the Streamlit process on the same port and database."""
        self.process = launch(self.port, self.database_url)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def launch(port: int, database_url: str, extra: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SJT_DATABASE_URL": database_url}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--runner.postScriptGC", "false",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("streamlit exited during start-up") from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("streamlit did not start within 60 s")


def served_database(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, str, Store]:
    """A folder ``name`` and a store in it with the synthetic model active, for a served app;
    skips the test when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    folder = tmp_path_factory.mktemp(name)
    database_url = f"sqlite:///{folder / f'{name}.db'}"
    store = Store.open(database_url)
    ensure_active_model(store, load_bank())
    return folder, database_url, store


def stop(server: Server) -> None:
    """End the served app and close its store's connections."""
    server.process.kill()
    server.process.wait(timeout=10)
    server.store.engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _folder, database_url, store = served_database(tmp_path_factory, "browser")
    port = free_port()
    running = Server(
        f"http://127.0.0.1:{port}", database_url, store, launch(port, database_url), port
    )
    try:
        yield running
    finally:
        stop(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
