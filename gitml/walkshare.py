"""A walk shared with a forked child (gitml/walk.py reads the folders).

The subtrees left after a walk's first folders are a queue in a pipe (an index per share,
two bytes each, written before the fork): the child takes shares from it as soon as it is
forked, the parent joins in at `Walk.finish`, so whoever has time reads more (`status`
begins the walk before it checks the stages, so the child reads while the parent works).
The child sends briefs of its folders (a digest of names and stats each: a few KiB, not
20,000 records) and its full listings only when asked (the fingerprint was not known).
"""

from __future__ import annotations

import _thread
import gc
import marshal
import os
from array import array

from gitml.hashing import hash_bytes
from gitml.statcache import RACY_WINDOW_NS
from gitml.walk import Brief, FileStat, Folder, Listing, Walker, pause_gc, resume_gc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

_MAX_SHARES = 256  # the queue's length at most: 512 bytes, well within a pipe's buffer


class Walk:
    """A walk: its folders' listings, and briefs of the ones a child read (their listings
    come over when `files` asks).

    The subtrees left after the first folders are a queue in a pipe (an index per share,
    two bytes each, written before the fork): the child takes shares from it as soon as it
    is forked, this process joins in at `finish`, so whoever has time reads more."""

    def __init__(self, walker: Walker, root: Folder, done: dict[str, Listing]) -> None:
        self.walker, self.root, self.done = walker, root, done
        self.briefs: dict[str, Brief] = {}
        self.child: _Child | None = None
        self.shares: list[list[Folder]] = []
        self.queue = -1  # the read end of the queue of shares
        self.mine: set[int] = set()  # the shares read here
        self.finished = False

    def share(self, frontier: list[Folder]) -> None:
        """Queue the subtrees of `frontier` and fork a child to start on them."""
        if not frontier:
            return
        per = -(-len(frontier) // _MAX_SHARES)
        self.shares = [frontier[i : i + per] for i in range(0, len(frontier), per)]
        if len(self.shares) < 2 or not hasattr(os, "fork") or _thread._count():  # threads
            return  # one share, or no fork: `finish` reads them all here
        self.queue, w = os.pipe()
        try:
            os.write(w, b"".join(i.to_bytes(2, "little") for i in range(len(self.shares))))
        finally:
            os.close(w)  # an empty queue then reads as the end
        try:
            self.child = _Child.fork(self.walker, self.shares, self.queue)
        except OSError:  # no process to spare (a limit): `finish` reads them all here
            self.child = None

    def finish(self) -> None:
        """Read the shares nobody took yet, then collect the child's briefs."""
        if self.finished:
            return
        self.finished = True
        if self.queue < 0:
            for index in range(len(self.shares)):
                self._read_share(index)
            return
        while (taken := _take(self.queue)) is not None:
            self._read_share(taken)
        os.close(self.queue)
        self.queue = -1
        briefs = self.child.receive() if self.child is not None else None
        if briefs is None:
            self._take_over()
        else:
            self.briefs = briefs

    def _read_share(self, index: int) -> None:
        self.mine.add(index)
        self.walker.subtrees(self.shares[index], self.done)

    def fingerprint(self, started_ns: int) -> str | None:
        """A digest of every file's path and stat, in walk order; None if a file is too
        fresh to trust (changed within the racy window of `started_ns`) or has a name that
        is not UTF-8."""
        digests = []
        for brief in map(self._brief, self._order()):
            digest, count, newest = brief[:3]
            if count:
                if digest is None or newest >= started_ns - RACY_WINDOW_NS:
                    return None
                digests.append(digest)
        return hash_bytes(("walk2\0" + "\0".join(digests)).encode())

    def count(self) -> int:
        return sum(self._files_and_skipped(key)[0] for key in self._order())

    def skipped(self) -> list[str]:
        return [s for key in self._order() for s in self._files_and_skipped(key)[1]]

    def _files_and_skipped(self, key: str) -> tuple[int, list[str]]:
        """A folder's number of files and its skipped entries (no digest computed)."""
        brief = self.briefs.get(key)
        if brief is not None:
            return brief[1], brief[3]
        listing = self.done[key]
        return len(listing[1]), listing[3]

    def files(self) -> list[FileStat]:
        """Every file, in the order of a one-process depth-first walk."""
        paused = pause_gc()
        try:
            if self.briefs:
                listings = self.child.listings() if self.child is not None else None
                self.briefs = {}
                if listings is None:
                    self._take_over()
                else:
                    self.done.update(listings)
            return self._records()
        finally:
            resume_gc(paused)

    def _records(self) -> list[FileStat]:
        new = tuple.__new__  # FileStat(...) without its Python-level __new__
        found: list[FileStat] = []
        add = found.append
        for key in self._order():
            prefix, names, keys = self.done[key][:3]
            base = key if key.endswith("/") else key + "/"
            it = iter(keys)
            for name, ino, mtime, size, ctime in zip(names, it, it, it, it, strict=True):
                add(new(FileStat, (prefix + name, base + name, (ino, mtime, size, ctime))))
        return found

    def _take_over(self) -> None:
        """Read the shares the child took here (it failed, or its listings did not arrive):
        an error in them is then raised here, as a one-process walk raises it."""
        self.close()
        self.briefs = {}
        for index in range(len(self.shares)):
            if index not in self.mine:
                self._read_share(index)

    def _brief(self, key: str) -> Brief:
        brief = self.briefs.get(key)
        return brief if brief is not None else _brief_of(self.done[key])

    def _order(self) -> list[str]:
        """The folders in one-process depth-first order: a folder, then its subfolders from
        the last found to the first (the order a stack walk pops them)."""
        order: list[str] = []
        stack = [self.root[0]]
        while stack:
            key = stack.pop()
            order.append(key)
            listing = self.briefs.get(key) or self.done[key]
            stack += [folder[0] for folder in listing[4]]
        return order

    def close(self) -> None:
        if self.queue >= 0:
            os.close(self.queue)
            self.queue = -1
        if self.child is not None:
            self.child.close()
            self.child = None

    def __enter__(self) -> Walk:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _brief_of(listing: Listing) -> Brief:
    prefix, names, keys, skipped, subfolders = listing
    if not names:
        return "", 0, 0, skipped, subfolders
    try:  # strict: a name that is not UTF-8 cannot be recorded (the full walk says so)
        text = ("\0".join(names) + "\0" + prefix).encode("utf-8")
    except UnicodeEncodeError:
        return None, len(names), 0, skipped, subfolders
    try:
        stats = b"q" + array("q", keys).tobytes()
    except OverflowError:  # an inode number of 2**63 or more
        stats = b"s" + " ".join(map(str, keys)).encode()
    digest = hash_bytes(b"%d\0%s\0%s" % (len(names), text, stats))
    return digest, len(names), max(keys[1::4]), skipped, subfolders


def _take(queue: int) -> int | None:
    """The index of the next share in the queue, or None when it is empty."""
    data = os.read(queue, 2)  # all written before any read: a read gets both bytes
    return int.from_bytes(data, "little") if len(data) == 2 else None


class _Child:
    """A forked process reading shares from the queue: it sends their folders' briefs, then
    waits to be asked for their listings (or told to leave, by the pipe closing)."""

    def __init__(self, pid: int, out: int, ask: int) -> None:
        self.pid, self.ask = pid, ask
        self.answered = False
        self.out = os.fdopen(out, "rb")

    @classmethod
    def fork(cls, walker: Walker, shares: list[list[Folder]], queue: int) -> _Child:
        out_r, out_w = os.pipe()
        ask_r, ask_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (out_r, out_w, ask_r, ask_w):
                os.close(fd)
            raise
        if pid == 0:  # the child: read, send, leave without running any clean-up
            code = 1
            try:
                os.close(out_r)
                os.close(ask_w)
                gc.disable()  # no collection in a short life: it would copy every page
                part: dict[str, Listing] = {}
                while (index := _take(queue)) is not None:
                    walker.subtrees(shares[index], part)
                _send(out_w, {key: _brief_of(listing) for key, listing in part.items()})
                if os.read(ask_r, 1) == b"y":
                    _send(out_w, part)
                code = 0
            finally:
                os._exit(code)
        os.close(out_w)
        os.close(ask_r)
        return cls(pid, out_r, ask_w)

    def receive(self) -> Any:
        """What the child sent next (its briefs, then its listings), or None if it failed
        before sending it all."""
        head = self.out.read(8)
        size = int.from_bytes(head, "little") if len(head) == 8 else -1
        body = self.out.read(size) if size >= 0 else b""
        if len(body) != size:
            return None
        self.answered = True  # it has read its share: it now only waits to be asked
        return marshal.loads(body)

    def listings(self) -> dict[str, Listing] | None:
        try:
            os.write(self.ask, b"y")
        except OSError:  # the child is gone
            return None
        listings: dict[str, Listing] | None = self.receive()
        return listings

    def close(self) -> None:
        """Tell the child to leave (if it is still reading, stop it); it is reaped later,
        not waited for (its exit takes milliseconds)."""
        os.close(self.ask)  # a child waiting to be asked reads the end and leaves
        self.out.close()
        if not self.answered:
            os.kill(self.pid, 9)  # our unreaped child exists until waitpid: no error here
        _UNREAPED.append(self.pid)
        _reap()


_UNREAPED: list[int] = []  # children told to leave, not yet reaped


def _reap() -> None:
    """Reap the children that have exited (one left over is reaped at the next walk, or by
    init when this process ends)."""
    for pid in list(_UNREAPED):
        try:
            done = os.waitpid(pid, os.WNOHANG)[0] != 0
        except ChildProcessError:  # reaped elsewhere
            done = True
        if done:
            _UNREAPED.remove(pid)


def _send(fd: int, data: Any) -> None:
    payload = marshal.dumps(data)
    view = memoryview(len(payload).to_bytes(8, "little") + payload)
    while view:
        view = view[os.write(fd, view) :]
