"""The lm-evaluation-harness bridge, both ways.

* xeval metrics for lm-eval task YAMLs: ``metric: !function xeval.lmeval.rouge_l`` (Korean-aware
  ROUGE-L) and ``metric: !function xeval.lmeval.language_correct`` (with ``language: ko``); for
  IFEval-format tasks ``process_results: !function xeval.lmeval.ifeval_results_<language>`` (lm-eval's
  four ifeval metrics from xeval's checkers) with ``aggregation: !function xeval.lmeval.agg_inst_level_acc``.
* xeval models under lm-eval: the lm-eval model ``xeval`` (registered when this module is
  imported) takes any xeval model spec, so any lm-eval task runs through xeval's adapters,
  call cache and concurrency. ``python -m xeval.lmeval ...`` is ``lm_eval ...`` with it
  registered: ``python -m xeval.lmeval --model xeval --model_args spec=embedded --tasks ...``.
* lm-eval tasks under xeval: ``xeval run --tasks lm_eval:TASK`` (see :func:`load_lm_eval_tasks`).
* lm-eval results onto the leaderboard: ``xeval import-lmeval RESULTS.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

if __name__ == "__main__":  # `python -m xeval.lmeval`: run the one registered copy of this module
    import importlib

    sys.exit(importlib.import_module("xeval.lmeval").main())

from xeval.language.identify import LanguageIdentifier
from xeval.scoring.builtin import rouge_l_auto as _rouge_l

_IDENTIFIERS: dict[tuple[str, ...], LanguageIdentifier] = {}


def rouge_l(references: list[str], predictions: list[str], **kwargs: Any) -> float:
    """lm-eval metric: ROUGE-L F1 of one prediction against its references, as xeval's rougeL
    scorer: Mecab-ko morphemes for Korean references, word tokens otherwise."""
    return max(_rouge_l(predictions[0], str(ref)) for ref in references)


def language_correct(references: list[str], predictions: list[str], language: str = "en",
                     languages: list[str] | None = None, **kwargs: Any) -> float:
    """lm-eval metric: 1.0 when the prediction is in ``language`` (script, then language ID)."""
    candidates = tuple(sorted({language, *(languages or [])}))
    identifier = _IDENTIFIERS.setdefault(candidates, LanguageIdentifier(candidates))
    return float(identifier.detect(predictions[0]).language == language)


# Verifiable instruction following under lm-eval: an IFEval-format task's ``process_results``
# (``!function xeval.lmeval.ifeval_results_ko``: one per language, since lm-eval hands it only the
# document and the answer, and the checkers count words and sentences in the task's language)
INSTRUCTION_METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
                       "inst_level_loose_acc")


def _instruction_results(language: str) -> Callable[[dict[str, Any], list[str]], dict[str, Any]]:
    def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
        """lm-eval ``process_results`` of an IFEval-format task in this language: lm-eval's four
        ifeval metrics from xeval's checkers, exactly as xeval's own scorers compute them
        (prompt level a bool, instruction level the list of verdicts, for ``agg_inst_level_acc``)."""
        import hashlib
        import json

        from xeval.scoring.instructions.scorer import instruction_verdicts
        from xeval.types import Message, Sample

        prompt = doc.get("prompt")
        # the verdicts are memoised per sample key and answer: a key no other document shares
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
        sample = Sample(id=f"{doc.get('key')}-{digest[:16]}", task=f"lm_eval:ifeval_{language}",
                        input_language=language, template_language=language, answer_language=language,
                        output_type="generate_until",
                        messages=(Message(role="user", content=prompt if isinstance(prompt, str) else ""),),
                        metadata={"doc": doc})
        found = instruction_verdicts(sample, results[0])  # InstructionDataError: lm-eval shows the row's reason
        strict, loose = [bool(v["strict"]) for v in found], [bool(v["loose"]) for v in found]
        return {"prompt_level_strict_acc": all(strict), "inst_level_strict_acc": strict,
                "prompt_level_loose_acc": all(loose), "inst_level_loose_acc": loose}

    process_results.__name__ = process_results.__qualname__ = f"ifeval_results_{language}"
    return process_results


ifeval_results_en = _instruction_results("en")
ifeval_results_ko = _instruction_results("ko")
ifeval_results_ja = _instruction_results("ja")
ifeval_results_zh = _instruction_results("zh")
ifeval_results_es = _instruction_results("es")
ifeval_results_ca = _instruction_results("ca")
ifeval_results_fr = _instruction_results("fr")
ifeval_results_pt = _instruction_results("pt")
ifeval_results_it = _instruction_results("it")
ifeval_results_ru = _instruction_results("ru")
ifeval_results_hi = _instruction_results("hi")
ifeval_results_ar = _instruction_results("ar")
ifeval_results_th = _instruction_results("th")
ifeval_results_vi = _instruction_results("vi")


def agg_inst_level_acc(items: list[list[bool]]) -> float:
    """lm-eval aggregation of the instruction-level metrics: the share of every prompt's
    instructions followed, pooled over instructions (lm-eval ifeval's ``agg_inst_level_acc``)."""
    flat = [bool(x) for verdicts in items for x in verdicts]
    return sum(flat) / len(flat) if flat else float("nan")


def _register() -> Any:
    from lm_eval.api.model import LM
    from lm_eval.api.registry import register_model

    from xeval.models.cache import CACHE_FILE, CachedModel, CallCache
    from xeval.models.registry import load_model
    from xeval.paths import cache_dir
    from xeval.types import GenerationRequest, GenerationSettings, LoglikelihoodRequest, Message

    @register_model("xeval")
    class XevalLM(LM):
        """An lm-eval model backed by any xeval model spec (``spec=embedded``, ``spec=hf:ID``,
        ``spec=openai:MODEL@URL``...). Contexts go to the model as raw text (chat template
        ``plain``), as lm-eval sends them; ``cache=false`` turns xeval's call cache off."""

        def __init__(self, spec: str = "embedded", cache: bool = True, cache_dir_: str | None = None,
                     **kwargs: Any) -> None:
            super().__init__()
            for key in ("batch_size", "max_batch_size", "device"):  # lm-eval's own; xeval batches itself
                kwargs.pop(key, None)
            if not spec.startswith(("openai:", "none", "scripted:", "responses:")):  # those take no template
                kwargs.setdefault("chat_template", "plain")  # lm-eval sends rendered raw text
            adapter = load_model(spec, kwargs)
            self.adapter: Any = CachedModel(adapter, CallCache((cache_dir_ and __import__("pathlib").Path(cache_dir_)
                                                                or cache_dir()) / CACHE_FILE)) if cache else adapter
            self.spec = spec

        def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
            calls = [LoglikelihoodRequest(context=r.args[0], continuation=r.args[1]) for r in requests]
            # is_greedy is not computed by xeval's adapters: reported False
            return [(value, False) for value in self.adapter.loglikelihood(calls)]

        def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
            raise NotImplementedError("the xeval lm-eval model does not compute rolling log-likelihoods "
                                      "(perplexity tasks): use lm-eval's own hf model for those")

        def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
            calls = []
            for request in requests:
                context, gen_kwargs = request.args
                until = gen_kwargs.get("until") or []
                temperature = float(gen_kwargs.get("temperature", 0.0) or 0.0)
                if not gen_kwargs.get("do_sample", temperature > 0):
                    temperature = 0.0
                settings = GenerationSettings(max_tokens=int(gen_kwargs.get("max_gen_toks", 256)),
                                              temperature=temperature,
                                              stop=tuple([until] if isinstance(until, str) else until))
                calls.append(GenerationRequest(messages=(Message(role="user", content=context),), settings=settings))
            completions = self.adapter.generate(calls)
            failed = [c.error for c in completions if c.error]
            if failed:
                raise RuntimeError(f"xeval model {self.spec}: {len(failed)} generation(s) failed: {failed[0]}")
            return [c.text for c in completions]

    return XevalLM


try:
    XevalLM = _register()
except ImportError:  # lm-eval not installed: the metric functions above still work
    XevalLM = None


from xeval.tasks.task_index import LM_EVAL_PREFIX  # noqa: E402 - after the model registration above


class LmEvalMetric:
    """One of an lm-eval task's metrics, computed by the task's own ``process_results``; for
    generation, on the answer after one of the task's own filter pipelines (its ``filter_list``),
    named ``metric,pipeline`` as lm-eval names it (the default pipeline ``none`` keeps the name)."""

    answers_all_repeats = True  # the filter pipeline takes every repeat, as in lm-eval

    def __init__(self, task: Any, name: str, pipeline: Any = None) -> None:
        self.task, self.pipeline = task, pipeline
        self.metric = name
        self.name = name if pipeline is None or pipeline.name == "none" else f"{name},{pipeline.name}"
        from xeval.types import MetricFacts

        higher = (getattr(task, "_higher_is_better", None) or {}).get(name)
        self.facts = {self.name: MetricFacts(higher_is_better=higher is not False,
                                             about=f"lm-eval's {name} (the task's process_results)")}

    def _filtered(self, answers: list[str], doc: Any) -> Any:
        if self.pipeline is None:
            return answers[0]
        resps: Any = [answers]
        for make in self.pipeline.filters:
            resps = make().apply(resps, [doc])
        return list(resps)[0]

    def score(self, samples: list[Any], predictions: list[Any]) -> list[Any]:
        from xeval.types import Score

        out = []
        for sample, prediction in zip(samples, predictions, strict=True):
            if prediction.error:
                out.append(Score(scorer=self.name, error=f"no prediction: {prediction.error}"))
                continue
            doc = sample.metadata["doc"]
            answers = [r.text for r in prediction.repeats] if prediction.repeats else [prediction.text]
            results: Any = ([(lp, False) for lp in prediction.choice_logprobs]
                            if prediction.choice_logprobs is not None else [self._filtered(answers, doc)])
            value = self.task.process_results(doc, results).get(self.metric)
            if isinstance(value, bool | int | float):
                out.append(Score(scorer=self.name, value=float(value)))
            elif isinstance(value, list) and value and all(isinstance(v, bool | int | float) for v in value):
                # per-item verdicts (an instruction-level metric): their share, weighted by their
                # number in the summary, as lm-eval's agg_inst_level_acc pools them
                out.append(Score(scorer=self.name, value=sum(map(float, value)) / len(value),
                                 details={"weight": len(value)}))
            else:
                out.append(Score(scorer=self.name, error=f"lm-eval metric {self.metric} is not per-sample: {value!r}"))
        return out


def load_lm_eval_tasks(selection: str, limit: int | None, include_path: str | list[str] | None = None,
                       language: str | None = None, num_fewshot: int | None = None,
                       fewshot_seed: int = 1234) -> list[tuple[Any, list[Any], list[Any]]]:
    """``lm_eval:TASK`` -> (TaskSpec, samples, lm-eval metric scorers), with lm-eval's own
    rendering of every request (``build_all_requests``), so the prompts are lm-eval's; few-shot
    settings are applied as ``lm_eval.simple_evaluate`` applies them."""
    from lm_eval.tasks import TaskManager, get_task_dict

    from xeval.errors import ConfigError, MissingDependencyError
    from xeval.language.identify import LanguageIdentifier
    from xeval.tasks.taskspec import TaskSpec, record_row_languages
    from xeval.types import Message, Sample

    name = selection[len(LM_EVAL_PREFIX):]
    try:
        manager = TaskManager(include_path=include_path)
        task = get_task_dict([name], manager)[name]
    except ImportError as exc:
        raise MissingDependencyError(f"lm-eval task {name!r}", f"'xeval[lmeval]' ({exc.name})") from None
    except Exception as exc:  # noqa: BLE001 - lm-eval raises many kinds for a bad task or dataset
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"lm-eval task {name!r} cannot be loaded: {first}") from None
    output_type = task.OUTPUT_TYPE
    if output_type not in {"multiple_choice", "generate_until"}:
        raise ConfigError(f"lm-eval task {name!r} is {output_type}: xeval runs multiple_choice and generate_until")
    configured = task.get_config("num_fewshot")
    if num_fewshot is not None and configured != 0:
        task.set_config(key="num_fewshot", value=num_fewshot)
    elif configured is None:
        task.set_config(key="num_fewshot", value=0)
    task.set_fewshot_seed(seed=fewshot_seed)
    task.build_all_requests(limit=limit, rank=0, world_size=1)
    by_doc: dict[int, list[Any]] = {}
    for instance in task.instances:
        by_doc.setdefault(instance.doc_id, []).append(instance)
    identifier = LanguageIdentifier(("ko", "en", "ja", "zh", "fr", "de", "es", "ru", "pt"))
    spec = TaskSpec(task=selection, dataset_path=str(task.config.dataset_path), doc_to_text="lm_eval",
                    num_fewshot=task.get_config("num_fewshot"), repeats=task.get_config("repeats"),
                    generation_kwargs=_generation_kwargs(task),
                    doc_to_target="lm_eval", output_type=output_type, source=f"lm_eval:{name}",
                    metadata={"version": str((task.config.metadata or {}).get("version", "0")),
                              "xeval": {"scorers": [] if output_type == "multiple_choice" else ["language"]}})
    samples = []
    for doc_id in sorted(by_doc):
        instances = sorted(by_doc[doc_id], key=lambda i: i.idx)
        doc, context = instances[0].doc, instances[0].args[0]
        detected = language or identifier.detect(context).language
        common: dict[str, Any] = {"id": str(doc_id), "task": selection, "input_language": detected,
                                  "template_language": detected, "answer_language": detected,
                                  "output_type": output_type,
                                  "messages": (Message(role="user", content=context),),
                                  "metadata": {"doc": doc}}
        if output_type == "multiple_choice":
            choices = [i.args[1] for i in instances]
            gold = task.doc_to_target(doc)
            if isinstance(gold, str):
                gold = task.doc_to_choice(doc).index(gold)
            samples.append(Sample(**common, context=context, choices=choices, target_delimiter="",
                                  gold=int(gold), references=[choices[int(gold)]]))
        else:
            samples.append(Sample(**common, references=[str(task.doc_to_target(doc))]))
    pipelines = list(getattr(task, "_filters", None) or [None]) if output_type == "generate_until" else [None]
    metrics = [LmEvalMetric(task, m, pipeline) for pipeline in pipelines for m in task._metric_fn_list]
    record_row_languages(spec, samples)
    return [(spec, samples, metrics)]


def _generation_kwargs(task: Any) -> dict[str, Any]:
    """The generation settings lm-eval sends with the task's requests (stops included)."""
    if task.OUTPUT_TYPE != "generate_until" or not task.instances:
        return {}
    kwargs = task.instances[0].args[1]
    return dict(kwargs) if isinstance(kwargs, dict) else {}


def main() -> int:
    """``lm_eval`` with the ``xeval`` model registered."""
    from lm_eval.__main__ import cli_evaluate

    cli_evaluate()
    return 0
