"""Every notebook in notebooks/ runs top to bottom on the sample (committed without outputs)."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    """Run from a copy in a temporary folder, so the notebook's ``../outputs/…`` lands there, not in the repo."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is committed with outputs; clear them before committing"
    )
    here = tmp_path / "notebooks"
    here.mkdir()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(here)}}).execute()
    assert (tmp_path / "outputs").exists(), "the notebook wrote nothing under ../outputs"
