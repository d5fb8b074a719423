"""LLM judges: rubrics from judges/, reply parsing, absolute and pairwise judge scorers."""
