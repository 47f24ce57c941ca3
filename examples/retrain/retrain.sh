#!/usr/bin/env bash
# The retraining loop, one pass: land a batch, check it for drift against the tracked
# training data, and when it drifts: make it the training data, `gitml repro`, gate on
# `gitml metrics diff` against the model in prod, commit, register and assign the new version,
# and write `gitml report` (with its drift section) for the pull request.
# Run from the project's root (made by setup.sh, or your own project with the same layout).
#
#   bash retrain.sh [--seed N] [--shift S] [--noise P] [--rows R] [--batch FILE|URL]
#                   [--max-drop X] [--stage STAGE] [--model NAME] [--report FILE] [--push]
#
# Exit codes: 0 no drift (nothing changed) or a new version registered; 1 the gate failed
# (nothing committed or registered, the workspace put back); 2 bad usage; 3 other failures.
# Under GitHub Actions it also writes outcome=no-drift|registered|gate-failed and version=
# to $GITHUB_OUTPUT.
set -euo pipefail

data=data/train.csv          # the tracked training data (replaced by each drifting batch)
metric=accuracy              # in metrics.json; higher is better
max_drop=0.02                # the gate: new >= registered - max_drop
stage=staging                # where a new version goes (people promote it to prod)
baseline_stage=prod          # the version the gate compares with
model=churn-model
seed="" shift=0 noise=0 rows=2000 batch="" report="" push=()
python=${PYTHON:-python3}

usage() { echo "retrain.sh: $1" >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || [ "$1" = --push ] || usage "$1 needs a value"
  case "$1" in
    --seed) seed=$2 ;;
    --shift) shift=$2 ;;
    --noise) noise=$2 ;;
    --rows) rows=$2 ;;
    --batch) batch=$2 ;;
    --max-drop) max_drop=$2 ;;
    --stage) stage=$2 ;;
    --model) model=$2 ;;
    --report) report=$2 ;;
    --push) push=(--push); shift; continue ;;
    *) usage "unknown option $1" ;;
  esac
  shift 2
done
fail() { echo "retrain.sh: $1" >&2; exit 3; }
output() { [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1" >> "$GITHUB_OUTPUT"; }
say() { printf '\n== %s\n' "$*"; }

[ -f gitml.yaml ] && [ -e "$data.gitml" ] || usage "run me from the project's root (no gitml.yaml or $data.gitml here)"
[ -z "$(git status --porcelain --untracked-files=no)" ] || usage "commit or stash your changes first"
mkdir -p incoming
report=${report:-incoming/report.md}

# (a) Land the batch: a file or fsspec URL (s3://...), else the bundled generator.
if [ -n "$batch" ]; then
  name=$(basename "$batch")
  landed="incoming/$name"
  case "$batch" in
    *://*) "$python" -c 'import fsspec, sys; open(sys.argv[2], "wb").write(fsspec.open(sys.argv[1], "rb").open().read())' "$batch" "$landed" \
             || fail "cannot fetch $batch" ;;
    *) [ -f "$batch" ] || usage "$batch: no such file"; cp "$batch" "$landed" ;;
  esac
else
  seed=${seed:-$(date +%s)}
  name="batch-$seed.csv"
  landed="incoming/$name"
  "$python" src/batch.py "$landed" --seed "$seed" --rows "$rows" --shift "$shift" --noise "$noise"
fi
say "landed $landed"

# (b) Does it drift from the training data at HEAD? (exit 1: drift, 0: none)
say "gitml drift $data --against $landed --check"
set +e
gitml drift "$data" --against "$landed" --check --md > incoming/drift.md
rc=$?
set -e
cat incoming/drift.md
case $rc in
  0) { echo "## No retraining: batch \`$name\` does not drift from \`$data\`"; echo
       cat incoming/drift.md; } > "$report"
     echo "No data drift: the model in $baseline_stage stays. Nothing changed."
     output outcome=no-drift; exit 0 ;;
  1) ;;
  *) fail "gitml drift failed (exit $rc)" ;;
esac

# (c) Retrain on the batch.
before=$(git rev-parse HEAD)
say "the batch becomes $data; gitml repro"
cp "$landed" "$data"
gitml add -q "$data"
gitml repro

# The gate: the metric against the version in $baseline_stage (else the latest, else HEAD).
baseline=$(gitml registry show --json | "$python" -c '
import json, sys
art = json.load(sys.stdin).get(sys.argv[1]) or {}
print((art.get("stage") or {}).get(sys.argv[2]) or art.get("version") or "")
' "$model" "$baseline_stage") || fail "cannot read the registry"
if [ -n "$baseline" ]; then
  base_rev=$(git rev-parse "refs/tags/$model@$baseline^{commit}")
else
  base_rev=$before
fi
say "gitml metrics diff ${baseline:-HEAD} (gate: $metric may drop by at most $max_drop)"
gitml metrics diff "$base_rev" --all --json > incoming/metrics.json || fail "gitml metrics diff failed"
verdict=$("$python" -c '
import json, sys
diff, metric, drop = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3])
row = next((m[metric] for m in diff.values() if metric in m), None)
if row is None or row.get("new") is None or row.get("old") is None:
    print(f"fail: no {metric} on both sides"); sys.exit()
old, new = row["old"], row["new"]
word = "pass" if new >= old - drop else "fail"
print(f"{word}: {metric} {old} -> {new} (allowed drop {drop})")
' incoming/metrics.json "$metric" "$max_drop") || fail "cannot read the metrics diff"
echo "$verdict"

if [ "${verdict%%:*}" != pass ]; then
  {
    echo "## Retraining rejected by the gate"
    echo
    echo "Batch \`$name\` drifts from \`$data\`; the model retrained on it failed the gate:"
    echo "${verdict#*: } against $model ${baseline:-at HEAD}. Nothing was committed or registered."
    echo
    gitml report "$before" --md || true
  } > "$report"
  git checkout -q -- .          # the tracked files (clean when we started)
  gitml checkout -q -f
  echo "Gate failed: the workspace is back at HEAD; see $report." >&2
  output outcome=gate-failed
  exit 1
fi

# (d) Commit, register, assign.
say "commit, gitml registry register + assign $stage"
git add -u                     # the pointer, gitml.lock, metrics.json (clean when we started)
git commit -qm "Retrain $model on $name (data drift; ${verdict#*: })"
if [ -n "$(gitml remote list)" ]; then gitml push -q; fi
gitml registry register -q "$model" "${push[@]}"
gitml registry assign -q "$model" "$stage" "${push[@]}"
version=$(git tag --points-at HEAD --list "$model@v*" | head -n 1)
version=${version#"$model@"}

# (e) The report for the pull request: drift, metrics, params, data changed, since $before.
say "gitml report"
{
  echo "## Retrained $model $version ($stage)"
  echo
  echo "Batch \`$name\` drifted from \`$data\`; the model retrained on it passed the gate:"
  echo "${verdict#*: } against $model ${baseline:-at the previous commit}."
  echo
  gitml report "$before" --md
} > "$report"
echo "Registered $model $version in $stage; report in $report."
output outcome=registered
output "version=$version"
