"""GGUF files for the transformers-based backends (hf, vllm): where the file is, and its tokenizer.

Converting a GGUF vocabulary to a transformers tokenizer takes about a minute, so the converted
tokenizer is kept in xeval's cache under the file's SHA-256 and shared by every backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xeval.errors import ModelError
from xeval.models.fingerprint import file_sha256
from xeval.paths import cache_dir


def locate_gguf(target: str, gguf_file: str | None, backend: str) -> tuple[str, Path | None]:
    """``embedded`` / ``DIR`` + ``gguf_file`` / ``FILE.gguf`` -> (folder or id, GGUF path or None)."""
    if target == "embedded":
        from xeval.models.embedded import embedded_model_path

        path = embedded_model_path()
        return str(path.parent), path
    if gguf_file:
        return target, Path(target) / gguf_file
    if target.endswith(".gguf"):
        path = Path(target).expanduser()
        if not path.is_file():
            raise ModelError(f"GGUF file {path} not found (model spec {backend}:{target})")
        return str(path.parent), path
    return target, None


def converted_tokenizer_dir(gguf_path: Path, transformers: Any | None = None) -> Path:
    """The folder holding the transformers tokenizer of ``gguf_path`` (converted once, then cached)."""
    cached = cache_dir() / "hf-tokenizers" / file_sha256(gguf_path)
    if (cached / "tokenizer_config.json").exists():
        return cached
    if transformers is None:
        import transformers as loaded

        transformers = loaded
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    except (OSError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot read the tokenizer of {gguf_path}: {first}") from None
    tokenizer.save_pretrained(str(cached))
    return cached


def converted_model_dir(gguf_path: Path, transformers: Any | None = None) -> Path:
    """A transformers folder (bfloat16 safetensors, config, tokenizer) made from ``gguf_path`` once.

    For engines that cannot read GGUF (vLLM dropped its GGUF loader): the weights are
    dequantised by transformers, so they are those the hf backend evaluates.
    """
    cached = cache_dir() / "hf-models" / file_sha256(gguf_path)
    if (cached / "config.json").exists():
        return cached
    if transformers is None:
        import transformers as loaded

        transformers = loaded
    import torch

    tokenizer_dir = converted_tokenizer_dir(gguf_path, transformers)
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.bfloat16)
    except (OSError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot dequantise {gguf_path}: {first}") from None
    # The weights are plain tensors once dequantised; transformers still marks the model as a
    # (non-serialisable) GGUF quantisation, so the mark goes before saving.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = cached.with_name(f"{cached.name}.partial")
    model.save_pretrained(str(partial))
    transformers.AutoTokenizer.from_pretrained(str(tokenizer_dir)).save_pretrained(str(partial))
    partial.replace(cached)
    return cached


_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def trained_context(path: Path) -> int | None:
    """The context length a GGUF model was trained with (``{architecture}.context_length`` in
    its header), read from the file's metadata without loading it; None when absent or unreadable."""
    import struct

    def read(handle: Any, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        data = handle.read(size)
        if len(data) != size:
            raise EOFError
        return struct.unpack(fmt, data)[0]

    def string(handle: Any) -> str:
        length = read(handle, "<Q")
        if length > 1 << 20:
            raise ValueError("implausible string length")
        return str(handle.read(length).decode("utf-8", "replace"))

    def skip(handle: Any, kind: int) -> None:
        if kind in _SCALAR:
            handle.seek(struct.calcsize(_SCALAR[kind]), 1)
        elif kind == _STRING:
            handle.seek(read(handle, "<Q"), 1)
        elif kind == _ARRAY:
            item, count = read(handle, "<I"), read(handle, "<Q")
            if item in _SCALAR:
                handle.seek(struct.calcsize(_SCALAR[item]) * count, 1)
            else:
                for _ in range(count):
                    skip(handle, item)
        else:
            raise ValueError(f"unknown GGUF value type {kind}")

    try:
        with open(path, "rb") as handle:
            if handle.read(4) != b"GGUF" or read(handle, "<I") < 2:
                return None
            read(handle, "<Q")  # tensors
            values: dict[str, Any] = {}
            for _ in range(read(handle, "<Q")):
                key, kind = string(handle), read(handle, "<I")
                if key == "general.architecture" and kind == _STRING or key.endswith(".context_length") \
                        and kind in _SCALAR:
                    values[key] = string(handle) if kind == _STRING else read(handle, _SCALAR[kind])
                    architecture = values.get("general.architecture")
                    if architecture and f"{architecture}.context_length" in values:
                        return int(values[f"{architecture}.context_length"])
                else:
                    skip(handle, kind)
    except (OSError, EOFError, ValueError, struct.error):
        return None
    return None
