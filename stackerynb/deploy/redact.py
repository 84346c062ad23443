"""Keeping secret values out of everything the kit shows or stores.

Values of NoEcho template parameters (and any other value marked secret) are never put in
records, tables, progress or messages; as a second line of defence, every text that comes back
from CloudFormation passes through a Redactor that masks those values wherever they appear.
"""
from __future__ import annotations

MASK = "****"


class Redactor:
    """``redact(text)`` masks every known secret value inside ``text``."""

    def __init__(self, secrets=()):
        # Longest first, so a secret containing another is masked whole; very short values
        # (a NoEcho "1") would mask half of every message and are not worth hiding.
        self.secrets = sorted({str(s) for s in secrets if s is not None and len(str(s)) >= 4}, key=len, reverse=True)

    def __call__(self, text):
        if not isinstance(text, str) or not self.secrets:
            return text
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def __repr__(self) -> str:  # never show the values themselves
        return f"<Redactor: {len(self.secrets)} secret value(s)>"


def secret_values(parameters: list[dict], secret_names: set[str]) -> list[str]:
    """The values of the parameters named secret."""
    return [p["ParameterValue"] for p in parameters if p["ParameterKey"] in secret_names]
