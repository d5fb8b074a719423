"""`xeval report` on real runs of the embedded model, opened in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from ..browser import Browser, find_chromium
from .test_compare import xeval

INJECTED = '</script><img id="pwned" src="x" onerror="console.error(1)"><b>bold?</b>'


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("report-runs")
    done = xeval("run", "--tasks", "default", "--output", str(results), "--run-id", "base")
    assert done.returncode == 0, done.stderr
    done = xeval("run", "--tasks", "mchat_ko,mchat_en", "--limit", "2", "--judge", "embedded",
                 "--judge-mode", "logprobs", "--output", str(results), "--run-id", "judged")
    assert done.returncode == 0, done.stderr
    return results


def _records(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium fonts-noto-cjk)")
    page = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    yield page
    page.close()


def test_report_is_one_self_contained_file(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = xeval("report", str(runs / "base"), str(runs / "judged"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "external resource in the report"
    assert "<link" not in text and "@import" not in text
    # default: the newest run of each model in the results folder
    done = xeval("report", "--results", str(runs))
    assert done.returncode == 0 and (runs / "report.html").exists(), done.stderr
    missing = xeval("report", str(tmp_path / "nope"), "--out", str(tmp_path / "x.html"))
    assert missing.returncode == 2 and "not a finished xeval run" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_report_renders_and_the_sample_browser_filters(runs: Path, browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert xeval("report", str(runs / "base"), str(runs / "judged"), "--out", str(out)).returncode == 0
    records = _records(runs / "base") + _records(runs / "judged")
    browser.open(out.as_uri())
    assert browser.console_errors() == []
    assert browser.evaluate("document.querySelectorAll('#leaderboard tbody tr').length") == 1
    assert "embedded" in browser.evaluate("document.querySelector('#leaderboard tbody tr').innerText")
    drawn = """(sel) => Array.from(document.querySelectorAll(sel + ' svg rect'))
                 .filter(r => r.getBoundingClientRect().height > 0 && r.getBoundingClientRect().width > 0).length"""
    assert browser.evaluate(f"({drawn})('#chart-language')") == 2  # en and ko bars
    assert browser.evaluate(f"({drawn})('#chart-judge_six_facets')") >= 6
    assert "judge_six_facets" in browser.evaluate("document.querySelector('#judges').innerText")
    rows = "document.querySelectorAll('#samples tbody tr')"
    assert browser.evaluate(f"{rows}.length") == len(records)
    # Korean reaches the page intact (encoding) and is laid out
    korean = next(r for r in records if r["input_language"] == "ko")["prompt"][0]["content"].splitlines()[0]
    assert re.search("[가-힣]", korean)
    assert browser.evaluate(f"document.querySelector('#samples').innerText.includes({json.dumps(korean)})")
    # filter to one language
    browser.evaluate("(() => { const s = document.getElementById('f-lang'); s.value = 'ko';"
                     " s.dispatchEvent(new Event('change')); })()")
    shown = browser.evaluate(f"Array.from({rows}).map(r => r.dataset.lang)")
    assert shown and set(shown) == {"ko"} and len(shown) == sum(r["input_language"] == "ko" for r in records)
    assert browser.evaluate("document.getElementById('f-count').textContent").startswith(f"{len(shown)} of ")
    # and by a score range: only samples whose acc is 1
    browser.evaluate("(() => { const m = document.getElementById('f-metric'); m.value = 'acc';"
                     " m.dispatchEvent(new Event('change')); const lo = document.getElementById('f-min');"
                     " lo.value = '1'; lo.dispatchEvent(new Event('input')); })()")
    correct = [r for r in records if r["input_language"] == "ko" and (r["scores"].get("acc") or {}).get("value") == 1]
    assert browser.evaluate(f"{rows}.length") == len(correct)
    assert browser.console_errors() == []
    browser.evaluate("(() => { for (const id of ['f-lang', 'f-metric']) { const s = document.getElementById(id);"
                     " s.value = ''; s.dispatchEvent(new Event('change')); } })()")
    browser.screenshot(tmp_path / "report.png")
    if os.environ.get("XEVAL_REPORT_SCREENSHOT"):
        shutil.copy(tmp_path / "report.png", os.environ["XEVAL_REPORT_SCREENSHOT"])
    # a filter in the address (report.html#lang=en) applies on load
    browser.open(out.as_uri() + "#lang=en")
    assert set(browser.evaluate(f"Array.from({rows}).map(r => r.dataset.lang)")) == {"en"}


def test_model_output_is_shown_as_text_never_run_as_html(runs: Path, browser: Browser, tmp_path: Path) -> None:
    run = tmp_path / "injected"
    shutil.copytree(runs / "base", run)
    records = _records(run)
    records[0]["prediction"]["text"] = INJECTED
    (run / "samples.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                       encoding="utf-8")
    out = tmp_path / "report.html"
    assert xeval("report", str(run), "--out", str(out)).returncode == 0
    browser.events.clear()
    browser.open(out.as_uri())
    assert browser.console_errors() == []
    assert browser.evaluate("document.getElementById('pwned')") is None
    assert browser.evaluate(f"document.querySelector('#samples').innerText.includes({json.dumps(INJECTED)})")
