"""Arguments and steps the commands share: which file, which environment, how loud, how wide."""
from __future__ import annotations

import shutil
import textwrap

from stackerynb.model import Stack


def add_stack_arguments(parser, *, env: bool = True, asks: str | None = None) -> None:
    """``FILE`` and, when ``env``, ``--env``; when the command asks before acting, ``--yes``
    (``asks`` says what it does without asking) and ``--quiet``."""
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    if env:
        parser.add_argument("--env", default="dev", help="environment name from environments.yaml (default: dev)")
    if asks:
        parser.add_argument("--yes", action="store_true", help=f"{asks} without asking")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")


def load(args) -> tuple[Stack, object]:
    """The stack named on the command line and its environment."""
    stack = Stack.load(args.file)
    return stack, stack.environment(args.env)


def reporter(args, err):
    """A progress bar on ``err``, or nothing with ``--quiet``."""
    from stackerynb.deploy.progress import NullReporter, TqdmReporter
    return NullReporter() if args.quiet else TqdmReporter(file=err, summary=False)


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``COLUMNS`` wins); ``default`` when output is not a terminal."""
    return shutil.get_terminal_size((default, 24)).columns


def wrapped_table(rows: list[dict], width: int, gap: str = "  ") -> str:
    """``rows`` as a text table no wider than ``width``: the widest columns are narrowed and
    their cells wrapped onto more lines; rows are then set apart by a blank line."""
    columns = list(rows[0]) if rows else []
    cells = [[str(row[c]) for c in columns] for row in rows]
    sizes = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    room = max(width - len(gap) * (len(columns) - 1), 8 * len(columns))
    if sum(sizes) > room:  # short columns keep their width; long ones share the rest by length
        short = [i for i, size in enumerate(sizes) if size <= 20]
        long_ = [i for i in range(len(sizes)) if i not in short]
        rest = room - sum(sizes[i] for i in short)
        natural = sum(sizes[i] for i in long_)
        for i in long_:
            sizes[i] = max(12, sizes[i] * rest // natural)
        # a column narrower than its longest word takes room from the one with most to spare
        words = {i: max(len(w) for r in cells for w in r[i].split() or [""]) for i in long_}
        for i in long_:
            while sizes[i] < words[i]:
                donor = max((j for j in long_ if j != i), key=lambda j: sizes[j] - words[j], default=i)
                if donor == i or sizes[donor] <= words[donor]:
                    break
                sizes[donor] -= 1
                sizes[i] += 1
    while sum(sizes) > room:  # a very narrow terminal: narrow the widest until it fits
        widest = max(range(len(sizes)), key=lambda i: sizes[i])
        if sizes[widest] <= 8:
            break
        sizes[widest] -= 1

    def lines(values: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(v, size, break_on_hyphens=False) or [""] for v, size in zip(values, sizes)]
        height = max(len(w) for w in wrapped)
        return [gap.join(f"{(w[i] if i < len(w) else ''):<{size}}" for w, size in zip(wrapped, sizes)).rstrip()
                for i in range(height)]

    body = [lines(r) for r in cells]
    spaced = any(len(b) > 1 for b in body)
    out = lines(columns) + ["-" * min(width, sum(sizes) + len(gap) * (len(columns) - 1))]
    for i, block in enumerate(body):
        if spaced and i:
            out.append("")
        out += block
    return "\n".join(out) + "\n"
