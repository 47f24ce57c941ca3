#!/usr/bin/env python3
"""issue 17 item 5: `gitml import-dvc` of a DVC repository against `dvc add` of the same data.

One DVC repository gets a 20,000-file directory (`--nfiles`, 1-8 KiB each, 100 per folder)
and a 1 GiB file (`--big-mib`); `dvc add data big.bin` is timed, the result committed, then
`gitml import-dvc` on that very repository is timed (it reads every byte once: md5 to check
DVC's digest and xxh3 together, copying into gitml's cache). For scale, `gitml add` of a copy
of the same data in a fresh gitml repository is timed too. Each timing gives wall seconds and
the child's CPU seconds (user+sys, from os.wait4), with the load average when it started: the
machine may be shared. Setup (generating, copying, committing) is never timed.

    python3 benchmarks/bench_import_dvc.py                      # 20,000 files + 1 GiB
    python3 benchmarks/bench_import_dvc.py --nfiles 2000 --big-mib 64
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DVC_CANDIDATES = (
    os.environ.get("GITML_DVC", ""),
    str(Path.home() / ".cache" / "gitml-tests" / "dvc-3.67.1" / "bin" / "dvc"),
    "/tmp/dvc-venv/bin/dvc",
)
ENV = {
    **os.environ,
    "DVC_NO_ANALYTICS": "1",
    "PYTHONPATH": str(ROOT),
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
}  # fmt: skip
GITML = [sys.executable, "-m", "gitml"]


def timed(argv: list[str], cwd: Path) -> dict[str, float]:
    """Run `argv`; its wall and CPU (user+sys) seconds, and the load before it."""
    os.sync()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.decode()}{err.decode()}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "load": round(load, 2)}  # fmt: skip


def sh(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, env=ENV, check=True, capture_output=True)


def make_data(folder: Path, nfiles: int, big_mib: int) -> None:
    rng = random.Random(20261202)
    for i in range(nfiles):
        path = folder / "data" / f"d{i // 100:03d}" / f"f{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(rng.randint(1024, 8192)))
    with open(folder / "big.bin", "wb") as f:
        for _ in range(big_mib):
            f.write(os.urandom(1024 * 1024))


def find_dvc(given: str | None) -> str:
    for candidate in (given, *DVC_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("no DVC found: pass --dvc or set GITML_DVC")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nfiles", type=int, default=20_000)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--dvc", help="DVC executable (default: the tests' DVC 3.67.1)")
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args()
    dvc = find_dvc(args.dvc)
    work = Path(tempfile.mkdtemp(prefix="bench-import-dvc-", dir=args.workdir))
    results: dict[str, object] = {"nfiles": args.nfiles, "big_mib": args.big_mib,
                                  "cpus": os.cpu_count()}  # fmt: skip
    try:
        source = work / "source"
        make_data(source, args.nfiles, args.big_mib)
        repo = work / "dvcrepo"
        repo.mkdir()
        sh(["git", "init", "-q"], repo)
        sh([dvc, "init", "-q"], repo)
        shutil.copytree(source / "data", repo / "data")
        shutil.copy2(source / "big.bin", repo / "big.bin")
        results["dvc add"] = timed([dvc, "add", "-q", "data", "big.bin"], repo)
        sh(["git", "add", "-A"], repo)
        sh(["git", "commit", "-qm", "dvc"], repo)
        results["gitml import-dvc"] = timed([*GITML, "import-dvc", "-q"], repo)
        status = subprocess.run([*GITML, "status"], cwd=repo, env=ENV, capture_output=True,
                                text=True)  # fmt: skip
        results["status after"] = status.stdout.strip()
        fresh = work / "gitmlrepo"
        fresh.mkdir()
        sh(["git", "init", "-q"], fresh)
        sh([*GITML, "init", "-q"], fresh)
        shutil.copytree(source / "data", fresh / "data")
        shutil.copy2(source / "big.bin", fresh / "big.bin")
        results["gitml add (for scale)"] = timed([*GITML, "add", "-q", "data", "big.bin"], fresh)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{args.nfiles} files + {args.big_mib} MiB; {os.cpu_count()} CPUs\n")
    print("| step | wall s | cpu s | load at start |\n|---|---|---|---|")
    for step in ("dvc add", "gitml import-dvc", "gitml add (for scale)"):
        r = results[step]
        assert isinstance(r, dict)
        print(f"| {step} | {r['wall_s']} | {r['cpu_s']} | {r['load']} |")
    print(f"\nstatus after import-dvc: {results['status after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
