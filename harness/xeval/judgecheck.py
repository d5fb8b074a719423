"""``xeval judge-check``: a judge's own accuracy on labelled preference pairs, judged in both
orders, reported as LLMBar reports it (princeton-nlp/LLMBar, ``LLMEvaluator/evaluate.py`` at
commit 900616b), per subset and overall.

A pair is an instruction, two outputs and the label of the better one (1 or 2). Each pair is
judged twice, as given (output 1 shown as "Output (a)") and swapped; a verdict is the output
the judge picked, in the pair's own numbering. The figures, as ``evaluate.py`` computes them:

* ``acc_given_order`` / ``acc_swapped_order`` (LLMBar's ``correct_False`` / ``correct_True``):
  the share of pairs whose verdict in that order is the label; ``acc_mean`` their mean
  (``correct_average``, the paper's Acc.); ``both_correct`` (``correct_both``);
  ``agreement``: the two orders gave the same verdict (``equal``, the paper's positional
  agreement, Agr.): two unreadable verdicts count as agreeing, as they do there.
* ``acc_better_first`` / ``acc_better_second``: accuracy in the order that showed the better
  output first / second (xeval's split of the same verdicts; their mean is ``acc_mean``).
* ``kappa_orders`` (``kappa_agreement``): Cohen's kappa between the two orders' verdicts, and
  ``kappa_given_order`` / ``kappa_swapped_order`` / ``kappa_mean`` (``kappa_False`` /
  ``kappa_True`` / ``kappa_average``): each order's verdicts against the labels. As
  ``evaluate.py`` codes them, a verdict is 1 for "Output 1" and 0 for anything else ("2" and
  unreadable alike), while the labels stay 1 / 2: the kappas against the labels agree only on
  label-1 pairs and are LLMBar's figures, not a textbook kappa; ``kappa_orders`` is a kappa
  between two 0/1 codings.
* ``llmbar``: the same figures as LLMBar's ``statistics.json`` holds them (its strings).

An unreadable reply is no verdict and counts as wrong (LLMBar's rule, no retry for its
prompts); a judge call that fails (an error, not a reply) is a judge failure: the pair is left
out of the figures and counted in ``failed``, and the command exits 3. A check whose every pair
failed has no figures, never a score.

Rubrics: ``llmbar-vanilla``, ``llmbar-cot``, ``llmbar-swap`` send LLMBar's prompts (judges/llmbar/,
byte for byte) as its ``evaluate.py`` fills and splits them, parsed with its configs' regular
expressions and asked with its ChatGPT configs' reply lengths (50, 300, 300 then 50); Swap is
LLMBar's "Swap and Synthesize": CoT in both orders, then, where the two picked different outputs,
its debate prompt in both orders with each side's explanation. Any pairwise rubric of judges/
works too: the verdict is the answer it scored higher, equal scores being no verdict.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xeval.errors import ConfigError, XevalError
from xeval.models.base import ModelAdapter
from xeval.paths import judges_dir
from xeval.results.files import RecordWriter, write_json_atomic
from xeval.results.judges import JUDGE_CHECK_FILE, JUDGE_CHECK_SCHEMA, JUDGE_PAIRS_FILE
from xeval.types import Completion, GenerationRequest, GenerationSettings, Message

LLMBAR_REPO = "princeton-nlp/LLMBar"
LLMBAR_COMMIT = "900616bff90b6c6c8e1681f7d079250637c55992"
# subset -> its folder under --data-dir DIR/llmbar/ and in the repository under Dataset/LLMBar/
LLMBAR_SUBSETS = {
    "Natural": ("Natural", "Natural"),
    "Adversarial_Neighbor": ("Adversarial_Neighbor", "Adversarial/Neighbor"),
    "Adversarial_GPTInst": ("Adversarial_GPTInst", "Adversarial/GPTInst"),
    "Adversarial_GPTOut": ("Adversarial_GPTOut", "Adversarial/GPTOut"),
    "Adversarial_Manual": ("Adversarial_Manual", "Adversarial/Manual"),
}
PAIR_FIELDS = ("input", "output_1", "output_2", "label")
PAIR_SUFFIXES = (".csv", ".jsonl", ".json")

# LLMBar's configs (LLMEvaluator/evaluators/config/ChatGPT/*.json): "parsing", searched in order
_PICK_PARSE = (("1", r"(?:^|\n) ?Output \(a\)"), ("2", r"(?:^|\n) ?Output \(b\)"))
_COT_PARSE = (("1", r"Output \(a\) is better."), ("2", r"Output \(b\) is better."))


@dataclass(frozen=True)
class Step:
    prompt: str  # file under judges/llmbar/
    max_tokens: int  # the ChatGPT config's max_tokens
    parsing: tuple[tuple[str, str], ...]


LLMBAR_METHODS: dict[str, tuple[Step, ...]] = {
    "llmbar-vanilla": (Step("Vanilla.txt", 50, _PICK_PARSE),),
    "llmbar-cot": (Step("CoT.txt", 300, _COT_PARSE),),
    "llmbar-swap": (Step("CoT.txt", 300, _COT_PARSE), Step("Swap.txt", 50, _PICK_PARSE)),
}
DEFAULT_RUBRIC = "llmbar-vanilla"


@dataclass(frozen=True)
class Pair:
    subset: str
    index: int  # position in its subset (0-based, as released)
    input: str
    output_1: str
    output_2: str
    label: int  # 1 or 2


# --------------------------------------------------------------------------------------- pairs

def load_pairs(pair_set: str, data_dir: Path | None = None, limit: int | None = None) -> tuple[list[Pair], str]:
    """The pairs of ``--set`` (``llmbar`` or a CSV / JSONL file, ``file:`` optional) and where they
    came from; ``limit``: N pairs in all, taken from the subsets in turn (each subset's first pairs)."""
    if pair_set == "llmbar":
        pairs, source = _llmbar_pairs(data_dir)
    else:
        path = Path(pair_set[len("file:"):] if pair_set.startswith("file:") else pair_set).expanduser()
        if path.suffix.lower() not in PAIR_SUFFIXES:
            raise ConfigError(f"unknown pair set {pair_set!r}: expected llmbar or a pair file (.csv, .jsonl) "
                              f"with columns {', '.join(PAIR_FIELDS)}")
        if data_dir is not None and not path.is_absolute() and not path.exists():
            path = data_dir / path
        pairs, source = _file_pairs(path), str(path)
    if limit is not None:  # N pairs in all, the subsets taken in turn (each its first pairs), kept in set order
        order = {name: k for k, name in enumerate(dict.fromkeys(p.subset for p in pairs))}
        position: dict[str, int] = {}
        ranked = []
        for k, pair in enumerate(pairs):
            position[pair.subset] = position.get(pair.subset, 0) + 1
            ranked.append((position[pair.subset], order[pair.subset], k))
        chosen = sorted(k for *_, k in sorted(ranked)[:limit])
        pairs = [pairs[k] for k in chosen]
    if not pairs:
        raise ConfigError(f"pair set {pair_set!r}: no pairs")
    return pairs, source


def _pair(row: Any, subset: str, index: int, where: str) -> Pair:
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: row {index + 1} is not an object")
    missing = [f for f in PAIR_FIELDS if f not in row]
    if missing:
        raise ConfigError(f"{where}: row {index + 1}: no field {', '.join(repr(m) for m in missing)} "
                          f"(a pair has {', '.join(PAIR_FIELDS)})")
    label = row["label"]
    if isinstance(label, str) and label.strip() in ("1", "2"):
        label = int(label.strip())
    if isinstance(label, bool) or label not in (1, 2):
        raise ConfigError(f"{where}: row {index + 1}: label must be 1 or 2 (the better output), got {label!r}")
    texts = {}
    for field in ("input", "output_1", "output_2"):
        if not isinstance(row[field], str):
            raise ConfigError(f"{where}: row {index + 1}: field {field!r} must be text, got {row[field]!r}")
        texts[field] = row[field]
    return Pair(subset=subset, index=index, label=int(label), **texts)


def _file_pairs(path: Path) -> list[Pair]:
    from xeval.tasks.datafiles import read_records

    rows = read_records(path)
    pairs = []
    for index, row in enumerate(rows):
        subset = row.get("subset") if isinstance(row, dict) and row.get("subset") else path.stem
        pairs.append(_pair(row, str(subset), index, str(path)))
    return pairs


def _llmbar_pairs(data_dir: Path | None) -> tuple[list[Pair], str]:
    """``DIR/llmbar/<subset>/dataset.json`` with ``--data-dir DIR``, else the repository's
    ``Dataset/LLMBar/<subset>/dataset.json`` at the pinned commit (through ``datasets``' JSON
    loader, or a local mirror in $XEVAL_HUB_MIRROR)."""
    pairs: list[Pair] = []
    if data_dir is not None:
        from xeval.jsonfiles import BadJson, json_document

        for subset, (folder, _) in LLMBAR_SUBSETS.items():
            path = data_dir / "llmbar" / folder / "dataset.json"
            try:
                rows = json_document(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"LLMBar release file {path} not found (--data-dir DIR holds "
                                  f"llmbar/<subset>/dataset.json)") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"LLMBar release file {path}: cannot read ({exc})") from None
            except BadJson as exc:
                raise ConfigError(f"LLMBar release file {path}: bad JSON {exc.at}: {exc.reason}") from None
            if not isinstance(rows, list):
                raise ConfigError(f"LLMBar release file {path}: expected a list of pairs")
            pairs += [_pair(row, subset, i, str(path)) for i, row in enumerate(rows)]
        return pairs, str(data_dir / "llmbar")
    from xeval.tasks.sources import Source, open_hub_dataset

    for subset, (_, folder) in LLMBAR_SUBSETS.items():
        source = Source(name=f"llmbar_{subset}", suite="", hub_path=LLMBAR_REPO, hub_name=None, hub_split="train",
                        convert_hub=None, hub_revision=LLMBAR_COMMIT, licence="MIT",
                        repo_file=f"Dataset/LLMBar/{folder}/dataset.json")
        where = f"github {LLMBAR_REPO}@{LLMBAR_COMMIT[:12]} {source.repo_file}"
        pairs += [_pair(dict(row), subset, i, where) for i, row in enumerate(open_hub_dataset(source))]
    return pairs, f"github {LLMBAR_REPO}@{LLMBAR_COMMIT}"


