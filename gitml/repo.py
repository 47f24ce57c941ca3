"""Repo: a plain holder wiring the root, config, cache, state database and ignores."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cached_property

from gitml import config as config_mod
from gitml import repolock, scm
from gitml.constants import (
    CACHE_DIR,
    CACHE_LOCK_FILE,
    GITML_DIR,
    LOCK_FILE,
    LOCK_TIMEOUT_S,
    STATE_DB,
    TMP_DIR,
)
from gitml.errors import NotARepoError
from gitml.ignore import IgnoreRules
from gitml.odb import ObjectStore
from gitml.record import dataclass, field
from gitml.statcache import StatCache

TYPE_CHECKING = False

if TYPE_CHECKING:
    from gitml.tracked import Listing


@dataclass
class Repo:
    root: str
    lock_wait: repolock.Wait = field(default_factory=repolock.Wait, compare=False)
    # untracked `*.gitml` files that are not valid pointers, skipped: path -> why (cli/ warns)
    skipped: dict[str, str] = field(default_factory=dict, compare=False)
    # the work tree's `*.gitml` files, while a read-only command keeps them (tracked.py)
    listing: Listing | None = field(default=None, compare=False)  # tracked.listed_once

    @property
    def gitml_dir(self) -> str:
        return os.path.join(self.root, GITML_DIR)

    @property
    def tmp_dir(self) -> str:
        return os.path.join(self.gitml_dir, TMP_DIR)

    @cached_property
    def state(self) -> StatCache:
        return StatCache(os.path.join(self.tmp_dir, STATE_DB))

    @cached_property
    def config(self) -> config_mod.Config:
        return config_mod.load(self.root, memo=self.state)

    @cached_property
    def cache(self) -> ObjectStore:
        return ObjectStore(os.path.join(self.gitml_dir, self.config.cache_dir or CACHE_DIR))

    @cached_property
    def ignore(self) -> IgnoreRules:
        return IgnoreRules(self.root)

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    @contextlib.contextmanager
    def lock(self, timeout: float | None = None) -> Iterator[None]:
        """The repository write lock; a second writer waits (`timeout` s, else as
        `lock_wait` says: 3 s for commands, long for hooks), then fails."""
        wait = self.lock_wait if timeout is None else repolock.Wait(timeout)
        with repolock.hold(os.path.join(self.tmp_dir, LOCK_FILE), wait):
            yield

    @contextlib.contextmanager
    def cache_lock(self, *, shared: bool, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Transfers hold it `shared` while they write or read cache objects; gc holds it
        exclusively, so it never deletes an object or temp file a live transfer is using."""
        path = os.path.join(self.tmp_dir, CACHE_LOCK_FILE)
        doing = "deleting from the cache (gc)" if shared else "fetching or pushing"
        with repolock.hold(path, repolock.Wait(timeout), shared=shared, doing=doing):
            yield


def find_repo(start: str | None = None) -> Repo:
    """The gitml repository containing `start` (default: the current folder)."""
    here = os.path.abspath(start or os.getcwd())
    git_root = scm.find_git_root(here)
    if git_root is None:
        raise NotARepoError(f"{here} is not inside a Git repository", hint="run 'git init' first")
    if not os.path.isdir(os.path.join(git_root, GITML_DIR)):
        raise NotARepoError(f"{git_root} is not a gitml repository", hint="run 'gitml init' first")
    repo = Repo(git_root)
    _ = repo.config  # a bad config stops every command before it does anything
    return repo
