"""xeval: cross-lingual instruction-following evaluation harness."""

__version__ = "0.1.0"
# run.json / summary.json: 2: run.json carries it, tasks declare their metrics' facts; 3: settings record
# the judge, the baseline, max_error_rate and tasks_dir (xeval/settings.py reads a 2 as a 3)
SCHEMA_VERSION = 3
