"""#26 items 14 and 15: credentials in a base URL and the API key the run sends never reach
run.json, samples.jsonl, summary.json, the leaderboard, the call cache or stderr, even when
the server echoes the Authorization header back in its reply."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from xeval.redaction import redact, redact_value, register_secret

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-xeval-echo-" + "Kq7" * 10


def test_redact_urls_and_registered_secrets() -> None:
    assert redact("openai:m@http://user:tok3n@host:8000/v1") == "openai:m@http://***@host:8000/v1"
    assert redact("https://h/v1?api_key=abc123&model=x&token=zz") == "https://h/v1?api_key=***&model=x&token=***"
    assert redact("a prompt about ?key=value in text") == "a prompt about ?key=value in text"  # not a URL
    register_secret("sk-registered-secret-0001")
    assert redact("Bearer sk-registered-secret-0001 echoed") == "Bearer *** echoed"
    assert redact_value({"k": ["x sk-registered-secret-0001"]}) == {"k": ["x ***"]}
    register_secret("EMPTY")  # too short to be a secret: ordinary words stay
    assert redact("EMPTY") == "EMPTY"


class _Echo(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers with the headers it was sent."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        text = f"I was sent Authorization: {self.headers.get('Authorization')}"
        body = json.dumps({"id": "x", "object": "chat.completion", "model": "m", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"object": "list", "data": [{"id": "m", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_no_secret_is_written_or_printed(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        out = tmp_path / "out"
        env = {**os.environ, "OPENAI_API_KEY": KEY, "XEVAL_CACHE_DIR": str(tmp_path / "cache")}
        for spec in (f"openai:m@http://127.0.0.1:{port}/v1", f"openai:m@http://alice:pa55word-123@127.0.0.1:{port}/v1"):
            proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", spec, "--tasks", "xeval_qa_en",
                                   "--limit", "2", "--output", str(out), "--max-error-rate", "1",
                                   "--model-args", "max_retries=0"],
                                  capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
            assert proc.returncode in (0, 3), proc.stderr
            assert KEY not in proc.stderr + proc.stdout and "pa55word-123" not in proc.stderr + proc.stdout
        written = [p for p in out.rglob("*") if p.is_file()]
        assert any(p.name == "samples.jsonl" for p in written) and any(p.name == "leaderboard.csv" for p in written)
        texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in written}
        for path, text in texts.items():
            assert KEY not in text, path
            assert "pa55word-123" not in text and "alice:" not in text, path
        echoed = [json.loads(line)["prediction"]["text"] for p, t in texts.items() if p.name == "samples.jsonl"
                  for line in t.splitlines()]
        assert "I was sent Authorization: Bearer ***" in echoed  # the reply kept, the key scrubbed
        specs = {json.loads(t)["model"]["spec"] for p, t in texts.items() if p.name == "run.json"}
        assert f"openai:m@http://***@127.0.0.1:{port}/v1" in specs
        cache = sqlite3.connect(tmp_path / "cache" / "calls.sqlite")
        rows = list(cache.execute("SELECT * FROM calls"))
        values = " ".join(str(row) for row in rows)
        assert KEY not in values and "pa55word-123" not in values
        # every reply echoed a secret: the redaction changes it, so none is cached (replayed redacted, it
        # would not be what the server said: #38 item 8)
        assert rows == []
    finally:
        server.shutdown()
