#!/usr/bin/env bash
# The shell side of examples/ci/gitml-pr.yml: pull, repro (or check), report, comment.
# Environment: GITML_CI_MODE (repro|check), GITML_BASE (default origin/$GITHUB_BASE_REF or
# the default branch), GITML_FAIL_ON (one gate expression), GITHUB_STEP_SUMMARY, and for the
# PR comment GITHUB_TOKEN, PR_NUMBER, GITHUB_REPOSITORY, GITHUB_API_URL.
set -uo pipefail

mode=${GITML_CI_MODE:-repro}
base=${GITML_BASE:-}
[ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ] && base="origin/$GITHUB_BASE_REF"
report=${GITML_REPORT_FILE:-gitml-report.md}
status=0

if [ -n "$(gitml remote list)" ]; then
  gitml pull || echo "::warning::gitml pull failed; stages may run from scratch"
fi

case "$mode" in
  repro) gitml repro || status=$? ;;
  check)
    if ! gitml status --check; then
      echo "::error::stages are stale: run 'gitml repro' and commit gitml.lock"
      status=1
    fi ;;
  *) echo "::error::GITML_CI_MODE must be repro or check, not '$mode'"; exit 2 ;;
esac

gates=()
[ -n "${GITML_FAIL_ON:-}" ] && gates=(--fail-on "$GITML_FAIL_ON")
gitml report ${base:+"$base"} --md "${gates[@]}" > "$report"
rc=$?
[ "$rc" -ne 0 ] && [ "$status" -eq 0 ] && status=$rc

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi

if [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${PR_NUMBER:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
  python3 "$(dirname "$0")/pr_comment.py" "$report" || echo "::warning::could not post the PR comment"
fi
exit "$status"
