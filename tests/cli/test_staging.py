"""Outputs staged beside their targets are moved into place only when everything succeeded."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.staging import OutputConflict, StagedOutputs


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): (p.read_text() if p.is_file() else "<dir>") for p in sorted(root.rglob("*"))}


def test_success_merges_files_into_the_targets(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("not ours")
    (out / "a.csv").write_text("old")
    with StagedOutputs() as stage:
        tmp = stage.folder(out)
        assert tmp.parent == tmp_path and tmp != out
        (tmp / "a.csv").write_text("new")
        (tmp / "figures").mkdir()
        (tmp / "figures" / "f.png").write_text("png")
        stage.file(tmp_path / "base" / "b.yaml").write_text("yaml")
        assert stage.final_path(tmp / "figures" / "f.png") == out / "figures" / "f.png"
        assert not (out / "figures").exists()  # nothing moved before the end
    assert _tree(out) == {"a.csv": "new", "figures": "<dir>", "figures/f.png": "png", "keep.txt": "not ours"}
    assert (tmp_path / "base" / "b.yaml").read_text() == "yaml"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "out"]  # no temporary left


def test_an_error_inside_leaves_everything_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("old")
    before = _tree(tmp_path)
    with pytest.raises(RuntimeError):
        with StagedOutputs() as stage:
            (stage.folder(out) / "a.csv").write_text("new")
            stage.file(tmp_path / "new" / "deep" / "b.yaml").write_text("yaml")
            raise RuntimeError("the run failed")
    assert _tree(tmp_path) == before  # also the parent folders created for the temporary file are gone


@pytest.mark.parametrize("blocker", ["file_where_folder", "folder_where_file"])
def test_a_conflict_found_before_moving_moves_nothing(blocker: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("old")
    if blocker == "file_where_folder":
        (out / "figures").write_text("a file")
    else:
        (out / "z.xlsx").mkdir()
    before = _tree(tmp_path)
    with pytest.raises(OutputConflict, match="nothing was written"):
        with StagedOutputs() as stage:
            tmp = stage.folder(out)
            (tmp / "a.csv").write_text("new")  # sorted before the conflicting file
            (tmp / "figures").mkdir()
            (tmp / "figures" / "f.png").write_text("png")
            (tmp / "z.xlsx").write_text("xlsx")
    assert _tree(tmp_path) == before


def test_a_file_target_that_is_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").mkdir()
    with pytest.raises(OutputConflict, match="is a folder"):
        StagedOutputs().file(tmp_path / "b.yaml")
