"""Configuration files: discovery, precedence, every key, errors naming file/key/problem, the docs' examples."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from peppol_validate.errors import ConfigError
from peppol_validate.policy import Policy, Rule
from peppol_validate.settings import Settings, find_config, load_settings, parse_settings

from .conftest import REPO

DOCS = REPO / "docs" / "integrations.md"

FULL = """\
[tool.peppol-validate]
as-of = "2026-11-24"
packs = "../shared/packs"
format = "text"
jobs = 2
fail-on = "error"
cache = true
[tool.peppol-validate.policy]
"PEPPOL-EN16931-R008" = { action = "warn", reason = "our ERP emits empty elements; fixed in Q1" }
"NO-R-002" = { action = "ignore", reason = "not a Norwegian AS" }
"BR-CL-25" = "reject"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fake repository root (has .git) with a nested folder."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "invoices" / "2026").mkdir(parents=True)
    return tmp_path / "repo"


def test_full_pyproject_example(repo: Path) -> None:
    cfg = write(repo / "pyproject.toml", FULL)
    settings = load_settings(repo / "invoices" / "2026")
    assert settings == Settings(
        as_of=date(2026, 11, 24),
        packs=(repo.parent / "shared" / "packs").resolve(),
        format="text",
        jobs=2,
        fail_on="error",
        cache=True,
        policy=Policy(
            {
                "PEPPOL-EN16931-R008": Rule("warn", "our ERP emits empty elements; fixed in Q1"),
                "NO-R-002": Rule("ignore", "not a Norwegian AS"),
                "BR-CL-25": Rule("reject"),
            }
        ),
        source=cfg.resolve(),
    )


def test_nothing_found_gives_empty_settings(repo: Path) -> None:
    settings = load_settings(repo / "invoices")
    assert settings == Settings()
    assert settings.source is None
    assert settings.policy == Policy.empty()


def test_dedicated_file_wins_over_pyproject_in_the_same_folder(repo: Path) -> None:
    write(repo / "pyproject.toml", FULL)
    dedicated = write(repo / ".peppol-validate.toml", 'jobs = 4\n[policy]\n"BR-01" = "warn"\n')
    settings = load_settings(repo)
    assert settings.source == dedicated.resolve()
    assert settings.jobs == 4
    assert settings.as_of is None
    assert settings.policy.rules == {"BR-01": Rule("warn")}


def test_nearest_file_wins(repo: Path) -> None:
    write(repo / ".peppol-validate.toml", "jobs = 4\n")
    nearer = write(repo / "invoices" / "pyproject.toml", "[tool.peppol-validate]\njobs = 3\n")
    assert load_settings(repo / "invoices" / "2026").source == nearer.resolve()
    assert load_settings(repo / "invoices" / "2026").jobs == 3


