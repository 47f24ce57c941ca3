#!/usr/bin/env python3
"""Time gitml and DVC side by side on the same pipeline: repro and status.

Each tool gets a fresh Git repository (``git init`` + ``dvc init`` / ``gitml init``) with
a chain of ``--stages`` stages in ``dvc.yaml`` / ``gitml.yaml`` (the same text): stage
``s01`` copies ``in.txt`` to ``o01.txt`` and stage ``sNN`` copies ``o(NN-1).txt`` to
``oNN.txt``.  Timed: the first full ``repro``, a no-op ``repro``, ``repro`` after changing
the middle stage's ``cmd`` (same output: only that stage runs; new output: it and every
later stage run), and ``status`` with nothing changed.  A second, "wide" repository holds
``--wide`` independent stages that each sleep 0.05 s, timed with ``dvc repro`` against
``gitml repro`` and ``gitml repro -j N``.  Every step checks the exit code and which
outputs were rewritten (by inode and mtime) and their content.  The plumbing (running,
timing, peak RSS, tools, table cells) comes from ``bench_core.py``.

    python3 benchmarks/bench_pipeline.py --stages 10 --wide 10
    python3 benchmarks/bench_pipeline.py --json pipeline.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_core import (
    Result,
    Spec,
    Step,
    Tool,
    ToolBench,
    Trial,
    add_tool_options,
    json_report,
    log,
    make_tools,
    markdown_table,
    run_benchmark,
)

VARIANTS = ("same", "bytes")
WIDE_SLEEP = 0.05
INPUT = b"".join(b"line %04d of the pipeline input\n" % i for i in range(100))
PIPELINE_FILE = {"dvc": "dvc.yaml", "gitml": "gitml.yaml"}
Stamp = tuple[int, int]  # (inode, mtime_ns) of an output


@dataclass
class Pipeline:
    """Stage names, commands, deps and outs, written as the tool's pipeline file."""

    names: list[str]
    cmds: dict[str, str]
    deps: dict[str, str]
    outs: dict[str, str]

    def yaml(self) -> str:
        """The same YAML for both tools; commands are JSON (= YAML) double-quoted."""
        lines = ["stages:"]
        for name in self.names:
            lines += [
                f"  {name}:",
                f"    cmd: {json.dumps(self.cmds[name])}",
                "    deps:",
                f"    - {self.deps[name]}",
                "    outs:",
                f"    - {self.outs[name]}",
            ]
        return "\n".join(lines) + "\n"


def chain_pipeline(stages: int) -> Pipeline:
    names = [f"s{i:02d}" for i in range(1, stages + 1)]
    outs = {name: f"o{i:02d}.txt" for i, name in enumerate(names, 1)}
    deps = {name: outs[names[i - 1]] if i else "in.txt" for i, name in enumerate(names)}
    cmds = {name: f"cp {deps[name]} {outs[name]}" for name in names}
    return Pipeline(names, cmds, deps, outs)


def wide_pipeline(stages: int) -> Pipeline:
    """Independent stages; each has a dep, since DVC always runs a stage without deps."""
    names = [f"w{i:02d}" for i in range(1, stages + 1)]
    outs = {name: f"{name}.txt" for name in names}
    deps = dict.fromkeys(names, "in.txt")
    cmds = {name: f"sleep {WIDE_SLEEP} && cp in.txt {outs[name]}" for name in names}
    return Pipeline(names, cmds, deps, outs)


# --------------------------------------------------------------------------- benches


