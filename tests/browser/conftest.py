"""Browser test fixtures: one JupyterLab server per session (temporary config, settings,
runtime and root folders; token off; 127.0.0.1 on a free port) and one headless Chromium."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from labdriver import CHROMIUM, JupyterLab, chromium_browser  # noqa: E402


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory, emulator):
    # Kernels deploy to the session's emulator instead of starting a project emulator that
    # would outlive the suite.
    before = os.environ.get("STACKERYNB_LOCAL_ENDPOINT")
    os.environ["STACKERYNB_LOCAL_ENDPOINT"] = emulator
    try:
        lab = JupyterLab(tmp_path_factory.mktemp("jupyterlab")).start()
    finally:
        if before is None:
            os.environ.pop("STACKERYNB_LOCAL_ENDPOINT")
        else:
            os.environ["STACKERYNB_LOCAL_ENDPOINT"] = before
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}; run `make test` as root "
                    "or `sudo apt-get install chromium`")
    with chromium_browser() as browser:
        yield browser
