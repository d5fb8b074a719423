"""``openai:MODEL[@BASE_URL]``: any OpenAI-compatible endpoint (chat or legacy completions).

OpenAI itself, a vLLM server, ``python -m llama_cpp.server``. Requests run concurrently
(bounded by ``concurrency``) with a timeout each, and are retried with exponential backoff
that honours ``Retry-After`` on 429, 5xx, connection errors, timeouts and malformed replies,
within ``max_retries``. A request that still fails becomes a Completion with the error (a
log-likelihood batch raises), so the run goes on and the sample records why.

Batches run on the adapter's own event loop with one client, so connections are reused across
batches. Requests go as plain JSON through aiohttp where it is installed (``transport=aiohttp``,
the default: a fraction of the official client's per-request CPU), or through the official
client's request path (``transport=openai``); both send the same bodies and headers.

The API key comes only from the environment (``OPENAI_API_KEY``, or the variable named by
``api_key_env``); it is never logged, recorded, or put into an error message.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import math
import os
import random
import re
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from xeval.errors import MissingDependencyError, ModelError, ServerDown, XevalError
from xeval.models.base import Abilities
from xeval.models.breaker import DEFAULT_WINDOW, CircuitBreaker
from xeval.models.chat import ChatPrompter, template_switches, trim_at_stop
from xeval.models.loglik import split_whitespace
from xeval.redaction import is_redacted, redact, refuse_secret_args, register_secret
from xeval.types import Completion, GenerationRequest, LoglikelihoodRequest, Usage

T = TypeVar("T")
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class TransientError(Exception):
    """A reply worth retrying (malformed body, empty choices)."""


class HTTPFailure(Exception):
    """A failed request, whichever client sent it: kind is status, timeout, connect or broken."""

    def __init__(self, kind: str, status: int | None = None, retry_after: str | None = None) -> None:
        super().__init__(kind if status is None else f"HTTP {status}")
        self.kind, self.status, self.retry_after = kind, status, retry_after


def _json_object(data: bytes) -> dict[str, Any]:
    reply = json.loads(data)
    if not isinstance(reply, dict):
        raise TransientError("the reply is not a JSON object")
    return reply


class _AiohttpClient:
    """POST JSON with aiohttp directly: a fraction of the official client's per-request CPU
    (its request models, params transform and httpx layers), which bounds throughput at high
    concurrency. Same headers, same endpoints; errors become :class:`HTTPFailure`."""

    def __init__(self, base_url: str, authorization: str, timeout: float, options: dict[str, Any]) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self._base_url = base_url
        self._params = options.get("params")
        self._headers = {"Authorization": authorization, "Content-Type": "application/json",
                         **{name: os.environ[var] for name, var in (("OpenAI-Organization", "OPENAI_ORG_ID"),
                                                                    ("OpenAI-Project", "OPENAI_PROJECT_ID"))
                            if os.environ.get(var)},
                         **(options.get("headers") or {})}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout),
                                              connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30))

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        aiohttp = self._aiohttp
        try:
            async with self._session.post(self._base_url + path, data=json.dumps(body), headers=self._headers,
                                          params=self._params) as response:
                data = await response.read()
                if response.status >= 400:
                    raise HTTPFailure("status", response.status, response.headers.get("Retry-After"))
        except TimeoutError:
            raise HTTPFailure("timeout") from None
        except aiohttp.ClientConnectorError:
            raise HTTPFailure("connect") from None
        except (aiohttp.ClientError, OSError):
            raise HTTPFailure("broken") from None
        return _json_object(data)

    async def close(self) -> None:
        await self._session.close()


class _SDKClient:
    """The official client's request path (``client.post`` without the typed layers)."""

    def __init__(self, openai: Any, client: Any, options: dict[str, Any]) -> None:
        self._openai, self._client, self._options = openai, client, options

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        openai = self._openai
        try:
            data = await self._client.post(path, body=body, cast_to=bytes, options=self._options)
        except openai.APIStatusError as exc:
            raise HTTPFailure("status", exc.status_code, exc.response.headers.get("retry-after")) from None
        except openai.APITimeoutError as exc:
            raise HTTPFailure("connect" if _refused(exc) else "timeout") from None
        except openai.APIConnectionError:
            raise HTTPFailure("connect") from None
        return _json_object(data)

    async def close(self) -> None:
        await self._client.close()


