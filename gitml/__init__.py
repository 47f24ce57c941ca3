"""gitml: version data, models and metrics next to code in Git."""

__version__ = "0.1.0"
