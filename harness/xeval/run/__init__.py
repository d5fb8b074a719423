"""One evaluation run: plan the tasks, ask the model (predict), score, record (runner)."""
