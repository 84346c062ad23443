"""The studio's side area, timed in plain Python: a settings-form edit (applied and refused) and
the template pane's refresh (compile, YAML, highlighting) and a refused Apply, on designs of
N functions each wired to a table.

    PYTHONPATH=. python benchmarks/template_pane.py [--sizes 10 50]

Medians of repeated runs in one process (imports and first highlighting warmed up first).
"""
from __future__ import annotations

import argparse
import statistics
import time

from stackerynb import Stack
from stackerynb.widgets import StackEditor
from stackerynb.widgets.template_pane import TemplatePane


def design(n: int) -> Stack:
    s = Stack("bench")
    for i in range(n):
        s.add("function", f"F{i}", position=(i * 10, 0))
        s.add("table", f"T{i}", position=(i * 10, 100))
        s.connect(f"F{i}", f"T{i}")
    return s


def median_ms(action, repeat: int) -> float:
    times = []
    for k in range(repeat):
        start = time.perf_counter()
        action(k)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50])
    args = parser.parse_args()
    for n in args.sizes:
        stack = design(n)
        editor = StackEditor(stack, git=False)
        editor.sync.select("F0")
        memory = editor.form.rows["memory"].input
        good = median_ms(lambda k: setattr(memory, "value", str(256 + 64 * (k % 5 + 1))), 21)
        bad = median_ms(lambda k: (setattr(memory, "value", "99999"), setattr(memory, "value", "512")), 21)
        pane = TemplatePane(stack)
        edit_refresh = median_ms(lambda k: (stack.set("F0", timeout=10 + k % 5), pane.refresh()), 7)
        refused = median_ms(lambda k: pane.apply("Resources: [broken"), 5)
        print(f"{n} functions + {n} tables: form edit {good:.1f} ms, refused edit {bad:.1f} ms, "
              f"edit + template refresh {edit_refresh:.0f} ms ({pane.text.count(chr(10))} lines of YAML), "
              f"refused Apply {refused:.1f} ms")
        pane.close()
        editor.close()


if __name__ == "__main__":
    main()
