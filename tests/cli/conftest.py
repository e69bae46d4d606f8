"""Fixtures of the command-line tests: a scenario that runs on model defaults, a runner."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS_YAML = """\
name: {en: Model defaults, zh: 模型默认值}
description: {en: Every constant at its default in the model file., zh: 所有常数取模型文件中的默认值。}
overrides: {}
"""


@pytest.fixture()
def defaults_scenario(tmp_path: Path) -> Path:
    """A scenario file without base or overrides: runs whatever the bundled baseline's state."""
    path = tmp_path / "defaults.yaml"
    path.write_text(DEFAULTS_YAML, encoding="utf-8")
    return path


@pytest.fixture()
def run_cli(capsys):
    """``run_cli(*argv) -> (exit code, stdout, stderr)`` through :func:`cli.main`."""

    def run(*argv) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
