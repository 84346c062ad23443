"""Drive a real JupyterLab in headless Chromium: start the server, open a notebook, run it,
talk to its kernel and reach the cytoscape canvas.

Used by the browser tests (through ``conftest.py``) and by ``benchmarks/canvas.py``; it imports
nothing from pytest so both can share it.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import nbformat

CHROMIUM = os.environ.get("STACKERYNB_CHROMIUM", "/usr/bin/chromium")


def wait_until(check, timeout: float = 20, what: str = "condition", every: float = 0.15):
    """Poll ``check()`` until it returns something truthy; that value is returned. Raises an
    AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CANVAS_CLASS = "stackerynb-canvas"

# JupyterLab news and update checks would reach out to the internet; the user-settings dir is
# a temporary one, so these settings touch nobody's real configuration.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    # start the notebook's kernel without asking ("Select Kernel" dialog)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with its own config, settings, runtime and root folders."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.root = self.base / "root"
        self.runtime = self.base / "runtime"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = self.base / "jupyterlab.log"

    def start(self, timeout: float = 90) -> "JupyterLab":
        for sub in ("root", "runtime", "config", "data", "settings", "workspaces", "ipython"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        for name, values in _LAB_SETTINGS.items():
            path = self.base / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # as `make lab` runs it
        env.update({
            "JUPYTER_CONFIG_DIR": str(self.base / "config"),
            "JUPYTER_DATA_DIR": str(self.base / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime),
            "JUPYTERLAB_SETTINGS_DIR": str(self.base / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.base / "workspaces"),
            "IPYTHONDIR": str(self.base / "ipython"),
        })
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
               "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as resp:
            return json.loads(resp.read())

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = self.root / name
        nbformat.write(nb, path)
        return path

    def kernel_client(self, notebook: str, timeout: float = 30):
        """A client on the kernel the browser started for ``notebook`` (same namespace)."""
        from jupyter_client import BlockingKernelClient
        deadline = time.monotonic() + timeout
        while True:
            sessions = [s for s in self.api("/api/sessions") if s.get("path") == notebook]
            if sessions:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no kernel session for {notebook}")
            time.sleep(0.2)
        kernel_id = sessions[0]["kernel"]["id"]
        client = BlockingKernelClient(connection_file=str(self.runtime / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=timeout)
        return KernelRunner(client)


class KernelRunner:
    """Run code in a live kernel and get back what it printed; an error in the kernel raises here."""

    def __init__(self, client):
        self.client = client

    def run(self, code: str, timeout: float = 30) -> str:
        out: list[str] = []
        errors: list[str] = []

        def hook(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content["traceback"]))
            elif kind in ("execute_result", "display_data"):
                out.append(content["data"].get("text/plain", ""))

        self.client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
        if errors:
            raise RuntimeError(f"kernel error running {code!r}:\n{errors[0]}")
        return "".join(out)

    def value(self, expression: str, timeout: float = 30):
        """The JSON value of a Python expression evaluated in the kernel."""
        text = self.run(f"import json as _j; print(_j.dumps({expression}))", timeout=timeout)
        return json.loads(text.strip().splitlines()[-1])

    def close(self) -> None:
        self.client.stop_channels()


@contextmanager
def chromium_browser():
    """Headless Debian Chromium through Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"the browser tests need Debian's chromium at {CHROMIUM}: "
                           "run `sudo apt-get install chromium` (or `make test` as root)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class NotebookPage:
    """One notebook open in JupyterLab, with the console errors seen so far."""

    def __init__(self, lab: JupyterLab, page, name: str):
        self.lab, self.page, self.name = lab, page, name
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def open(self, timeout: float = 90_000) -> "NotebookPage":
        workspace = uuid.uuid4().hex[:12]
        self.page.goto(f"{self.lab.url}/lab/workspaces/{workspace}/tree/{self.name}?reset",
                       timeout=timeout)
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout)
        deadline = time.monotonic() + timeout / 1000
        while not self._kernel_started():
            select = self.page.locator(".jp-Dialog button.jp-mod-accept")
            if select.count():  # "Select Kernel": take the preferred one
                select.first.click()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no kernel started for {self.name}")
            self.page.wait_for_timeout(200)
        self.wait_idle(timeout)
        return self

    def _kernel_started(self) -> bool:
        return any(s.get("path") == self.name and s.get("kernel")
                   for s in self.lab.api("/api/sessions"))

    def wait_idle(self, timeout: float = 90_000) -> None:
        """Wait until the kernel is idle and no cell is queued or running."""
        self.page.wait_for_function(
            """() => {
                const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
                if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
                return ![...document.querySelectorAll('.jp-InputPrompt')]
                    .some(p => p.textContent.includes('*'));
            }""", timeout=timeout, polling=200)

    def run_all(self, timeout: float = 120_000) -> None:
        # not awaited: the command's promise settles only when every cell has finished
        self.page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        self.page.wait_for_timeout(300)
        self.wait_idle(timeout)
        errors = self.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        if errors.count():
            texts = errors.all_inner_texts()
            if any("Traceback" in t or "Error" in t for t in texts):
                raise AssertionError("a cell failed:\n" + "\n".join(texts))

    def shut_down(self) -> None:
        """End this notebook's session and kernel (through the page, which holds the XSRF
        cookie a DELETE needs) and close the page."""
        self.page.evaluate("""async (path) => {
            const sessions = window.jupyterapp.serviceManager.sessions;
            for (const model of Array.from(sessions.running()))
                if (model.path === path) await sessions.shutdown(model.id);
        }""", self.name)
        self.page.close()

    # ------------------------------------------------------------- the canvas
    def wait_canvas(self, nodes: int, timeout: float = 60_000) -> None:
        """Wait until the canvas shows at least ``nodes`` stack nodes."""
        self.page.wait_for_function(
            """([cls, n]) => {
                const el = document.querySelector('.' + cls);
                const cy = el && el._cyreg && el._cyreg.cy;
                return !!cy && cy.nodes('.stack-node').length >= n;
            }""", arg=[CANVAS_CLASS, nodes], timeout=timeout, polling=100)

    def cy(self, script: str, arg=None):
        """Evaluate ``script`` (a JS function body of ``cy`` and ``arg``) against the canvas."""
        return self.page.evaluate(
            "([cls, body, arg]) => { const cy = document.querySelector('.' + cls)._cyreg.cy;"
            " return new Function('cy', 'arg', body)(cy, arg); }",
            [CANVAS_CLASS, script, arg])

    def node_point(self, node_id: str, timeout: float = 10) -> tuple[float, float]:
        """Page coordinates of the centre of ``node_id`` on the canvas, once the view has
        stopped moving (the canvas re-fits itself after it is first laid out)."""
        script = ("const n = cy.getElementById(arg); if (n.empty()) return null;"
                  "const p = n.renderedPosition(); return [p.x, p.y, cy.width(), cy.height()];")
        deadline = time.monotonic() + timeout
        last = None
        while True:
            pos = self.cy(script, node_id)
            if pos is not None and pos == last and 0 <= pos[0] <= pos[2] and 0 <= pos[1] <= pos[3]:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{node_id} is not steadily in view on the canvas: {pos}")
            last = pos
            self.page.wait_for_timeout(150)
        box = self.page.locator(f".{CANVAS_CLASS}").bounding_box()
        return box["x"] + pos[0], box["y"] + pos[1]

    def model_point(self, x: float, y: float) -> tuple[float, float]:
        """Page coordinates of the model position ``(x, y)`` on the canvas (an empty spot to
        click, say)."""
        rendered = self.cy("const z = cy.zoom(), p = cy.pan(); return [arg[0] * z + p.x, arg[1] * z + p.y];",
                           [x, y])
        box = self.page.locator(f".{CANVAS_CLASS}").first.bounding_box()
        return box["x"] + rendered[0], box["y"] + rendered[1]

    def focus(self, node_id: str, zoom: float = 1.0) -> None:
        """Zoom the view onto ``node_id`` (large stacks draw nodes a few pixels wide)."""
        self.cy("cy.zoom(arg[1]); cy.center(cy.getElementById(arg[0]));", [node_id, zoom])

    def click_node(self, node_id: str) -> None:
        x, y = self.node_point(node_id)
        self.page.mouse.click(x, y)

    def drag_node(self, node_id: str, dx: float, dy: float, steps: int = 8) -> None:
        x, y = self.node_point(node_id)
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx, y + dy, steps=steps)
        self.page.mouse.up()

    def widget_errors(self) -> list[str]:
        """Console errors that mention the widgets or the canvas."""
        words = ("widget", "cytoscape", "stackerynb", "ipycytoscape")
        return [e for e in self.console_errors if any(w in e.lower() for w in words)]
