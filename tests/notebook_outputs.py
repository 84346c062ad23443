"""What a notebook's outputs must not hold, checked the same way under nbclient and in the
browser: tracebacks, widget placeholders, a figure's text repr instead of its image, and ``$``
that MathJax would typeset in an HTML table."""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Text a user sees when something did not render: a figure's repr instead of the picture, a
# widget the page could not draw, an object's default repr.
PLACEHOLDERS = re.compile(
    r"<Figure size|<Axes[:\s]|<matplotlib\.|Loading widget|Error displaying widget|model not found"
    r"|\[object Object\]|<stackerynb\.[\w.]+ object at 0x|object at 0x[0-9a-f]+>")
PLOT_CALL = re.compile(r"\bplots\.\w+\(|\.plot\(|plt\.")

# Notebooks expected to fail (not strictly) while an open issue is being worked on; empty when
# every notebook must pass.
KNOWN_ISSUES: dict[str, str] = {}  # under nbclient: notebook -> the open issue that makes it fail
KNOWN_ISSUES_IN_LAB = {**KNOWN_ISSUES}  # run in JupyterLab

# MathJax leaves these alone (JupyterLab's MathJax 3+ options: skipHtmlTags, ignoreHtmlClass).
_SKIPPED_TAGS = {"script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml"}
_IGNORE_CLASSES = {"mathjax_ignore"}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _MathFinder(HTMLParser):
    """Text runs holding ``$`` that MathJax in JupyterLab would look at for formulas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ignored: list[bool] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID_TAGS:
            return
        classes = set((dict(attrs).get("class") or "").split())
        inherited = bool(self.ignored and self.ignored[-1])
        self.ignored.append(inherited or tag in _SKIPPED_TAGS or bool(classes & _IGNORE_CLASSES))

    def handle_endtag(self, tag):
        if tag not in _VOID_TAGS and self.ignored:
            self.ignored.pop()

    def handle_data(self, data):
        if "$" in data and not (self.ignored and self.ignored[-1]):
            self.found.append(data.strip())


def typeset_dollars(html: str) -> list[str]:
    """Text in ``html`` with a ``$`` that MathJax in JupyterLab would typeset (empty: none)."""
    finder = _MathFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def output_text(output: dict) -> str:
    """The text a user reads in one nbformat output (stream text or text/plain)."""
    if output.get("output_type") == "stream":
        return output.get("text", "")
    return output.get("data", {}).get("text/plain", "") if "data" in output else ""


def problems(nb) -> list[str]:
    """Everything wrong with an executed notebook's outputs, one line each."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({cell.source.splitlines()[0][:60] if cell.source else ''})"
        images = 0
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"{where}: {output.ename}: {output.evalue}")
            text = output_text(output)
            if "Traceback" in text:
                found.append(f"{where}: a traceback in the output")
            match = PLACEHOLDERS.search(text) if "image/png" not in output.get("data", {}) else None
            if match:
                found.append(f"{where}: placeholder text {match.group(0)!r} instead of what it stands for")
            html = output.get("data", {}).get("text/html", "")
            if html and "<table" in html and typeset_dollars(html):
                found.append(f"{where}: a table MathJax would typeset: {typeset_dollars(html)[:2]}")
            images += "image/png" in output.get("data", {})
        if PLOT_CALL.search(cell.source) and not images:
            found.append(f"{where}: draws a plot but shows no image")
    return found
