"""issue 18 Done-when: one run of the worker with the gitml remote on S3 (moto's server on
127.0.0.1): two workers drain a queue of 4, the data and run records go through the bucket,
and a fourth clone pulls the results, data included, from there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from s3server import new_bucket, s3_client
from test_exp_worker import finish, kinds, lines, make_site, ok, queue_remote, worker


def test_workers_with_an_s3_gitml_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: None, s3_endpoint: str
) -> None:
    """issue 18 Done-when (moto S3): the same drain as with a local gitml remote: each
    experiment runs once, every result's outs are in the bucket, and `exp pull` into a new
    clone brings refs and data from S3; `exp apply` there gives the run's model."""
    bucket = new_bucket(s3_endpoint)
    site = make_site(tmp_path, monkeypatch, f"s3://{bucket}/store", s3_endpoint)
    queue_remote(site, "lr=0.1,0.2,0.3,0.4", "sleep=0.2")
    procs = [worker(site.clone(f"w{i}"), "--once") for i in range(2)]
    for code, out, err in (finish(p) for p in procs):
        assert code == 0, (out, err)
    done = lines(site.log)
    assert len(done) == 4 and len(set(done)) == 4
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 4}
    listed = s3_client(s3_endpoint).list_objects_v2(  # type: ignore[attr-defined]
        Bucket=bucket, Prefix="store/")
    keys = {o["Key"] for o in listed.get("Contents", [])}
    assert sum(1 for k in keys if "/runs/" in k) >= 4  # the experiments' run records
    d = site.clone("d")
    out = ok(d, "exp", "pull", "origin")
    assert out.count("Pulled experiment") == 4, out
    shown = json.loads(ok(d, "exp", "show", "--json"))
    names = {e["name"] for row in shown for e in (row.get("experiments") or [])}
    assert names == set(done)
    ok(d, "exp", "apply", done[0])
    lr = (d / "params.yaml").read_text().split("lr: ")[1].split()[0]
    assert (d / "model.txt").read_text() == f"model lr={lr}\n"
