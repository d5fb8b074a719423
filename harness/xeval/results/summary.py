"""A run's records and summary: the record of one sample, and summary.json built from the
records (it can always be rebuilt from them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from xeval import SCHEMA_VERSION, __version__
from xeval.results import length_control
from xeval.results.matrix import cluster_summary
from xeval.results.schema import INSTRUCTION_VERDICTS_METRIC
from xeval.results.stats import bootstrap_ci, weighted_mean
from xeval.results.values import metric_values, metric_weight
from xeval.types import Prediction, Sample, Score

GROUP_KEYS = ("task", "input_language", "template_language")


def make_record(sample: Sample, prediction: Prediction, scores: list[Score], model: str) -> dict[str, Any]:
    return {
        "key": sample.key,
        "seq": sample.metadata.get("seq"),
        "task": sample.task,
        "id": sample.id,
        "model": model,
        "input_language": sample.input_language,
        "template_language": sample.template_language,
        "answer_language": sample.answer_language,
        "output_type": sample.output_type,
        "prompt": [m.model_dump() for m in sample.messages],
        "context": sample.context,
        "choices": sample.choices,
        "gold": sample.gold,
        "references": sample.references,
        "prediction": {
            "text": prediction.text,
            "choice_logprobs": prediction.choice_logprobs,
            "chosen": prediction.chosen,
            "extracted": prediction.extracted,
            "extraction": prediction.extraction,
            "reasoning": prediction.reasoning,
            "reasoning_unclosed": prediction.reasoning_unclosed,
            **({"missing": prediction.missing} if prediction.missing else {}),
            "usage": prediction.usage.model_dump(),
            **({"repeats": [{"text": r.text, "extracted": r.extracted, "reasoning": r.reasoning,
                             "error": r.error} for r in prediction.repeats]} if prediction.repeats else {}),
        },
        "error": prediction.error,
        "scores": {s.scorer: s.model_dump(exclude={"scorer"}) for s in scores},
        **({"conversation": {"id": sample.conversation.id, "turn": sample.conversation.turn}}
           if sample.conversation else {}),
        **({"category": sample.category} if sample.category is not None else {}),
    }


JUDGE_PREFIXES = ("judge_", "pairwise_")


def judge_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per judge scorer: samples judged, failures (unreadable replies, failed calls), rate."""
    report: dict[str, dict[str, Any]] = {}
    for record in records:
        for name, score in record.get("scores", {}).items():
            if not name.startswith(JUDGE_PREFIXES):
                continue
            entry = report.setdefault(name, {"samples": 0, "failed": 0, "retried": 0})
            entry["samples"] += 1
            entry["failed"] += score.get("value") is None
            entry["retried"] += bool((score.get("details") or {}).get("retried"))
            jury = (score.get("details") or {}).get("jury")
            for member, verdict in (jury.items() if isinstance(jury, dict) else ()):
                own = report.setdefault(f"{name}@{member}", {"samples": 0, "failed": 0, "retried": 0})
                own["samples"] += 1
                own["failed"] += not isinstance(verdict, dict) or verdict.get("value") is None
    for entry in report.values():
        entry["failure_rate"] = entry["failed"] / entry["samples"] if entry["samples"] else None
    return report