# -------------------------------------------------------------------------- LLMBar's requests

def prompt_to_chatml(prompt: str, start_token: str = "<|im_start|>", end_token: str = "<|im_end|>"
                     ) -> list[Message]:
    """LLMBar's ``prompt_to_chatml`` (from alpaca_eval): a ChatML text into chat messages, each
    message's content stripped."""
    prompt = prompt.strip()
    if not (prompt.startswith(start_token) and prompt.endswith(end_token)):
        raise ConfigError("an LLMBar prompt must start with <|im_start|> and end with <|im_end|>")
    messages = []
    for part in prompt.split(start_token)[1:]:
        role_line, _, rest = part.partition("\n")
        role = role_line.strip()
        if role.startswith("system"):
            role = "system"  # "system name=example_user": LLMBar's few-shot turns, sent as system
        messages.append(Message(role=role, content=rest.split(end_token, 1)[0].strip()))  # type: ignore[arg-type]
    return messages


def llmbar_prompt(name: str) -> str:
    path = judges_dir() / "llmbar" / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"LLMBar prompt {path}: cannot read ({exc.strerror})") from None


def parse_winner(text: str, parsing: tuple[tuple[str, str], ...]) -> str | None:
    """LLMBar's ``completion_with_parsing``: the first label whose expression is found in the
    stripped reply, else None."""
    completion = text.strip()
    for winner, expression in parsing:
        if re.compile(expression).search(completion):
            return winner
    return None


