"""`gitml registry card`: a model card for a registered version."""

from __future__ import annotations

from gitml import atomic, scm
from gitml.commands.metrics import metric_files, read_metrics
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import BadInputError
from gitml.pipeline import lock as lockfile
from gitml.registry import artifacts, card, index, pick, tags, views
from gitml.repo import Repo
from gitml.revfiles import RevisionReader


def card_text(
    repo: Repo, name: str, *, version: str | None = None, stage: str | None = None
) -> str:
    """The card's Markdown: front matter (license, tags, datasets, metrics) and sections."""
    st = index.build(tags.read_tags(repo.root))
    found = pick.pick(st, name, version=version, stage=stage, allow_retired=True)
    sha = found.commit_hexsha
    declared = artifacts.find(repo, name, sha)
    rel, info = artifacts.output_at(repo, declared, sha)
    authored = found.authoring
    deps = _training_data(repo, sha, rel)
    facts = card.CardFacts(
        name=name,
        version=found.version,
        commit=sha,
        registered_at=views.iso(authored.created_at),
        registered_by=f"{authored.author} <{authored.author_email}>",
        path=rel,
        digest=info.digest,
        type=declared.type,
        desc=declared.desc,
        labels=declared.labels,
        meta=declared.meta,
        stages=tuple(s.stage for s in found.vstages(ascending=True)),
        data=tuple(d for d in deps if not d[0].lower().endswith(card.CODE_SUFFIXES)),
        code=tuple(d for d in deps if d[0].lower().endswith(card.CODE_SUFFIXES)),
        metrics=_metrics(repo, sha),
    )
    return card.render(facts)


def write_card(repo: Repo, text: str, out: str) -> None:
    if not out:
        raise BadInputError("-o needs a file name")
    atomic.write_text(out, text)


def _training_data(repo: Repo, sha: str, rel: str) -> tuple[tuple[str, str], ...]:
    """Every dependency (with its digest) of the stage that made `rel` and of the stages
    upstream of it, from gitml.lock at `sha`: the exact bytes the model was trained on."""
    raw = scm.read_at(repo.root, sha, LOCK_FILE_NAME)
    if raw is None:
        return ()
    locks = lockfile.loads(raw, f"{sha[:8]}:{LOCK_FILE_NAME}", repo.state)
    outs = [(o.path, name) for name, sl in locks.items() for o in sl.outs]

    def maker(path: str) -> str | None:
        return next((n for o, n in outs if path == o or path.startswith(o + "/")), None)

    found: dict[str, str] = {}
    todo, seen = [maker(rel)], set()
    while todo:
        stage = todo.pop()
        if stage is None or stage in seen:
            continue
        seen.add(stage)
        for dep in locks[stage].deps:
            found[dep.path] = dep.hash_info.digest
            todo.append(maker(dep.path))
    return tuple(sorted(found.items()))


def _metrics(repo: Repo, sha: str) -> dict[str, object]:
    reader = RevisionReader(repo, sha)
    out: dict[str, object] = {}
    for path in metric_files(repo):
        values = read_metrics(reader, path)
        for key, value in (values or {}).items():
            out[f"{path}: {key}"] = value
    return out