def jury_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agreement between a jury's judges per judge scorer x task (and over every task, ``*``): on the
    samples every judge judged, Cohen's kappa (two judges) or Fleiss' kappa (more) with a 95 %
    bootstrap CI, on each judge's category: a pairwise judge's outcome (win / tie / loss), an
    absolute judge's value rounded to the nearest integer of its scale; the share of those samples
    where all judges gave the same category."""
    from xeval.results.agreement import kappa, kappa_ci

    groups: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    judges_of: dict[str, list[str]] = {}
    for record in records:
        for name, score in (record.get("scores") or {}).items():
            jury = (score.get("details") or {}).get("jury")
            if not isinstance(jury, dict) or len(jury) < 2:
                continue
            judges_of.setdefault(name, sorted(jury))
            verdicts = [jury.get(member) or {} for member in judges_of[name]]
            if any(v.get("value") is None for v in verdicts):
                continue
            categories = [str(v.get("outcome")) if name.startswith(PAIRWISE_PREFIX) else str(round(float(v["value"])))
                          for v in verdicts]
            groups[(name, record["task"])].append(categories)
            groups[(name, "*")].append(categories)
    rows = []
    tasks_of = {name: {task for (n, task) in groups if n == name and task != "*"} for name in judges_of}
    for (name, task), ratings in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] == "*", kv[0][1])):
        if task == "*" and len(tasks_of[name]) < 2:
            continue
        method, value = kappa(ratings)
        low, high = kappa_ci(ratings)
        rows.append({"scorer": name, "task": task, "judges": judges_of[name], "n": len(ratings), "method": method,
                     "kappa": value, "kappa_ci_low": low, "kappa_ci_high": high,
                     "all_agree": sum(len(set(r)) == 1 for r in ratings) / len(ratings)})
    return rows


def aggregate(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task x input language x template language x metric: mean, n, 95% bootstrap CI,
    and how many samples could not be scored (errors are counted, never averaged in)."""
    values: dict[tuple[str, ...], list[float]] = defaultdict(list)
    weights: dict[tuple[str, ...], list[float]] = defaultdict(list)
    failed: dict[tuple[str, ...], int] = defaultdict(int)
    metrics_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for record in records:
        group = tuple(str(record[k]) for k in GROUP_KEYS)
        for name, score in record.get("scores", {}).items():
            metrics_of[group].add(name)
            if score.get("value") is None:
                failed[(*group, name)] += 1
        for name, value in metric_values(record):
            metrics_of[group].add(name)
            values[(*group, name)].append(value)
            weights[(*group, name)].append(metric_weight(record, name))
    rows = []
    for group in sorted(metrics_of):
        for metric in sorted(metrics_of[group]):
            data = values.get((*group, metric), [])
            given = weights.get((*group, metric), [])
            weighted = given if any(w != 1.0 for w in given) else None
            low, high = bootstrap_ci(data, weights=weighted)
            rows.append({
                **dict(zip(GROUP_KEYS, group, strict=True)),
                "metric": metric,
                "value": weighted_mean(data, weighted) if data else None,
                "n": len(data),
                "n_failed": failed.get((*group, metric), 0),
                "ci_low": low if data else None,
                "ci_high": high if data else None,
            })
    return rows