def reverse_label(label: str | None) -> str | None:
    return None if label is None else {"1": "2", "2": "1"}[label]


def reverse_output_ab(explanation: str) -> str:
    """LLMBar's ``reverse_OutputAB``: "Output (a)" and "Output (b)" exchanged in an explanation."""
    for output in ("Output", "output"):
        explanation = explanation.replace(f"{output} (a)", f"**********{output} (a)**********")
        explanation = explanation.replace(f"{output} (b)", f"##########{output} (b)##########")
        explanation = explanation.replace(f"**********{output} (a)**********", f"{output} (b)")
        explanation = explanation.replace(f"##########{output} (b)##########", f"{output} (a)")
    return explanation


def _settings(max_tokens: int) -> GenerationSettings:
    return GenerationSettings(max_tokens=max_tokens, temperature=0.0, seed=0)


def _ordered(pair: Pair, swap: bool) -> dict[str, str]:
    return {"input": pair.input, "output_1": pair.output_2 if swap else pair.output_1,
            "output_2": pair.output_1 if swap else pair.output_2}


def _order_record(completion: Completion, winner: str | None, swap: bool) -> dict[str, Any]:
    return {"swap": swap, "reply": completion.text.strip(), "finish_reason": completion.finish_reason,
            "winner": winner, "error": completion.error}


