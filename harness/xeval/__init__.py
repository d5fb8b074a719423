"""xeval: cross-lingual instruction-following evaluation harness."""

__version__ = "0.1.0"
SCHEMA_VERSION = 2  # 2: run.json carries it; tasks declare their metrics' facts
