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


# the last word of an argument's name that makes it a credential (``client_secret``, ``password``, an
# ``Authorization`` header) whatever comes before it
_SECRET_WORDS = frozenset({"apikey", "secret", "password", "passwd", "pwd", "passphrase",
                           "credential", "credentials", "authorization", "auth", "bearer", "cookie"})
# ``key`` and ``token`` are credentials alone or after one of these words (``openai_api_key``, ``hf_token``,
# ``access_token``), not after others (``cache_key``, ``sort_key``, ``eos_token``, ``image_token``)
_QUALIFIED = frozenset({"key", "token"})
_CREDENTIAL_QUALIFIERS = frozenset({"api", "access", "auth", "bearer", "secret", "private", "client", "service",
                                    "session", "refresh", "id", "oauth", "personal", "hf", "hub", "huggingface",
                                    "github", "gh", "openai", "anthropic", "azure", "aws", "gcp", "google", "wandb",
                                    "user", "account", "master", "signing", "encryption", "license", "subscription"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: str) -> bool:
    """Whether an argument (or header, or body field) named ``name`` holds a credential."""
    words = [w.lower() for w in _WORD.findall(name)]
    if not words:
        return False
    if words[-1] in _SECRET_WORDS:
        return True
    if words[-1] in _QUALIFIED:
        return len(words) == 1 or words[-2] in _CREDENTIAL_QUALIFIERS
    return False


def secret_names(args: Any, path: str = "") -> list[str]:
    """The credential-named entries of a backend's arguments, nested mappings included
    (``extra_headers={"Authorization": ...}``), as dotted paths."""
    found: list[str] = []
    if isinstance(args, dict):
        for name, value in args.items():
            where = f"{path}.{name}" if path else str(name)
            if isinstance(name, str) and is_secret_name(name):
                found.append(where)
            else:
                found.extend(secret_names(value, where))
    return found


def refuse_secret_args(args: dict[str, Any] | None, flag: str = "--model-args") -> None:
    """Credentials are never model arguments: they would be sent as body fields and written into
    run.json and summary.json. One line naming the argument (never its value), exit 2."""
    from xeval.errors import ModelError

    found = secret_names(args or {})
    if found:
        raise ModelError(f"{flag}: {', '.join(found)} looks like a credential; it is not taken as an argument "
                         "(it would be sent and written into the run's files): put it in an environment variable "
                         "(openai: OPENAI_API_KEY, or the variable named by api_key_env=VAR; Hugging Face: HF_TOKEN)")
