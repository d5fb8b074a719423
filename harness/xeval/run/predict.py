"""The one request/response path: samples -> model requests -> predictions.

Backends differ only in how they call the model; building requests, splitting choice sets
and recording failures on the sample live here, once.
"""

from __future__ import annotations

import re

from xeval.errors import XevalError
from xeval.models.base import ModelAdapter
from xeval.run.conversation import EARLIER_TURN_FAILED
from xeval.run.reasoning import DEFAULT_MARKERS, split_reasoning
from xeval.scoring.extract import choices_block, extract_choice
from xeval.scoring.korani import exact_choice
from xeval.types import (
    DATA_ERROR,
    SAMPLE_TEMPERATURE,
    Completion,
    GenerationRequest,
    GenerationSettings,
    LoglikelihoodRequest,
    Message,
    Prediction,
    Sample,
)


def generation_requests(samples: list[Sample], settings: GenerationSettings) -> list[GenerationRequest]:
    """One request a sample; an item with its own temperature (MT-Bench's by category) is asked at it."""
    return [GenerationRequest(messages=s.messages, settings=_item_settings(s, settings)) for s in samples]


def _item_settings(sample: Sample, settings: GenerationSettings) -> GenerationSettings:
    temperature = sample.metadata.get(SAMPLE_TEMPERATURE)
    if temperature is None or temperature == settings.temperature:
        return settings
    return settings.model_copy(update={"temperature": float(temperature)})


def choice_requests(sample: Sample) -> list[LoglikelihoodRequest]:
    assert sample.context is not None and sample.choices is not None
    return [
        LoglikelihoodRequest(context=sample.context, continuation=f"{sample.target_delimiter}{c}")
        for c in sample.choices
    ]


MC_MODES = ("loglik", "generate", "exact", "auto")
GENERATING_MC_MODES = ("generate", "exact")  # multiple choice answered by generation


def generates(mc_mode: str) -> bool:
    """Multiple choice under this mode is answered by generation (``generate``: choices shown
    lettered, the choice extracted; ``exact``: the task's own prompt, the reply equal to a choice's
    text as KORANI's run.py compares)."""
    return mc_mode in GENERATING_MC_MODES


CHOICES_SHOWN = "choices_shown"  # Sample.metadata: the prompt already lists the lettered choices
_ANSWER_CUE = re.compile(r"\n[^\n]{0,12}[:：]\s*$")  # a trailing 'Answer:' / '답:' line of a log-likelihood template


def with_choices_shown(sample: Sample) -> Sample:
    """The sample as multiple choice by generation asks it: its prompt with the choices lettered
    and an answer instruction in the template's language, before a trailing answer cue."""
    if sample.metadata.get(CHOICES_SHOWN) or not sample.choices:
        return sample
    messages = list(sample.messages) or [Message(role="user", content=sample.context or "")]
    last = messages[-1]
    content = last.content.rstrip()
    cue = _ANSWER_CUE.search(content)
    body, tail = (content[:cue.start()], content[cue.start():]) if cue else (content, "")
    block = choices_block(sample.choices, sample.template_language)
    messages[-1] = Message(role=last.role, content=f"{body}\n\n{block}{tail}")
    return sample.model_copy(update={"messages": tuple(messages), "metadata": {**sample.metadata, CHOICES_SHOWN: True}})


