#!/usr/bin/env python3
"""Time gitml and DVC side by side on remotes: push, no-op push, pull.

For each remote kind (a local folder; S3 served by moto on 127.0.0.1) and each tool, a
fresh Git repository gets the same data (``data/`` of small files plus ``big.bin``),
added and committed untimed, and a fresh remote.  Timed: ``push`` of everything,
``push`` again with nothing new, and ``pull`` after deleting the cache and the workspace
data.  Each step checks the exit code and the result (objects on the remote, pulled files
complete).  The plumbing (running, timing, peak RSS, data, tools, table cells) comes
from ``bench_core.py``.

    python3 benchmarks/bench_remote.py --nfiles 2000 --big-mib 64
    python3 benchmarks/bench_remote.py --remotes s3 --json remote.json
"""

from __future__ import annotations

import argparse
import filecmp
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench_core import (
    NA,
    CommandError,
    Result,
    Spec,
    Step,
    Tool,
    ToolBench,
    Trial,
    add_tool_options,
    data_files,
    fmt_mib,
    fmt_ratio,
    fmt_seconds,
    json_report,
    log,
    make_dataset,
    problem_notes,
    rel_data_path,
    run_benchmark,
    set_aside,
)
from bench_core import (
    make_tools as core_make_tools,
)

REMOTE_KINDS = ("local", "s3")
STEPS = (
    ("push", "push (fresh remote)"),
    ("push_noop", "push (nothing new)"),
    ("pull", "pull (empty cache, no data)"),
)
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
REMOTE_NAME = "store"


# --------------------------------------------------------------------------- remotes


@dataclass
class Remote:
    """One fresh remote for one tool: its URL, options, and how to count its objects."""

    kind: str
    url: str
    count_objects: Callable[[], int]
    options: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def local_remote(root: Path) -> Remote:
    root.mkdir(parents=True)

    def count() -> int:
        return sum(1 for p in root.rglob("*") if p.is_file())

    return Remote("local", str(root), count)


