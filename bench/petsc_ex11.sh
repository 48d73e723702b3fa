#!/usr/bin/env bash
# PETSc's ts/tutorials/ex11.c (unstructured finite volumes on DMPlex, Riemann solver per face,
# SSP Runge-Kutta), built from Debian's libpetsc3.18-dev-examples, as the reference of the Euler
# part of scripts/bench.sh.
#
#   bench/petsc_ex11.sh build OUTDIR
#       compiles ex11.c with mpicc and pkg-config PETSc into OUTDIR/ex11 (only when missing,
#       older than the source or built with other flags); prints the path of the executable.
#   bench/petsc_ex11.sh run EX11 BENCH_EULER RANKS DIM N T_END
#       ex11's shock tube, -physics euler -eu_type shock_tube (gamma 1.4, (rho, u, p) = (8, 0, 10)
#       for x < 0, (1, 0, 1) for x > 0), on a DMPlex box mesh of square cells with x in [-1, 1]:
#         DIM 2: N x N/8 cells on [-1, 1] x [0, 0.25]
#         DIM 1: N x 1 cells on [-1, 1] x [0, 2/N] (ex11 is 2D only; this strip is its 1D case)
#       with ex11's defaults otherwise: PetscFV `upwind` (piecewise constant states, first
#       order; the exact Godunov flux of ex11's godunovflux), -ts_type ssp = rks2 with 5 stages,
#       fixed step ufv_cfl * (min cell radius) / (max |u| + c of the initial data). (Its
#       second-order option, -petscfv_type leastsquares with a limiter, gives the same numbers
#       on this flow at about 1.6x the time: the limiter drops every gradient, see
#       docs/benchmarks.md.) Options that ex11 needs on a box mesh, or that the comparison needs:
#         -bc_wall 1,2,3,4       ex11 puts its `wall` boundary on the face sets of its Exodus
#                                meshes (100, 101, 200, 300); a box mesh numbers its sides 1-4,
#                                and without this option the boundary faces get no values and
#                                the run returns NaN. On the x sides this `wall` copies the
#                                inner state (zero gradient: outflow); on the y sides it
#                                mirrors the normal momentum.
#         -ufv_cfl 2.4 (DIM 2)   the default 3.6 sets the step from the initial speed 1.32, but
#                                the speed reaches 2.45 behind the shock; on the 2D meshes the
#                                default diverges (NaN from 400 x 50 cells). 2.4 is stable on
#                                every mesh measured. The strips (DIM 1) keep the default 3.6.
#         -dm_plex_adj_cone -dm_plex_adj_closure 0 -dm_distribute_overlap 1
#                                finite-volume adjacency and one layer of overlap cells between
#                                ranks, as in ex11's own parallel tests.
#         -ufv_vtk_interval 0 -ufv_vtk_monitor 0
#                                no VTK file per step (ex11's default writes one every step).
#         -ts_max_time T_END -ts_exact_final_time matchstep
#                                end at T_END exactly (ex11's defaults: 2.0 and stepover).
#       The final state is written once, after the last step, with
#       -ts_view_solution vtk:FILE (legacy ASCII VTK, 7 significant digits) and its density
#       error computed by `BENCH_EULER ex11-error` against the exact Riemann solution.
#       Prints one record:
#       ex11 problem=shocktube dim=... nx=... ny=... cells=... ranks=... t=... steps=... cfl=...
#            fv=upwind error=... error_point=... step_s=... total_s=... cups=...
#       error is the mean over the cells of |rho - exact cell average| (error_point: against the
#       exact value at the cell centre), step_s the TSStep time of -log_view (all steps, max
#       over ranks), total_s the -log_view total (PetscInitialize to PetscFinalize, which
#       includes the mesh set-up and writing the final state), cups = cells * steps / step_s.
set -euo pipefail

ex11_src_dir=/usr/share/petsc/3.18/share/petsc/examples/src/ts/tutorials

