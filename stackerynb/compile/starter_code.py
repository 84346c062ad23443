"""Starter handlers for functions whose ``code`` setting is empty.

CloudFormation can inline code (``Code.ZipFile``) only for Python and Node.js; the file is
saved as ``index.py`` / ``index.js``, so the handler is ``index.handler``. Each starter answers
in the shape API Gateway and load balancers expect, and says which function ran.
"""
from __future__ import annotations

HANDLER = "index.handler"

PYTHON = '''\
import json
import os


def handler(event, context):
    """Starter handler from stackerynb: set the function's code folder to replace it."""
    body = {"function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "received": type(event).__name__}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
'''

NODE = '''\
// Starter handler from stackerynb: set the function's code folder to replace it.
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ function: process.env.AWS_LAMBDA_FUNCTION_NAME, received: typeof event }),
});
'''

# runtime prefix -> inline source
STARTERS = {"python": PYTHON, "nodejs": NODE}


def starter_for(runtime: str) -> str | None:
    """Inline source for ``runtime``, or None when CloudFormation cannot inline that language."""
    return next((code for prefix, code in STARTERS.items() if runtime.startswith(prefix)), None)
