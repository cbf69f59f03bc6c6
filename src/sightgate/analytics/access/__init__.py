"""Authorization decisions about principals: the one place that says yes or no."""
