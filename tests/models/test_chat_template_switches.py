"""``enable_thinking`` reaches the chat template: llama.cpp, transformers and vLLM render the
model's own Jinja template with it (as transformers passes template kwargs), OpenAI-compatible
chat requests carry it as ``chat_template_kwargs`` (vLLM's and llama-server's field)."""

from __future__ import annotations

from pathlib import Path

import pytest
from xeval.errors import ModelError
from xeval.models.chat import ChatPrompter
from xeval.types import Message

# The end of Qwen3's chat template, where it reads the switch (a reasoning model that thinks
# unless told not to).
QWEN3_STYLE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "    {%- if enable_thinking is defined and enable_thinking is false %}\n"
    "        {{- '<think>\\n\\n</think>\\n\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
)
ASK = [Message(role="user", content="한국의 수도는?")]


@pytest.fixture()
def template_file(tmp_path: Path) -> Path:
    path = tmp_path / "qwen3_style.jinja"
    path.write_text(QWEN3_STYLE, encoding="utf-8")
    return path


def test_the_switch_reaches_the_template(template_file: Path) -> None:
    off = ChatPrompter(str(template_file), template_kwargs={"enable_thinking": False})
    on = ChatPrompter(str(template_file), template_kwargs={"enable_thinking": True})
    default = ChatPrompter(str(template_file))
    assert off.prompt(ASK)[0].endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert on.prompt(ASK)[0].endswith("<|im_start|>assistant\n") == default.prompt(ASK)[0].endswith("assistant\n")
    assert off.describe()["chat_template_kwargs"] == {"enable_thinking": False}
    assert "chat_template_kwargs" not in default.describe()


def test_a_switch_no_template_reads_is_refused() -> None:
    with pytest.raises(ModelError, match="enable_thinking reach\\(es\\) only a model's own Jinja chat template; "
                                         "this model is prompted with xeval's 'gemma' format"):
        ChatPrompter("gemma", template_kwargs={"enable_thinking": False})


def test_llamacpp_renders_the_switch_and_keys_the_cache_on_it(template_file: Path) -> None:
    from xeval.models.registry import load_model
    from xeval.types import GenerationRequest, GenerationSettings

    model = load_model("embedded", {"chat_template": str(template_file), "enable_thinking": False})
    try:
        prompt, _ = model._prompter.prompt(ASK)
        assert prompt.endswith("<think>\n\n</think>\n\n")
        assert model.fingerprint()["args"]["chat_template_kwargs"] == {"enable_thinking": False}
        [completion] = model.generate([GenerationRequest(messages=tuple(ASK),
                                                         settings=GenerationSettings(max_tokens=8))])
        assert completion.error is None
    finally:
        model.close()
    with pytest.raises(ModelError, match="'gemma' format"):  # the embedded model has no template of its own
        load_model("embedded", {"enable_thinking": False})


def test_hf_renders_the_switch(hf_embedded, template_file: Path) -> None:
    from xeval.models.hf import HFAdapter

    adapter = HFAdapter("embedded", model=hf_embedded.model, tokenizer=hf_embedded.tokenizer,
                        chat_template=str(template_file), enable_thinking=False)
    assert adapter._prompter.prompt(ASK)[0].endswith("<think>\n\n</think>\n\n")
    assert adapter.fingerprint()["args"]["chat_template_kwargs"] == {"enable_thinking": False}


def test_openai_chat_requests_carry_chat_template_kwargs(llama_server_url: str) -> None:
    from xeval.models.openai_api import OpenAIAdapter
    from xeval.types import GenerationRequest, GenerationSettings

    adapter = OpenAIAdapter(f"embedded@{llama_server_url}", enable_thinking=False)
    assert adapter._body["chat_template_kwargs"] == {"enable_thinking": False}
    assert adapter.fingerprint()["args"]["enable_thinking"] is False
    # a real server takes the request with the field (llama_cpp.server ignores it; vLLM and
    # llama-server hand it to the template)
    [completion] = adapter.generate([GenerationRequest(messages=tuple(ASK), settings=GenerationSettings(max_tokens=4))])
    assert completion.error is None
    adapter.close()
