"""Experiments: commits on hidden refs `refs/exps/<baseline[:2]>/<baseline[2:]>/<name>`."""
