"""Tasks: lm-eval task YAMLs validated (taskspec), found (task_index), their documents loaded
(datasets, sources, datafiles, metafile for KORANI-style files) and rendered into samples
(rendering, fewshot)."""
