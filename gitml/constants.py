"""File names, format versions and the hash algorithm name."""

from __future__ import annotations

HASH_NAME = "xxh3-128"
HASH_DIR = "xxh3"  # object store subfolder
QUARANTINE_DIR = "quarantine"  # corrupt objects fsck moved aside, beside HASH_DIR
DIR_SUFFIX = ".dir"
DIGEST_HEX_LEN = 32

GITML_DIR = ".gitml"
CONFIG_FILE = "config.yaml"
CONFIG_LOCAL_FILE = "config.local.yaml"
CACHE_DIR = "cache"
TMP_DIR = "tmp"
STATE_DB = "state.db"
LOCK_FILE = "lock"
CACHE_LOCK_FILE = "cache.lock"  # transfers shared, gc exclusive

POINTER_SUFFIX = ".gitml"
IGNORE_FILE = ".gitmlignore"
PIPELINE_FILE = "gitml.yaml"
LOCK_FILE_NAME = "gitml.lock"

DEFAULT_CACHE_TYPE = ("reflink", "copy")
LINK_TYPES = ("reflink", "hardlink", "symlink", "copy")

LOCK_TIMEOUT_S = 3.0  # a command waits this long for another gitml process, then fails
HOOK_LOCK_TIMEOUT_S = 600.0  # a post-checkout/post-merge hook queues behind it this long