class OpenAIAdapter:
    spec = "openai"

    def __init__(
        self,
        target: str,
        *,
        concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 6,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        api_key_env: str = "OPENAI_API_KEY",
        api: str = "chat",
        chat_template: str | None = None,
        top_logprobs: int = 20,
        preflight: bool = True,
        transport: str = "auto",
        enable_thinking: bool | None = None,
        down_after: float = DEFAULT_WINDOW,
        **extra: Any,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise MissingDependencyError("the openai backend", "'xeval[api]' (openai)") from None
        self._openai = openai
        model, _, base_url = target.partition("@")
        if not model:
            raise ModelError(f"model spec openai:{target} names no model (openai:MODEL[@BASE_URL])")
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not re.match(r"^https?://", self.base_url):
            raise ModelError(f"bad base URL {redact(self.base_url)!r} in model spec openai:{redact(target)}")
        # http://USER:PASSWORD@host/v1: basic auth from the URL; the URL used (and written) has none
        self.base_url, self._basic_auth = _split_credentials(self.base_url)
        refuse_secret_args(extra)  # api_key=..., openai_api_key=..., an Authorization header: the environment's
        key = os.environ.get(api_key_env)
        if not key:
            if self.base_url == DEFAULT_BASE_URL:
                raise ModelError(f"the OpenAI API needs a key in the environment variable {api_key_env}")
            key = "EMPTY"  # self-hosted servers usually accept any key
        self._api_key = key
        register_secret(key)  # scrubbed from every record, file, cache entry and message written
        # one Authorization header: the URL's basic auth where it has one (a proxy in front of a
        # self-hosted server), else the key as a bearer token
        self._authorization = self._basic_auth or f"Bearer {key}"
        if api not in {"chat", "completions"}:
            raise ModelError(f"bad model argument api={api!r}: use chat or completions")
        self.api = api
        for name, value, low, strict in (("timeout", timeout, 0.0, True), ("concurrency", concurrency, 1, False),
                                         ("max_retries", max_retries, 0, False), ("backoff", backoff, 0.0, False),
                                         ("max_backoff", max_backoff, 0.0, False)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                    or value < low or (strict and value <= low):
                bound = f"more than {low:g}" if strict else f"{low:g} or more"
                raise ModelError(f"bad model argument {name}={value!r}: must be a finite number, {bound}")
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        # a server refusing connections for down_after seconds ends the run (models/breaker.py)
        self._breaker = CircuitBreaker(self.base_url, down_after)
        switches = self._switches = template_switches(enable_thinking)
        self._prompter = ChatPrompter(chat_template or "plain", template_kwargs=switches) \
            if api == "completions" else None
        self._extra = extra
        # the client's per-request options pass through; every other argument is a body field
        self._options = {key: extra[name] for name, key in
                         (("extra_headers", "headers"), ("extra_query", "params")) if name in extra}
        self._body = {k: v for k, v in extra.items() if k not in {"extra_headers", "extra_query", "extra_body"}}
        self._body.update(extra.get("extra_body") or {})
        if switches and api == "chat":  # vLLM's and llama.cpp's servers hand these to the chat template
            self._body["chat_template_kwargs"] = {**self._body.get("chat_template_kwargs", {}), **switches}
        # waves of requests: the first one's ramp-up amortised; log-likelihoods need /completions
        # with echo, which self-hosted servers give and hosted chat models do not: a probe tells
        self.abilities = Abilities(loglikelihood=None, next_token_logprobs=True, batch_hint=self.concurrency * 16,
                                   chat=api == "chat" or (self._prompter is not None and
                                                          self._prompter.chat_format != "plain"),
                                   remote=True)
        self.top_logprobs = int(top_logprobs)  # OpenAI allows 20; self-hosted servers often more
        self.retries = 0  # retried requests, for reports and tests
        self._lock = threading.Lock()
        if transport not in {"auto", "aiohttp", "openai"}:
            raise ModelError(f"bad model argument transport={transport!r}: use auto, aiohttp or openai")
        if transport == "auto":
            transport = "aiohttp" if importlib.util.find_spec("aiohttp") is not None else "openai"
        elif transport == "aiohttp" and importlib.util.find_spec("aiohttp") is None:
            raise MissingDependencyError("transport=aiohttp", "aiohttp")
        self.transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._async_client: Any = None
        if preflight:
            self._preflight()

    def _preflight(self) -> None:
        """A dead server is one clear error before the run starts, not a run of failures."""
        openai = self._openai
        client = openai.OpenAI(api_key=self._api_key, base_url=self.base_url, timeout=min(self.timeout, 10.0),
                               max_retries=0, default_headers={"Authorization": self._authorization})
        try:
            client.models.list()
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise ModelError(f"cannot reach {self.base_url} ({type(exc).__name__}): is the server running?") from None
        except openai.APIError:
            pass  # it answers: some servers have no /models, or need other rights for it
        finally:
            client.close()

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "openai", "name": self.model, "base_url": self.base_url,
                "args": {"api": self.api, **self._switches,
                         **{k: v for k, v in self._extra.items() if "key" not in k.lower()}}}

    # -- plumbing ----------------------------------------------------------------------
    def _client(self) -> Any:
        if self.transport == "aiohttp":
            return _AiohttpClient(self.base_url, self._authorization, self.timeout, self._options)
        client = self._openai.AsyncOpenAI(api_key=self._api_key, base_url=self.base_url, timeout=self.timeout,
                                          max_retries=0, default_headers={"Authorization": self._authorization})
        return _SDKClient(self._openai, client, self._options)

    def _run(self, make: Callable[[Any], list[Awaitable[T]]]) -> list[T]:
        """Run a batch on the adapter's own event loop (a thread), with one client whose
        connection pool lives across batches: no per-batch loop, client or TCP handshakes."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="xeval-openai", daemon=True)
            self._thread.start()
            me = weakref.ref(self)  # closed at exit if the caller forgot: no "unclosed session" noise
            atexit.register(lambda: _close_if_alive(me))

        async def main() -> list[T]:
            if self._async_client is None:
                self._async_client = self._client()
            tasks = [asyncio.ensure_future(c) for c in make(self._async_client)]
            try:
                return list(await asyncio.gather(*tasks))
            except BaseException:  # one request ends the batch (the server is down): the others stop too
                for task in tasks:
                    task.cancel()
                raise

        future = asyncio.run_coroutine_threadsafe(main(), self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    async def _post(self, client: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await client.post_json(path, body)

    def _delay(self, attempt: int, exc: BaseException) -> float:
        header = exc.retry_after if isinstance(exc, HTTPFailure) else None
        if header:
            try:
                return min(float(header), self.max_backoff)
            except ValueError:
                pass
        return min(self.backoff * (2 ** attempt), self.max_backoff) * (0.5 + random.random() / 2)

    @staticmethod
    def _retryable(exc: BaseException) -> bool:
        if isinstance(exc, HTTPFailure):
            return exc.status is None or exc.status == 429 or exc.status >= 500
        return isinstance(exc, TransientError | ValueError)

    async def _with_retries(self, semaphore: asyncio.Semaphore, call: Callable[[], Awaitable[T]]) -> T:
        """``call`` with retries; every outcome reported to the server's circuit breaker. A
        connection failure is not given up on while the server has answered nothing since this
        request's first one: the breaker decides (within its window) whether the server is gone."""
        breaker = self._breaker
        attempt = 0
        replies_then: int | None = None  # the breaker's reply count at this request's first connection failure
        while True:
            breaker.check()
            async with semaphore:
                breaker.check()
                try:
                    result = await call()
                except Exception as exc:  # noqa: BLE001 - classified below
                    down = isinstance(exc, HTTPFailure) and exc.kind in {"connect", "broken"}
                    left = 0.0
                    if down:
                        left = breaker.failure(self._describe(exc))  # raises ServerDown once the window is spanned
                        replies_then = breaker.replies if replies_then is None else replies_then
                    elif not (isinstance(exc, HTTPFailure) and exc.kind == "timeout"):
                        breaker.reply()  # it answered, if not well
                    give_up = attempt >= self.max_retries or not self._retryable(exc)
                    # only a refused connection waits for the breaker past the retry limit: a request whose
                    # connection a live server keeps breaking off fails alone, as before
                    refused = down and isinstance(exc, HTTPFailure) and exc.kind == "connect"
                    if give_up and (not refused or breaker.replies != replies_then):
                        raise
                    delay = self._delay(attempt, exc)
                    if down:  # the next try no later than the breaker's decision
                        delay = min(delay, left + 0.05)
                else:
                    breaker.reply()
                    return result
            with self._lock:
                self.retries += 1
            attempt += 1
            await asyncio.sleep(delay)

    def _describe(self, exc: BaseException) -> str:
        """A one-line reason, without the key (no client puts it in messages, but the text is
        scrubbed anyway)."""
        if isinstance(exc, HTTPFailure):
            reason = {"status": f"HTTP {exc.status} from {self.base_url}",
                      "timeout": f"timed out after {self.timeout:g}s at {self.base_url}",
                      "connect": f"cannot connect to {self.base_url}",
                      "broken": f"the connection to {self.base_url} broke off"}[exc.kind]
        else:
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return redact(reason)

    # -- generation --------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        def make(client: Any) -> list[Awaitable[Completion]]:
            semaphore = asyncio.Semaphore(self.concurrency)
            return [self._generate_one(client, semaphore, r) for r in requests]

        return self._run(make)

    async def _generate_one(self, client: Any, semaphore: asyncio.Semaphore,
                            request: GenerationRequest) -> Completion:
        settings = request.settings
        common: dict[str, Any] = {"model": self.model, "max_tokens": settings.max_tokens,
                                  "temperature": settings.temperature, "seed": settings.seed, **self._body}
        if settings.temperature > 0:
            common["top_p"] = settings.top_p
        stops = list(settings.stop)
        if self._prompter is not None:
            prompt, template_stops = self._prompter.prompt(request.messages)
            stops = list(dict.fromkeys([*stops, *template_stops]))
        if stops:
            common["stop"] = stops[:4]  # the OpenAI API takes at most four

        async def call() -> Completion:
            reasoning = None
            if self._prompter is not None:
                reply = await self._post(client, "/completions", {"prompt": prompt, **common})
                choice = _first_choice(reply)
                text = choice.get("text")
            else:
                messages = [m.model_dump() for m in request.messages]
                reply = await self._post(client, "/chat/completions", {"messages": messages, **common})
                choice = _first_choice(reply)
                message = choice.get("message") or {}
                text = message.get("content")
                # reasoning models served by vLLM / DeepSeek-style APIs return the trace apart
                reasoning = message.get("reasoning_content") or message.get("reasoning")
                if text is None and isinstance(reasoning, str):
                    text = ""  # the trace used every token: an empty answer, kept with its trace
            if not isinstance(text, str):
                raise TransientError("the reply has no text")
            text, _ = trim_at_stop(text, stops)
            usage = reply.get("usage") or {}
            return Completion(text=text, finish_reason=choice.get("finish_reason"), usage=Usage(
                prompt_tokens=usage.get("prompt_tokens") or 0, completion_tokens=usage.get("completion_tokens") or 0),
                reasoning=reasoning if isinstance(reasoning, str) and reasoning else None)

        try:
            return await self._with_retries(semaphore, call)
        except ServerDown:
            raise  # the run stops: this sample is asked again on --resume, not recorded as failed
        except Exception as exc:  # noqa: BLE001 - recorded on the sample
            return Completion(error=self._describe(exc))

    # -- next-token distribution (judges' probability-weighted scores) ------------------
    def next_token_logprobs(self, requests: list[GenerationRequest]) -> list[dict[str, float]]:
        """The most likely first tokens of each reply (``top_logprobs`` of them) with their
        log-probabilities, from chat completions with ``logprobs``; a failed request raises."""
        def make(client: Any) -> list[Awaitable[dict[str, float]]]:
            semaphore = asyncio.Semaphore(self.concurrency)
            return [self._next_token_one(client, semaphore, r, self.top_logprobs) for r in requests]

        try:
            return self._run(make)
        except HTTPFailure as exc:
            if exc.status != 400:
                raise
            raise ModelError(f"{self.base_url} refused logprobs on chat completions: {self._describe(exc)}") from None

    async def _next_token_one(self, client: Any, semaphore: asyncio.Semaphore, request: GenerationRequest,
                              top: int) -> dict[str, float]:
        async def call() -> dict[str, float]:
            reply = await self._post(client, "/chat/completions", {
                "model": self.model, "messages": [m.model_dump() for m in request.messages], "max_tokens": 1,
                "temperature": 0.0, "logprobs": True, "top_logprobs": top, "seed": request.settings.seed,
                **self._body})
            content = (_first_choice(reply).get("logprobs") or {}).get("content")
            if not content:
                raise ModelError(f"{self.base_url} returned no logprobs for chat completions")
            return {alt["token"]: float(alt["logprob"]) for alt in content[0].get("top_logprobs") or []}

        return await self._with_retries(semaphore, call)

    # -- log-likelihood ----------------------------------------------------------------
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[float]:
        def make(client: Any) -> list[Awaitable[float]]:
            semaphore = asyncio.Semaphore(self.concurrency)
            return [self._loglikelihood_one(client, semaphore, r) for r in requests]

        try:
            return self._run(make)
        except HTTPFailure as exc:
            if exc.status == 404:
                raise ModelError(f"{self.base_url} has no legacy /completions endpoint: log-likelihood "
                                 "(rank classification) needs echo+logprobs") from None
            if exc.status == 400:
                raise ModelError(f"{self.base_url} refused a log-likelihood request (echo+logprobs): "
                                 f"{self._describe(exc)}") from None
            raise RuntimeError(self._describe(exc)) from None
        except XevalError:  # a refusal, or the server gone (ServerDown)
            raise
        except Exception as exc:  # noqa: BLE001 - the batch fails with the reason
            raise RuntimeError(self._describe(exc)) from None

    async def _loglikelihood_one(self, client: Any, semaphore: asyncio.Semaphore,
                                 request: LoglikelihoodRequest) -> float:
        context, continuation = split_whitespace(request.context, request.continuation)

        async def call() -> float:
            reply = await self._post(client, "/completions", {
                "model": self.model, "prompt": context + continuation, "max_tokens": 1, "temperature": 0.0,
                "echo": True, "logprobs": 1, **self._body})
            logprobs = _first_choice(reply).get("logprobs") or {}
            if not logprobs.get("token_logprobs"):
                raise ModelError(f"{self.base_url} returned no prompt logprobs: the server does not "
                                 "support echo+logprobs (llama_cpp.server needs --logits_all true)")
            total, counted = 0.0, 0
            for offset, value in zip(logprobs.get("text_offset") or [], logprobs["token_logprobs"], strict=False):
                if offset >= len(context) and offset < len(context) + len(continuation):
                    if value is None:
                        raise TransientError("a continuation token has no logprob")
                    total += float(value)
                    counted += 1
            if counted == 0:
                raise ModelError("no continuation token found in the echoed prompt")
            return total

        return await self._with_retries(semaphore, call)

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        client, self._async_client = self._async_client, None
        if client is not None:
            try:
                asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=10)
            except Exception:  # noqa: BLE001 - closing: nothing left to lose
                pass
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()


def _close_if_alive(ref: weakref.ref[OpenAIAdapter]) -> None:
    adapter = ref()
    if adapter is not None:
        adapter.close()


def _split_credentials(url: str) -> tuple[str, str | None]:
    """``http://USER:PASSWORD@host/v1`` -> (``http://host/v1``, the ``Basic ...`` header value);
    the credentials are registered as secrets (never written or printed). A URL without
    userinfo comes back as it is."""
    import base64
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    if is_redacted(userinfo):  # a URL read back from a run folder: its credentials are gone
        raise ModelError(f"base URL {url}: its credentials were redacted where it was read from; give the URL "
                         "with them again")
    user, _, password = userinfo.partition(":")
    user, password = unquote(user), unquote(password)
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    for secret in (password, token, userinfo):
        register_secret(secret)
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


def _refused(exc: BaseException) -> bool:
    """A connection error (not a timeout) somewhere in the exception's chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and not isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_choice(reply: dict[str, Any]) -> dict[str, Any]:
    choices = reply.get("choices")
    if not choices or not isinstance(choices[0], dict):
        raise TransientError("the reply has no choices")
    return choices[0]
