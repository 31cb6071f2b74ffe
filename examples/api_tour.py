"""A tour of the lidendrite Python API: load a config, change values, run, read, sweep, draw.

    .venv/bin/python examples/api_tour.py                 # full: about a minute on one core
    .venv/bin/python examples/api_tour.py --quick OUT     # a few time steps (what the tests run)

The steps are the ones a PyBaMM user knows (parameter values -> simulation -> solution ->
plot), with lidendrite's names: a frozen :class:`~lidendrite.config.Config` instead of
``ParameterValues``, :func:`lidendrite.simulation.run` instead of ``Simulation.solve``, a run
directory read back by :func:`lidendrite.render.load_run` instead of a ``Solution``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lidendrite.case import Case
from lidendrite.config import config_from_dict, config_to_dict, load_config
from lidendrite.render import gallery, load_run
from lidendrite.simulation import run

ROOT = Path(__file__).resolve().parents[1]
QUICK = "--quick" in sys.argv
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
OUT = Path(ARGS[0]) if ARGS else ROOT / "results" / "api_tour"

# 1. Load a config (the YAML of `lidendrite run`), with overrides as on the command line.
#    Everything is SI, lengths in um; 0.3 mA/cm^2 = 3 A/m^2.
duration = "0.02" if QUICK else "1800"
overrides = [f"operation.duration_s={duration}", "operation.current_density_A_per_m2=3"]
if QUICK:  # a static mesh: a few seconds
    overrides += ["numerics.moving_boundary=false", "output.every_s=0.01"]
cfg = load_config(ROOT / "configs" / "seed002_lpc.yaml", overrides)

# 2. Change values in Python: the config is frozen; edit its dict and validate it again
#    (the same checks and one-line errors as the command line).
data = config_to_dict(cfg)
data["operation"]["temperature_K"] = 318.15
data["title"] = "LPC, 318 K"
cfg = config_from_dict(data)
derived = Case.from_config(cfg).derived  # what `lidendrite check` prints: (value, unit, text)
print(
    "i/i_lim =", f"{derived['current_ratio'][0]:.3g}", "Wa =", f"{derived['wagner_number'][0]:.3g}"
)

# 3. Run it. Collective under MPI; returns how the run ended.
result = run(cfg, OUT / "base")
print(result.status, f"t = {result.time_s:g} s, {result.steps} steps")

# 4. Read the results: metrics columns (NumPy arrays), frames (mesh + fields), status.
res = load_run(OUT / "base")
print("columns:", ", ".join(list(res.metrics)[:6]), "...")
print("protrusion at the end:", res.metrics["protrusion_height_um"][-1], "um")
print("warnings of the run:", res.status.get("warnings", []))
frame = res.frame(-1)  # points_um, triangles, point_data["c_cation_mol_per_m3"], ...
print("frame:", frame.n_points, "points at t =", frame.time_s, "s")

# 5. Loop over a parameter: one run directory per value.
currents = [1.0, 3.0] if QUICK else [1.0, 3.0, 10.0, 30.0]
for current in currents:
    step = {"current_density_A_per_m2": current, "duration_s": float(duration)}
    data["operation"]["protocol"] = [step]
    data["output"]["dir"] = str(OUT / f"i{current:g}")
    r = run(config_from_dict(data))
    m = load_run(r.out_dir).metrics
    c_min = m["c_anode_min_mol_per_m3"][-1]
    print(f"i = {current:g} A/m^2: {r.status}, lowest c at the anode {c_min:.4g} mol/m^3")

# 6. Paper figures: one journal column, vector PDF; panels of several runs share one colour bar.
res.figure(-1, OUT / "flux.pdf", "flux")
runs = [OUT / f"i{c:g}" for c in currents]
gallery(runs, "concentration", out=OUT / "sweep.png", layout="double")
print("figures:", OUT / "flux.pdf", OUT / "sweep.png")
