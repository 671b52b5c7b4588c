"""nginx from ``deploy/nginx.conf.template`` in front of Streamlit processes (browser tests)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@contextmanager
def nginx_in_front(ports: Sequence[int], folder: Path) -> Iterator[str]:
    """Run nginx with the deployment template for backends on ``ports``; yields its URL."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    proxy_port = free_port()
    template = (ROOT / "deploy" / "nginx.conf.template").read_text(encoding="utf-8")
    backends = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports
    )
    config = folder / "nginx.conf"
    config.write_text(
        template.format(listen=f"127.0.0.1:{proxy_port}", backends=backends, prefix=folder),
        encoding="utf-8",
    )
    nginx = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", proxy_port), timeout=0.5).close()
            break
        except OSError:
            if nginx.poll() is not None or time.monotonic() > deadline:
                message = nginx.stderr.read().decode() if nginx.stderr else ""
                nginx.kill()
                raise RuntimeError(f"nginx did not start: {message}") from None
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{proxy_port}"
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)
        if nginx.stderr is not None:
            nginx.stderr.close()