class MotoS3:
    """A moto S3 server on 127.0.0.1 (a subprocess), one bucket per remote."""

    def __init__(self, logdir: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        logdir.mkdir(parents=True, exist_ok=True)
        self.log = (logdir / "moto.log").open("wb")
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.client = self.connect()

    def connect(self, timeout: float = 30.0) -> Any:
        import boto3
        from botocore.exceptions import EndpointConnectionError

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=AWS_ENV["AWS_DEFAULT_REGION"],
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode}")
            try:
                client.list_buckets()
                return client
            except EndpointConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.2)

    def remote(self, bucket: str, prefix: str = "data") -> Remote:
        self.client.create_bucket(Bucket=bucket)

        def count() -> int:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=f"{prefix}/"
            )
            return sum(page.get("KeyCount", 0) for page in pages)

        env = {**AWS_ENV, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        return Remote("s3", f"s3://{bucket}/{prefix}", count, {"endpointurl": self.endpoint}, env)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def remote_factory(kind: str, work: Path) -> Iterator[Callable[[str], Remote]]:
    """Yield ``make(tool_name) -> Remote``; for S3 the server lives as long as the block."""
    if kind == "local":
        yield lambda tool: local_remote(work / "remotes" / tool)
        return
    log("starting moto S3 server ...")
    server = MotoS3(work / "moto")
    log(f"moto S3 server on {server.endpoint}")
    try:
        yield lambda tool: server.remote(f"{tool}-store")
    finally:
        server.stop()


# --------------------------------------------------------------------------- steps


class RemoteBench(ToolBench):
    """push, no-op push and pull of one tool against one fresh remote."""

    def __init__(self, tool: Tool, root: Path, data: Path, spec: Spec, remote: Remote) -> None:
        super().__init__(replace(tool, env={**tool.env, **remote.env}), root, data, spec)
        self.remote = remote
        self.pushed_objects = 0
        self.trash = root / "set-aside"

    @property
    def targets(self) -> list[str]:
        return ["data"] if self.spec.skip_big else ["data", "big.bin"]

    def init(self) -> None:
        """Untimed: repo, data added and committed, the remote configured."""
        super().init()
        self.version = self.exec(self.tool.cmd("--version")).stdout.strip()
        log(f"[{self.tool.name}] {self.remote.kind}: adding the data (untimed) ...")
        self.copy_data()
        if not self.spec.skip_big:
            self.copy_big()
        self.exec(self.tool.cmd("add", *self.targets))
        self.commit("data")
        self.exec(self.tool.cmd("remote", "add", "-d", REMOTE_NAME, self.remote.url))
        for option, value in self.remote.options.items():
            self.exec(self.tool.cmd("remote", "modify", REMOTE_NAME, option, value))

    def steps(self) -> list[Step]:
        push = self.tool.cmd("push")
        key = self.key
        title = dict(STEPS)
        return [
            Step(key("push"), title["push"], lambda _: Trial([push]), check=self.check_push),
            Step(
                key("push_noop"),
                title["push_noop"],
                lambda _: Trial([push]),
                needs=(key("push"),),
                check=self.check_noop,
            ),
            Step(
                key("pull"),
                title["pull"],
                lambda _: Trial([self.tool.cmd("pull")], self.drop_cache_and_data),
                needs=(key("push"),),
                check=self.check_pull,
            ),
        ]

    def key(self, step: str) -> str:
        return f"{step}@{self.remote.kind}"

    # -- untimed setup and checks

    @property
    def expected_objects(self) -> int:
        """Objects a push must at least upload: every file (directory manifests aside)."""
        return self.spec.nfiles + (0 if self.spec.skip_big else 1)

    def check_push(self) -> str | None:
        self.pushed_objects = self.remote.count_objects()
        if self.pushed_objects < self.expected_objects:
            return f"remote has {self.pushed_objects} objects, expected >= {self.expected_objects}"
        return None

    def check_noop(self) -> str | None:
        found = self.remote.count_objects()
        if found != self.pushed_objects:
            return f"remote went from {self.pushed_objects} to {found} objects"
        return None

    def drop_cache_and_data(self) -> None:
        """``rm -rf .<tool>/cache data big.bin``, as far as the tool can tell: they are moved
        out of the repository (see ``set_aside``)."""
        for path in (self.repo / f".{self.tool.name}" / "cache", self.repo / "data"):
            if not path.is_dir():
                raise CommandError(f"{path.relative_to(self.repo)} missing before pull")
            set_aside(path, self.trash)
        if (self.repo / "big.bin").exists():
            set_aside(self.repo / "big.bin", self.trash)

    def check_pull(self) -> str | None:
        found = len(data_files(self.repo)) if (self.repo / "data").is_dir() else 0
        if found != self.spec.nfiles:
            return f"data/ has {found} files after pull, expected {self.spec.nfiles}"
        probe = rel_data_path(self.spec.nfiles // 2)
        if (self.repo / probe).read_bytes() != (self.src / probe).read_bytes():
            return f"{probe} differs from the original after pull"
        if not self.spec.skip_big:
            big = self.repo / "big.bin"
            if not big.is_file() or not filecmp.cmp(big, self.src / "big.bin", shallow=False):
                return "big.bin missing or different after pull"
        return None


# --------------------------------------------------------------------------- output


@dataclass
class Row:
    key: str
    step: str
    remote: str


def rows_for(kinds: Sequence[str]) -> list[Row]:
    return [Row(f"{step}@{kind}", title, kind) for kind in kinds for step, title in STEPS]


def markdown_table(rows: list[Row], results: dict[str, dict[str, Result]]) -> str:
    dvc, gml = results.get("dvc", {}), results.get("gitml", {})
    lines = [
        "| step | remote | dvc s | gitml s | ratio | dvc MiB | gitml MiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        d, g = dvc.get(row.key), gml.get(row.key)
        cells = [row.step, row.remote, fmt_seconds(d), fmt_seconds(g), fmt_ratio(d, g)]
        lines.append("| " + " | ".join([*cells, fmt_mib(d), fmt_mib(g)]) + " |")
    notes = problem_notes({r.key: f"{r.step} [{r.remote}]" for r in rows}, results)
    return "\n".join(lines + (["", *notes] if notes else []))


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nfiles", type=int, default=20_000, help="files in data/ (20000)")
    parser.add_argument("--big-mib", type=int, default=1024, help="size of big.bin in MiB")
    parser.add_argument("--skip-big", action="store_true", help="no big.bin")
    parser.add_argument(
        "--remotes", default=",".join(REMOTE_KINDS), help="remote kinds: local,s3 (both)"
    )
    parser.add_argument(
        "--gitml-first",
        action="store_true",
        help="run gitml before DVC (alternate runs: the tool that goes second finds the"
        " first one's files created, and any earlier run's deletions older)",
    )
    add_tool_options(parser)
    args = parser.parse_args(argv)
    args.remotes = [kind.strip() for kind in args.remotes.split(",") if kind.strip()]
    unknown = set(args.remotes) - set(REMOTE_KINDS)
    if unknown or not args.remotes:
        parser.error(f"--remotes: choose from {', '.join(REMOTE_KINDS)}")
    if args.nfiles < 1 or args.big_mib < 1:
        parser.error("--nfiles and --big-mib must be positive")
    return args


def ensure_dvc_s3(venv: Path, version: str) -> None:
    """Install the dvc-s3 plugin into DVC's virtualenv (keeping DVC at ``version``)."""
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import dvc_s3"], capture_output=True)
    if probe.returncode == 0:
        return
    log(f"installing dvc-s3 into {venv} ...")
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, f"dvc=={version}", "dvc-s3"], check=True)


def plugin_version(venv: Path, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True)
    return done.stdout.decode().strip() if done.returncode == 0 else NA


def make_tools(args: argparse.Namespace, work: Path) -> list[Tool]:
    """`bench_core.make_tools`, with the dvc-s3 plugin for S3 and the order of --gitml-first."""
    tools = core_make_tools(args, work)
    if args.only in (None, "dvc") and "s3" in args.remotes:
        ensure_dvc_s3(args.venv.resolve(), args.dvc_version)
    return tools[::-1] if args.gitml_first else tools


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    spec = Spec(args.nfiles, args.big_mib, 0, 0, args.skip_big, 1)
    tools = make_tools(args, work)
    log(f"generating data in {work / 'src'} ...")
    make_dataset(work / "src", spec)
    results: dict[str, dict[str, Result]] = {tool.name: {} for tool in tools}
    versions: dict[str, str] = {}
    if args.only in (None, "dvc") and "s3" in args.remotes:
        versions["dvc-s3"] = plugin_version(args.venv.resolve(), "dvc-s3")
    for kind in args.remotes:
        with remote_factory(kind, work) as make_remote:
            for tool in tools:
                root = work / kind / tool.name
                bench = RemoteBench(tool, root, work / "src", spec, make_remote(tool.name))
                results[tool.name].update(bench.run_all())
                versions[tool.name] = versions.get(tool.name) or bench.version
    rows = rows_for(args.remotes)
    big = "" if args.skip_big else f" + big.bin ({args.big_mib} MiB)"
    print(f"Data: {args.nfiles} files of 1-8 KiB{big}\n")
    print(markdown_table(rows, results))
    report = json_report(args, {row.key: row.step for row in rows}, results, versions)
    for row, entry in zip(rows, report["steps"], strict=True):
        entry["remote"] = row.remote
    return report


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), "gitml-bench-remote-", benchmark)


if __name__ == "__main__":
    sys.exit(main())
