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
    output: Literal["json", "rating_tag"]
    max_tokens: int = 256
    system: str = ""
    template: str
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


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


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
    try:
        _ENV.parse(rubric.template)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{path}: field 'template' line {exc.lineno}: {exc.message}") from None
    return rubric
