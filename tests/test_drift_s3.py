"""issue 15: `gitml drift --against` a batch on S3, for real (moto's S3 server): through the
AWS environment (`AWS_ENDPOINT_URL`, which botocore honours) or a gitml remote's own
endpoint and credentials (`remote://NAME/PATH`, DVC's notation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import git, run_cli, snapshot, write
from s3server import new_bucket, s3_client


def table(seed: int, shift: float) -> bytes:
    rng = np.random.default_rng(seed)
    lines = ["amount,colour"]
    for value, pick in zip(rng.normal(shift, 1.0, 400), rng.integers(0, 3, 400), strict=True):
        lines.append(f"{value:.5f},{('red', 'green', 'blue')[pick]}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def tracked(repo: Path) -> Path:
    """data.csv tracked and committed (the reference)."""
    write(repo / "data.csv", table(1, 0.0))
    assert run_cli("add", "data.csv").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    return repo


def upload(endpoint: str, bucket: str, key: str, data: bytes) -> None:
    s3_client(endpoint).put_object(Bucket=bucket, Key=key, Body=data)  # type: ignore[attr-defined]


def columns(out: str) -> list[Any]:
    found: list[Any] = json.loads(out)["columns"]
    return found


def test_against_s3_url_with_aws_endpoint_url(
    tracked: Path, s3_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 15 item 1 (`--against s3://`): a batch in a bucket on an S3-compatible server
    named by AWS_ENDPOINT_URL gives the very comparison of the same file on disk."""
    bucket = new_bucket(s3_endpoint)
    batch = table(2, 0.8)
    upload(s3_endpoint, bucket, "batches/b1.csv", batch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    remote = run_cli("drift", "data.csv", "--against", f"s3://{bucket}/batches/b1.csv", "--json")
    assert remote.code == 0, remote.err
    write(tracked.parent / "b1.csv", batch)
    local = run_cli("drift", "data.csv", "--against", str(tracked.parent / "b1.csv"), "--json")
    assert columns(remote.out) == columns(local.out)
    assert json.loads(remote.out)["dataset"]["drifted"] is True
    check = run_cli("drift", "data.csv", "--against", f"s3://{bucket}/batches/b1.csv", "--check")
    assert check.code == 1


def test_against_remote_url_uses_the_remote_endpoint(
    tracked: Path, s3_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 15 item 1 (`--against s3://`): remote://NAME/PATH reads PATH under gitml remote
    NAME's URL with its endpointurl (no endpoint in the environment)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    bucket = new_bucket(s3_endpoint)
    upload(s3_endpoint, bucket, "store/batches/b1.csv", table(2, 0.8))
    assert run_cli("remote", "add", "store", f"s3://{bucket}/store").code == 0
    assert run_cli("remote", "modify", "store", "endpointurl", s3_endpoint).code == 0
    found = run_cli("drift", "data.csv", "--against", "remote://store/batches/b1.csv", "--json")
    assert found.code == 0, found.err
    result = json.loads(found.out)
    assert result["b"]["rev"] == "remote://store/batches/b1.csv"
    assert result["dataset"]["drifted"] is True
    same = run_cli("drift", "data.csv", "--against", "remote://store/batches/b1.csv", "--json")
    assert columns(same.out) == columns(found.out)


def test_against_remote_url_of_a_local_remote(tracked: Path, tmp_path: Path) -> None:
    """issue 15 item 1: remote://NAME/PATH of a local (folder) remote reads the file there."""
    folder = tmp_path / "storage"
    assert run_cli("remote", "add", "store", str(folder)).code == 0
    write(folder / "batches" / "b0.csv", table(1, 0.0))
    found = run_cli("drift", "data.csv", "--against", "remote://store/batches/b0.csv", "--check")
    assert found.code == 0, found.err
    assert "no drift" in found.out


def test_bad_batch_urls_exit_2_and_write_nothing(
    tracked: Path, s3_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 15 (bad input): an unknown remote, remote:// without a path, a missing key:
    one line on stderr, exit 2, nothing written."""
    bucket = new_bucket(s3_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    before = snapshot(tracked)
    for url, words in (
        ("remote://nosuch/b.csv", "unknown remote 'nosuch'"),
        ("remote://nosuch", "give remote://NAME/PATH"),
        (f"s3://{bucket}/missing.csv", "no such file"),
    ):
        found = run_cli("drift", "data.csv", "--against", url)
        assert found.code == 2, (url, found.err)
        assert words in found.err and len(found.err.strip().splitlines()) <= 2, found.err
        assert found.err.strip().splitlines()[0].startswith("error:"), found.err
    assert snapshot(tracked) == before
