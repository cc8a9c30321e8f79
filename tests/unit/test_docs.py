"""Docs that are generated must be current (datasette-style): docs/cli.md is the CLI's own --help."""

import os

from _support import REPO_ROOT


def test_cli_reference_is_current():
    import subprocess
    import sys

    # A fresh process with no LEGALSEARCH_* variables: help texts show defaults, which env vars would change.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALSEARCH_")}
    rendered = subprocess.run([sys.executable, "-m", "legalsearch.clidoc"], capture_output=True, text=True,
                              env=env, check=True).stdout
    committed = (REPO_ROOT / "docs" / "cli.md").read_text()
    assert committed == rendered, "docs/cli.md is stale: run `python -m legalsearch.clidoc > docs/cli.md`"


def test_readme_names_the_two_setup_commands():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "scripts/demo" in readme and "scripts/test" in readme
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci
    assert os.access(REPO_ROOT / "scripts" / "demo", os.X_OK) and os.access(REPO_ROOT / "scripts" / "test", os.X_OK)
