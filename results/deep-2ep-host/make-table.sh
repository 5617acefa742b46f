#!/usr/bin/env bash
# The README's Table II: run-grid2.sh's finished 2×2-grid cells (11: all of mnist and rect, rot CAE-2J, bg-rand CAE-2J,
# convex DAE-2L) and, for the 9 cells the 2×2 grid had not reached, run-table.sh's one-configuration sweeps.
set -eu
cd "${RUNS:-runs/deep-table}"
ILGPUAE=${ILGPUAE:-ilgpuae}
G=grid2/mnist-denoise-L,grid2/mnist-denoise-J,grid2/mnist-contract-L,grid2/mnist-contract-J,grid2/rect-denoise-L,grid2/rect-denoise-J
G=$G,grid2/rect-contract-L,grid2/rect-contract-J,grid2/rot-contract-J,grid2/bg-rand-contract-J,grid2/convex-denoise-L
O=sweeps/rot-denoise-L,sweeps/rot-denoise-J,sweeps/rot-contract-L,sweeps/bg-rand-denoise-L,sweeps/bg-rand-denoise-J,sweeps/bg-rand-contract-L
O=$O,sweeps/convex-denoise-J,sweeps/convex-contract-L,sweeps/convex-contract-J
$ILGPUAE sweep table --rows $G,$O --out table
