"""Export a trained net: one checkpoint of a run as a small run directory of its own.

    summary = export_net("runs/go9", "models/go9", checkpoint="gen-00045")

The new directory holds the run's recipe, the checkpoint's weights as ``gen-00000.ckpt``
(no optimizer state: a third of the file) and a ``state.json`` at generation 0 that
lists it, the layout `distill.warmstart.pretrain` writes. So the export

* plays wherever a run does: ``run:DIR`` in `distill gtp`, `distill match`,
  `distill ladder`, `distill play` and `distill search --run`;
* starts a new flywheel from those weights with ``distill train --resume DIR``
  (fresh optimizer and schedule, the recipe's budget from generation 0).

``export.json`` says where the net came from: the domain, the source run and
checkpoint, the source generation, and that generation's row of the run's
``metrics.csv`` (games, positions, learner steps, wall time, ladder Elo when the run
played one).

Everything is checked before anything is written: the source checkpoint verifies and
fits the recipe's network, and `out` does not exist or is empty. The directory is
built under a temporary name and renamed into place, so a killed export leaves nothing
half written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from distill.errors import DistillError

#: The file that records an export's provenance.
EXPORT_FILE = "export.json"


def export_net(
    run_dir: str | Path, out: str | Path, checkpoint: str | None = None
) -> dict[str, Any]:
    """Write checkpoint `checkpoint` (default the latest) of `run_dir` to a new run
    directory `out` (see the module doc); returns the provenance written to
    ``export.json``.

    Raises DistillError (a user error) when `out` exists and is not empty, the run has
    no such checkpoint, or the checkpoint is corrupt or does not fit the run's network.
    """
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir, checkpoint_name
    from distill.learn import read_checkpoint, save_weights
    from distill.nets import build_net
    from distill.registry import make

    source, target = RunDir.open(run_dir), Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DistillError(f"--out {target} already exists and is not empty; pick another")
    state = source.read_state()
    path = source.checkpoint_path(state, checkpoint)
    recipe = load_run_recipe(source)
    data = read_checkpoint(path)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    try:  # the weights must fit the recipe's network before anything is written
        build_net(recipe.network, domain.obs_shape, domain.num_actions).load_state_dict(
            data["net"], strict=True
        )
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise DistillError(f"{path}: weights do not fit the run's network: {first}") from None
    generation = int(data.get("extra", {}).get("generation", 0))
    provenance = {
        "domain": recipe.domain.id,
        "source_run": str(run_dir),
        "source_checkpoint": path.name,
        "source_generation": generation,
        "metrics": _metrics_row(source, generation),
    }
    staging = target.parent / f".{target.name}.export-tmp"
    shutil.rmtree(staging, ignore_errors=True)  # a killed earlier attempt
    run = RunDir.create(staging, source.read_recipe_text())
    name = checkpoint_name(-1)
    save_weights(run.checkpoints / name, data, extra={"generation": 0, "exported": provenance})
    (run.root / EXPORT_FILE).write_text(json.dumps(provenance, indent=1) + "\n")
    fresh = run.read_state()
    fresh.checkpoints = [name]
    run.write_state(fresh)
    if target.exists():
        target.rmdir()  # empty (checked above)
    staging.rename(target)
    return provenance


def _metrics_row(run: Any, generation: int) -> dict[str, str]:
    """The run's metrics.csv row of the generation that wrote checkpoint `generation`
    (rows count generations from 0, checkpoints from 1); empty when there is none."""
    rows = [r for r in run.read_metrics() if r.get("generation") == str(generation - 1)]
    return {k: v for k, v in rows[-1].items() if v != ""} if rows else {}


__all__ = ["EXPORT_FILE", "export_net"]
