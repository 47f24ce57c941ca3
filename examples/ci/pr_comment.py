"""Create or update the one gitml report comment on a pull request (GitHub REST API).

The comment is found by the marker `gitml report` puts on its first line, so each push
updates it instead of adding another. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from typing import Any

MARKER = "<!-- gitml-report -->"


def call(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main(path: str) -> int:
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo, number = os.environ["GITHUB_REPOSITORY"], os.environ["PR_NUMBER"]
    token = os.environ["GITHUB_TOKEN"]
    with open(path, encoding="utf-8") as f:
        body = f.read()
    comments_url = f"{api}/repos/{repo}/issues/{number}/comments"
    page, existing = 1, None
    while existing is None:
        batch = call("GET", f"{comments_url}?per_page=100&page={page}", token)
        if not batch:
            break
        existing = next((c for c in batch if MARKER in (c.get("body") or "")), None)
        page += 1
    if existing is None:
        call("POST", comments_url, token, {"body": body})
        print("gitml: report comment created")
    else:
        call("PATCH", f"{api}/repos/{repo}/issues/comments/{existing['id']}", token, {"body": body})
        print("gitml: report comment updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
