"""Model backends: the adapter protocol and its abilities (base), the registry, llama.cpp,
transformers, vLLM, OpenAI-compatible APIs, scripted replies, and the call cache."""
