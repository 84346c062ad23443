"""``stackerynb cost FILE --traffic TRAFFIC.csv | --logs LOGS``: the consolidation tradeoff table."""
from __future__ import annotations

import argparse
import textwrap


def register(sub) -> None:
    from stackerynb.analysis.cli_cost import DESCRIPTION, EPILOG, add_arguments, run
    parser = sub.add_parser("cost", help="compare the design with consolidated alternatives: cost, cold starts, latency",
                            description=textwrap.fill(DESCRIPTION, 100), epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.set_defaults(func=run)
