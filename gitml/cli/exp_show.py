"""`gitml exp` commands (issue 13): see gitml/cli/exp.py."""

from __future__ import annotations

from gitml.cli.exp import exp  # noqa: F401
