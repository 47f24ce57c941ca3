"""Pipelines: gitml.yaml stages, the DAG, gitml.lock, invalidation, the run cache."""
