"""The two set-up commands at the top of README.md are the ones that work."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"```bash\n(.+?)\n```", README)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readme_opens_with_the_two_set_up_commands():
    head = README.split("---", 1)[0]
    assert len(re.findall(r"```bash\n", head)) == 2
    assert "streamlit run serve.py" in COMMANDS[0]
    assert "pytest" in COMMANDS[1]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    assignment = next(line for line in script.splitlines() if line.startswith("test_command="))
    printed = subprocess.run(["bash", "-c", f'{assignment}; printf %s "$test_command"'], cwd=ROOT,
                             capture_output=True, text=True)
    assert printed.stdout.strip() == COMMANDS[1]


@pytest.mark.slow
def test_app_command_installs_and_serves_the_app():
    """Run the README's app command as written (pip finds everything installed) until the
    server answers its health check and the page, then stop it."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_SERVER_PORT": str(port), "STREAMLIT_SERVER_HEADLESS": "true"}
    server = subprocess.Popen(COMMANDS[0], shell=True, cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    assert reply.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, "the app command exited early"
                time.sleep(1)
        else:
            pytest.fail("the app did not answer within 5 minutes")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert b"<div id=\"root\">" in page.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