def build_summary(run_meta: dict[str, Any], records: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
    return {
        **run_meta,
        "schema_version": SCHEMA_VERSION,
        "xeval_version": __version__,
        "complete": complete,
        "n_records": len(records),
        "n_errors": sum(1 for r in records if r.get("error")),
        "metrics": aggregate(records),
        "judges": judge_report(records),
        "clusters": cluster_summary(run_meta.get("tasks", {}), records),
        "reasoning": reasoning_report(records),
        **({"instructions": report} if (report := instruction_report(records)) else {}),
        **({"turns": turns} if (turns := turn_report(records)) else {}),
        **({"pairwise": pairwise} if (pairwise := pairwise_report(records)) else {}),
        **({"conversations": judged} if (judged := conversation_report(records)) else {}),
        **({"jury": jury} if (jury := jury_report(records)) else {}),
    }


PAIRWISE_PREFIX = "pairwise_"
ALL = "all"


def pairwise_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairwise judges per scorer x task x answer language x category (``all`` first, then each
    category the benchmark gives its items): samples judged and failed, win / tie / loss shares,
    the win rate as win + tie/2 and as wins alone (= the win share), each with a 95 % bootstrap CI, and position
    consistency (the share of samples whose two orders gave the same verdict). Tasks answered in
    the same language are pooled too, as task ``*`` (X-Instruction reports Vicuna and WizardLM
    together per language).

    Every row also carries AlpacaEval 2's length-controlled win rate (:mod:`.length_control`,
    formula ``length_controlled_minimal``: the preference regressed on ``tanh`` of the
    standardised length difference and a constant, predicted at zero length difference):
    ``lc_win_rate`` (a share like ``win_rate``: alpaca_eval's figure / 100), ``lc_win_rate_se``
    (its standard error from the fit, delta method, also a share; alpaca_eval's own
    ``lc_standard_error`` is 0 for this formula) and ``lc_length_coef`` (the weight of the length
    term: > 0 when the judge prefers the longer answer). They are fitted on ``category == "all"``
    rows only, on the judged samples that record both answers' lengths, and are None on other
    rows, when there are fewer than ``MIN_SAMPLES`` (10) such samples, when every preference is
    the same win (1) or the same loss (0) (one class only), or when scikit-learn is not installed
    (``xeval[lc]``)."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any] | None]] = defaultdict(list)
    tasks_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        for name, score in (record.get("scores") or {}).items():
            if not name.startswith(PAIRWISE_PREFIX):
                continue
            value = score.get("value")
            extra = score.get("extra") or {}
            verdict = None if value is None else {"value": float(value), **{
                k: float(extra.get(k, 0.0)) for k in ("win", "tie", "loss", "consistent")},
                **{k: extra.get(k) for k in ("len_model", "len_baseline")}}
            language = str(record.get("answer_language"))
            tasks_of[(name, language)].add(record["task"])
            for category in (ALL, *([str(record["category"])] if record.get("category") else [])):
                groups[(name, record["task"], language, category)].append(verdict)
                groups[(name, "*", language, category)].append(verdict)
    rows = []
    for (name, task, language, category), members in sorted(groups.items(), key=lambda kv: (
            kv[0][0], kv[0][1] == "*", kv[0][1], kv[0][2], kv[0][3] != ALL, kv[0][3])):
        if task == "*" and len(tasks_of[(name, language)]) < 2:
            continue
        judged = [m for m in members if m is not None]
        row: dict[str, Any] = {"scorer": name, "task": task, "answer_language": language, "category": category,
                               "n": len(judged), "n_failed": len(members) - len(judged)}
        if judged:
            for key, field in (("win", "win"), ("tie", "tie"), ("loss", "loss"), ("win_rate", "value"),
                               ("win_only", "win")):
                values = [m[field] for m in judged]
                low, high = bootstrap_ci(values)
                row[key], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = weighted_mean(values), low, high
            row["consistency"] = weighted_mean([m["consistent"] for m in judged])
        row.update(_length_controlled(judged) if category == ALL else dict.fromkeys(LC_KEYS))
        rows.append(row)
    return rows


LC_KEYS = ("lc_win_rate", "lc_win_rate_se", "lc_length_coef")


def _length_controlled(judged: list[dict[str, Any]]) -> dict[str, float | None]:
    """A pairwise row's length-controlled win rate (see :func:`pairwise_report` for the rule)."""
    samples = [length_control.LengthSample(m["value"], float(m["len_model"]), float(m["len_baseline"]))
               for m in judged if m.get("len_model") is not None and m.get("len_baseline") is not None]
    preferences = {s.preference for s in samples}
    if len(samples) < length_control.MIN_SAMPLES or preferences in ({0.0}, {1.0}):
        return dict.fromkeys(LC_KEYS)
    try:
        fitted = length_control.length_controlled_win_rate(samples)
    except (ImportError, ValueError):
        return dict.fromkeys(LC_KEYS)
    return {"lc_win_rate": fitted.win_rate / 100,
            "lc_win_rate_se": None if fitted.sampling_se is None else fitted.sampling_se / 100,
            "lc_length_coef": fitted.length_coef}


def turn_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Multi-turn tasks per task x input language x turn: the metrics of the samples of that turn
    (Multi-IF reports instruction following turn by turn)."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        place = record.get("conversation")
        if isinstance(place, dict) and isinstance(place.get("turn"), int):
            groups[(record["task"], record["input_language"], place["turn"])].append(record)
    rows = []
    for (task, language, turn), members in sorted(groups.items()):
        row: dict[str, Any] = {"task": task, "input_language": language, "turn": turn, "n": len(members),
                               "n_failed": sum(1 for m in members if m.get("error"))}
        for metric in sorted({name for m in members for name, _ in metric_values(m)}):
            pairs = [(v, metric_weight(m, metric)) for m in members for name, v in metric_values(m) if name == metric]
            row[metric] = weighted_mean([v for v, _ in pairs], [w for _, w in pairs])
        rows.append(row)
    return rows


CONVERSATION_TURNS = ("all", 1, 2)


def conversation_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Judged conversations (MT-Bench, KoMT-Bench) as FastChat's ``show_result.py`` reports them:
    per judge scorer x task x category (``all`` first) the mean score of turn 1, of turn 2 and of
    both (every judged turn), each with its 95 % bootstrap CI, n and failed judgments; a penalised
    benchmark's unpenalised means beside them."""
    groups: dict[tuple[str, str, str], list[tuple[int, float | None, float | None]]] = defaultdict(list)
    for record in records:
        place = record.get("conversation")
        if not isinstance(place, dict) or not isinstance(place.get("turn"), int):
            continue
        for name, score in (record.get("scores") or {}).items():
            if not name.startswith("judge_"):
                continue
            value = score.get("value")
            unpenalised = (score.get("extra") or {}).get("unpenalised")
            entry = (place["turn"], None if value is None else float(value),
                     None if unpenalised is None else float(unpenalised))
            for category in (ALL, *([str(record["category"])] if record.get("category") else [])):
                groups[(name, record["task"], category)].append(entry)
    rows = []
    for (name, task, category), members in sorted(groups.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2] != ALL, kv[0][2])):
        row: dict[str, Any] = {"scorer": name, "task": task, "category": category}
        for turn in CONVERSATION_TURNS:
            chosen = [m for m in members if turn == "all" or m[0] == turn]
            label = "score" if turn == "all" else f"turn{turn}"
            values = [m[1] for m in chosen if m[1] is not None]
            low, high = bootstrap_ci(values)
            row[label] = weighted_mean(values) if values else None
            row[f"{label}_ci_low"], row[f"{label}_ci_high"] = (low, high) if values else (None, None)
            row[f"{label}_n"], row[f"{label}_n_failed"] = len(values), len(chosen) - len(values)
            plain = [m[2] for m in chosen if m[2] is not None]
            if plain:
                row[f"{label}_unpenalised"] = weighted_mean(plain)
        rows.append(row)
    return rows


