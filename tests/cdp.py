"""Test helper: headless Chromium over the DevTools protocol on a pipe, and a small PNG reader.

No dependency: commands go to the browser on its file descriptor 3, answers and events come back
on descriptor 4, each a JSON message ended by a NUL byte (`--remote-debugging-pipe`).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

# Keep the browser's own traffic (updates, sync, metrics, first-run pages) out of the picture.
QUIET = ("--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--metrics-recording-only", "--no-default-browser-check")  # fmt: skip

Event = tuple[str | None, str, dict[str, Any]]  # session id, method, params


class Browser:
    """One headless Chromium. Every wait ends by `deadline` (time.monotonic()); set it per test."""

    def __init__(self, exe: str, profile: Path) -> None:
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        def onto_3_and_4() -> None:  # in the child, before exec: fresh copies cannot clash
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._log = profile / "chromium.log"
        profile.mkdir(parents=True, exist_ok=True)
        with self._log.open("wb") as log:
            self.proc = subprocess.Popen(
                [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                 f"--user-data-dir={profile / 'data'}", *QUIET, "about:blank"],
                pass_fds=(3, 4), preexec_fn=onto_3_and_4, start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        os.close(to_child)
        os.close(from_child)
        self._buf, self._id = b"", 0
        self.deadline = time.monotonic() + 30
        self.events: list[Event] = []
        self._answers: dict[int, dict[str, Any]] = {}

    def _fail(self, why: str) -> RuntimeError:
        tail = self._log.read_text(errors="replace")[-800:]
        return RuntimeError(f"chromium {why} (exit code {self.proc.poll()}); its log ends:\n{tail}")

    def _next(self) -> None:
        """Read one message: an event is kept, an answer is returned by `call`."""
        while b"\0" not in self._buf:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise self._fail("did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise self._fail("closed the pipe")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        got = json.loads(message)
        if "method" in got:
            self.events.append((got.get("sessionId"), got["method"], got.get("params", {})))
        else:
            self._answers[got["id"]] = got

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> Any:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        while self._id not in self._answers:
            self._next()
        got = self._answers.pop(self._id)
        if "error" in got:
            raise AssertionError(f"{method}: {got['error']}")
        return got["result"]

    def wait_for(self, method: str, session: str) -> None:
        while not any(e[:2] == (session, method) for e in self.events):
            self._next()

    def close(self) -> None:
        """Kill the browser and every process it started (they write to the profile)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        os.close(self._out)
        os.close(self._in)


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """(bytes per pixel, width, rows of raw bytes) of an 8-bit RGB(A) non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IHDR":
            header = data[pos + 8 : pos + 8 + n]
        elif kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + n])
        pos += 12 + n
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    # "Up", the filter Chromium uses on most rows, is a byte-wise sum: add the even and the odd
    # bytes apart as big integers, so a byte's carry falls into a masked-off neighbour.
    even, odd = (int.from_bytes((pair * stride)[-stride:]) for pair in (b"\0\xff", b"\xff\0"))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 2:
            x, u = int.from_bytes(line), int.from_bytes(prev)
            line = bytearray((((x & even) + (u & even)) & even | ((x & odd) + (u & odd)) & odd)
                             .to_bytes(stride))  # fmt: skip
        elif kind:
            for i in range(stride):
                left, up = line[i - bpp] if i >= bpp else 0, prev[i]
                corner = prev[i - bpp] if i >= bpp else 0
                if kind == 1:
                    guess = left
                elif kind == 3:
                    guess = (left + up) // 2
                else:  # Paeth
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 255
        rows.append(bytes(line))
        prev = line
    return bpp, width, rows
