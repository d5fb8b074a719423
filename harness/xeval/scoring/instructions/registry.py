"""The verifiable-instruction registry: checkers by instruction id, typed kwargs, strict and loose
verdicts as IFEval defines them.

A checker is a function ``check(response, args, context) -> bool`` registered under an id with a
pydantic model of its kwargs. IFEval's ids (``detectable_format:title``) have one checker each,
generic over the benchmark: what differs between benchmarks and languages (relation words, answer
options, marks, counting) it reads from ``context.conventions``, the
:class:`~xeval.scoring.instructions.conventions.Conventions` of the context's (benchmark, language).
A check only one language has is registered under its prefixed id (``ja:letters:furigana``); a
prefixed id with no checker of its own (``es:keywords:existence``) takes the unprefixed one, in the
conventions of the prefix's language. P-MMEval's reference is a checker set of its own
(:mod:`.pmmeval`), registered for its benchmark; an id it does not define takes IFEval's checker.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ValidationError

from xeval.language.identify import UNDETERMINED, LanguageIdentifier
from xeval.language.langdetect_seeded import LANGDETECT_SEED, langdetect_language
from xeval.scoring.instructions.args import NoArgs, StrictArgs  # noqa: F401 - the kwargs' bases, here too

if TYPE_CHECKING:
    from xeval.scoring.instructions.conventions import Conventions

# Every language any benchmark's response_language instruction names (IFEval's LANGUAGE_CODES,
# M-IFEval's, Korean) and lm-eval's ifeval_ca's case checks (Catalan): the candidates language ID
# chooses among.
RESPONSE_LANGUAGES = ("en", "es", "pt", "ar", "hi", "fr", "ru", "de", "ja", "it", "bn", "uk", "th", "ur", "ta",
                      "te", "bg", "ko", "pl", "he", "fa", "vi", "ne", "sw", "kn", "mr", "gu", "pa", "ml", "fi",
                      "zh", "id", "tr", "nl", "sv", "ca")


# Language ID of the response-language and case checks (``CheckContext.language_id``):
LANGDETECT = "langdetect"  # the references' own: langdetect 1.0.9, seeded; a text it cannot read counts as followed
XEVAL_LANGID = "xeval"  # xeval's language identifier; a text with no language material follows no language check
# Which one a benchmark's reference uses is its conventions' ``language_id`` (IFEval, lm-eval, M-IFEval
# and IFEval-Ko call ``langdetect.detect``); P-MMEval has no language check; Multi-IF keeps its
# documented choice (multi_if.py).
# the checker set of IFEval's ids with xeval's counting in the language, and xeval's language ID: where
# a benchmark with a checker set of its own (P-MMEval) does not define an id, and a task that names no
# benchmark (the default suite)
GENERIC_BENCHMARK = "xeval"
IFEVAL_BENCHMARK = "ifeval"


class InstructionDataError(ValueError):
    """A data row's instruction cannot be checked (unknown id, bad kwargs): that row's error."""


@dataclass(frozen=True)
class CheckContext:
    """What a checker may need besides the response: the benchmark's language (its counting
    conventions follow it), the prompt, and the language ID its language checks use
    (``language_id``: :data:`LANGDETECT`, seeded with ``langdetect_seed``, or :data:`XEVAL_LANGID`)."""

    language: str = "en"
    prompt: str = ""
    benchmark: str = IFEVAL_BENCHMARK
    language_id: str = XEVAL_LANGID
    langdetect_seed: int = LANGDETECT_SEED

    @property
    def identifier(self) -> LanguageIdentifier:
        return response_identifier()

    @property
    def conventions(self) -> Conventions:
        """What differs in this benchmark and language (see :mod:`.conventions`)."""
        from xeval.scoring.instructions.conventions import conventions

        return conventions(self.benchmark, self.language)

    def detected_language(self, text: str) -> str | None:
        """The language of ``text`` by this context's language ID; ``None`` where none is found
        (langdetect raises; xeval's identifier finds no language material)."""
        if self.language_id == LANGDETECT:
            return langdetect_language(text, self.langdetect_seed)
        found = self.identifier.detect(text).language
        return None if found == UNDETERMINED else found

    def in_language(self, text: str, language: str) -> bool:
        """Whether ``text`` is in ``language``, as the context's language ID decides it. Where no
        language is found, langdetect's references (IFEval, lm-eval, M-IFEval) count the check as
        followed (they catch ``LangDetectException`` and return True); xeval counts it as not."""
        found = self.detected_language(text)
        if found is None:
            return self.language_id == LANGDETECT
        return found == language


@functools.cache
def response_identifier() -> LanguageIdentifier:
    """xeval's language ID among :data:`RESPONSE_LANGUAGES`."""
    return LanguageIdentifier(RESPONSE_LANGUAGES)


Checker = Callable[[str, Any, CheckContext], bool]


class KwargPattern(NamedTuple):
    """A regular expression a checker builds from a kwarg's value (with the flags it uses)."""

    kwarg: str
    value: str
    pattern: str
    flags: int = 0


# the regular expressions a checker builds from its kwargs (in its row's context)
Patterns = Callable[[Any, CheckContext], Iterable[KwargPattern]]


def kwarg_pattern(kwarg: str, pattern_of: Callable[[str], str], flags: int = 0) -> Patterns:
    """The ``patterns`` of a checker that builds one regular expression from one text kwarg
    (``postscript_marker`` -> ``\\s*p\\.\\s?s\\..*$``): ``pattern_of`` is the checker's own builder."""

    def patterns(args: Any, context: CheckContext) -> list[KwargPattern]:
        value = getattr(args, kwarg)
        return [KwargPattern(kwarg, value, pattern_of(value), flags)]

    return patterns


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, flags: int) -> re.Pattern[str] | str:
    try:
        return re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError) as exc:
        return str(exc) or type(exc).__name__


