"""``xeval report``: one static HTML file over one or more runs.

Everything is inline (CSS, SVG charts drawn here, a small script for the sample browser, the
samples as JSON), so the file opens from disk with no server and no network. Sections: the
runs, the leaderboard, per-language and per-facet charts, each run's cross-lingual matrix,
instruction following (per task and language, instruction group, instruction id and turn),
judge failure rates, and a sample browser (filter by run, task, language, metric range, text).
Model output is only ever inserted as text, never as HTML.
"""

from __future__ import annotations

import html
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xeval.errors import XevalError
from xeval.results import AGREEMENT_METRIC, RunFolder, Summary, load_summaries, newest_per_model
from xeval.results.leaderboard import INSTRUCTION_METRICS, LANGUAGE_METRIC, latest, tidy_frame, wide_table
from xeval.results.matrix import cluster_matrix

PALETTE = ["#3b6fb6", "#e07b39", "#4f9d5b", "#c0504d", "#8064a2", "#4bacc6", "#9b8a3c", "#d46fa8"]
RAW_LIMIT = 4000  # characters of a judge's raw reply kept in the sample browser


class Run:
    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        folder = RunFolder(run_dir)
        self.typed: Summary = folder.read_summary()
        self.summary: dict[str, Any] = self.typed.model_dump(mode="json", exclude_unset=True)
        self.records = list(folder.records())
        self.label = f"{self.typed.model_spec} · {self.typed.run_id or run_dir.name}"


def latest_runs(results: Path) -> list[Path]:
    """The newest run of each model in ``results`` (what the leaderboard shows)."""
    newest = newest_per_model(load_summaries(results))
    if not newest:
        raise XevalError(f"no finished runs in {results}")
    return [summary.folder or results / summary.run_id for summary in newest]


def write_report(run_dirs: list[Path], out: Path, judge_checks: list[dict[str, Any]] | None = None) -> Path:
    runs = [Run(path) for path in run_dirs]
    text = build_report(runs, judge_checks)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise XevalError(f"cannot write the report {out}: {exc.strerror}") from None
    return out


# -- building blocks -------------------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return _e(value)