def _judge_step(judge: ModelAdapter, step: Step, jobs: list[tuple[int, bool, dict[str, str]]],
                max_tokens: int | None) -> list[tuple[Completion, str | None]]:
    template = llmbar_prompt(step.prompt)
    settings = _settings(max_tokens or step.max_tokens)
    requests = [GenerationRequest(messages=tuple(prompt_to_chatml(template.format_map(fields))), settings=settings)
                for _, _, fields in jobs]
    replies = judge.generate(requests) if requests else []
    out: list[tuple[Completion, str | None]] = []
    for (_, swap, _), reply in zip(jobs, replies, strict=True):
        if reply.error:
            out.append((reply, None))
            continue
        winner = parse_winner(reply.text, step.parsing)
        out.append((reply, reverse_label(winner) if swap else winner))
    return out


def judge_llmbar(judge: ModelAdapter, method: str, pairs: list[Pair], max_tokens: int | None = None
                 ) -> list[dict[str, Any]]:
    """Each pair judged as LLMBar's ``annotate`` judges it; one record per pair."""
    steps = LLMBAR_METHODS[method]
    records: list[dict[str, Any]] = [{"stages": []} for _ in pairs]
    jobs = [(i, swap, _ordered(pair, swap)) for i, pair in enumerate(pairs) for swap in (False, True)]
    for (i, swap, _), (reply, winner) in zip(jobs, _judge_step(judge, steps[0], jobs, max_tokens), strict=True):
        if not swap:
            records[i]["stages"].append([])
        records[i]["stages"][0].append(_order_record(reply, winner, swap))
    if len(steps) == 2:  # Swap and Synthesize: a debate where the two orders picked different outputs
        debate = []
        for i, pair in enumerate(pairs):
            first = records[i]["stages"][0]
            if any(o["error"] for o in first) or {o["winner"] for o in first} != {"1", "2"}:
                continue
            winner2swap = {o["winner"]: o["swap"] for o in first}
            actual = {w: first[int(winner2swap[w])]["reply"] for w in ("1", "2")}
            for swap in (False, True):
                explanation_1 = actual["1"] if swap == winner2swap["1"] else reverse_output_ab(actual["1"])
                explanation_2 = actual["2"] if swap == winner2swap["2"] else reverse_output_ab(actual["2"])
                fields = {**_ordered(pair, swap), "explanation_1": explanation_2 if swap else explanation_1,
                          "explanation_2": explanation_1 if swap else explanation_2}
                debate.append((i, swap, fields))
        for (i, swap, _), (reply, winner) in zip(debate, _judge_step(judge, steps[1], debate, max_tokens),
                                                 strict=True):
            if not swap:
                records[i]["stages"].append([])
            records[i]["stages"][1].append(_order_record(reply, winner, swap))
    for record in records:
        _final(record)
    return records


