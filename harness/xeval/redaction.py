"""One redaction for everything xeval writes or prints: credentials in URLs (``user:token@``
userinfo, secret-looking query parameters) and every secret the run itself sent (API keys,
registered by the backends that read them), wherever they appear: model specs, run.json,
records (a server that echoes the Authorization header), summaries, the call cache, stderr.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from xeval.types import map_strings

REDACTED = "***"
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s?#]+)@")
# a URL, and a secret-looking query parameter within one (not in any text: "?key=" in a prompt stays)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&;](?:api[_-]?key|key|token|access[_-]?token|auth|secret|password|passwd|pwd|sig|signature|"
    r"client[_-]?secret)=)(?P<value>[^&;#]+)", re.IGNORECASE)
_MIN_SECRET = 8  # shorter values ('EMPTY', 'x') would redact ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """A secret this process sends (an API key): scrubbed from everything written from now on."""
    if value and len(value) >= _MIN_SECRET:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` without URL credentials and without any registered secret."""
    if not text:
        return text
    if _secrets:
        for secret in tuple(_secrets):
            if secret in text:
                text = text.replace(secret, REDACTED)
    if "://" in text:
        text = _USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    if "://" in text and "=" in text:
        text = _URL.sub(lambda url: _SECRET_QUERY.sub(lambda m: f"{m['name']}{REDACTED}", url.group(0)), text)
    return text


def redact_value(value: Any) -> Any:
    """``redact`` through strings, lists and mappings (keys too)."""
    return map_strings(value, redact)


def is_redacted(text: str) -> bool:
    return REDACTED in text