case "${1:-}" in
  build)
    out="${2:?usage: bench/petsc_ex11.sh build OUTDIR}"
    src="$ex11_src_dir/ex11.c"
    [[ -f "$src" ]] || { echo "petsc_ex11: $src not found (install libpetsc3.18-dev-examples)" >&2; exit 1; }
    mkdir -p "$out"
    # The same optimisation flags as surge's own build (SURGE_BENCH_CFLAGS, set by bench.sh
    # from the surge build's SURGE_NATIVE), so neither code gets an instruction set the other lacks.
    flags="${SURGE_BENCH_CFLAGS:--O3}"
    if [[ ! -x "$out/ex11" || "$src" -nt "$out/ex11" || "$(cat "$out/ex11.flags" 2>/dev/null)" != "$flags" ]]; then
      # shellcheck disable=SC2046,SC2086
      mpicc $flags -o "$out/ex11" "$src" $(pkg-config --cflags --libs PETSc) -lm >&2
      echo "$flags" >"$out/ex11.flags"
    fi
    echo "$out/ex11"
    ;;
  run)
    [[ $# -eq 7 ]] || { echo "usage: bench/petsc_ex11.sh run EX11 BENCH_EULER RANKS DIM N T_END" >&2; exit 2; }
    ex11="$2" bench="$3" ranks="$4" dim="$5" n="$6" t_end="$7"
    [[ -x "$ex11" ]] || { echo "petsc_ex11: $ex11 is not an executable (run: bench/petsc_ex11.sh build OUTDIR)" >&2; exit 1; }
    [[ -x "$bench" ]] || { echo "petsc_ex11: $bench is not an executable (build the target bench_euler)" >&2; exit 1; }
    case "$dim" in
      1) ny=1 upper_y=$(awk -v n="$n" 'BEGIN { printf "%.17g", 2 / n }') cfl=3.6 ;;
      2)
        if ((n % 8 != 0)); then echo "petsc_ex11: in 2D, N must be a multiple of 8 (N x N/8 cells), got $n" >&2; exit 2; fi
        ny=$((n / 8)) upper_y=0.25 cfl=2.4
        ;;
      *) echo "petsc_ex11: DIM must be 1 or 2, got '$dim'" >&2; exit 2 ;;
    esac
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    log=$(mpiexec -n "$ranks" "$ex11" -physics euler -eu_type shock_tube \
      -dm_plex_dim 2 -dm_plex_simplex 0 -dm_plex_box_faces "$n,$ny" \
      -dm_plex_box_lower -1,0 -dm_plex_box_upper "1,$upper_y" \
      -dm_plex_adj_cone -dm_plex_adj_closure 0 -dm_distribute_overlap 1 -bc_wall 1,2,3,4 \
      -ufv_cfl "$cfl" -ufv_vtk_interval 0 -ufv_vtk_monitor 0 \
      -ts_max_time "$t_end" -ts_exact_final_time matchstep \
      -ts_view_solution "vtk:$work/final.vtk" -log_view 2>&1) || { echo "$log" >&2; exit 1; }
    # "CONVERGED_TIME at time 0.4 after 57 steps"
    conv=$(echo "$log" | awk '/^CONVERGED_TIME at time/ { print $4, $6 }')
    [[ -n "$conv" ]] || { echo "$log" >&2; echo "petsc_ex11: ex11 did not report CONVERGED_TIME" >&2; exit 1; }
    t=${conv% *} steps=${conv#* }
    err=$("$bench" ex11-error --vtk "$work/final.vtk" --t "$t") || exit 1
    echo "$log" | awk -v n="$n" -v ny="$ny" -v dim="$dim" -v ranks="$ranks" -v t="$t" -v steps="$steps" \
      -v cfl="$cfl" -v err_line="$err" '
      function val(line, key,    m) {
        if (match(line, "(^| )" key "=[^ ]*")) { m = substr(line, RSTART, RLENGTH); sub(/^ /, "", m); sub(/^[^=]*=/, "", m); return m }
        return ""
      }
      /^Time \(sec\):/ { total = $3 }
      $1 == "TSStep" { step_s = $4 }
      END {
        err = val(err_line, "error"); errp = val(err_line, "error_point")
        if (err == "" || step_s == "" || total == "") { print "petsc_ex11: could not parse the output of ex11" > "/dev/stderr"; exit 1 }
        cells = n * ny
        printf "ex11 problem=shocktube dim=%d nx=%d ny=%d cells=%d ranks=%d t=%s steps=%d cfl=%s fv=upwind error=%s error_point=%s step_s=%s total_s=%s cups=%.6e\n",
               dim, n, ny, cells, ranks, t, steps, cfl, err, errp, step_s, total, cells * steps / step_s
      }'
    ;;
  *)
    echo "usage: bench/petsc_ex11.sh build OUTDIR | run EX11 BENCH_EULER RANKS 1|2 N T_END" >&2
    exit 2
    ;;
esac
