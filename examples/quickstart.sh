#!/usr/bin/env bash
# The gitml quick start on a bundled example: a temporary Git repo, a dataset file and a
# folder of images, two commits, a change, status, diff, a checkout of the old version, then
# a local remote: push, and a teammate's fresh clone that pulls everything back.
# Everything is local; nothing is downloaded. Run from anywhere: bash examples/quickstart.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gitml-quickstart.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

mkdir "$work/repo" && cd "$work/repo"
git init -q -b main
git config user.name "gitml example"
git config user.email "example@gitml.invalid"
step gitml init
git add -A && git commit -qm "Initialise gitml"

# A small dataset and a folder of "images", made from the example's seed file.
mkdir -p data/images
cp "$here/data/iris.csv" data/iris.csv
python3 - <<'PY'
import random
rng = random.Random(7)
for i in range(200):
    with open(f"data/images/img{i:03d}.bin", "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 8192)))
PY

step gitml add data/iris.csv data/images
git add data/.gitignore data/iris.csv.gitml data/images.gitml
git commit -qm "Track iris.csv and images with gitml"
step cat data/iris.csv.gitml
v1=$(git rev-parse HEAD)

# Change the data: edit a row, add and delete an image.
sed -i 's/^5.1,3.5,1.4,0.2,setosa$/5.2,3.5,1.4,0.2,setosa/' data/iris.csv
head -c 4096 /dev/urandom > data/images/img200.bin
rm data/images/img000.bin
step gitml status
step gitml diff
step gitml add data/iris.csv data/images
git commit -qam "Data v2"

# Back to version 1: Git switches the pointers, gitml switches the data.
step git checkout -q "$v1"
step gitml checkout
step gitml status
step gitml diff --md main "$v1"
git checkout -q main && gitml checkout -q

# Share it: a local folder as the remote (an s3://bucket/prefix URL works the same way).
step gitml remote add -d storage "$work/remote-storage"
git commit -qam "Add the storage remote"
step gitml push --all-commits
step gitml status --cloud
# A teammate's fresh clone gets everything back with one pull.
git clone -q "$work/repo" "$work/teammate"
cd "$work/teammate"
step gitml pull
step gitml status

# A real ML pipeline: scikit-learn's bundled digits dataset (nothing is downloaded).
cd "$work/repo"
cp -r "$here/digits/src" "$here/digits/params.yaml" "$here/digits/gitml.yaml" .
step gitml dag
step gitml repro
git add -A && git commit -qm "Digits pipeline"
step cat metrics.json
# On a branch, lower the regularisation parameter C.
git checkout -q -b lower-c
sed -i 's/C: 1.0/C: 0.1/' params.yaml
step gitml status
# Only train and evaluate run again: prepare and featurize did not change.
step gitml repro
git commit -qam "Lower C"
step gitml metrics diff main
# The pull-request report CI would post (examples/ci/):
step gitml report main --md
# Experiments: three values of C in one queue, run two at a time, each in its own temporary
# worktree; HEAD, the branch and the workspace stay as they are.
step gitml exp run --queue -S train.C=0.03,0.3,3
step gitml exp run --run-all -j 2
step gitml exp show --md --sort-by accuracy --sort-order desc
# Bring the most accurate one into the workspace (changes left unstaged, as after an edit).
best=$(gitml exp show --json | python3 -c '
import json, sys
rows = [e["revs"][0] for b in json.load(sys.stdin) for e in b.get("experiments") or []]
score = lambda r: r["data"]["metrics"]["metrics.json"]["data"]["accuracy"]
print(max(rows, key=score)["name"])')
step gitml exp apply "$best"
step git status --short
git commit -qam "Apply experiment $best"
# The model registry: versions and stages as Git tags, in GTO's format.
step gitml registry register digits-classifier
step gitml registry assign digits-classifier staging
step gitml registry assign digits-classifier prod --version v0.0.1
step gitml registry show
step gitml registry get digits-classifier --stage prod -o "$work/serving/model.pkl"
printf '\nDone: gitml versioned data, switched versions, pushed, pulled, ran a pipeline and\nexperiments, and registered the model.\n'
