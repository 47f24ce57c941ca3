"""The state database: (inode, mtime_ns, size, ctime_ns) -> digest, so nothing is hashed twice.

The ctime is part of the key, as in Git: a same-size rewrite whose mtime is put back
(`touch -r`) still changes it, and nothing but the kernel can set it. Entries whose mtime is
too close to the moment of hashing are not stored: a later write in the same clock tick would
leave the stat unchanged ("racy" files, as Git calls them). As in Git that is judged on the
mtime alone: a file just hardlinked from the cache has a fresh ctime and is still recorded.

The database is only an optimisation: one written by another schema version is dropped and
rebuilt, and when it cannot be opened, read or written (a full disk, a read-only file
system, a damaged file), gitml carries on without it and hashes.
"""

from __future__ import annotations

import contextlib
import os
import time
from _thread import RLock
from collections.abc import Callable, Iterable

from gitml.hashing import HashInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3  # at run time on first use (~3 ms): `status` of no data needs no database
    from typing import TypeVar

    T = TypeVar("T")

RACY_WINDOW_NS = 50_000_000
_BATCH = 500
SCHEMA_VERSION = 2  # 1 (unversioned): no ctime_ns

_PARSED = "CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, data TEXT NOT NULL)"
StatKey = tuple[int, int, int, int]  # inode, mtime_ns, size, ctime_ns


def stat_key(st: os.stat_result) -> StatKey:
    return st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns


class StatCache:
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._mutex = RLock()  # one connection, shared by a command's threads
        self._unusable = False  # an error once: no cache for the rest of the run

    def _use(self, work: Callable[[sqlite3.Connection], T], default: T) -> T:
        """`work` on the connection; `default` (as if nothing were cached) when it fails."""
        with self._mutex:
            if self._unusable:
                return default
            import sqlite3

            try:
                return work(self._connect())
            except (sqlite3.Error, OSError):
                self._unusable = True
                self.close()
                return default

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        if self._db is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.OperationalError:
                raise  # locked, read-only, ...: not a reason to throw the file away
            except sqlite3.DatabaseError:  # not a database (damaged): it is only a cache
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.path + suffix)
                self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                _rebuild(db)
            db.execute(_PARSED)  # added to version 2 (an older gitml ignores it)
        except BaseException:
            db.close()
            raise
        return db

    def get_many(self, keys: Iterable[StatKey]) -> dict[StatKey, str]:
        """Digests known for these exact stats."""
        wanted = {k[0]: k for k in keys}
        inodes = list(wanted)

        def work(db: sqlite3.Connection) -> dict[StatKey, str]:
            found: dict[StatKey, str] = {}
            for i in range(0, len(inodes), _BATCH):
                part = inodes[i : i + _BATCH]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    "SELECT inode, mtime_ns, size, ctime_ns, digest FROM state"
                    f" WHERE inode IN ({marks})",
                    part,
                ).fetchall()
                for inode, mtime_ns, size, ctime_ns, digest in rows:
                    key = (inode, mtime_ns, size, ctime_ns)
                    if wanted[inode] == key:
                        found[key] = digest
            return found

        return self._use(work, {})

    def put_many(self, items: Iterable[tuple[StatKey, str]], *, hashed_at_ns: int) -> None:
        """Record digests of files whose stats were read before `hashed_at_ns`."""
        limit = hashed_at_ns - RACY_WINDOW_NS
        rows = [(*k, d) for k, d in items if k[1] < limit]
        if not rows:
            return

        def work(db: sqlite3.Connection) -> None:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?, ?, ?)", rows)
            db.execute("COMMIT")

        self._use(work, None)

    def get_tree(self, path: str, fingerprint: str) -> HashInfo | None:
        """The digest of directory `path` when it was last seen with this exact fingerprint."""
        row = self._use(
            lambda db: db.execute(
                "SELECT digest, size, nfiles FROM trees WHERE path = ? AND fingerprint = ?",
                (path, fingerprint),
            ).fetchone(),
            None,
        )
        return HashInfo(row[0], row[1], row[2]) if row else None

    def put_tree(self, path: str, fingerprint: str, info: HashInfo) -> None:
        self._use(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO trees VALUES (?, ?, ?, ?, ?)",
                (path, fingerprint, info.digest, info.size, info.nfiles or 0),
            ),
            None,
        )

    def is_valid(self, key: str) -> bool:
        row = self._use(
            lambda db: db.execute("SELECT 1 FROM valid WHERE key = ?", (key,)).fetchone(), None
        )
        return row is not None

    def mark_valid(self, key: str) -> None:
        self._use(lambda db: db.execute("INSERT OR IGNORE INTO valid VALUES (?)", (key,)), None)

    def parsed(self, key: str) -> str | None:
        """A valid YAML text's data as JSON (yamlio), by the text's content key."""
        row = self._use(
            lambda db: db.execute("SELECT data FROM parsed WHERE key = ?", (key,)).fetchone(),
            None,
        )
        return None if row is None else str(row[0])

    def remember_parsed(self, key: str, data: str) -> None:
        self._use(
            lambda db: db.execute("INSERT OR IGNORE INTO parsed VALUES (?, ?)", (key, data)), None
        )

    def close(self) -> None:
        if self._db is not None:
            import sqlite3

            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _rebuild(db: sqlite3.Connection) -> None:
    """Make the tables of this schema version, dropping those of any other one (in one
    transaction: two processes that meet an old database do not both rebuild it)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            for table in ("state", "valid", "trees", "parsed"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(
                "CREATE TABLE state (inode INTEGER PRIMARY KEY, mtime_ns INTEGER NOT NULL,"
                " size INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, digest TEXT NOT NULL)"
            )
            db.execute("CREATE TABLE valid (key TEXT PRIMARY KEY)")
            db.execute(
                "CREATE TABLE trees (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,"
                " digest TEXT NOT NULL, size INTEGER NOT NULL, nfiles INTEGER NOT NULL)"
            )
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def now_ns() -> int:
    return time.time_ns()
