"""issue 11 item 3: the docs stand alone and the command reference stays honest.

Walks the real click command tree: every command path (`remote add`, `metrics diff`) has a
`## gitml PATH` heading in docs/commands.md whose section names each of its long options, a
command with `--json` links docs/json.md, every such heading is a real command, and no doc
points at a SPEC.md the repository does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from gitml.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COMMANDS_MD = DOCS / "commands.md"
COMMON = ("--help", "--verbose", "--quiet")  # on every command: documented once
COMMON_SECTION = "Common options and conventions"
_HEADING = re.compile(r"^#+ (.+?)\s*$")


def command_paths(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """(path, command) of every command below `group`, groups included, depth first."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from command_paths(cmd, (*prefix, name))


def sections(text: str) -> dict[str, str]:
    """Heading title -> the text up to the next heading (of any level)."""
    found: dict[str, str] = {}
    title, body = None, []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match and not line.startswith("#!"):
            if title is not None:
                found[title] = "\n".join(body)
            title, body = match.group(1), []
        else:
            body.append(line)
    if title is not None:
        found[title] = "\n".join(body)
    return found


def _mentions(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def undocumented(group: click.Group, text: str) -> list[str]:
    """Every gap between the command tree and the reference text, one line each."""
    docs = sections(text)
    gaps = []
    for path, cmd in command_paths(group):
        title = "gitml " + " ".join(path)
        section = docs.get(title)
        if section is None:
            gaps.append(f"no '## {title}' heading")
            continue
        for param in cmd.params:
            if not isinstance(param, click.Option):
                continue
            flags = [f for f in (*param.opts, *param.secondary_opts) if f.startswith("--")]
            flags = flags or list(param.opts)  # a short-only option: its short flag
            for flag in flags:
                if flag not in COMMON and not _mentions(section, flag):
                    gaps.append(f"{title}: option {flag} not in its section")
            if "--json" in param.opts and "json.md" not in section:
                gaps.append(f"{title}: has --json but does not link json.md")
    common = docs.get(COMMON_SECTION, "")
    gaps += [f"{flag} not in '{COMMON_SECTION}'" for flag in COMMON if not _mentions(common, flag)]
    real = {"gitml " + " ".join(p) for p, _ in command_paths(group)}
    for title in docs:
        if title.startswith("gitml ") and title not in real:
            gaps.append(f"'## {title}' documents no command")
    return gaps


def test_every_command_and_option_is_in_the_reference() -> None:
    """issue 11 item 3: docs/commands.md covers the real command tree, option by option."""
    assert undocumented(cli, COMMANDS_MD.read_text(encoding="utf-8")) == []


def test_root_options_are_documented() -> None:
    """issue 11 item 3: gitml's own options (--version, -v, -q) are in the common section."""
    common = sections(COMMANDS_MD.read_text(encoding="utf-8"))[COMMON_SECTION]
    for param in cli.params:
        assert isinstance(param, click.Option)
        assert any(_mentions(common, f) for f in param.opts), param.opts


def test_a_new_command_or_option_without_docs_is_caught() -> None:
    """issue 11 item 3: the check fails for an undocumented command, subcommand and option."""

    @click.group()
    def tree() -> None: ...

    @tree.command("frobnicate")
    @click.option("-w", "--widget")
    def frobnicate(widget: str) -> None: ...

    @tree.group("things")
    def things() -> None: ...

    @things.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--all/--none", "every")
    def things_list(as_json: bool, every: bool) -> None: ...

    common = f"## {COMMON_SECTION}\n--help --verbose --quiet\n"
    assert undocumented(tree, common) == [
        "no '## gitml frobnicate' heading",
        "no '## gitml things' heading",
        "no '## gitml things list' heading",
    ]
    partial = common + "## gitml frobnicate\n\n## gitml things\n\n## gitml things list\n--all\n"
    assert undocumented(tree, partial) == [
        "gitml frobnicate: option --widget not in its section",
        "gitml things list: option --json not in its section",
        "gitml things list: has --json but does not link json.md",
        "gitml things list: option --none not in its section",
    ]
    stale = common + "## gitml gone\n"
    assert "'## gitml gone' documents no command" in undocumented(tree, stale)


def test_no_doc_points_at_spec_md() -> None:
    """issue 11 item 3: the docs stand alone; none mentions a SPEC.md outside the repository."""
    files = [ROOT / "README.md", *sorted(DOCS.glob("**/*.md"))]
    assert len(files) > 3
    offenders = [str(f.relative_to(ROOT)) for f in files if "SPEC" in f.read_text(encoding="utf-8")]
    assert offenders == []


def test_docs_link_only_to_files_that_exist() -> None:
    """issue 11 item 3: relative links in README.md and docs/ lead to files of the repository."""
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    broken = []
    for doc in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in link.findall(doc.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []
