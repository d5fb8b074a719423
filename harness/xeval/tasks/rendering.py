"""Turn a task's documents into Samples, with lm-evaluation-harness's doc_to_* semantics."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from xeval.errors import ConfigError
from xeval.tasks.fewshot import FewshotSampler, Shot, answer_text, join_system, multiturn_messages, plain_context
from xeval.tasks.taskspec import TaskSpec
from xeval.types import INSTRUCTION_SET, SAMPLE_TEMPERATURE, Conversation, Message, Sample


def _regex_replace(text: str, pattern: str, replacement: str = "", count: int = 0) -> str:
    return re.sub(pattern, replacement, text, count=count)


_ENV = jinja2.Environment(
    loader=jinja2.BaseLoader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)
_ENV.filters["regex_replace"] = _regex_replace


@lru_cache(maxsize=512)
def _compile(template: str) -> jinja2.Template:
    return _ENV.from_string(template)


def render_template(template: str, doc: dict[str, Any], where: str) -> str:
    try:
        return _compile(template).render(**doc)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{where}: bad template (line {exc.lineno}): {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"{where}: template refers to a missing field: {exc.message}") from None


def resolve_function(ref: dict[str, str], base_dir: Path, where: str) -> Callable[..., Any]:
    """lm-eval's ``!function module.name``: ``module.py`` beside the task YAML, else an
    importable module (as lm-eval resolves it)."""
    dotted = ref["__function__"]
    module_name, _, attr = dotted.rpartition(".")
    path = base_dir / f"{module_name.replace('.', '/')}.py"
    if not path.exists():
        try:
            imported = importlib.import_module(module_name)
        except ImportError:
            raise ConfigError(f"{where}: !function {dotted}: no {path} and no module {module_name!r}") from None
        fn = getattr(imported, attr, None)
        if not callable(fn):
            raise ConfigError(f"{where}: !function {dotted}: {attr!r} not found in {module_name}")
        return fn
    key = f"xeval_taskfn_{abs(hash(str(path)))}"
    module = sys.modules.get(key)
    if module is None:
        spec = importlib.util.spec_from_file_location(key, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"{where}: !function {dotted}: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ConfigError(f"{where}: !function {dotted}: {attr!r} not found in {path}")
    return fn


class DocRenderer:
    """Applies one task's doc_to_text / doc_to_target / doc_to_choice to documents."""

    def __init__(self, spec: TaskSpec) -> None:
        self.spec = spec
        self.base_dir = Path(spec.source).parent
        self.where = spec.source

    def _field(self, name: str) -> str:
        return f"{self.where}: field '{name}'"

    def _apply(self, value: Any, doc: dict[str, Any], name: str) -> Any:
        if isinstance(value, dict) and "__function__" in value:
            return resolve_function(value, self.base_dir, self._field(name))(doc)
        if isinstance(value, str):
            if value in doc:
                return doc[value]
            return render_template(value, doc, self._field(name))
        return value

    def text(self, doc: dict[str, Any]) -> str:
        value = self._apply(self.spec.doc_to_text, doc, "doc_to_text")
        return str(value)

    def choices(self, doc: dict[str, Any]) -> list[str] | None:
        raw = self.spec.doc_to_choice
        if raw is None:
            return None
        if isinstance(raw, list):
            return [str(c) for c in raw]
        if isinstance(raw, dict) and "__function__" not in raw:
            return [str(c) for c in raw.values()]
        value = self._apply(raw, doc, "doc_to_choice")
        if isinstance(value, str):
            try:
                value = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise ConfigError(
                    f"{self._field('doc_to_choice')}: rendered to {value[:60]!r}, not a list"
                ) from None
        if not isinstance(value, list | tuple) or not value:
            raise ConfigError(f"{self._field('doc_to_choice')}: must give a non-empty list")
        return [str(c) for c in value]

    def target(self, doc: dict[str, Any], choices: list[str] | None) -> Any:
        value = self._apply(self.spec.doc_to_target, doc, "doc_to_target")
        if isinstance(value, str) and choices is not None and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]":
            try:
                return ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return value
        return value

    def shot(self, doc: dict[str, Any]) -> Shot:
        """A few-shot example: its question and its answer, as lm-eval renders them."""
        choices = self.choices(doc)
        return Shot(self.text(doc), answer_text(self.target(doc, choices), choices, self.where))

    def description(self, doc: dict[str, Any]) -> str:
        if not self.spec.description:
            return ""
        return render_template(self.spec.description, doc, self._field("description"))


