"""xeval with other tools: lm-evaluation-harness both ways (lmeval), lm-eval results onto the
leaderboard (import_lmeval)."""
