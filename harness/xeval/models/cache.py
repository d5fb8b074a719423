"""One cache for generations, log-likelihoods and judge calls (SQLite, WAL mode).

Keys are the SHA-256 of (model fingerprint, kind, request), where a generation request
carries its settings (max tokens, temperature, seed, stops). Only successes are stored: a
failed call is retried next time. Safe for several processes (WAL, busy timeout).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from xeval.errors import XevalError
from xeval.models.base import ModelAdapter, abilities_of
from xeval.redaction import redact_value
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, safe_text

CACHE_FILE = "calls.sqlite"
R = TypeVar("R")


class CallCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                             "value TEXT NOT NULL, created REAL NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise XevalError(f"cannot open the cache {path}: {exc}") from None
        self._lock = threading.Lock()

    @staticmethod
    def key(fingerprint: dict[str, Any], kind: str, request: Any) -> str:
        payload = safe_text(json.dumps([fingerprint, kind, request], sort_keys=True, ensure_ascii=False, default=str))
        return hashlib.sha256(payload.encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self._db.execute(f"SELECT key, value FROM calls WHERE key IN ({marks})", chunk):
                    found[key] = json.loads(value)
        return found

    def put_many(self, kind: str, items: list[tuple[str, Any]]) -> None:
        if not items:
            return
        now = time.time()
        rows = [(k, kind, safe_text(json.dumps(redact_value(v), ensure_ascii=False)), now) for k, v in items]
        with self._lock:
            try:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException as exc:  # any failure ends the transaction: the next write can begin
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise XevalError(f"cannot write the cache {self.path}: {exc}") from None
                raise

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


def _cacheable(completion: Completion) -> bool:
    """A completion worth keeping: answered, and unchanged by the redaction (replayed redacted, it
    would differ from what the model said, and a conversation's next turn would get other history)."""
    if completion.error is not None:
        return False
    data = completion.model_dump(mode="json")
    return bool(redact_value(data) == data)


class CachedModel:
    """A ModelAdapter that answers from the cache and calls the wrapped model for the rest."""

    def __init__(self, inner: ModelAdapter, cache: CallCache) -> None:
        self.inner = inner
        self.cache = cache
        self.spec = inner.spec
        self.stats = CacheStats()
        self._fingerprint = inner.fingerprint()
        self.abilities = abilities_of(inner)

    def fingerprint(self) -> dict[str, Any]:
        return self._fingerprint

    def _cached(self, kind: str, requests: list[Any], call: Callable[[list[Any]], list[R]],
                encode: Callable[[R], Any], decode: Callable[[Any], R], keep: Callable[[R], bool]) -> list[R]:
        keys = [self.cache.key(self._fingerprint, kind, r.model_dump(mode="json")) for r in requests]
        found = self.cache.get_many(keys)
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.stats.hits += len(requests) - len(missing)
        self.stats.misses += len(missing)
        fresh = call([requests[i] for i in missing]) if missing else []
        self.cache.put_many(kind, [(keys[i], encode(r)) for i, r in zip(missing, fresh, strict=True) if keep(r)])
        by_index = dict(zip(missing, fresh, strict=True))
        return [by_index[i] if i in by_index else decode(found[k]) for i, k in enumerate(keys)]

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        return self._cached("generate", requests, self.inner.generate, lambda c: c.model_dump(mode="json"),
                            Completion.model_validate, _cacheable)

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        return self._cached("loglikelihood", requests, self.inner.loglikelihood, float, float, lambda v: True)

    def __getattr__(self, name: str) -> Any:
        """Optional backend abilities (``next_token_logprobs``), cached like the rest."""
        if name == "next_token_logprobs" and hasattr(self.inner, name):
            call = getattr(self.inner, name)

            def next_token_logprobs(requests: list[GenerationRequest]) -> list[dict[str, float]]:
                return self._cached("next_token", requests, call, dict, dict, lambda v: True)

            return next_token_logprobs
        if name == "executor" and hasattr(self.inner, name):  # where the requests are answered (Ray workers)
            return getattr(self.inner, name)
        raise AttributeError(name)

    def close(self) -> None:
        self.inner.close()