def choose_indices(n_docs: int, limit: int | None, sample_seed: int | None, key: str) -> list[int]:
    """Which documents a run evaluates: the first ``limit`` (lm-eval's ``--limit``), or, with
    ``sample_seed``, a seeded random ``limit`` of them in document order. The draw depends only
    on the seed, the document set's ``key`` and its size, so the template-language variants of
    one dataset get the same documents and the cross-lingual matrix stays paired."""
    if limit is None or limit >= n_docs:
        return list(range(n_docs))
    if sample_seed is None:
        return list(range(limit))
    import random

    return sorted(random.Random(f"{sample_seed}|{key}|{n_docs}").sample(range(n_docs), limit))


def chosen_documents(spec: TaskSpec, docs: list[dict[str, Any]], limit: int | None,
                     sample_seed: int | None) -> list[int]:
    """:func:`choose_indices` over documents, or, for a multi-turn task (one document per turn), over
    whole conversations: ``--limit N`` is N conversations with every turn of each, never a later
    turn without its earlier ones."""
    key = document_set_key(spec)
    if not spec.xeval.conversation:
        return choose_indices(len(docs), limit, sample_seed, key)
    conversation_of = [str(doc.get("conversation_id")) for doc in docs]
    order = list(dict.fromkeys(conversation_of))  # conversations in document order
    chosen = {order[i] for i in choose_indices(len(order), limit, sample_seed, key)}
    return [i for i, conversation in enumerate(conversation_of) if conversation in chosen]


def document_set_key(spec: TaskSpec) -> str:
    """What the template variants of one dataset share: its named source, else its dataset."""
    if spec.xeval.source:
        return f"source:{spec.xeval.source}"
    return f"{spec.dataset_path}|{spec.dataset_name}|{spec.test_split or spec.validation_split}|" \
           f"{spec.dataset_kwargs.get('data_files')}"


@dataclass(frozen=True)
class Fewshot:
    """How a task's few-shot examples are drawn and shown (:mod:`xeval.fewshot`)."""

    n: int
    pool: list[dict[str, Any]]  # the few-shot split's documents, process_docs applied
    same_split: bool  # the pool is the evaluation split: the evaluated document is left out
    seed: int = 1234
    multiturn: bool = False