def instruction_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verifiable instructions per task x input language x instruction id, and per instruction
    group (``level: group``): how many were checked, the share followed strictly and loosely.
    Read from the verdicts ``prompt_level_strict_acc`` records keep."""
    counts: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for record in records:
        score = record.get("scores", {}).get(INSTRUCTION_VERDICTS_METRIC) or {}
        for verdict in (score.get("details") or {}).get("instructions") or []:
            for level, name in (("id", verdict["id"]), ("group", verdict["group"])):
                entry = counts[(record["task"], record["input_language"], level, name)]
                entry[0] += 1
                entry[1] += bool(verdict["strict"])
                entry[2] += bool(verdict["loose"])
    return [{"task": task, "input_language": language, "level": level, "instruction": name, "n": n,
             "strict_acc": strict / n, "loose_acc": loose / n}
            for (task, language, level, name), (n, strict, loose) in sorted(counts.items())]


def reasoning_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task x input language, for answers that came with a reasoning trace: how many, how
    long (whitespace tokens), how many never closed (empty answers), and the language of the
    traces next to the language asked for the answer: a model may think in English and answer
    in Korean."""
    from collections import Counter

    from xeval.language.identify import LanguageIdentifier

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        prediction = record.get("prediction") or {}
        if prediction.get("reasoning") or prediction.get("reasoning_unclosed"):
            groups[(record["task"], record["input_language"])].append(record)
    if not groups:
        return []
    languages = {r["answer_language"] for rs in groups.values() for r in rs}
    identifier = LanguageIdentifier(languages)
    rows = []
    for (task, input_language), members in sorted(groups.items()):
        traces = [m["prediction"].get("reasoning") or "" for m in members]
        lengths = [len(t.split()) for t in traces]
        trace_languages = Counter(identifier.detect(t[:2000]).language for t in traces if t.strip())
        rows.append({
            "task": task, "input_language": input_language, "n": len(members),
            "trace_tokens_mean": sum(lengths) / len(lengths),
            "n_unclosed": sum(bool(m["prediction"].get("reasoning_unclosed")) for m in members),
            "trace_languages": dict(trace_languages.most_common()),
            "answer_languages": dict(Counter(m["answer_language"] for m in members).most_common()),
        })
    return rows