def _final(record: dict[str, Any]) -> None:
    """The pair's verdicts: its last stage's (LLMBar's ``results[-1]``); a failed call anywhere
    fails the pair."""
    errors = [o["error"] for stage in record["stages"] for o in stage if o["error"]]
    record["failed"] = f"judge call failed: {errors[0]}" if errors else None
    record["verdicts"] = None if errors else [o["winner"] for o in record["stages"][-1]]


def judge_rubric(judge: ModelAdapter, rubric_name: str, pairs: list[Pair], language: str,
                 max_tokens: int | None = None) -> list[dict[str, Any]]:
    """Each pair judged in both orders with a pairwise rubric of judges/ (its retry rule kept):
    the verdict is the output scored higher; equal scores or an unreadable reply, none."""
    from xeval.language.names import language_name
    from xeval.scoring.judges.rubric import load_rubric, nonce_for
    from xeval.scoring.judges.scorers import ask

    rubric = load_rubric(rubric_name)
    if rubric.kind != "pairwise":
        raise ConfigError(f"{rubric.source}: rubric {rubric.name!r} is absolute; judge-check needs a pairwise "
                          f"rubric or one of {', '.join(LLMBAR_METHODS)}")
    if max_tokens is not None:
        rubric = rubric.model_copy(update={"max_tokens": max_tokens})
    requests = []
    for pair in pairs:
        for swap in (False, True):
            fields = _ordered(pair, swap)
            prompt = rubric.render(question=pair.input, instruction=pair.input, answer_a=fields["output_1"],
                                   answer_b=fields["output_2"], language=language,
                                   language_name=language_name(language),
                                   nonce=nonce_for(pair.input, fields["output_1"], fields["output_2"]))
            requests.append(rubric.request(prompt))
    results = ask(judge, rubric, requests) if requests else []
    a, b = rubric.aspects
    records = []
    for k in range(len(pairs)):
        orders = []
        for swap in (False, True):
            scores, raws, reason = results[2 * k + int(swap)]
            failed = reason if reason and reason.startswith(("judge call failed", "judge retry failed")) else None
            winner = None
            if scores is not None and scores[a] != scores[b]:
                winner = "1" if scores[a] > scores[b] else "2"
                winner = reverse_label(winner) if swap else winner
            orders.append({"swap": swap, "replies": raws, "scores": scores, "winner": winner, "error": failed,
                           "unreadable": None if failed else reason})
        record = {"stages": [orders]}
        _final(record)
        records.append(record)
    return records


# ------------------------------------------------------------------------------------ figures

