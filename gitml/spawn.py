"""Run a short-lived program and collect its output, without the `subprocess` module.

`import subprocess` costs ~6 ms (it pulls `selectors`, `threading`, `signal` ...), a fifth
of the pre-commit hook's budget, for what scm.py needs: start `git`, feed it stdin, read
stdout and stderr to the end, wait. `os.posix_spawnp` (vfork + exec in glibc, as
`subprocess` uses where it can) and a `select.poll` loop do that. What `subprocess` sets
up for a child is set up here too: SIGPIPE and SIGXFSZ back to their defaults, only the
three standard descriptors inherited (Python opens every other one close-on-exec), and the
child killed and reaped when the caller is interrupted.
"""

from __future__ import annotations

import os
import select

_CHUNK = 65536
_RESTORE_SIGNALS = (13, 25)  # SIGPIPE, SIGXFSZ (as subprocess's restore_signals)


def run(
    argv: list[str], *, data: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of `argv` (found on PATH), `data` on its stdin (else
    /dev/null). OSError (FileNotFoundError: no such program) if it cannot be started."""
    child_in, parent_in = os.pipe() if data is not None else (os.open(os.devnull, os.O_RDONLY), -1)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ours = [fd for fd in (parent_in, out_r, err_r) if fd >= 0]
    if min(child_in, out_w, err_w) < 3:  # a standard descriptor of ours is closed: rare
        for fd in (*ours, child_in, out_w, err_w):
            os.close(fd)
        return _with_subprocess(argv, data, env)
    try:
        pid = os.posix_spawnp(
            argv[0],
            argv,
            os.environ if env is None else env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, child_in, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsigdef=_RESTORE_SIGNALS,
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in (child_in, out_w, err_w):
            os.close(fd)
    try:
        out, err = _communicate(parent_in, out_r, err_r, data or b"", ours)
    except BaseException:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise
    finally:
        for fd in ours:  # those _communicate did not close
            os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out, err


def _communicate(
    in_w: int, out_r: int, err_r: int, data: bytes, ours: list[int]
) -> tuple[bytes, bytes]:
    """Write `data` to `in_w` (then close it) while reading `out_r` and `err_r` to EOF; a
    descriptor closed here leaves `ours`."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    view, sent = memoryview(data), 0
    if in_w >= 0:
        os.set_blocking(in_w, False)
        poller.register(in_w, select.POLLOUT)
    open_fds = len(chunks) + (in_w >= 0)
    while open_fds:
        for fd, _event in poller.poll():
            if fd == in_w:
                try:
                    sent += os.write(fd, view[sent : sent + _CHUNK])
                except BrokenPipeError:  # it stopped reading: as subprocess, not an error
                    sent = len(view)
                except BlockingIOError:
                    continue
                if sent >= len(view):
                    poller.unregister(fd)
                    ours.remove(fd)
                    os.close(fd)
                    open_fds -= 1
                continue
            chunk = os.read(fd, _CHUNK)
            if chunk:
                chunks[fd].append(chunk)
            else:
                poller.unregister(fd)
                open_fds -= 1
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _with_subprocess(
    argv: list[str], data: bytes | None, env: dict[str, str] | None
) -> tuple[int, bytes, bytes]:
    import subprocess

    if data is None:
        proc = subprocess.run(argv, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    else:
        proc = subprocess.run(argv, capture_output=True, env=env, input=data)
    return proc.returncode, proc.stdout, proc.stderr
