"""The pre-commit hooks (.pre-commit-hooks.yaml) and the YAML snippets of docs/integrations.md.

The end-to-end tests run the real ``pre-commit try-repo`` against this checkout: pre-commit clones it (HEAD
plus staged and modified *tracked* files — untracked files are not included), builds a virtualenv and
pip-installs the package and its dependencies (from PyPI, or pip's cache). try-repo installs into a store of
its own for every call (10-60 s each); PRE_COMMIT_HOME points at one temporary folder for the session so
nothing is written to the user's ~/.cache/pre-commit. They are skipped only when .pre-commit-hooks.yaml is not
tracked by git yet. Set PEPPOL_VALIDATE_HOOK_REPO to try the hooks of another checkout or clone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import CORPUS, PACKS, REPO

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
DOCS = REPO / "docs" / "integrations.md"
HOOK_REPO = Path(os.environ.get("PEPPOL_VALIDATE_HOOK_REPO") or REPO)
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
TIMEOUT = 900


def _hooks() -> dict[str, dict[str, Any]]:
    from pre_commit.clientlib import load_manifest

    return {hook["id"]: hook for hook in load_manifest(str(HOOKS_FILE))}


def _fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}[ \t]*\n(.*?)^```", text, flags=re.M | re.S)


# --- the hook manifest ---------------------------------------------------------------------------------------


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = _hooks()
    assert set(hooks) == {"peppol-validate", "peppol-validate-ubl", "peppol-validate-cii", "peppol-validate-fatturapa"}
    for hook in hooks.values():
        assert hook["entry"] == "peppol-validate"
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is True
        assert hook["require_serial"] is False
        assert hook["types"] == ["xml"]
        assert hook["description"]


@pytest.mark.parametrize(
    ("hook_id", "matching", "not_matching"),
    [
        (
            "peppol-validate",
            ["corpus/ubl/valid/invoice-standard.xml", "a.XML", "IT01234567890_00001.xml"],
            ["invoice.json", "invoice.xml.bak", "README.md"],
        ),
        (
            "peppol-validate-ubl",
            ["corpus/ubl/valid/invoice-standard.xml", "ubl/x.xml", "out/2026-001.ubl.xml", "UBL/A.XML"],
            ["corpus/cii/valid/invoice.xml", "tubl/x.xml", "invoice.xml"],
        ),
        (
            "peppol-validate-cii",
            ["corpus/cii/valid/invoice.xml", "a/factur-x.xml", "zugferd-invoice.xml", "x.cii.xml"],
            ["corpus/ubl/valid/invoice-standard.xml", "my-factur-x.xml.txt"],
        ),
        (
            "peppol-validate-fatturapa",
            [
                "corpus/fatturapa/valid/fpa12-pa-invoice.xml",
                "IT01234567890_00001.xml",
                "out/ITRSSMRA85T10A562S_FPA01.xml",
            ],
            ["invoice_2024.xml", "IT01234567890_11111_RC_001.xml", "corpus/ubl/valid/invoice-standard.xml"],
        ),
    ],
)
def test_named_hooks_select_files_by_convention(hook_id: str, matching: list[str], not_matching: list[str]) -> None:
    pattern = re.compile(_hooks()[hook_id]["files"])
    for name in matching:
        assert pattern.search(name), (hook_id, name)
    for name in not_matching:
        assert not pattern.search(name), (hook_id, name)


def test_corpus_documents_are_picked_by_their_named_hook() -> None:
    hooks = _hooks()
    for kind in ("ubl", "cii", "fatturapa"):
        pattern = re.compile(hooks[f"peppol-validate-{kind}"]["files"])
        for doc in (CORPUS / kind).rglob("*.xml"):
            assert pattern.search(doc.relative_to(REPO).as_posix()), doc


# --- docs/integrations.md ------------------------------------------------------------------------------------


SNIPPET_FILES = [DOCS, REPO / "README.md"]


@pytest.mark.parametrize("doc", SNIPPET_FILES, ids=lambda p: p.name)
def test_docs_yaml_snippets_parse(doc: Path) -> None:
    blocks = _fenced(doc.read_text(encoding="utf-8"), "ya?ml")
    assert len(blocks) >= 3  # pre-commit, GitHub Actions, GitLab CI
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict), block


@pytest.mark.parametrize("doc", SNIPPET_FILES, ids=lambda p: p.name)
def test_docs_pre_commit_snippet_uses_existing_hooks(doc: Path) -> None:
    import cfgv
    from pre_commit.clientlib import CONFIG_SCHEMA

    hooks = _hooks()
    configs = [
        yaml.safe_load(b)
        for b in _fenced(doc.read_text(encoding="utf-8"), "ya?ml")
        if "repos" in (yaml.safe_load(b) or {})
    ]
    assert configs
    for config in configs:
        cfgv.validate(config, CONFIG_SCHEMA)
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                if repo["repo"] != "local":
                    assert hook["id"] in hooks, hook["id"]


@pytest.mark.parametrize("doc", SNIPPET_FILES, ids=lambda p: p.name)
def test_docs_ci_snippets_run_the_cli(doc: Path, tmp_path: Path) -> None:
    blocks = [yaml.safe_load(b) for b in _fenced(doc.read_text(encoding="utf-8"), "ya?ml")]
    github = [b for b in blocks if "jobs" in b]  # a GitHub workflow ("on:" loads as True in YAML 1.1)
    gitlab = [b for b in blocks if any(isinstance(v, dict) and "artifacts" in v for v in b.values())]
    assert github and gitlab
    assert "--format github" in yaml.safe_dump(github[0], width=1000)
    job = next(v for v in gitlab[0].values() if isinstance(v, dict) and "artifacts" in v)
    assert job["artifacts"]["reports"]["junit"] == "report.xml"
    assert any("--format junit -o report.xml" in line for line in job["script"])
    # Run the snippets' validation commands as far as they can run here: on an invoices/ folder, with the mirror.
    invoices = tmp_path / "invoices"
    invoices.mkdir()
    (invoices / "bad.xml").write_bytes((REPO / "corpus/ubl/invalid/invoice-totals-mismatch.xml").read_bytes())
    env = dict(os.environ, PEPPOL_VALIDATE_PACKS=str(PACKS))
    commands = [line for line in job["script"] if line.startswith("peppol-validate --format")]
    commands.append(
        next(s["run"] for s in github[0]["jobs"]["validate"]["steps"] if "--format github" in s.get("run", ""))
    )
    for command in commands:
        exe = str(Path(sys.executable).parent / "peppol-validate")
        proc = subprocess.run([exe, *command.split()[1:]], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "BR-CO-10" in (tmp_path / "report.xml").read_text("utf-8")


# --- pre-commit try-repo, for real ---------------------------------------------------------------------------


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60)


def _hooks_tracked() -> bool:
    result = _git("ls-files", "--", ".pre-commit-hooks.yaml", cwd=HOOK_REPO)
    return result.returncode == 0 and result.stdout.strip() == ".pre-commit-hooks.yaml"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session, so the hook environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def invoices_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary git repository holding one valid and one invalid invoice."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = tmp_path_factory.mktemp("invoices-repo")
    assert _git("init", "-q", cwd=folder).returncode == 0
    shutil.copyfile(CORPUS / "ubl" / "valid" / "invoice-standard.xml", folder / "valid.xml")
    shutil.copyfile(CORPUS / "ubl" / "invalid" / "invoice-totals-mismatch.xml", folder / "invalid.xml")
    assert _git("add", "valid.xml", "invalid.xml", cwd=folder).returncode == 0
    return folder


def _try_repo(folder: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    if not _hooks_tracked():
        pytest.skip(
            f".pre-commit-hooks.yaml is not tracked by git in {HOOK_REPO}; pre-commit try-repo only sees committed, "
            "staged and modified tracked files, so it must be committed (or staged) first"
        )
    if not PRE_COMMIT.exists():
        pytest.skip(f"pre-commit is not installed next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        PRE_COMMIT_HOME=str(home),
        PEPPOL_VALIDATE_PACKS=str(PACKS),
        PEPPOL_VALIDATE_CACHE=str(home / "peppol-validate-cache"),  # keep result caches out of the user's home
        PRE_COMMIT_COLOR="never",
    )
    cmd = [str(PRE_COMMIT), "try-repo", str(HOOK_REPO), "peppol-validate", "--color", "never", "--files", *files]
    return subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def test_try_repo_passes_a_valid_invoice(invoices_repo: Path, pre_commit_home: Path) -> None:
    result = _try_repo(invoices_repo, pre_commit_home, "valid.xml")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"Validate e-invoices.*Passed", output), output


def test_try_repo_fails_an_invalid_invoice_naming_the_rule(invoices_repo: Path, pre_commit_home: Path) -> None:
    result = _try_repo(invoices_repo, pre_commit_home, "invalid.xml")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"Validate e-invoices.*Failed", output), output
    assert "BR-CO-10" in output
    assert "exit code: 1" in output
