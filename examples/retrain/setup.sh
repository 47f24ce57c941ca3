#!/usr/bin/env bash
# Make a new project for the retraining loop: a Git repo in DIR with this example's pipeline,
# a first batch of customer data as the tracked training data (data/train.csv), the model
# trained on it, committed, registered and assigned to `prod`. Then run retrain.sh there.
#   bash examples/retrain/setup.sh DIR [--seed N] [--rows R]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: setup.sh DIR [--seed N] [--rows R]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift
seed=0 rows=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) [ $# -ge 2 ] || usage; seed=$2; shift 2 ;;
    --rows) [ $# -ge 2 ] || usage; rows=$2; shift 2 ;;
    *) usage ;;
  esac
done
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "setup.sh: $dir exists and is not empty" >&2
  exit 2
fi

mkdir -p "$dir" && cd "$dir"
git init -q -b main
git config user.name >/dev/null || git config user.name "gitml retrain example"
git config user.email >/dev/null || git config user.email "retrain@gitml.invalid"
gitml init -q
cp -r "$here/src" "$here/gitml.yaml" "$here/params.yaml" "$here/retrain.sh" .
printf '/incoming/\n__pycache__/\n' > .gitignore
python3 src/batch.py data/train.csv --seed "$seed" --rows "$rows"
gitml add -q data/train.csv
gitml repro -q
git add -A
git commit -qm "Churn model trained on the first batch (seed $seed)"
gitml registry register -q churn-model
gitml registry assign -q churn-model prod
echo "Project ready in $dir: churn-model $(git describe --tags --match 'churn-model@*' --abbrev=0) in prod."
echo "Next: cd $dir && bash retrain.sh --seed 1 --shift 1"
