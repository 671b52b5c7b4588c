"""Transport defaults (issue 11, finding 11): the app listens on loopback unless told
otherwise, and the proxy template carries the security headers and rate limits."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def test_make_run_and_the_streamlit_config_bind_to_loopback() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^ADDRESS \?= 127\.0\.0\.1$", makefile, flags=re.MULTILINE)
    assert "--server.address $(ADDRESS)" in makefile


def test_the_proxy_template_sets_headers_and_rate_limits() -> None:
    template = TEMPLATE.read_text(encoding="utf-8")
    for header in (
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
    ):
        assert re.search(rf"add_header {header} \"[^\"]+\" always;", template), header
    zones = set(re.findall(r"limit_req_zone \S+ zone=(\w+):", template))
    used = set(re.findall(r"limit_req zone=(\w+)", template))
    assert zones
    assert used == zones  # every zone is applied, none is referenced without being defined
    assert "/_stcore/stream" in template
    assert "/_stcore/upload_file/" in template


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if len(raw) == 4:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.mark.slow
def test_the_app_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "SJT_DATABASE_URL": f"sqlite:///{tmp_path / 'bind.db'}"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not listening_addresses(port) and time.monotonic() < deadline:
            assert process.poll() is None, "streamlit exited"
            time.sleep(0.2)
        assert listening_addresses(port) == {"127.0.0.1"}
    finally:
        process.kill()
        process.wait(timeout=10)
