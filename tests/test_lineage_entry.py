"""Lineage (issue 16, session 5, speed): the lineage CLI tests of tests/test_lineage.py and
tests/test_lineage_usedby2.py run again through the console script's entry (gitml/entry.py),
which answers read-only `gitml lineage` command lines click-free (gitml/lineage/quick.py):
the expected results are the same."""

from __future__ import annotations

import pytest
from test_lineage import (
    test_bad_targets_exit_2,
    test_code_and_data_change_between_revisions,
    test_md_and_mermaid,
    test_openlineage_events_validate_against_the_published_schema,
    test_path_target_walks_three_stages_down_to_raw_data,
    test_registry_references,
    test_stage_artifact_and_tracked_targets,
    test_used_by_across_branches_tags_and_experiments,
    test_used_by_bad_input_exit_2,
)
from test_lineage_usedby2 import (
    test_used_by_artifact_downstream_at_its_own_commit,
    test_used_by_lists_only_artifacts_downstream_of_the_data,
)

pytestmark = pytest.mark.parametrize("cli_path", ["entry"], indirect=True)

__all__ = [
    "test_bad_targets_exit_2",
    "test_code_and_data_change_between_revisions",
    "test_md_and_mermaid",
    "test_openlineage_events_validate_against_the_published_schema",
    "test_path_target_walks_three_stages_down_to_raw_data",
    "test_registry_references",
    "test_stage_artifact_and_tracked_targets",
    "test_used_by_across_branches_tags_and_experiments",
    "test_used_by_artifact_downstream_at_its_own_commit",
    "test_used_by_bad_input_exit_2",
    "test_used_by_lists_only_artifacts_downstream_of_the_data",
]
