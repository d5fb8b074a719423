"""Judge rubrics: YAML files in judges/ (prompt template, output format, scale, aspects)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xeval.errors import ConfigError
from xeval.paths import judges_dir
from xeval.types import GenerationRequest, GenerationSettings, Message


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int
    max: int


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: int | str = 1
    kind: Literal["absolute", "pairwise"]
    scale: Scale
    aspects: list[str] = Field(min_length=1)
    # json: an object of aspect scores; rating_tag: MT-Bench's [[N]]; score_tags: each aspect
    # between <aspect> and </aspect> (X-Instruction's <score1>7</score1>), integers only
    output: Literal["json", "rating_tag", "score_tags"]
    max_tokens: int = 256
    system: str = ""
    template: str
    # pairwise: how the two orders make one verdict. consistent: a win or loss only when both
    # orders agree, else a tie (xeval); per_order: each order's verdict counts half, a tie being
    # equal scores (the judgements of both orders pooled, as a study that reports each order does)
    combine: Literal["consistent", "per_order"] = "consistent"
    retry: bool = True  # ask once more after an unreadable reply (the study's own code does not)
    source: str = ""

    def render(self, **fields: object) -> str:
        try:
            return _ENV.from_string(self.template).render(**fields)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{self.source}: field 'template': {exc}") from None

    def request(self, user: str) -> GenerationRequest:
        messages = [Message(role="system", content=self.system)] if self.system else []
        messages.append(Message(role="user", content=user))
        return GenerationRequest(messages=tuple(messages),
                                 settings=GenerationSettings(max_tokens=self.max_tokens, temperature=0.0, seed=0))


# trailing newlines kept: a study's prompt ends as it ends (the shipped rubrics use |- blocks, none)
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def nonce_for(*texts: str) -> str:
    """A marker id derived from the delimited texts: an answer cannot contain the marker that
    closes it (it would have to contain its own hash), and the prompt stays deterministic, so
    judge calls are cacheable."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
    return digest


def load_rubric(name: str) -> Rubric:
    """A rubric by name (judges/NAME.yaml) or by path."""
    path = Path(name)
    if not path.suffix:
        path = judges_dir() / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = sorted(p.stem for p in judges_dir().glob("*.yaml"))
        raise ConfigError(f"unknown judge rubric {name!r}: no {path} (known: {', '.join(known)})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where}: broken YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a rubric is a mapping of fields")
    try:
        rubric = Rubric.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{path}: field '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}") from None
    if rubric.kind == "pairwise" and len(rubric.aspects) != 2:
        raise ConfigError(f"{path}: field 'aspects': a pairwise rubric has two, the first answer's score and the "
                          f"second's (got {len(rubric.aspects)})")
    try:
        _ENV.parse(rubric.template)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{path}: field 'template' line {exc.lineno}: {exc.message}") from None
    return rubric
