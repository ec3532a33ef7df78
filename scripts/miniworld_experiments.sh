#!/usr/bin/env bash
# The first mini world's (`--model mini1`) Table 1, 6 and 7 experiments (not Stable Diffusion), as committed under
# figures/miniworld/experiments/. Resumable: run it again after an interruption and only the missing runs are made.
#
#   bash scripts/miniworld_experiments.sh [OUT]        # OUT defaults to runs/mini1
#
# Work: Table 1 is 7 rows x 12 targets x 3 seeds (216 erasures), Tables 6 and 7 add 17 rows x 'dog' x 3 seeds. One
# mini erasure takes 30-70 s and its evaluation about 12 s on one CPU core, so the whole script is a few core-hours.
# Two processes with disjoint --concepts share the runs folder; each uses one torch thread (more threads per process
# slow small models down on a 2-core machine).
set -euo pipefail
OUT="${1:-runs/mini1}"
SEEDS=0,1,2
export OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."

# 1. the runs: two workers, disjoint concepts
crce reproduce table1 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --concepts dog,horse,cat,cow,pig,apple,bear &
crce reproduce table1 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --concepts chicken,monkey,mouse,rabbit,tiger &
wait
crce reproduce table6 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --concepts dog &
crce reproduce table7 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --concepts dog &
wait

# 2. the tables: every run exists now, so these calls only collect and write the reports
R=figures/miniworld/experiments
crce reproduce table1 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --report $R --name table1
crce reproduce table6 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --report $R --name table6 --concepts dog
crce reproduce table7 --model mini1 --seeds $SEEDS --out "$OUT" --quiet --report $R --name table7 --concepts dog
cp "$OUT/reproduce.json" $R/reproduce_settings.json

# 3. the acceptance figures of the mini world
python scripts/miniworld1_criteria.py
