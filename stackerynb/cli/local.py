"""``stackerynb local start|stop|status``: the project's local emulator (the ``local`` target).

One emulator per project (the git work tree, else the current folder) serves every notebook
kernel and command; it keeps running between commands. ``start`` is optional: the first local
deploy starts it. ``stop --reset`` also forgets the state it saved for the next start.
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    parser = sub.add_parser("local", help="start, stop or show the project's local emulator")
    parser.add_argument("action", choices=("start", "stop", "status"), help="what to do")
    parser.add_argument("--project", default=None,
                        help="a folder of the project (default: the current folder)")
    parser.add_argument("--reset", action="store_true", help="with stop: forget the emulator's saved state")
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    from stackerynb.deploy import local

    out = out or sys.stdout
    if args.action == "start":
        out.write(repr(local.start(args.project)) + "\n")
        return 0
    if args.action == "stop":
        stopped = local.stop(args.project, reset=args.reset)
        folder = local.folder_of(args.project)
        if stopped is None:
            out.write(f"no local emulator is running for {folder.parent.parent}\n")
        else:
            out.write(f"stopped the local emulator of {folder.parent.parent} (process {stopped.pid})\n")
        out.write("its saved state was removed\n" if args.reset else
                  f"its state is kept in {folder} for the next start\n")
        return 0
    running = local.find(args.project)
    if running is None:
        out.write(f"no local emulator is running for {local.folder_of(args.project).parent.parent} "
                  "(the next local deploy starts one)\n")
        return 3
    out.write(repr(running) + "\n")
    return 0