class PipelineBench(ToolBench):
    """One tool's pipeline repository: ``in.txt``, the pipeline file, committed untimed."""

    def __init__(self, tool: Tool, root: Path, spec: Spec, pipeline: Pipeline) -> None:
        super().__init__(tool, root, root, spec)
        self.pipeline = pipeline
        self.before: dict[str, Stamp | None] = {}
        self.expected: dict[str, bytes] = {}  # output -> content after the step

    def init(self) -> None:
        super().init()
        self.version = self.exec(self.tool.cmd("--version")).stdout.strip()
        (self.repo / "in.txt").write_bytes(INPUT)
        self.write_pipeline()
        self.commit("pipeline")

    def write_pipeline(self) -> None:
        (self.repo / PIPELINE_FILE[self.tool.name]).write_text(self.pipeline.yaml())

    def repro(self, *args: str) -> list[list[str]]:
        return [self.tool.cmd("repro", *args)]

    # -- untimed setup and checks

    def stamp(self, out: str) -> Stamp | None:
        try:
            st = (self.repo / out).stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def snapshot(self) -> None:
        """Remember every output's inode and mtime before a step's first run."""
        self.before = {out: self.stamp(out) for out in self.pipeline.outs.values()}

    def snap_first(self, index: int) -> Callable[[], None] | None:
        """Setup for repeated steps: the check then covers all runs together."""
        return self.snapshot if index == 0 else None

    def check_outputs(self, ran: Sequence[str]) -> str | None:
        """Exactly the stages ``ran`` rewrote their outputs; every output is as expected."""
        outs = self.pipeline.outs
        rewritten = [n for n in self.pipeline.names if self.stamp(outs[n]) != self.before[outs[n]]]
        missing = [outs[n] for n in self.pipeline.names if not (self.repo / outs[n]).is_file()]
        if missing:
            return f"{len(missing)} outputs missing after the step, e.g. {missing[0]}"
        if rewritten != list(ran):
            return (
                f"{len(rewritten)} stages rewrote their output ({span(rewritten)}), "
                f"expected {len(ran)} ({span(ran)})"
            )
        wrong = [
            n for n in self.pipeline.names if (self.repo / outs[n]).read_bytes() != self.expected[n]
        ]
        if wrong:
            return f"{len(wrong)} outputs with wrong content, e.g. {outs[wrong[0]]}"
        return None


def span(names: Sequence[str]) -> str:
    if not names:
        return "none"
    return names[0] if len(names) == 1 else f"{names[0]}..{names[-1]}"