def test_pyproject_without_the_table_is_skipped(repo: Path) -> None:
    top = write(repo / ".peppol-validate.toml", "jobs = 4\n")
    write(repo / "invoices" / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 1\n')
    assert load_settings(repo / "invoices").source == top.resolve()


def test_search_stops_at_the_repository_root(tmp_path: Path, repo: Path) -> None:
    write(tmp_path / ".peppol-validate.toml", "jobs = 9\n")  # above the repository: not used
    assert load_settings(repo / "invoices").source is None
    write(repo / ".peppol-validate.toml", "jobs = 5\n")  # in the folder holding .git: used
    assert load_settings(repo / "invoices").jobs == 5


def test_git_file_also_marks_the_root(tmp_path: Path) -> None:
    write(tmp_path / ".peppol-validate.toml", "jobs = 9\n")
    write(tmp_path / "worktree" / ".git", "gitdir: /elsewhere\n")
    assert find_config(tmp_path / "worktree") is None


def test_search_without_git_reaches_upper_folders(tmp_path: Path) -> None:
    cfg = write(tmp_path / ".peppol-validate.toml", "jobs = 9\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b") == (cfg.resolve(), False)


def test_start_may_be_a_file(repo: Path) -> None:
    cfg = write(repo / "invoices" / ".peppol-validate.toml", "jobs = 2\n")
    invoice = write(repo / "invoices" / "a.xml", "<x/>")
    assert load_settings(invoice).source == cfg.resolve()


def test_explicit_file(tmp_path: Path, repo: Path) -> None:
    write(repo / ".peppol-validate.toml", "jobs = 4\n")
    other = write(tmp_path / "ci" / "strict.toml", 'fail-on = "warning"\npacks = "mirror"\n')
    settings = load_settings(repo, explicit=other)
    assert settings.source == other.resolve()
    assert settings.fail_on == "warning"
    assert settings.jobs is None
    assert settings.packs == (tmp_path / "ci" / "mirror").resolve()


def test_explicit_pyproject_reads_the_tool_table(tmp_path: Path) -> None:
    cfg = write(tmp_path / "x" / "pyproject.toml", "[tool.peppol-validate]\njobs = 7\n")
    assert load_settings(tmp_path, explicit=cfg).jobs == 7
    bare = write(tmp_path / "y" / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: has no \[tool.peppol-validate\] table"):
        load_settings(tmp_path, explicit=bare)


def test_explicit_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope.toml: configuration file not found"):
        load_settings(tmp_path, explicit=tmp_path / "nope.toml")


def test_packs_absolute_and_home(repo: Path, tmp_path: Path) -> None:
    write(repo / ".peppol-validate.toml", f'packs = "{(tmp_path / "abs").as_posix()}"\n')
    assert load_settings(repo).packs == tmp_path / "abs"
    write(repo / ".peppol-validate.toml", 'packs = "~/mirror"\n')
    assert load_settings(repo).packs == Path.home() / "mirror"


def test_toml_date_and_underscore_keys(repo: Path) -> None:
    write(repo / ".peppol-validate.toml", "as_of = 2026-04-10\nfail_on = 'warning'\ncache = false\n")
    settings = load_settings(repo)
    assert (settings.as_of, settings.fail_on, settings.cache) == (date(2026, 4, 10), "warning", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jobs = 0", r"'jobs': must be a whole number of at least 1, got 0"),
        ("jobs = true", r"'jobs': must be a whole number of at least 1, got True"),
        ('jobs = "2"', r"'jobs': must be a whole number"),
        ('as-of = "24.11.2026"', r"'as-of': must be a date \(YYYY-MM-DD\), got '24.11.2026'"),
        ("as-of = 2026-11-24T10:00:00", r"'as-of': must be a date without a time"),
        ('fail-on = "fatal"', r"'fail-on': must be one of 'error', 'warning', got 'fatal'"),
        ('cache = "yes"', r"'cache': must be true or false, got 'yes'"),
        ('format = "pdf"', r"'format': must be one of .*json.*text.*, got 'pdf'"),
        ('packs = ""', r"'packs': must be a path"),
        ("packs = 3", r"'packs': must be a path"),
        ("job = 2", r"unknown key 'job'; did you mean 'jobs'\?"),
        ("colour = 'red'", r"unknown key 'colour' \(known keys: as-of, packs, format"),
        ("jobs = 2\n[policy]\nBR-01 = 'maybe'", r"\[policy\]: policy rule 'BR-01': action must be one of"),
        ("policy = 'strict'", r"\[policy\]: must be a table"),
        ("as-of = 2026-11-24\nas_of = 2026-11-25", r"'as_of' and 'as-of' set the same option"),
    ],
)
def test_invalid_values_name_file_key_and_problem(repo: Path, text: str, message: str) -> None:
    cfg = write(repo / ".peppol-validate.toml", text + "\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(repo)
    assert info.value.message.startswith(str(cfg.resolve()))
    assert info.value.code == "config-error"


def test_errors_in_pyproject_name_the_table(repo: Path) -> None:
    write(repo / "pyproject.toml", "[tool.peppol-validate]\njobs = -1\n[tool.peppol-validate.policy]\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.peppol-validate\]: 'jobs'"):
        load_settings(repo)
    write(repo / "pyproject.toml", "[tool.peppol-validate.policy]\n'A' = 'nope'\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.peppol-validate.policy\]: policy rule 'A'"):
        load_settings(repo)
    write(repo / "pyproject.toml", "[tool]\npeppol-validate = 3\n")
    with pytest.raises(ConfigError, match=r"\[tool.peppol-validate\] must be a table"):
        load_settings(repo)


def test_broken_toml_names_the_file(repo: Path) -> None:
    cfg = write(repo / ".peppol-validate.toml", "jobs = \n")
    with pytest.raises(ConfigError, match=re.escape(str(cfg.resolve())) + r": not valid TOML"):
        load_settings(repo)


def test_merged_cli_flags_override_the_file(repo: Path) -> None:
    write(repo / "pyproject.toml", FULL)
    settings = load_settings(repo)
    merged = settings.merged(as_of=date(2025, 1, 1), packs="cli/packs", format=None, jobs=None, fail_on="warning")
    assert merged.as_of == date(2025, 1, 1)
    assert merged.packs == Path("cli/packs")
    assert merged.format == "text"  # None = flag not given: the file's value stays
    assert merged.jobs == 2
    assert merged.fail_on == "warning"
    assert merged.cache is True
    assert merged.policy == settings.policy
    assert merged.source == settings.source
    assert settings.fail_on == "error"  # frozen: the original is unchanged
    assert settings.merged(cache=False).cache is False  # False is a value, not "not given"
    assert Settings().merged(as_of="2026-01-02").as_of == date(2026, 1, 2)
    with pytest.raises(TypeError, match="unknown option"):
        settings.merged(colour="red")
    with pytest.raises(ConfigError, match="fail-on"):
        settings.merged(fail_on="fatal")


def test_settings_are_frozen() -> None:
    settings = Settings(jobs=1)
    with pytest.raises(AttributeError):
        settings.jobs = 2  # type: ignore[misc]


def test_parse_settings_directly(tmp_path: Path) -> None:
    settings = parse_settings({"jobs": 3, "packs": "p"}, source=tmp_path / "cfg.toml")
    assert (settings.jobs, settings.packs) == (3, (tmp_path / "p").resolve())


def test_docs_toml_examples_are_valid_settings(tmp_path: Path) -> None:
    blocks = re.findall(r"^```toml[ \t]*\n(.*?)^```", DOCS.read_text(encoding="utf-8"), flags=re.M | re.S)
    assert len(blocks) >= 2
    for block in blocks:
        data = tomllib.loads(block)
        pyproject = "tool" in data
        table = data["tool"]["peppol-validate"] if pyproject else data
        settings = parse_settings(table, source=tmp_path / "cfg.toml", pyproject=pyproject)
        assert settings.policy.rules, block
    first = tomllib.loads(blocks[0])["tool"]["peppol-validate"]
    assert parse_settings(first, source=tmp_path / "pyproject.toml", pyproject=True).jobs == 2