def html_table(headers: list[str], rows: list[list[Any]], table_id: str | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_number(c)}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' id="{_e(table_id)}"' if table_id else ""
    return f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def bar_chart(title: str, categories: list[str], series: dict[str, list[float | None]],
              low: float = 0.0, high: float = 1.0, chart_id: str | None = None) -> str:
    """A grouped bar chart as inline SVG: one group per category, one bar per series."""
    group = max(110, 26 * len(series) + 30)
    width, height, left, bottom, top = max(360, 60 + group * len(categories)), 260, 48, 40, 16
    plot_w, plot_h = width - left - 12, height - bottom - top
    group_w = plot_w / max(1, len(categories))
    bar_w = max(4.0, (group_w * 0.8) / max(1, len(series)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{_e(title)}">']
    for i in range(5):
        tick = low + (high - low) * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick:g}</text>')
    for c, category in enumerate(categories):
        x0 = left + c * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = values[c]
            if value is None or math.isnan(value):
                continue
            share = min(1.0, max(0.0, (value - low) / (high - low))) if high > low else 0.0
            bar_h = plot_h * share
            x = x0 + s * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{bar_h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                         f'<title>{_e(name)} · {_e(category)}: {value:.3f}</title></rect>')
        parts.append(f'<text x="{left + c * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
                     f'class="tick" text-anchor="middle">{_e(category)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{PALETTE[s % len(PALETTE)]}"></i>{_e(name)}</span>'
                     for s, name in enumerate(series))
    attr = f' id="{_e(chart_id)}"' if chart_id else ""
    return f'<figure class="chart"{attr}><figcaption>{_e(title)}</figcaption>{"".join(parts)}' \
           f'<div class="legend">{legend}</div></figure>'


# -- sections --------------------------------------------------------------------------------
def _runs_section(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        s = run.summary
        rows.append([s.get("run_id"), run.typed.model_spec, s.get("created"), s.get("n_records"), s.get("n_errors"),
                     "yes" if s.get("complete") else "no", ", ".join(sorted(s.get("tasks", {})))])
    return "<h2>Runs</h2>" + html_table(["run", "model", "created", "samples", "errors", "complete", "tasks"],
                                        rows, "runs")


def _leaderboard_section(runs: list[Run]) -> tuple[str, Any]:
    frame = latest(tidy_frame([run.typed for run in runs]))
    table = wide_table(frame)
    if table.empty:
        return "<h2>Leaderboard</h2><p>(no scored metrics)</p>", table
    headers = [str(c) for c in table.columns]
    rows = [list(row) for row in table.itertuples(index=False)]
    note = ("<p class=note>Each task's primary metric (and its language-gated form, where the task also "
            "scores language); <code>avg[lang]</code> averages the primary metrics "
            "of that input language on a 0-1 scale (chrF / 100, judge scales by their range).</p>")
    if any(str(c).endswith(f"/{LANGUAGE_METRIC}") for c in table.columns):
        note += ("<p class=note>Beside a verifiable-instruction task's metrics, <code>TASK/language</code>: its "
                 "language correctness (answers in the language asked for).</p>")
    return ("<h2>Leaderboard</h2>" + note + html_table(headers, rows, "leaderboard") + _metric_notes(runs),
            table)


def _metric_notes(runs: list[Run]) -> str:
    """What the metrics are (tokenisation, gating), as the runs' scorers declared them."""
    notes: dict[str, str] = {}
    for run in runs:
        for task in run.summary.get("tasks", {}).values():
            notes.update(task.get("metrics_info") or {})
    if not notes:
        return ""
    return "<h3>Metrics</h3>" + html_table(["metric", "what it is"], [[k, v] for k, v in sorted(notes.items())],
                                           "metric-notes")


def _language_chart(table: Any) -> str:
    columns = [c for c in table.columns if str(c).startswith("avg[")] if not table.empty else []
    if not columns:
        return ""
    languages = [str(c)[4:-1] for c in columns]
    series = {str(row["model"]): [None if math.isnan(row[c]) else float(row[c]) for c in columns]
              for _, row in table.iterrows()}
    return bar_chart("Primary metrics by input language (0-1)", languages, series, chart_id="chart-language")


def _facet_charts(runs: list[Run]) -> str:
    charts = []
    for judge in sorted({name for run in runs for name in run.summary.get("judges", {}) if name.startswith("judge_")}):
        facets: list[str] = []
        values: dict[str, dict[str, list[float]]] = {}
        scale = None
        for run in runs:
            for task, task_meta in run.typed.tasks.items():
                if task_meta.primary_metric == judge:
                    scale = run.typed.facts(task, judge).range
            for metric in run.summary.get("metrics", []):
                name = metric["metric"]
                if not name.startswith(judge + "_") or metric.get("value") is None:
                    continue
                facet = name[len(judge) + 1:]
                if facet not in facets:
                    facets.append(facet)
                key = f"{run.typed.model_spec} · {metric['input_language']}"
                values.setdefault(key, {}).setdefault(facet, []).append(float(metric["value"]))
        if not facets:
            continue
        series = {key: [sum(v[f]) / len(v[f]) if f in v else None for f in facets] for key, v in values.items()}
        low, high = (float(scale[0]), float(scale[1])) if scale else (0.0, max(
            (x for xs in series.values() for x in xs if x is not None), default=1.0))
        charts.append(bar_chart(f"{judge}: facets by model and input language", facets, series, low=low, high=high,
                                chart_id=f"chart-{judge}"))
    return "<h2>Judge facets</h2>" + "".join(charts) if charts else ""


def _matrix_section(runs: list[Run]) -> str:
    blocks = []
    for run in runs:
        matrix = cluster_matrix(run.summary, run.records)
        if not matrix["rows"]:
            continue
        columns = matrix["columns"]
        headers = ["cluster"] + [f"in {i} / tpl {t}" for i, t in columns]
        rows = []
        for cluster, cells in sorted(matrix["rows"].items()):
            row: list[Any] = [cluster]
            for column in columns:
                cell = cells.get(column)
                row.append(f"{cell['value']:.3f} [{cell['ci_low']:.2f}, {cell['ci_high']:.2f}] n={cell['n']}"
                           if cell else "")
            rows.append(row)
        blocks.append(f"<h3>{_e(run.label)}</h3>" + html_table(headers, rows))
    if not blocks:
        return ""
    return ("<h2>Cross-lingual matrix</h2><p class=note>Task cluster × (input language, template language): "
            "the primary metric pooled over the cluster's samples, 95% bootstrap CI.</p>" + "".join(blocks))


def _instruction_section(runs: list[Run]) -> str:
    """Verifiable instruction following: per task and input language IFEval's four metrics beside
    language correctness, then the summaries' ``instructions`` rows per instruction group and per
    instruction id (strict and loose accuracy, instructions checked), and their ``turns`` rows
    for multi-turn tasks."""
    by_language = []
    for run in runs:
        metrics: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in run.typed.metrics:
            meta = run.typed.tasks.get(row.task)
            if meta is not None and meta.primary_metric in INSTRUCTION_METRICS:
                metrics.setdefault((row.task, row.input_language, row.template_language), {})[row.metric] = row
        for (task, language, _), found in sorted(metrics.items()):
            prompts = found.get("prompt_level_strict_acc")
            values = [found[m].value if m in found else None for m in (*INSTRUCTION_METRICS, LANGUAGE_METRIC)]
            by_language.append([run.label, task, language, prompts.n if prompts else None, *values])
    levels: dict[str, list[list[Any]]] = {"group": [], "id": []}
    for run in runs:
        for item in run.typed.instructions:
            levels[item.level].append([run.label, item.task, item.input_language, item.instruction, item.n,
                                       item.strict_acc, item.loose_acc])
    turns = [(run, turn) for run in runs for turn in run.typed.turns]
    if not (by_language or levels["group"] or levels["id"] or turns):
        return ""
    parts = ["<h2>Instruction following</h2><p class=note>Verifiable instructions (IFEval's rules, counting by "
             "language): the share of prompts whose every instruction is followed (prompt level) and of "
             "instructions followed, pooled (instruction level), strict and loose; <code>language</code> is "
             "language correctness (the answer in the language asked for).</p>"]
    if by_language:
        parts.append("<h3>By task and language</h3>" + html_table(
            ["run", "task", "input language", "prompts", "prompt strict", "inst strict", "prompt loose",
             "inst loose", "language correctness"], by_language, "instructions-language"))
    for level, title, column in (("group", "By instruction group", "instruction group"),
                                 ("id", "By instruction id", "instruction id")):
        if levels[level]:
            parts.append(f"<h3>{title}</h3>" + html_table(
                ["run", "task", "input language", column, "n", "strict acc", "loose acc"], levels[level],
                f"instructions-{level}"))
    if turns:
        present = {name for _, turn in turns for name in turn.metrics}
        names = [m for m in INSTRUCTION_METRICS if m in present] + sorted(present - set(INSTRUCTION_METRICS))
        rows = [[run.label, turn.task, turn.input_language, turn.turn, turn.n, turn.n_failed,
                 *[turn.metrics.get(name) for name in names]] for run, turn in turns]
        parts.append("<h3>By turn</h3><p class=note>Multi-turn tasks: turn t was answered after the model's own "
                     "replies to turns 1..t-1; each turn scored on its own instructions.</p>" + html_table(
                         ["run", "task", "input language", "turn", "samples", "failed", *names], rows,
                         "instructions-turn"))
    return "".join(parts)


def _judge_section(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        agreement = [m for m in run.summary.get("metrics", []) if m["metric"] == AGREEMENT_METRIC and m.get("n")]
        agree_n = sum(m["n"] for m in agreement)
        agree = sum(m["value"] * m["n"] for m in agreement) / agree_n if agree_n else None
        for name, entry in sorted(run.summary.get("judges", {}).items()):
            rows.append([run.label, name, entry.get("samples"), entry.get("failed"), entry.get("retried"),
                         entry.get("failure_rate"), agree])
    if not rows:
        return ""
    return "<h2>Judges</h2>" + html_table(
        ["run", "judge scorer", "samples", "failed", "retried", "failure rate", "language ID agrees with judge"],
        rows, "judges")


def sample_rows(runs: list[Run]) -> list[dict[str, Any]]:
    """What the sample browser shows: one compact object per record."""
    out = []
    for r, run in enumerate(runs):
        for record in run.records:
            prediction = record.get("prediction") or {}
            scores = {}
            for name, score in (record.get("scores") or {}).items():
                details = score.get("details") or {}
                raw = details.get("raw")
                if isinstance(raw, list):
                    raw = "\n---\n".join(str(x) for x in raw)
                scores[name] = {"value": score.get("value"), "extra": score.get("extra") or {},
                                "error": score.get("error"),
                                "rationale": str(raw)[:RAW_LIMIT] if raw else None,
                                "outcome": details.get("outcome")}
            prompt = "\n\n".join(f"[{m.get('role')}] {m.get('content')}" for m in record.get("prompt") or [])
            out.append({
                "run": r, "task": record.get("task"), "id": record.get("id"),
                "lang": record.get("input_language"), "tpl": record.get("template_language"),
                "answer_lang": record.get("answer_language"), "prompt": prompt or record.get("context") or "",
                "answer": prediction.get("text"), "references": record.get("references") or [],
                "choices": record.get("choices"), "gold": record.get("gold"),
                "error": record.get("error"), "scores": scores,
            })
    return out


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no '</' or '<!--' can end or comment the element."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def _pairwise_section(runs: list[Run]) -> str:
    """Pairwise judges per task (and pooled per language, task *) x answer language, every
    category together: win / tie / loss, win rate as win + tie/2 and wins alone with 95 % CIs,
    and position consistency."""
    rows = []
    for run in runs:
        for row in run.summary.get("pairwise", []):
            if row.get("category") != "all":
                continue
            ci = (f"{_number(row.get('win_rate_ci_low'))}-{_number(row.get('win_rate_ci_high'))}"
                  if row.get("n") else "")
            lc = row.get("lc_win_rate")
            lc_se = row.get("lc_win_rate_se")
            rows.append([run.label, row["scorer"], row["task"], row["answer_language"], row.get("n"),
                         row.get("n_failed"), row.get("win"), row.get("tie"), row.get("loss"), row.get("win_rate"),
                         ci, lc, f"± {_number(lc_se)}" if lc is not None and lc_se is not None else "",
                         row.get("lc_length_coef"), row.get("win_only"), row.get("consistency")])
    if not rows:
        return ""
    return ("<h2>Pairwise</h2><p class=note>Against the run's baseline, judged in both orders; per category in "
            "summary.json (<code>pairwise</code>). The length-controlled win rate is AlpacaEval 2's GLM "
            "(length_controlled_minimal): the win rate predicted at equal answer lengths; the length coefficient "
            "is how much this judge rewards a longer answer.</p>" + html_table(
                ["run", "judge scorer", "task", "answer language", "judged", "failed", "win", "tie", "loss",
                 "win rate (win + tie/2)", "95% CI", "length-controlled win rate", "SE", "length coefficient",
                 "wins alone", "position consistency"], rows, "pairwise"))


def _jury_section(runs: list[Run]) -> str:
    """A jury's agreement (summary.json ``jury``): per judge scorer and task, the judges, the
    samples all of them judged, Cohen's or Fleiss' kappa with its 95 % CI, and the share where all
    agreed; each judge's own failures and token use."""
    rows = []
    for run in runs:
        members = (run.summary.get("judge") or {}).get("jury") or {}
        usage = (run.summary.get("judge") or {}).get("usage") or {}
        for row in run.summary.get("jury", []):
            ci = (f"{_number(row.get('kappa_ci_low'))}-{_number(row.get('kappa_ci_high'))}"
                  if row.get("kappa_ci_low") is not None else "")
            judges = "; ".join(f"{name}: {members.get(name, '?')} ({usage.get(name, {}).get('completion_tokens', '?')} "
                               "tokens out)" for name in row.get("judges", []))
            rows.append([run.label, row["scorer"], row["task"], judges, row.get("n"), row.get("method"),
                         row.get("kappa"), ci, row.get("all_agree")])
    if not rows:
        return ""
    return ("<h2>Jury agreement</h2><p class=note>Several judges on every sample (<code>--judge A --judge B</code>): "
            "each judge's own score is the metric <code>scorer@jN</code>; the jury's is their mean (majority for "
            "pairwise).</p>" + html_table(["run", "judge scorer", "task", "judges", "judged by all", "kappa",
                                          "value", "95% CI", "all agree"], rows, "jury"))


def _conversation_section(runs: list[Run]) -> str:
    """Judged conversations (MT-Bench, KoMT-Bench): a chart per judge scorer and task of each
    category's score (turns 1 and 2 and both, on the 1-10 scale), and the table of every category
    with its CIs and failed judgments."""
    charts, rows = [], []
    for run in runs:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in run.summary.get("conversations", []):
            groups.setdefault((row["scorer"], row["task"]), []).append(row)
            ci = (f"{_number(row.get('score_ci_low'))}-{_number(row.get('score_ci_high'))}"
                  if row.get("score_n") else "")
            rows.append([run.label, row["scorer"], row["task"], row["category"], row.get("turn1"), row.get("turn2"),
                         row.get("score"), ci, row.get("score_n"), row.get("score_n_failed"),
                         row.get("score_unpenalised")])
        for (scorer, task), members in groups.items():
            categories = [m["category"] for m in members]
            charts.append(bar_chart(f"{run.label} · {task} · {scorer}: score per category (1-10)", categories, {
                "turn 1": [m.get("turn1") for m in members], "turn 2": [m.get("turn2") for m in members],
                "both turns": [m.get("score") for m in members]}, low=0.0, high=10.0,
                chart_id=f"conversation-{task}"))
    if not rows:
        return ""
    return ("<h2>Judged conversations</h2><p class=note>MT-Bench-style two-turn conversations, each turn graded "
            "1-10 by the judge (FastChat's prompts); mean per turn and over both, per category, as FastChat's "
            "show_result.py reports them; failed judgments are counted, never averaged in. KoMT-Bench's score is "
            "after its language penalty, the unpenalised one beside it.</p>" + "".join(charts) + html_table(
                ["run", "judge scorer", "task", "category", "turn 1", "turn 2", "score", "95% CI", "judged",
                 "failed", "unpenalised"], rows, "conversations"))


def _judges_section(checks: list[dict[str, Any]] | None) -> str:
    """The judge checks of the results folder (``xeval judge-check``): which judge to trust for which
    language, per pair set and subset (the leaderboard's judges table)."""
    if not checks:
        return ""
    from xeval.results.judges import judges_table

    table = judges_table(checks)
    rows = [[None if isinstance(v, float) and math.isnan(v) else v for v in row]
            for row in table.itertuples(index=False)]
    return ("<h2>Judges</h2><p class=note>Each judge on labelled preference pairs, both orders (<code>xeval "
            "judge-check</code>): accuracy (mean of the two orders), with the better answer first and second, "
            "positional agreement, kappa between the orders.</p>" + html_table(list(table.columns), rows, "judges"))


def build_report(runs: list[Run], judge_checks: list[dict[str, Any]] | None = None) -> str:
    if not runs:
        raise XevalError("no runs to report")
    leaderboard, table = _leaderboard_section(runs)
    payload = {"runs": [run.label for run in runs], "samples": sample_rows(runs)}
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    body = "".join([
        f"<header><h1>xeval report</h1><p class=note>{len(runs)} run(s), generated {_e(generated)}</p></header>",
        _runs_section(runs), leaderboard,
        "<h2>By language</h2>" + _language_chart(table) if not table.empty else "",
        _facet_charts(runs), _matrix_section(runs), _instruction_section(runs), _judge_section(runs),
        _pairwise_section(runs), _jury_section(runs), _conversation_section(runs), _judges_section(judge_checks),
        SAMPLE_BROWSER,
    ])
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>xeval report</title><style>{STYLE}</style></head><body>{body}"
            f'<script type="application/json" id="xeval-data">{_json_for_script(payload)}</script>'
            f"<script>{SCRIPT}</script></body></html>\n")


STYLE = """
body{font-family:system-ui,"Noto Sans CJK KR","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",
"Noto Sans CJK JP",sans-serif;margin:24px;color:#222;max-width:1400px}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.note{color:#666;font-size:13px}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8;position:sticky;top:0}
td{font-variant-numeric:tabular-nums}
.chart{display:inline-block;margin:8px 24px 8px 0}.chart figcaption{font-size:13px;font-weight:600}
.grid{stroke:#e5e5e5}.tick{font-size:11px;fill:#555}
.legend{font-size:12px}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
#filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin:8px 0;font-size:13px}
#filters label{display:flex;flex-direction:column;gap:2px}
#samples td.text{white-space:pre-wrap;max-width:420px;word-break:break-word}
#samples .err{color:#b00020}.score{margin-bottom:4px}
details{font-size:12px}details pre{white-space:pre-wrap;max-width:420px;margin:2px 0}
"""

SAMPLE_BROWSER = """
<h2>Samples</h2>
<div id="filters">
<label>run<select id="f-run"><option value="">all</option></select></label>
<label>task<select id="f-task"><option value="">all</option></select></label>
<label>language<select id="f-lang"><option value="">all</option></select></label>
<label>metric<select id="f-metric"><option value="">any</option></select></label>
<label>min<input id="f-min" type="number" step="any" size="6"></label>
<label>max<input id="f-max" type="number" step="any" size="6"></label>
<label>text<input id="f-text" type="search" size="16"></label>
<label><span><input id="f-errors" type="checkbox"> errors only</span></label>
<span id="f-count" class="note"></span>
</div>
<div class="scroll"><table id="samples"><thead><tr><th>run</th><th>task</th><th>language</th><th>prompt</th>
<th>answer</th><th>scores</th></tr></thead><tbody></tbody></table></div>
"""

SCRIPT = r"""
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("xeval-data").textContent);
  const samples = data.samples;
  const $ = (id) => document.getElementById(id);
  const LIMIT = 500;
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function fill(select, values, labels) {
    values.forEach((v, i) => { const o = el("option", labels ? labels[i] : v); o.value = v; select.appendChild(o); });
  }
  const uniq = (xs) => Array.from(new Set(xs)).sort();
  fill($("f-run"), data.runs.map((_, i) => String(i)), data.runs);
  fill($("f-task"), uniq(samples.map((s) => s.task)));
  fill($("f-lang"), uniq(samples.map((s) => s.lang)));
  fill($("f-metric"), uniq(samples.flatMap((s) => Object.keys(s.scores))));
  function fmt(v) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v); }
  function scoresCell(s) {
    const td = el("td");
    Object.entries(s.scores).forEach(([name, sc]) => {
      const div = el("div", null, "score");
      div.appendChild(el("b", name + ": "));
      const missing = sc.value === null || sc.value === undefined;
      div.appendChild(missing ? el("span", "not scored: " + (sc.error || "?"), "err") : el("span", fmt(sc.value)));
      const extra = Object.entries(sc.extra || {}).map(([k, v]) => k + " " + fmt(v)).join(", ");
      if (extra) div.appendChild(el("div", extra, "note"));
      if (sc.outcome) div.appendChild(el("div", "outcome: " + sc.outcome, "note"));
      if (sc.rationale) {
        const d = el("details");
        d.appendChild(el("summary", "judge rationale"));
        d.appendChild(el("pre", sc.rationale));
        div.appendChild(d);
      }
      td.appendChild(div);
    });
    return td;
  }
  function row(s) {
    const tr = el("tr");
    tr.dataset.lang = s.lang; tr.dataset.task = s.task; tr.dataset.run = String(s.run);
    tr.appendChild(el("td", data.runs[s.run]));
    tr.appendChild(el("td", s.task + "\n" + (s.id || ""), "text"));
    tr.appendChild(el("td", "in " + s.lang + " / tpl " + s.tpl + "\nanswer " + s.answer_lang, "text"));
    tr.appendChild(el("td", s.prompt, "text"));
    const answer = el("td", null, "text");
    if (s.error) answer.appendChild(el("div", "error: " + s.error, "err"));
    answer.appendChild(el("div", s.answer === null || s.answer === undefined ? "" : s.answer));
    if (s.references && s.references.length) {
      answer.appendChild(el("div", "reference: " + s.references.join(" | "), "note"));
    }
    tr.appendChild(answer);
    tr.appendChild(scoresCell(s));
    return tr;
  }
  function matches(s, f) {
    if (f.run !== "" && String(s.run) !== f.run) return false;
    if (f.task && s.task !== f.task) return false;
    if (f.lang && s.lang !== f.lang) return false;
    const unscored = Object.values(s.scores).some((x) => x.value === null || x.value === undefined);
    if (f.errors && !s.error && !unscored) return false;
    if (f.metric) {
      const sc = s.scores[f.metric];
      if (!sc) return false;
      if ((f.min !== null || f.max !== null) && (sc.value === null || sc.value === undefined)) return false;
      if (f.min !== null && sc.value < f.min) return false;
      if (f.max !== null && sc.value > f.max) return false;
    }
    if (f.text) {
      const hay = (s.prompt + "\n" + (s.answer || "") + "\n" + s.task).toLowerCase();
      if (!hay.includes(f.text)) return false;
    }
    return true;
  }
  function num(id) { const v = $(id).value; return v === "" ? null : Number(v); }
  function render() {
    const f = { run: $("f-run").value, task: $("f-task").value, lang: $("f-lang").value, metric: $("f-metric").value,
                min: num("f-min"), max: num("f-max"), text: $("f-text").value.trim().toLowerCase(),
                errors: $("f-errors").checked };
    const shown = samples.filter((s) => matches(s, f));
    const body = document.querySelector("#samples tbody");
    body.replaceChildren(...shown.slice(0, LIMIT).map(row));
    $("f-count").textContent = shown.length + " of " + samples.length + " samples" +
      (shown.length > LIMIT ? " (first " + LIMIT + " shown)" : "");
  }
  ["f-run", "f-task", "f-lang", "f-metric", "f-errors"].forEach((id) => $(id).addEventListener("change", render));
  ["f-min", "f-max", "f-text"].forEach((id) => $(id).addEventListener("input", render));
  const params = new URLSearchParams(location.hash.slice(1));
  ["run", "task", "lang", "metric"].forEach((k) => { if (params.has(k)) $("f-" + k).value = params.get(k); });
  render();
})();
"""