class ChainBench(PipelineBench):
    """First repro, no-op repro, repro after a cmd change (per variant), status."""

    def __init__(
        self, tool: Tool, root: Path, spec: Spec, stages: int, variants: Sequence[str]
    ) -> None:
        super().__init__(tool, root, spec, chain_pipeline(stages))
        self.variants = variants
        names = self.pipeline.names
        self.middle = names[(len(names) - 1) // 2]  # s25 of 50
        self.expected = dict.fromkeys(names, INPUT)

    def steps(self) -> list[Step]:
        names, repeat, n = self.pipeline.names, self.spec.repeat, len(self.pipeline.names)
        mid = self.middle
        downstream = names[names.index(mid) :]
        steps = [
            Step(
                "repro_first",
                f"repro, first ({n} stages run)",
                lambda _: Trial(self.repro(), self.snapshot),
                check=lambda: self.check_outputs(names),
            ),
            Step(
                "repro_noop",
                "repro, nothing changed",
                lambda i: Trial(self.repro(), self.snap_first(i)),
                repeat,
                needs=("repro_first",),
                check=lambda: self.check_outputs([]),
            ),
        ]
        if "same" in self.variants:
            steps.append(
                Step(
                    "repro_cmd_same",
                    f"repro, {mid} cmd changed, same output (1 stage runs)",
                    lambda _: Trial(self.repro(), lambda: self.change_cmd("same")),
                    needs=("repro_first",),
                    check=lambda: self.check_outputs([mid]),
                )
            )
        if "bytes" in self.variants:
            steps.append(
                Step(
                    "repro_cmd_bytes",
                    f"repro, {mid} cmd changed, new output ({len(downstream)} stages run)",
                    lambda _: Trial(self.repro(), lambda: self.change_cmd("bytes")),
                    needs=("repro_first",),
                    check=lambda: self.check_outputs(downstream),
                )
            )
        steps.append(
            Step(
                "status_clean",
                "status, nothing changed",
                lambda i: Trial([self.tool.cmd("status")], self.snap_first(i)),
                repeat,
                needs=("repro_first",),
                check=self.check_status,
            )
        )
        return steps

    def change_cmd(self, variant: str) -> None:
        """Append to the middle stage's cmd: ``&& true`` or a line added to its output."""
        mid, pipeline = self.middle, self.pipeline
        base = f"cp {pipeline.deps[mid]} {pipeline.outs[mid]}"
        if variant == "same":
            pipeline.cmds[mid] = f"{base} && true"
        else:
            extra = f"changed {mid}"
            pipeline.cmds[mid] = f"{base} && echo {extra} >> {pipeline.outs[mid]}"
            after = pipeline.names[pipeline.names.index(mid) :]
            self.expected.update(dict.fromkeys(after, INPUT + f"{extra}\n".encode()))
        self.write_pipeline()
        self.snapshot()

    def check_status(self) -> str | None:
        """``status`` must not have touched any output, nor report the pipeline changed."""
        problem = self.check_outputs([])
        if problem:
            return problem
        done = self.exec(self.tool.cmd("status"))  # untimed: read what it says
        text = (done.stdout + done.stderr).lower()
        return None if "up to date" in text else f"status not clean: {text.strip()[:120]!r}"


class WideBench(PipelineBench):
    """Independent sleeping stages: ``repro`` (-j 1), then ``repro -j N`` for gitml."""

    def __init__(self, tool: Tool, root: Path, spec: Spec, stages: int, jobs: int) -> None:
        super().__init__(tool, root, spec, wide_pipeline(stages))
        self.jobs = jobs
        self.round = 0
        self.expected = dict.fromkeys(self.pipeline.names, INPUT)

    def steps(self) -> list[Step]:
        n, jobs, names = len(self.pipeline.names), self.jobs, self.pipeline.names
        job_args = ("-j", str(jobs)) if self.tool.name == "gitml" else ()
        title = f"wide: repro, {n} stages x sleep {WIDE_SLEEP} s"
        return [
            Step(
                "wide_j1",
                f"{title} (gitml -j 1)",
                lambda _: Trial(self.repro(), self.snapshot),
                check=lambda: self.check_outputs(names),
            ),
            Step(
                "wide_jn",
                f"{title} (gitml -j {jobs}; dvc has no -j)",
                lambda _: Trial(self.repro(*job_args), self.new_input),
                check=lambda: self.check_outputs(names),
            ),
        ]

    def new_input(self) -> None:
        """Change ``in.txt`` so that every stage runs again (and no run cache applies)."""
        self.round += 1
        content = INPUT + f"round {self.round}\n".encode()
        (self.repo / "in.txt").write_bytes(content)
        self.expected = dict.fromkeys(self.pipeline.names, content)
        self.snapshot()


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", type=int, default=50, help="stages in the chain (50)")
    parser.add_argument(
        "--variant",
        choices=(*VARIANTS, "both"),
        default="both",
        help="cmd change of the middle stage: same output, new output (bytes), or both",
    )
    parser.add_argument(
        "--wide", type=int, default=50, help="independent stages in the wide variant (0: skip)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="gitml repro -j for --wide (2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of cheap steps (best of)")
    add_tool_options(parser)
    args = parser.parse_args(argv)
    if args.stages < 2 or args.wide < 0 or args.jobs < 1 or args.repeat < 1:
        parser.error("need --stages >= 2, --wide >= 0, --jobs >= 1, --repeat >= 1")
    return args


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    spec = Spec(0, 0, 0, 0, True, args.repeat)
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    results: dict[str, dict[str, Result]] = {}
    versions: dict[str, str] = {}
    titles: dict[str, str] = {}
    for tool in make_tools(args, work):
        benches: list[PipelineBench] = [
            ChainBench(tool, work / "chain" / tool.name, spec, args.stages, variants)
        ]
        if args.wide:
            benches.append(WideBench(tool, work / "wide" / tool.name, spec, args.wide, args.jobs))
        results[tool.name] = {}
        for bench in benches:
            log(f"[{tool.name}] {type(bench).__name__} in {bench.repo}")
            titles.update((step.key, step.title) for step in bench.steps())
            results[tool.name].update(bench.run_all())
            versions[tool.name] = versions.get(tool.name) or bench.version
    print(f"Chain of {args.stages} stages (cp, ~3 ms each); wide: {args.wide} stages\n")
    print(markdown_table(titles, results))
    return json_report(args, titles, results, versions)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), "gitml-bench-pipeline-", benchmark)


if __name__ == "__main__":
    sys.exit(main())