def process_documents(spec: TaskSpec, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The task's ``process_docs`` applied (lm-eval applies it to every split it reads)."""
    if spec.process_docs is None:
        return docs
    fn = resolve_function(spec.process_docs, Path(spec.source).parent, f"{spec.source}: field 'process_docs'")
    return list(fn(docs))


def build_samples(
    spec: TaskSpec, docs: list[dict[str, Any]], limit: int | None = None, sample_seed: int | None = None,
    fewshot: Fewshot | None = None,
) -> list[Sample]:
    """Samples for the chosen documents (:func:`choose_indices`), in document order."""
    docs = process_documents(spec, docs)
    renderer = DocRenderer(spec)
    meta = spec.xeval
    _unique_ids(spec, docs)
    instruction_set = ({"benchmark": meta.instructions.benchmark,
                        "language": meta.instructions.language or meta.input_language}
                       if meta.instructions is not None else None)
    samples: list[Sample] = []
    sampler = (FewshotSampler(fewshot.pool, fewshot.seed, fewshot.same_split, spec.source)
               if fewshot is not None and fewshot.n > 0 else None)
    for index in chosen_documents(spec, docs, limit, sample_seed):
        doc = docs[index]
        sample_id = _sample_id(spec, doc, index)
        description, question = renderer.description(doc), renderer.text(doc)
        choices = renderer.choices(doc)
        target = renderer.target(doc, choices)
        messages: list[Message] = []
        if sampler is not None and fewshot is not None:
            shots = [renderer.shot(example) for example in sampler.draw(fewshot.n, doc)]
            text = plain_context(description, shots, question, spec.target_delimiter, spec.fewshot_delimiter)
            if fewshot.multiturn:
                system = join_system(meta.system_prompt, description, spec.fewshot_delimiter)
                if system:
                    messages.append(Message(role="system", content=system))
                messages.extend(multiturn_messages(shots, question))
        else:
            text = description + question
        if not messages:
            if meta.system_prompt:
                messages.append(Message(role="system", content=meta.system_prompt))
            messages.append(Message(role="user", content=text))
        gold: int | None = None
        references: list[str] = []
        if spec.output_type == "multiple_choice":
            if choices is None:
                raise ConfigError(
                    f"{spec.source}: output_type multiple_choice needs field 'doc_to_choice'"
                )
            gold = _gold_index(target, choices, spec, sample_id)
            references = [choices[gold]]
        else:
            references = [str(t) for t in target] if isinstance(target, list) else [str(target)]
        samples.append(
            Sample(
                id=sample_id,
                task=spec.task,
                input_language=meta.input_language,
                template_language=spec.template_language,
                answer_language=str(doc.get(meta.answer_language_field) or spec.answer_language)
                if meta.answer_language_field else spec.answer_language,
                output_type=spec.output_type,
                messages=tuple(messages),
                context=text if spec.output_type == "multiple_choice" else None,
                choices=choices,
                target_delimiter=spec.target_delimiter,
                gold=gold,
                references=references,
                conversation=_conversation(doc, spec, sample_id) if meta.conversation else None,
                category=_category(doc, spec, sample_id),
                metadata={"doc_index": index, **({"doc": {f: doc.get(f) for f in meta.doc_fields}}
                                                  if meta.doc_fields else {}),
                          **({INSTRUCTION_SET: instruction_set} if instruction_set else {}),
                          **_item_temperature(spec, doc)},
            )
        )
    return samples


def _sample_id(spec: TaskSpec, doc: dict[str, Any], index: int) -> str:
    field = spec.xeval.id_field
    return str(doc[field]) if field and field in doc else str(index)


def first_shared_id(rows: Iterable[tuple[int, str]]) -> tuple[int, int, str] | None:
    """The first two rows (by number) that share an id, and the id; None when every id is unique.
    Two rows under one id would be two records under one key (a re-run of the run id refuses it as
    recorded twice; compare pairs one of them): the data's error, naming both rows."""
    first: dict[str, int] = {}
    for number, sample_id in rows:
        if sample_id in first:
            return first[sample_id], number, sample_id
        first[sample_id] = number
    return None


def _unique_ids(spec: TaskSpec, docs: list[dict[str, Any]]) -> None:
    """Every document's id is its own (all of them, not only the ones ``--limit`` takes: the
    release file is wrong)."""
    shared = first_shared_id((index + 1, _sample_id(spec, doc, index)) for index, doc in enumerate(docs))
    if shared is not None:
        field = f" ({spec.xeval.id_field})" if spec.xeval.id_field else ""
        raise ConfigError(f"{spec.source}: task {spec.task!r}: rows {shared[0]} and {shared[1]} of its data share "
                          f"the id {shared[2]!r}{field}: ids must be unique"[:400])


def _item_temperature(spec: TaskSpec, doc: dict[str, Any]) -> dict[str, float]:
    """The item's own sampling temperature, where the task sets one for its category."""
    table, field = spec.xeval.temperature_by_category, spec.xeval.category_field
    if not table or field is None or str(doc.get(field, "")).strip() not in table:
        return {}
    return {SAMPLE_TEMPERATURE: float(table[str(doc[field]).strip()])}


def _category(doc: dict[str, Any], spec: TaskSpec, sample_id: str) -> str | None:
    field = spec.xeval.category_field
    if field is None:
        return None
    value = doc.get(field)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ConfigError(f"{spec.source}: sample {sample_id}: category_field {field!r} must hold a category name, "
                          f"got {value!r}"[:200])
    return str(value).strip()


def _conversation(doc: dict[str, Any], spec: TaskSpec, sample_id: str) -> Conversation:
    """A multi-turn document's place in its conversation (``conversation_id``, ``turn``,
    ``user_turns``: the user messages of turns 1..turn)."""
    try:
        return Conversation(id=str(doc["conversation_id"]), turn=doc["turn"], user_turns=tuple(doc["user_turns"]))
    except (KeyError, TypeError, ValueError) as exc:
        errors = getattr(exc, "errors", None)
        why = errors()[0]["msg"] if callable(errors) else f"{type(exc).__name__}: {exc}"
        raise ConfigError(f"{spec.source}: sample {sample_id}: a conversation turn needs conversation_id, turn "
                          f"(from 1) and user_turns, one per turn ({str(why).splitlines()[0][:100]})") from None


def _gold_index(target: Any, choices: list[str], spec: TaskSpec, sample_id: str) -> int:
    if isinstance(target, bool) or not isinstance(target, int | str):
        raise ConfigError(f"{spec.source}: sample {sample_id}: target {target!r} is not a choice")
    if isinstance(target, int):
        if not 0 <= target < len(choices):
            raise ConfigError(
                f"{spec.source}: sample {sample_id}: target index {target} outside "
                f"{len(choices)} choices"
            )
        return target
    if target in choices:
        return choices.index(target)
    raise ConfigError(
        f"{spec.source}: sample {sample_id}: target {target!r} is not one of the choices {choices}"
    )
