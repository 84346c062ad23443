"""``stackerynb kinds [--json]``: the node catalogue as a table or as JSON for tools."""
from __future__ import annotations

import json
import sys

from stackerynb.catalog import kinds, wire_targets


def register(sub) -> None:
    parser = sub.add_parser("kinds", help="list node kinds, their settings and placement")
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    out = out or sys.stdout
    if args.json:
        data = [dict(k.describe(), wires_to=wire_targets(k.name)) for k in kinds()]
        json.dump({"kinds": data}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    import pandas as pd

    rows = [{
        "kind": k.name, "label": k.label,
        "network": k.network if k.network == "none" else f"{k.network} ({k.tier})",
        "settings": ", ".join(f"{s.name}={s.default!r}" if s.default not in ({}, [], "") else s.name
                              for s in k.settings.values()),
        "wires to": ", ".join(wire_targets(k.name)) or "-",
    } for k in kinds()]
    table = pd.DataFrame(rows)
    out.write(table.to_string(index=False, justify="left",
                              formatters={c: f"{{:<{table[c].str.len().max()}}}".format for c in table.columns}) + "\n")
    return 0
