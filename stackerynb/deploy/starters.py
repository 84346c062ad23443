"""Starter handlers: what a function with no code yet deploys, and what ``write_starter`` writes.

A starter answers every invocation with the event it received, so a newly drawn function works
end to end (wires, permissions, triggers) before anyone writes its code. One entry per runtime
family: the file name pattern (``{module}`` from the handler setting) and the text.
"""
from __future__ import annotations

from stackerynb.errors import StackError

PYTHON = '''"""Starter handler for {node} written by stackerynb: replace it with your code."""
import json
import os


def {function}(event, context):
    """Echo the event, and list the environment variables wires gave this function."""
    wired = sorted(k for k in os.environ if k.endswith(("_NAME", "_ARN", "_URL")))
    print(json.dumps({{"event": event}}, default=str))
    return {{"statusCode": 200, "body": json.dumps({{"function": "{node}", "wired": wired, "event": event}}, default=str)}}
'''

NODE = '''// Starter handler for {node} written by stackerynb: replace it with your code.
export const {function} = async (event) => {{
  const wired = Object.keys(process.env).filter((k) => /_(NAME|ARN|URL)$/.test(k)).sort();
  console.log(JSON.stringify({{ event }}));
  return {{ statusCode: 200, body: JSON.stringify({{ function: "{node}", wired, event }}) }};
}};
'''

RUBY = '''# Starter handler for {node} written by stackerynb: replace it with your code.
require "json"

def {function}(event:, context:)
  wired = ENV.keys.select {{ |k| k =~ /_(NAME|ARN|URL)$/ }}.sort
  puts JSON.generate({{ event: event }})
  {{ statusCode: 200, body: JSON.generate({{ function: "{node}", wired: wired, event: event }}) }}
end
'''

# runtime prefix -> (file name pattern, text)
STARTERS = {
    "python": ("{module}.py", PYTHON),
    "nodejs": ("{module}.mjs", NODE),
    "ruby": ("{module}.rb", RUBY),
}


def split_handler(handler: str) -> tuple[str, str]:
    """``"src/app.main"`` -> (``"src/app"``, ``"main"``); Python dotted modules become paths.

    The module must name a file inside the code folder: no absolute path, no ``..`` and no
    empty part (``"..tmp.x.main"`` would be ``//tmp/x``)."""
    if not isinstance(handler, str):
        raise ValueError(f"handler {handler!r} must be text, module.function")
    module, _, function = handler.rpartition(".")
    if not module or not function:
        raise ValueError(f"handler {handler!r} must be module.function")
    path = module.replace(".", "/")
    if "\\" in handler or any(part in ("", "..") for part in path.split("/")):
        raise ValueError(f"handler {handler!r} must name a module inside the code folder "
                         "(no absolute path, no '..', no empty part)")
    return path, function


def starter_for(node_id: str, runtime: str, handler: str) -> tuple[str, str]:
    """``(relative file name, text)`` of the starter for a function; StackError when the runtime
    needs built code (Java, .NET, custom runtimes) or the handler is malformed."""
    family = next((f for f in STARTERS if runtime.startswith(f)), None)
    if family is None:
        raise StackError(f"{node_id}.code: a {runtime} function needs its built code (a folder or a .zip/.jar); "
                         "starters exist for Python, Node.js and Ruby")
    try:
        module, function = split_handler(handler)
    except ValueError as exc:
        raise StackError(f"{node_id}.handler: {exc}") from None
    if not function.isidentifier():
        raise StackError(f"{node_id}.handler: {function!r} is not a function name")
    pattern, text = STARTERS[family]
    return pattern.format(module=module), text.format(node=node_id, function=function)


def handler_file_candidates(runtime: str, handler: str) -> list[str]:
    """Files one of which must exist in a function's code folder for its handler to load
    (empty when the kit cannot tell, e.g. compiled runtimes)."""
    try:
        module, _ = split_handler(handler)
    except ValueError:
        return []
    if runtime.startswith("python"):
        return [f"{module}.py", f"{module}/__init__.py"]
    if runtime.startswith("nodejs"):
        module = handler.rpartition(".")[0]  # Node handlers keep dots in file names
        if module.startswith("/") or ".." in module.split("/"):
            return []
        return [f"{module}{ext}" for ext in (".js", ".mjs", ".cjs")]
    if runtime.startswith("ruby"):
        return [f"{module}.rb"]
    return []
