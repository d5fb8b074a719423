"""alpaca_eval's own length-controlled win rates, and xeval's, on AlpacaEval 2's released annotations.

Run in a virtual environment with ``alpaca-eval==0.6.6`` (it brings scikit-learn and patsy)::

    python3.11 -m venv /work/refvenv-alpaca && /work/refvenv-alpaca/bin/pip install alpaca-eval==0.6.6
    /work/refvenv-alpaca/bin/python bench/length_control/alpaca_eval_reference.py --repo <alpaca_eval checkout>

``--repo``: a git checkout (or bare git directory) of ``tatsu-lab/alpaca_eval``; every
``results/<model>/weighted_alpaca_eval_gpt4_turbo/annotations.json`` stored as real JSON at its
HEAD (not a Git LFS pointer) is read. For each model, ``get_length_controlled_winrate`` of
``alpaca_eval.metrics.glm_winrate`` is called with the formulas that need no hub file,
``length_controlled_minimal`` and ``length_controlled_noreg``; its ``hf_hub_download`` of
``df_gamed.csv`` is stubbed by a file that carries only the instruction difficulty (those two
formulas read nothing else from it). xeval's :func:`length_controlled_win_rate` (imported from
its file, so only numpy and scikit-learn are needed) is run on the same annotations.

The instruction difficulty is derived as ``notebooks/instruction_difficulty.ipynb`` does it: the
per-instruction weight (``C(index)``, treatment coded, instruction 0 at 0) of one joint logistic
GLM over every model's annotations with a bias and a ``tanh`` length slope per model (length
difference standardised per model), soft labels as ``fit_LogisticRegressionCV``; here with ``C``
fixed at 100 (its ``n_splits=0`` setting) instead of cross-validated, and without the notebook's
random jitter of the lengths.

Writes:
* ``tests/results/fixtures/length_control/``: ``annotations.json`` (the fixture models'
  preferences and answer lengths only), ``instruction_difficulty.csv`` and
  ``alpaca_eval_figures.json`` (alpaca_eval's figures for the fixture models);
* ``bench/length_control/lc_equality.md``: the equality table over every model read.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "results" / "fixtures" / "length_control"
TABLE = ROOT / "bench" / "length_control" / "lc_equality.md"
ANNOTATOR = "weighted_alpaca_eval_gpt4_turbo"
FIXTURE_MODELS = ("alpaca-7b", "phi-2", "gpt-3.5-turbo-1106", "gpt4_0613_concise", "FuseChat-Gemma-2-9B-Instruct")
TOLERANCE = 0.05


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def released_annotations(repo: Path) -> dict[str, list[dict]]:
    """Every model's annotations stored as JSON at HEAD (LFS pointers and absent blobs skipped)."""
    out: dict[str, list[dict]] = {}
    for line in git(repo, "ls-tree", "-r", "-l", "HEAD", "results/").splitlines():
        meta, path = line.split("\t", 1)
        if not path.endswith(f"/{ANNOTATOR}/annotations.json") or meta.split()[-1] in {"-", "BAD"}:
            continue
        try:
            rows = json.loads(git(repo, "show", f"HEAD:{path}"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            continue
        if isinstance(rows, list) and rows and "preference" in rows[0]:
            out[path.split("/")[1]] = rows
    return out


def trimmed(rows: list[dict]) -> dict[str, list]:
    """What the GLM reads: alpaca_eval's preference (1 baseline better ... 2 model better, 0 a tie)
    and the two answers' lengths in characters (output_1 is the baseline)."""
    return {"preference": [None if r.get("preference") is None or pd.isna(r["preference"]) else float(r["preference"])
                           for r in rows],
            "len_output_1": [len(r["output_1"] or "") for r in rows],
            "len_output_2": [len(r["output_2"] or "") for r in rows]}


def to_unit(preference: float | None) -> float | None:
    """alpaca_eval's preference as xeval's: in [0, 1], 1 = the model (output_2) better."""
    return None if preference is None else (1.5 if preference == 0.0 else preference) - 1


def derive_difficulty(models: dict[str, dict[str, list]]) -> pd.Series:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    names = sorted(models)
    rows, cols, vals, prefs = [], [], [], []
    n_items = len(next(iter(models.values()))["preference"])
    width = 2 * len(names) + (n_items - 1)
    r = 0
    for m, name in enumerate(names):
        d = models[name]
        delta = np.array(d["len_output_1"], float) - np.array(d["len_output_2"], float)
        delta = delta / delta.std(ddof=1)
        for i, (p, dl) in enumerate(zip(d["preference"], delta, strict=True)):
            u = to_unit(p)
            if u is None:
                continue
            entries = [(2 * m, np.tanh(dl)), (2 * m + 1, 1.0)] + ([(2 * len(names) + i - 1, 1.0)] if i > 0 else [])
            for c, v in entries:
                rows.append(r)
                cols.append(c)
                vals.append(v)
            prefs.append(u)
            r += 1
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(r, width))
    y = np.array(prefs)
    x_dup = sparse.vstack([x, x]).tocsr()
    y_dup = np.concatenate([np.ones(r), np.zeros(r)])
    weight = np.concatenate([y, 1 - y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = LogisticRegression(C=100, l1_ratio=1.0, solver="liblinear", fit_intercept=False, random_state=123)
        model.fit(x_dup, y_dup, sample_weight=weight)
    weights = np.concatenate([[0.0], model.coef_[0][2 * len(names):]])
    return pd.Series(weights, index=pd.RangeIndex(n_items, name="index"), name="instruction_difficulty")


def alpaca_figures(rows: list[dict], glm_name: str) -> dict[str, float]:
    from alpaca_eval.metrics import glm_winrate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = glm_winrate.get_length_controlled_winrate(rows, glm_name=glm_name, save_weights_dir=None,
                                                            is_warn_extreme_changes=False)
    return {key: float(metrics[key]) for key in ("win_rate", "length_controlled_winrate", "lc_standard_error")}


def xeval_module():
    path = ROOT / "harness" / "xeval" / "results" / "length_control.py"
    spec = importlib.util.spec_from_file_location("xeval_length_control", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def xeval_figures(lc, data: dict[str, list], difficulty: pd.Series | None) -> dict[str, float]:
    samples = [lc.LengthSample(to_unit(p), float(l2), float(l1), i) for i, (p, l1, l2) in
               enumerate(zip(data["preference"], data["len_output_1"], data["len_output_2"], strict=True))]
    result = lc.length_controlled_win_rate(samples, None if difficulty is None else difficulty.to_dict())
    return {"length_controlled_winrate": result.win_rate, "lc_standard_error": result.standard_error,
            "length_coef": result.length_coef, "sampling_se": result.sampling_se}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/.mirror/tatsu-lab+alpaca_eval/repo"))
    args = parser.parse_args()
    import alpaca_eval
    from alpaca_eval.metrics import glm_winrate

    released = released_annotations(args.repo)
    commit = git(args.repo, "rev-parse", "HEAD").strip()
    # the baseline against itself has no fit (alpaca_eval returns 50 by construction)
    models = {m: rows for m, rows in released.items() if rows[0].get("generator_1") != rows[0].get("generator_2")}
    data = {m: trimmed(rows) for m, rows in models.items()}
    print(f"{len(models)} models' annotations read at {commit}", file=sys.stderr)
    # alpaca_eval keys the difficulty by the row's position: derived from the models that answered
    # all 805 instructions in the evaluation set's order
    order = next([r["instruction"] for r in rows] for m, rows in sorted(models.items()) if len(rows) == 805)
    complete = {m: data[m] for m, rows in models.items() if [r["instruction"] for r in rows] == order}
    print(f"difficulty from {len(complete)} models", file=sys.stderr)
    difficulty = derive_difficulty(complete)

    stub = Path("/tmp") / "xeval_lc_df_gamed.csv"
    difficulty.reset_index().assign(model="stub").to_csv(stub, index=False)
    glm_winrate.hf_hub_download = lambda **_: str(stub)  # the hub's df_gamed.csv: only the difficulty is read

    lc = xeval_module()
    table = []
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for model in sorted(models, key=str.lower):
        figures[model] = {}
        for formula, diff in (("minimal", None), ("noreg", difficulty)):
            start = time.perf_counter()
            ref = alpaca_figures(models[model], f"length_controlled_{formula}")
            ours = xeval_figures(lc, data[model], diff)
            figures[model][formula] = {**ref, "xeval": ours}
            table.append((model, formula, ref["win_rate"], ref["length_controlled_winrate"],
                          ours["length_controlled_winrate"],
                          ours["length_controlled_winrate"] - ref["length_controlled_winrate"],
                          ref["lc_standard_error"], ours["lc_standard_error"], ours["length_coef"],
                          ours["sampling_se"]))
            print(f"{model:45s} {formula:8s} alpaca_eval {ref['length_controlled_winrate']:8.4f} xeval "
                  f"{ours['length_controlled_winrate']:8.4f} ({time.perf_counter() - start:.2f}s)", file=sys.stderr)

    FIXTURE.mkdir(parents=True, exist_ok=True)
    (FIXTURE / "annotations.json").write_text(json.dumps({m: data[m] for m in FIXTURE_MODELS}, separators=(",", ":")))
    difficulty.to_csv(FIXTURE / "instruction_difficulty.csv", float_format="%.10g")
    (FIXTURE / "alpaca_eval_figures.json").write_text(json.dumps({
        "alpaca_eval": alpaca_eval.__version__, "source": f"tatsu-lab/alpaca_eval@{commit}", "annotator": ANNOTATOR,
        "figures": {m: {f: {k: v for k, v in figures[m][f].items() if k != "xeval"} for f in figures[m]}
                    for m in FIXTURE_MODELS}}, indent=1) + "\n")

    worst = {f: max(abs(row[5]) for row in table if row[1] == f) for f in ("minimal", "noreg")}
    lines = [
        "# Length-controlled win rate: alpaca_eval's own function vs xeval",
        "",
        f"alpaca-eval {alpaca_eval.__version__} `get_length_controlled_winrate` (hub download stubbed) and xeval's "
        f"`length_controlled_win_rate` on the released `{ANNOTATOR}` annotations of tatsu-lab/alpaca_eval@"
        f"{commit[:12]} ({len(models)} models; baseline gpt4_1106_preview). `noreg` uses the instruction "
        "difficulty shipped in `tests/results/fixtures/length_control/instruction_difficulty.csv`. "
        f"Max |difference|: minimal {worst['minimal']:.2g}, noreg {worst['noreg']:.2g} points "
        f"(tolerance {TOLERANCE}).",
        "",
        "| model | formula | raw win rate | alpaca_eval LC | xeval LC | difference | alpaca_eval SE | xeval SE "
        "| xeval length coef | xeval sampling SE |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m, f, raw, ref, ours, diff, ref_se, se, coef, sse in table:
        lines.append(f"| {m} | {f} | {raw:.2f} | {ref:.4f} | {ours:.4f} | {diff:+.2g} | {ref_se:.3g} | {se:.3g} | "
                     f"{coef:.3f} | {'' if sse is None else f'{sse:.2f}'} |")
    TABLE.write_text("\n".join(lines) + "\n")
    print(f"max |difference|: {worst}", file=sys.stderr)


if __name__ == "__main__":
    main()
