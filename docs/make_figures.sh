#!/usr/bin/env bash
# Figures of the README, from runs of the example configurations.
#
#   docs/make_figures.sh             # run the seed-002 study (and the demo if needed), draw
#   docs/make_figures.sh --no-run    # redraw from the runs already in results/
#   LIDENDRITE=/path/to/lidendrite docs/make_figures.sh
#
# Writes
#   docs/img/seed002_tip.png      protrusion and tip current ratio vs time, the five runs of
#                                 configs/seed002/ (the seed-002 study)
#   docs/img/seed002_gallery.png  Li+ flux at the end (2 h) of LPC with an unstable SEI and of
#                                 LPC@2%UCPBA with a uniform surface, 180 mm (cf. Fig. 4G-J)
#   docs/img/demo_flux.png        Li+ flux at the end of the demo (results/demo; `make demo`):
#                                 the default still of `lidendrite render`, one column (85 mm)
#
# The stills use the layout presets of `lidendrite render` (no hand-picked sizes): what a user
# gets with the same command.
#
# The seed-002 runs (configs/seed002/*.yaml, Zhu et al., PNAS 2023) take 6-50 s each on one
# core; results/demo is reused if it exists, otherwise configs/demo.yaml is run first.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
LIDENDRITE=${LIDENDRITE:-.venv/bin/lidendrite}
IMG=docs/img
RUN=1
for arg in "$@"; do
  case "$arg" in
    --no-run) RUN=0 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make_figures.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
if [ ! -x "$LIDENDRITE" ] && ! command -v "$LIDENDRITE" >/dev/null 2>&1; then
  echo "make_figures.sh: $LIDENDRITE not found; run 'make install' or set LIDENDRITE=" >&2
  exit 1
fi

STUDY=(lpc lpc_ucpba lpc_sei lpc_ucpba_sei lpc_particles)
DEMO=results/demo

mkdir -p "$IMG"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$RUN" = 1 ]; then
  for name in "${STUDY[@]}"; do
    "$LIDENDRITE" run "configs/seed002/$name.yaml" --out "results/seed002/$name" --quiet --overwrite
  done
fi
if [ ! -d "$DEMO" ]; then
  "$LIDENDRITE" run configs/demo.yaml --out "$DEMO" --quiet
fi

# Protrusion (tip above the mean surface) and tip current ratio against time (h).
"$LIDENDRITE" plot "${STUDY[@]/#/results/seed002/}" --y protrusion_height_um tip_current_ratio \
  --time-unit h --labels "LPC" "LPC@2%UCPBA" "LPC, unstable SEI" "LPC@2%UCPBA, same SEI" \
  "LPC + particles in shells" --size 880x340 --dpi 150 --out "$IMG/seed002_tip.png"

# Li+ flux at the end of the contrast pair, side by side, one colour bar: a full page width.
"$LIDENDRITE" render results/seed002/lpc_sei results/seed002/lpc_ucpba --grid --field flux \
  --layout double --out "$tmp/gallery"
mv "$tmp/gallery/grid_flux.png" "$IMG/seed002_gallery.png"

# Li+ flux at the end of the demo: the default still (one journal column).
still=$("$LIDENDRITE" render "$DEMO" --field flux --out "$tmp/demo" | tail -n 1)
mv "$still" "$IMG/demo_flux.png"

# The showcase sweep (t+ x current density, 15 cases, a few minutes with 2 jobs): its headline
# outputs against t+. Skipped with --no-run unless results/sweeps/tplus exists.
SWEEP=results/sweeps/tplus
if [ "$RUN" = 1 ] || [ -d "$SWEEP" ]; then
  "$LIDENDRITE" sweep configs/sweeps/tplus_layout.yaml --out "$SWEEP" --jobs 2 -q
  "$LIDENDRITE" plot "$SWEEP" --out "$tmp/sweep" >/dev/null
  mv "$tmp/sweep/headline_vs_transference_number.png" "$IMG/sweep_tplus_layout.png"
fi

ls -l "$IMG"/seed002_tip.png "$IMG"/seed002_gallery.png "$IMG"/demo_flux.png