def regex(pattern: str, flags: int = 0, what: str = "pattern") -> re.Pattern[str]:
    """A pattern built from a kwarg, compiled once (cached: compiled when the row is validated at
    planning, reused by every check). One that is no regular expression is the row's
    :class:`InstructionDataError` (IFEval's code raises ``re.error`` there and ends the run)."""
    found = _compiled(pattern, flags)
    if isinstance(found, str):
        raise InstructionDataError(f"{what} {pattern!r} is not a valid regular expression ({found})"[:300])
    return found


def check_patterns(instruction_id: str, found: Instruction, args: BaseModel, context: CheckContext) -> None:
    """Compile every regular expression the checker builds from ``args``; one that does not
    compile is the row's :class:`InstructionDataError`, naming the kwarg and its value."""
    for item in (found.patterns(args, context) if found.patterns else ()):
        compiled = _compiled(item.pattern, item.flags)
        if isinstance(compiled, str):
            raise InstructionDataError(f"{instruction_id}: kwarg {item.kwarg}: {item.value!r} is not a valid "
                                       f"regular expression ({compiled})"[:300])


@dataclass(frozen=True)
class Instruction:
    id: str
    args: type[BaseModel]
    check: Checker
    patterns: Patterns | None = None
    # the checker reads the response after the benchmark's normalisation (IFEval-Ko's NFC); False
    # for the checks a benchmark leaves on the response as given
    normalized: bool = True
    group: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "group", group_of(self.id))


INSTRUCTIONS: dict[str, Instruction] = {}
# a benchmark's own checkers for ids it shares with IFEval: benchmark -> instruction id -> checker
BENCHMARK_INSTRUCTIONS: dict[str, dict[str, Instruction]] = {}


def instruction(*ids: str, args: type[BaseModel] = NoArgs, benchmark: str | None = None,
                patterns: Patterns | None = None, normalized: bool = True) -> Callable[[Checker], Checker]:
    """Register a checker under one or more instruction ids (for ``benchmark`` only, when given: a
    benchmark whose reference is a checker set of its own). ``patterns`` names the kwargs the
    checker uses as regular expressions, with the pattern it builds from each: a row whose pattern
    does not compile is refused when it is validated. ``normalized``: the checker sees the response
    after the conventions' ``normalize`` (False: as given)."""
    table = INSTRUCTIONS if benchmark is None else BENCHMARK_INSTRUCTIONS.setdefault(benchmark, {})

    def register(fn: Checker) -> Checker:
        for instruction_id in ids:
            if instruction_id in table:
                raise ValueError(f"instruction {instruction_id!r} registered twice")
            table[instruction_id] = Instruction(instruction_id, args, fn, patterns, normalized)
        return fn

    return register


def split_id(instruction_id: str) -> tuple[str | None, str]:
    """``ja:letters:furigana`` -> (``ja``, ``letters:furigana``); ``detectable_format:title`` -> (None, ...)."""
    parts = instruction_id.split(":")
    if len(parts) == 3 and len(parts[0]) in (2, 3):
        return parts[0], ":".join(parts[1:])
    return None, instruction_id


def group_of(instruction_id: str) -> str:
    """The instruction group (IFEval's id prefix): ``detectable_format``, ``letters``, ..."""
    return split_id(instruction_id)[1].split(":")[0]


def resolve(instruction_id: str, context: CheckContext) -> tuple[Instruction, CheckContext]:
    """The checker of ``instruction_id`` and the context it checks in. A prefixed id is checked in
    its prefix's language, by the context's benchmark where that benchmark has conventions for the
    language, else by M-IFEval's (whose data introduced prefixed ids). An id that a benchmark with a
    checker set of its own does not define is IFEval's, in xeval's conventions for the language."""
    from xeval.scoring.instructions.conventions import prefixed_benchmark

    prefix, base = split_id(instruction_id)
    if prefix:
        context = replace(context, language=prefix, benchmark=prefixed_benchmark(context.benchmark, prefix))
    elif context.conventions.prefixed_ids:  # an unprefixed id where the data prefixes them: IFEval's
        context = replace(context, benchmark=IFEVAL_BENCHMARK)
    own = BENCHMARK_INSTRUCTIONS.get(context.benchmark, {})
    found = own.get(instruction_id) or INSTRUCTIONS.get(instruction_id)
    if found is None and prefix:
        found = own.get(base) or INSTRUCTIONS.get(base)
    if found is None:
        raise InstructionDataError(f"unknown instruction id {instruction_id!r}")
    if own and own.get(found.id) is not found:
        context = replace(context, benchmark=GENERIC_BENCHMARK)
    return found, context


