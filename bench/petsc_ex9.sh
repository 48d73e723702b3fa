#!/usr/bin/env bash
# PETSc's ts/tutorials/ex9.c (1D finite volumes, slope limiter, SSP Runge-Kutta), built from
# Debian's libpetsc3.18-dev-examples, as the reference of scripts/bench.sh.
#
#   bench/petsc_ex9.sh build OUTDIR
#       compiles ex9.c with mpicc and pkg-config PETSc into OUTDIR/ex9 (only when missing or
#       older than the source); prints the path of the executable.
#   bench/petsc_ex9.sh run EX9 RANKS PROBLEM N T_END
#       PROBLEM fan:  -physics burgers -initial 1 -bc_type outflow   (u0 = -1 | 1 at x = 0)
#       PROBLEM sine: -physics advect  -initial 3 (periodic, a = 1)  (u0 = sin(2 pi x))
#       on ex9's default domain [-1, 1] with its defaults otherwise (limiter mc, -ts_type ssp
#       = rks2 with 5 stages, -cfl 0.9), -exact, -ts_max_time T_END, and
#       -ts_exact_final_time matchstep so that the run ends at T_END exactly (ex9's default,
#       stepover, would end up to one step past it). Prints one record:
#       ex9 problem=... n=... ranks=... t=... steps=... error=... step_s=... total_s=... cups=...
#       error is ex9's ||x-x_e||_1 (already divided by the number of cells, see
#       SolutionErrorNorms in ex9.c), step_s the TSStep time of -log_view (all steps, max over
#       ranks), total_s the -log_view total (PetscInitialize to PetscFinalize), and
#       cups = N * steps / step_s.
set -euo pipefail

ex9_src_dir=/usr/share/petsc/3.18/share/petsc/examples/src/ts/tutorials

case "${1:-}" in
  build)
    out="$2"
    src="$ex9_src_dir/ex9.c"
    [[ -f "$src" ]] || { echo "petsc_ex9: $src not found (install libpetsc3.18-dev-examples)" >&2; exit 1; }
    mkdir -p "$out"
    # The same optimisation flags as surge's own build (SURGE_BENCH_CFLAGS, set by bench.sh
    # from the surge build's SURGE_NATIVE), so neither code gets an instruction set the other lacks.
    flags="${SURGE_BENCH_CFLAGS:--O3}"
    if [[ ! -x "$out/ex9" || "$src" -nt "$out/ex9" || "$(cat "$out/ex9.flags" 2>/dev/null)" != "$flags" ]]; then
      # shellcheck disable=SC2046,SC2086
      mpicc $flags -o "$out/ex9" "$src" $(pkg-config --cflags --libs PETSc) -lm >&2
      echo "$flags" >"$out/ex9.flags"
    fi
    echo "$out/ex9"
    ;;
  run)
    ex9="$2" ranks="$3" problem="$4" n="$5" t_end="$6"
    case "$problem" in
      fan) phys=(-physics burgers -initial 1 -bc_type outflow) ;;
      sine) phys=(-physics advect -initial 3 -bc_type periodic) ;;
      *) echo "petsc_ex9: unknown problem '$problem' (fan or sine)" >&2; exit 2 ;;
    esac
    log=$(mpiexec -n "$ranks" "$ex9" "${phys[@]}" -da_grid_x "$n" -exact -ts_max_time "$t_end" \
      -ts_exact_final_time matchstep -log_view 2>&1) || { echo "$log" >&2; exit 1; }
    echo "$log" | awk -v problem="$problem" -v n="$n" -v ranks="$ranks" '
      /^Final time/ { t = $3; sub(/,$/, "", t); steps = $5 }
      /^Error \|\|x-x_e\|\|_1/ { err = $3 }
      /^Time \(sec\):/ { total = $3 }
      $1 == "TSStep" { step_s = $4 }
      END {
        if (err == "" || step_s == "" || total == "") { print "petsc_ex9: could not parse the output of ex9" > "/dev/stderr"; exit 1 }
        printf "ex9 problem=%s n=%d ranks=%d t=%s steps=%d cfl=0.9 reps=1 error=%s step_s=%s total_s=%s cups=%.6e\n",
               problem, n, ranks, t, steps, err, step_s, total, n * steps / step_s
      }'
    ;;
  *)
    echo "usage: bench/petsc_ex9.sh build OUTDIR | run EX9 RANKS fan|sine N T_END" >&2
    exit 2
    ;;
esac