def predict(
    model: ModelAdapter, samples: list[Sample], settings: GenerationSettings, mc_mode: str = "loglik",
    markers: tuple[str, str] = DEFAULT_MARKERS,
) -> list[Prediction]:
    """Predictions for a batch of samples of one output type, in order.

    A backend failure on the batch becomes an error recorded on each of its samples (with the
    reason); a user-facing error (bad spec, unsupported operation) propagates.
    """
    if not samples:
        return []
    # Samples answered without the model: rows that cannot be scored (an answer outside its
    # choices) and answers produced elsewhere, scored as they are.
    fixed = [_without_model(s) for s in samples]
    if any(f is not None for f in fixed):
        rest = [s for s, f in zip(samples, fixed, strict=True) if f is None]
        produced = iter(predict(model, rest, settings, mc_mode, markers))
        return [f if f is not None else next(produced) for f in fixed]
    try:
        if samples[0].output_type == "multiple_choice" and mc_mode == "generate":
            # the samples as prepared (run.runner.prepare): their prompts list the choices lettered
            completions = model.generate(generation_requests(samples, settings))
            return [_extracted(s, c, markers) for s, c in zip(samples, completions, strict=True)]
        if samples[0].output_type == "multiple_choice" and mc_mode == "exact":
            completions = model.generate(generation_requests(samples, settings))
            return [_extracted(s, c, markers, exact=True) for s, c in zip(samples, completions, strict=True)]
        if samples[0].output_type == "multiple_choice":
            return _predict_choices(model, samples)
        completions = model.generate(generation_requests(samples, settings))
    except XevalError:
        raise
    except Exception as exc:  # noqa: BLE001 - a backend failure is recorded, not fatal
        if len(samples) > 1:  # failures stay per sample: the others of the batch are asked alone
            return [p for s in samples for p in predict(model, [s], settings, mc_mode, markers)]
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return [Prediction(error=reason)]
    return [_from_completion(c, markers) for c in completions]


def planned_requests(samples: list[Sample], settings: GenerationSettings, mc_mode: str) -> list[GenerationRequest]:
    """The generation requests ``predict`` sends for these samples (as prepared), in order (none
    where it asks for log-likelihoods or answers without the model)."""
    asked = [s for s in samples if _without_model(s) is None]
    if asked and asked[0].output_type == "multiple_choice" and not generates(mc_mode):
        return []
    return generation_requests(asked, settings)


def _without_model(sample: Sample) -> Prediction | None:
    if DATA_ERROR in sample.metadata:
        return Prediction(error=f"data: {sample.metadata[DATA_ERROR]}")
    if EARLIER_TURN_FAILED in sample.metadata:
        return Prediction(error=f"conversation: {sample.metadata[EARLIER_TURN_FAILED]}")
    if sample.prediction is not None:
        return Prediction(text=sample.prediction)
    return None


def _extracted(sample: Sample, completion: Completion, markers: tuple[str, str], exact: bool = False) -> Prediction:
    prediction = _from_completion(completion, markers)
    if prediction.error is None:
        assert sample.choices is not None
        if exact:
            index = exact_choice(prediction.text, sample.choices)
            return prediction.model_copy(update={"extracted": index, "extraction": "exact" if index is not None
                                                 else "unparseable"})
        found = extract_choice(prediction.text, sample.choices)
        prediction = prediction.model_copy(update={"extracted": found.index, "extraction": found.method})
    return prediction


def _from_completion(completion: Completion, markers: tuple[str, str] = DEFAULT_MARKERS) -> Prediction:
    """The answer alone in ``text``; a reasoning trace kept apart (an unclosed one leaves no answer)."""
    answer, trace, unclosed = split_reasoning(completion.text, completion.reasoning, markers)
    return Prediction(text=answer, reasoning=trace, reasoning_unclosed=unclosed, usage=completion.usage,
                      error=completion.error, missing=completion.missing)


def _predict_choices(model: ModelAdapter, samples: list[Sample]) -> list[Prediction]:
    requests: list[LoglikelihoodRequest] = []
    spans: list[tuple[int, int]] = []
    for sample in samples:
        batch = choice_requests(sample)
        spans.append((len(requests), len(requests) + len(batch)))
        requests.extend(batch)
    logprobs = model.loglikelihood(requests)
    predictions = []
    for sample, (start, end) in zip(samples, spans, strict=True):
        assert sample.choices is not None
        predictions.append(Prediction(
            choice_logprobs=[float(x) for x in logprobs[start:end]],
            choice_lengths=[len(c) for c in sample.choices],
            text=sample.choices[max(range(end - start), key=lambda i: logprobs[start + i])],
        ))
    return predictions