def own_rules(found: Instruction, context: CheckContext) -> bool:
    """Whether ``found`` is a checker of the context's benchmark's own set (its kwargs its own)."""
    return BENCHMARK_INSTRUCTIONS.get(context.benchmark, {}).get(found.id) is found


def lookup(instruction_id: str, benchmark: str = "ifeval") -> Instruction:
    """The checker of ``instruction_id`` in ``benchmark`` (see :func:`resolve`)."""
    return resolve(instruction_id, CheckContext(benchmark=benchmark))[0]


def parse_args(instruction_id: str, kwargs: Mapping[str, Any] | None,
               context: CheckContext) -> tuple[Instruction, BaseModel, CheckContext]:
    """The checker, its kwargs validated as the context's conventions type them, and the context it
    checks in (:func:`resolve`). As IFEval's loaders do, keys whose value is null are dropped first
    (the hub rows carry every key, null where unused)."""
    found, context = resolve(instruction_id, context)
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise InstructionDataError(f"{instruction_id}: kwargs must be an object, got {type(kwargs).__name__}")
    given = {k: v for k, v in (kwargs or {}).items() if v is not None}
    model = found.args if own_rules(found, context) else context.conventions.args(found.id, found.args)
    try:
        return found, model.model_validate(given), context
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "kwargs"
        raise InstructionDataError(f"{instruction_id}: kwarg {where}: {problem.get('msg', 'invalid')} "
                                   f"(given {given.get(where, '<absent>')!r})") from None


class RowMemo:
    """A bounded memo of what a row's instructions give on one response (the scorers of one row share
    it); a row that cannot be checked is remembered as its :class:`InstructionDataError`."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        found = self._found.get(key)
        if found is None:
            try:
                found = compute()
            except InstructionDataError as exc:
                found = exc
            self._found[key] = found
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        if isinstance(found, InstructionDataError):
            raise InstructionDataError(str(found))
        return found


def loose_variants(response: str) -> list[str]:
    """IFEval's loose variants: the response, without its first line, its last line or both, each
    also with ``*`` removed."""
    lines = response.split("\n")
    remove_first = "\n".join(lines[1:]).strip()
    remove_last = "\n".join(lines[:-1]).strip()
    remove_both = "\n".join(lines[1:-1]).strip()
    return [response, response.replace("*", ""), remove_first, remove_last, remove_both,
            remove_first.replace("*", ""), remove_last.replace("*", ""), remove_both.replace("*", "")]


def follows(found: Instruction, args: BaseModel, response: str, context: CheckContext) -> bool:
    """IFEval's rule: an empty (white-space) response follows no instruction."""
    if not response.strip():
        return False
    if found.normalized:
        response = context.conventions.normalized(response)
    return bool(found.check(response, args, context))


Checked = tuple[Instruction, BaseModel, CheckContext]


def parse_row(instruction_ids: Any, kwargs_list: Any, context: CheckContext) -> list[Checked]:
    """A row's instructions, each with its checker and typed kwargs, every kwarg used as a regular
    expression compiled: what :func:`verdicts` checks, validated without a response (at planning).

    Raises :class:`InstructionDataError` for a row whose ids or kwargs cannot be checked."""
    if not isinstance(instruction_ids, list) or not instruction_ids \
            or not all(isinstance(i, str) for i in instruction_ids):
        raise InstructionDataError(f"instruction_id_list must be a non-empty list of ids, "
                                   f"got {instruction_ids!r}"[:200])
    if not isinstance(kwargs_list, list):
        raise InstructionDataError(f"kwargs must be a list of objects, got {kwargs_list!r}"[:200])
    if len(kwargs_list) != len(instruction_ids):
        raise InstructionDataError(f"{len(instruction_ids)} instruction id(s) but {len(kwargs_list)} kwargs")
    checked = []
    for instruction_id, kwargs in zip(instruction_ids, kwargs_list, strict=True):
        found, args, own_context = parse_args(instruction_id, kwargs, context)
        check_patterns(instruction_id, found, args, own_context)
        checked.append((found, args, own_context))
    return checked


def verdicts(instruction_ids: list[str], kwargs_list: list[Any], response: str,
             context: CheckContext) -> list[dict[str, Any]]:
    """Each instruction's strict and loose verdict, with the kwargs it was checked with.

    Raises :class:`InstructionDataError` for a row whose ids or kwargs cannot be checked."""
    checked = parse_row(instruction_ids, kwargs_list, context)
    variants = loose_variants(response)
    out = []
    for instruction_id, (found, args, own_context) in zip(instruction_ids, checked, strict=True):
        strict = follows(found, args, response, own_context)
        loose = strict or any(follows(found, args, v, own_context) for v in variants[1:])
        out.append({"id": instruction_id, "group": found.group, "strict": strict, "loose": loose,
                    "kwargs": args.model_dump(exclude_none=True)})
    return out
