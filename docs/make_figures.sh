#!/usr/bin/env bash
# Figures of the README, from runs of the example configurations.
#
#   docs/make_figures.sh             # run the seed-002 pair (and the demo if needed), draw
#   docs/make_figures.sh --no-run    # redraw from the runs already in results/
#   LIDENDRITE=/path/to/lidendrite docs/make_figures.sh
#
# Writes
#   docs/img/seed002_tip.png      protrusion and tip current ratio vs time, LPC vs LPC@2%UCPBA
#   docs/img/seed002_gallery.png  Li+ flux at the end of the two seed-002 runs (2 h), 180 mm
#   docs/img/demo_flux.png        Li+ flux at the end of the demo (results/demo; `make demo`):
#                                 the default still of `lidendrite render`, one column (85 mm)
#
# The stills use the layout presets of `lidendrite render` (no hand-picked sizes): what a user
# gets with the same command.
#
# The seed-002 runs (configs/seed002_lpc*.yaml, Zhu et al., PNAS 2023) take 10-20 s each on one
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

LPC=results/seed002_lpc
UCPBA=results/seed002_lpc_ucpba
DEMO=results/demo

mkdir -p "$IMG"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$RUN" = 1 ]; then
  "$LIDENDRITE" run configs/seed002_lpc.yaml --out "$LPC" --quiet --overwrite
  "$LIDENDRITE" run configs/seed002_lpc_ucpba.yaml --out "$UCPBA" --quiet --overwrite
fi
if [ ! -d "$DEMO" ]; then
  "$LIDENDRITE" run configs/demo.yaml --out "$DEMO" --quiet
fi

# Protrusion (tip above the mean surface) and tip current ratio against time (h).
"$LIDENDRITE" plot "$LPC" "$UCPBA" --y protrusion_height_um tip_current_ratio --time-unit h \
  --size 880x340 --dpi 150 --out "$IMG/seed002_tip.png"

# Li+ flux at the end of both runs, side by side, one colour bar: a full page width.
"$LIDENDRITE" render "$LPC" "$UCPBA" --grid --field flux --layout double --out "$tmp/gallery"
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
