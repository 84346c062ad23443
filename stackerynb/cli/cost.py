"""``stackerynb cost FILE --traffic TRAFFIC.csv``: the consolidation tradeoff table."""
from __future__ import annotations


def register(sub) -> None:
    from stackerynb.analysis.cli_cost import __doc__ as doc, add_arguments, run
    parser = sub.add_parser("cost", help="compare the design with consolidated alternatives: cost, cold starts, latency",
                            description=(doc or "").split("\n\n")[0])
    add_arguments(parser)
    parser.set_defaults(func=run)
