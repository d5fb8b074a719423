"""Backend abilities are declared and checked when the run is planned; a failed request fails
its own sample, not its batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from xeval.models.base import Abilities, abilities_of
from xeval.models.registry import load_model
from xeval.run.predict import predict
from xeval.types import GenerationSettings, Sample

ROOT = Path(__file__).resolve().parents[2]


def _mc(i: int) -> Sample:
    return Sample(id=str(i), task="t", input_language="ko", template_language="ko", answer_language="ko",
                  output_type="multiple_choice", messages=(), context=f"문제 {i}\n정답:", choices=["참", "거짓"],
                  gold=0, references=["참"])


def test_declared_abilities(tmp_path: Path) -> None:
    replies = tmp_path / "r.json"
    replies.write_text(json.dumps([{"reply": "A"}]))
    assert abilities_of(load_model(f"scripted:{replies}")).loglikelihood is False
    assert abilities_of(load_model("none")) == Abilities(loglikelihood=False, usage=False)
    assert abilities_of(object()) == Abilities()  # a third-party backend declaring nothing


def test_loglik_on_a_backend_without_log_likelihoods_fails_before_the_run(tmp_path: Path) -> None:
    replies = tmp_path / "r.json"
    replies.write_text(json.dumps([{"reply": "A"}]))
    proc = subprocess.run([sys.executable, "-m", "xeval", "run", "--model", f"scripted:{replies}", "--tasks",
                           "xeval_nli_ko", "--limit", "2", "--mc-mode", "loglik", "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"xeval: error: --mc-mode loglik: scripted:{replies} gives no log-likelihoods; "
        "use --mc-mode generate (or auto)")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_one_failed_request_fails_only_its_sample(tmp_path: Path) -> None:
    entries = [{"continuation": " 참", "logprob": -1.0, "contains": f"문제 {i}"} for i in range(4)]
    entries += [{"continuation": " 거짓", "logprob": -2.0, "contains": f"문제 {i}"} for i in (0, 1, 3)]  # 2 has none
    replies = tmp_path / "r.json"
    replies.write_text(json.dumps(entries, ensure_ascii=False))
    model = load_model(f"scripted:{replies}")
    predictions = predict(model, [_mc(i) for i in range(4)], GenerationSettings())
    assert [p.error is None for p in predictions] == [True, True, False, True]
    assert predictions[2].error is not None and "no logprob" in predictions[2].error and "거짓" in predictions[2].error
    assert [p.choice_logprobs for p in predictions if p.error is None] == [[-1.0, -2.0]] * 3
