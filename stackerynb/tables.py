"""Tables in a notebook show ``$`` literally, never as a LaTeX formula.

JupyterLab typesets ``$...$`` in HTML outputs with MathJax, so a DataFrame holding
``${Work.Arn}`` or ``arn:aws:...:${AWS::Region}`` showed a formula. pandas' switch for this,
the option ``display.html.use_mathjax``, only marks the table with the ``tex2jax_ignore`` class,
which MathJax 2 honoured; JupyterLab 4 runs MathJax 3 and later, which skips ``mathjax_ignore``
(pandas' Styler writes both classes, a DataFrame's HTML only the old one).

So ``import stackerynb`` in IPython turns the pandas option off and registers one HTML formatter
for DataFrames that, while the option is off, wraps pandas' own HTML in an element carrying both
classes. Every DataFrame the kit returns (and the user's) shows ``$`` as typed; pandas' display
options (rows, widths) keep working because the HTML is still pandas' own.
``pd.set_option("display.html.use_mathjax", True)`` brings formulas back. HTML the kit builds
itself (widgets, reprs) goes through :func:`table_html`.
"""
from __future__ import annotations

import sys

NO_MATH_CLASSES = "tex2jax_ignore mathjax_ignore"  # MathJax 2's and MathJax 3+'s "leave alone"


def no_math(html: str) -> str:
    """``html`` inside an element that MathJax leaves alone."""
    return f'<div class="{NO_MATH_CLASSES}">{html}</div>'


def table_html(frame, **to_html) -> str:
    """``frame.to_html(**to_html)`` with ``$`` shown literally (for HTML the kit builds)."""
    return no_math(frame.to_html(**to_html))


def frame_html(frame) -> str | None:
    """A DataFrame's notebook HTML, kept away from MathJax unless pandas is told to allow it."""
    import pandas as pd
    html = frame._repr_html_()
    if html is None or pd.get_option("display.html.use_mathjax"):
        return html
    return no_math(html)


def show_dollars_literally() -> bool:
    """In a running IPython shell, make DataFrames show ``$`` literally (see the module's
    docstring); True when it did. Called by ``import stackerynb``; harmless to call again.

    pandas is not imported for this: the formatter is registered by the DataFrame's type name,
    and the option is turned off now if pandas is loaded, else right after pandas' own import."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    shell.display_formatter.formatters["text/html"].for_type_by_name("pandas.core.frame", "DataFrame", frame_html)
    if "pandas" in sys.modules:
        _mathjax_off(sys.modules["pandas"])
    elif not any(isinstance(finder, _AfterPandasImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterPandasImport())
    return True


def _mathjax_off(pandas) -> None:
    pandas.set_option("display.html.use_mathjax", False)


class _AfterPandasImport:
    """A one-shot import hook: once ``pandas`` is imported (by anyone), turn MathJax off."""

    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        sys.meta_path.remove(self)  # the real finders locate pandas; this hook is done
        from importlib.util import find_spec
        spec = find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _mathjax_off(module)

        spec.loader.exec_module = exec_module
        return spec