def cohen_kappa(y1: list[int], y2: list[int]) -> float | None:
    """Cohen's kappa as scikit-learn's ``cohen_kappa_score`` computes it (unweighted, the labels
    of both raters sorted), the same floating-point steps; None where it is undefined."""
    import numpy as np

    labels = sorted(set(y1) | set(y2))
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)
    confusion = np.zeros((n, n), dtype=np.float64)
    for first, second in zip(y1, y2, strict=True):
        confusion[index[first], index[second]] += 1
    sum0, sum1 = np.sum(confusion, axis=0), np.sum(confusion, axis=1)
    denominator = np.sum(sum0)
    if denominator == 0:
        return None
    expected = np.outer(sum0, sum1) / denominator
    weights = np.ones([n, n], dtype=np.float64)
    np.fill_diagonal(weights, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.sum(weights * confusion) / np.sum(weights * expected)
    value = float(1 - k)
    return value if value == value and abs(value) != float("inf") else None


def llmbar_statistics(labels: list[int], given: list[str | None], swapped: list[str | None]) -> dict[str, Any]:
    """``statistics.json`` as LLMBar's ``evaluate.py`` writes it from each pair's label and its
    two verdicts (in the pair's numbering)."""
    n = len(labels)
    correct_false = correct_true = correct_both = equal = 0
    y1_false, y1_true = [], []
    for label, output_false, output_true in zip(labels, given, swapped, strict=True):
        correct_false += output_false == str(label)
        correct_true += output_true == str(label)
        correct_both += (output_false == str(label)) and (output_true == str(label))
        equal += output_true == output_false
        y1_false.append(int(output_false) if output_false in ("0", "1") else 0)
        y1_true.append(int(output_true) if output_true in ("0", "1") else 0)
    statistics: dict[str, Any] = {
        "correct_False": f"{correct_false} / {n} = {correct_false / n * 100}%",
        "correct_True": f"{correct_true} / {n} = {correct_true / n * 100}%",
        "correct_average": f"{(correct_false + correct_true) / 2 / n * 100}%",
        "correct_both": f"{correct_both} / {n} = {correct_both / n * 100}%",
        "equal": f"{equal} / {n} = {equal / n * 100}%",
    }
    statistics["kappa_False"] = cohen_kappa(y1_false, labels)
    statistics["kappa_True"] = cohen_kappa(y1_true, labels)
    both = (statistics["kappa_False"], statistics["kappa_True"])
    statistics["kappa_average"] = None if both[0] is None or both[1] is None else (both[0] + both[1]) / 2
    statistics["kappa_agreement"] = cohen_kappa(y1_false, y1_true)
    return statistics


def figures(records: list[dict[str, Any]], labels: list[int]) -> dict[str, Any]:
    """One subset's (or the whole set's) figures from its pairs' records."""
    scored = [(record["verdicts"], label) for record, label in zip(records, labels, strict=True)
              if record["verdicts"] is not None]
    out: dict[str, Any] = {"pairs": len(records), "n": len(scored), "failed": len(records) - len(scored),
                           "no_verdict": sum(v is None for verdicts, _ in scored for v in verdicts)}
    names = ("acc_given_order", "acc_swapped_order", "acc_mean", "acc_better_first", "acc_better_second",
             "both_correct", "agreement", "kappa_given_order", "kappa_swapped_order", "kappa_mean", "kappa_orders")
    if not scored:
        return {**out, **dict.fromkeys(names), "llmbar": None}
    n = len(scored)
    given = [v[0] for v, _ in scored]
    swapped = [v[1] for v, _ in scored]
    gold = [label for _, label in scored]
    right = [(g == str(label), s == str(label)) for g, s, label in zip(given, swapped, gold, strict=True)]
    # the better output is shown first in the given order when it is output 1, else in the swapped one
    better_first = sum(r[0] if label == 1 else r[1] for r, label in zip(right, gold, strict=True))
    better_second = sum(r[1] if label == 1 else r[0] for r, label in zip(right, gold, strict=True))
    statistics = llmbar_statistics(gold, given, swapped)
    out.update({
        "acc_given_order": sum(r[0] for r in right) / n, "acc_swapped_order": sum(r[1] for r in right) / n,
        "acc_mean": (sum(r[0] for r in right) + sum(r[1] for r in right)) / 2 / n,
        "acc_better_first": better_first / n, "acc_better_second": better_second / n,
        "both_correct": sum(r[0] and r[1] for r in right) / n,
        "agreement": sum(g == s for g, s in zip(given, swapped, strict=True)) / n,
        "kappa_given_order": statistics["kappa_False"], "kappa_swapped_order": statistics["kappa_True"],
        "kappa_mean": statistics["kappa_average"], "kappa_orders": statistics["kappa_agreement"],
        "llmbar": statistics,
    })
    return out


# ------------------------------------------------------------------------------------ command

RULES = ("each pair judged as given and swapped; a verdict is the output picked, in the pair's numbering; an "
         "unreadable reply (or equal rubric scores) is no verdict and counts as wrong, two of them as agreeing "
         "(LLMBar's evaluate.py); a failed judge call leaves the pair out of the figures, counted in 'failed'; "
         "kappas as LLMBar codes verdicts (1 for output 1, else 0) against labels 1/2 and between the orders")


def check_judge(judge: ModelAdapter, pairs: list[Pair], rubric: str = DEFAULT_RUBRIC, language: str = "en",
                max_tokens: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Judge the pairs; (per-pair records, the figures per subset and overall)."""
    if max_tokens is not None and max_tokens < 1:
        raise ConfigError(f"--judge-max-tokens must be at least 1, got {max_tokens}")
    if rubric in LLMBAR_METHODS:
        records = judge_llmbar(judge, rubric, pairs, max_tokens)
    else:
        records = judge_rubric(judge, rubric, pairs, language, max_tokens)
    for pair, record in zip(pairs, records, strict=True):
        record.update(subset=pair.subset, index=pair.index, label=pair.label)
        if record["verdicts"] is not None:
            record["correct"] = [v == str(pair.label) for v in record["verdicts"]]
    subsets: dict[str, list[int]] = {}
    for k, pair in enumerate(pairs):
        subsets.setdefault(pair.subset, []).append(k)
    by_subset = {name: figures([records[k] for k in ks], [pairs[k].label for k in ks]) for name, ks in subsets.items()}
    overall = figures(records, [p.label for p in pairs])
    return records, {"subsets": by_subset, "overall": overall}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "judge"


def run_judge_check(judge_spec: str, pair_set: str, rubric: str = DEFAULT_RUBRIC, judge_args: dict[str, Any] | None
                    = None, data_dir: Path | None = None, limit: int | None = None, output: Path = Path("results"),
                    language: str = "en", max_tokens: int | None = None) -> tuple[Path, dict[str, Any]]:
    """The whole command: load the pairs and the judge, judge, write ``judge_check.json`` and
    ``pairs.jsonl`` in a new folder under ``output``; (that folder, the summary)."""
    from xeval import __version__
    from xeval.models.registry import load_model
    from xeval.redaction import redact, redact_value

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    if max_tokens is not None and max_tokens < 1:
        raise ConfigError(f"--judge-max-tokens must be at least 1, got {max_tokens}")
    if rubric not in LLMBAR_METHODS:
        from xeval.scoring.judges.rubric import load_rubric

        load_rubric(rubric)  # an unknown rubric before any pair is loaded or judge started
    pairs, source = load_pairs(pair_set, data_dir, limit)
    judge = load_model(judge_spec, judge_args or {})
    try:
        records, results = check_judge(judge, pairs, rubric, language, max_tokens)
        fingerprint = judge.fingerprint()
    finally:
        judge.close()
    created = datetime.now(UTC)
    folder = output / f"{created:%Y%m%d-%H%M%S}-judgecheck-{_slug(redact(judge_spec))}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = folder.with_name(f"{folder.name.rsplit('~', 1)[0]}~{suffix}")
    summary = {
        "schema_version": JUDGE_CHECK_SCHEMA, "kind": "judge_check", "xeval_version": __version__,
        "created": created.isoformat(), "judge": redact(judge_spec), "judge_args": redact_value(judge_args or {}),
        "judge_fingerprint": redact_value(fingerprint), "rubric": rubric,
        "set": "llmbar" if pair_set == "llmbar" else Path(source).name, "source": source, "language": language,
        "limit": limit, "judge_max_tokens": max_tokens, "rules": RULES,
        "complete": results["overall"]["failed"] == 0, **results,
    }
    try:
        folder.mkdir(parents=True)
        writer = RecordWriter(folder / JUDGE_PAIRS_FILE)
        try:
            writer.write(records)
        finally:
            writer.close()
        write_json_atomic(folder / JUDGE_CHECK_FILE, summary)
    except OSError as exc:
        raise XevalError(f"cannot write the judge check in {folder}: {exc.strerror}") from None
    return folder, summary


def render(summary: dict[str, Any]) -> str:
    from xeval.results.judges import judges_table
    from xeval.results.leaderboard import to_markdown

    table = judges_table([summary]).drop(columns=["judge", "rubric", "set", "language"])
    return to_markdown(table)


def exit_code(summary: dict[str, Any]) -> int:
    """0, or 3 when any judge call failed (the figures leave those pairs out; none at all when
    every pair failed)."""
    failed = summary["overall"]["failed"]
    if failed:
        print(f"xeval: {failed} of {summary['overall']['pairs']} pair(s) failed in the judge "
              f"({'no figures' if summary['overall']['n'] == 0 else 'left out of the figures'})", file=sys.stderr)
    return 3 if failed else 0
