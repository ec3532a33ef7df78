#!/usr/bin/env bash
# Mini world 2's tables (mini world, not Stable Diffusion), as committed under figures/miniworld2/. Resumable: run it
# again after an interruption and only the missing runs are made.
#
#   bash scripts/miniworld2_tables.sh [OUT] [STAGE]     # OUT defaults to runs/mini2; STAGE: all (default), regime,
#                                                        # table1, table6, table7, report, ap, judge, cost;
#                                                        # and, never part of all: pack, unpack, report1 (Table 1's
#                                                        # report and readings alone)
#
# pack writes each Table 1 row's finished runs (records and per-image verdicts, no weights; `crce runs pack`) to
# figures/miniworld2/runs/table1-<row>.tar.xz; unpack puts the committed ones into OUT, after which the table1 stage
# makes only the runs they lack and the report stage rebuilds the tables from the committed verdicts. A reproduction
# from scratch leaves unpack out.
#
# Order matters: the erase settings are chosen on the development targets first (scripts/miniworld2_regime.py; the
# chosen settings must then be the world's defaults in crce.worlds before any table is run). Table 1 is every method
# x 24 targets x 3 seeds; Tables 6 and 7 are every row x 24 targets x seed 0 (SEEDS67 to change). Two processes with
# disjoint --concepts share the runs folder, one torch thread each (more threads per process slow small models down
# on a 2-core machine).
set -euo pipefail
OUT="${1:-runs/mini2}"
STAGE="${2:-all}"
SEEDS=0,1,2
SEEDS67="${SEEDS67:-0}"
A=dog,horse,bird,bear,train,airplane,tree,shoe,vampire,mermaid,zombie,"Santa Claus"
B=cat,monkey,fish,car,boat,flower,ball,cake,wizard,fairy,superhero,ninja
R=figures/miniworld2/experiments
export OMP_NUM_THREADS=1 CRCE_THREADS=1
cd "$(dirname "$0")/.."
run() { [ "$STAGE" = all ] || [ "$STAGE" = "$1" ]; }

if run regime; then python scripts/miniworld2_regime.py --out "$OUT-regime"; fi
if run table1; then
  crce reproduce table1 --model mini2 --seeds $SEEDS --out "$OUT" --quiet --concepts "$A" &
  crce reproduce table1 --model mini2 --seeds $SEEDS --out "$OUT" --quiet --concepts "$B" &
  wait
fi
for t in table6 table7; do
  if run $t; then
    crce reproduce $t --model mini2 --seeds $SEEDS67 --out "$OUT-$t" --quiet --concepts "$A" &
    crce reproduce $t --model mini2 --seeds $SEEDS67 --out "$OUT-$t" --quiet --concepts "$B" &
    wait
  fi
done
if run report || [ "$STAGE" = report1 ]; then   # every run exists now: these calls only collect and write the reports
  crce reproduce table1 --model mini2 --seeds $SEEDS --out "$OUT" --quiet --report $R --name table1
  python scripts/miniworld2_reading.py --name table1                      # the results page's sentences, from the files
  python scripts/miniworld2_reading.py --name table1 --reference crce     # ... against CRCE (table1_paired_crce.csv)
fi
if run report; then   # report1 is Table 1 alone: it needs neither Table 6's nor Table 7's runs
  crce reproduce table6 --model mini2 --seeds $SEEDS67 --out "$OUT-table6" --quiet --report $R --name table6
  crce reproduce table7 --model mini2 --seeds $SEEDS67 --out "$OUT-table7" --quiet --report $R --name table7
  cp "$OUT/reproduce.json" $R/reproduce_settings.json
  python scripts/miniworld2_reading.py --name table6 --reference crce
  python scripts/miniworld2_reading.py --name table7 --reference crce
fi
if run ap; then   # the AP paper's Table 1 protocol (five classes at once): two processes, two class sets each, then the report
  crce reproduce ap-table1 --model mini --seeds $SEEDS --out "$OUT-ap" --quiet --sets v1,v2 &
  crce reproduce ap-table1 --model mini --seeds $SEEDS --out "$OUT-ap-b" --quiet --sets v3,v4 &   # its own folder: both make SD's runs
  wait
  cp -r "$OUT-ap-b"/runs/{ESD,UCE,CA,AP} "$OUT-ap"/runs/   # the erasures of v3 and v4 beside v1's and v2's
  crce reproduce ap-table1 --model mini --seeds $SEEDS --out "$OUT-ap" --quiet --report figures/miniworld2/ap_table1
fi
if [ "$STAGE" = pack ]; then
  mkdir -p figures/miniworld2/runs
  for d in "$OUT"/runs/*/; do m=$(basename "$d"); crce runs pack "$OUT" "figures/miniworld2/runs/table1-$m.tar.xz" --methods "$m"; done
fi
if [ "$STAGE" = unpack ]; then for f in figures/miniworld2/runs/table1-*.tar.xz; do crce runs unpack "$f" "$OUT"; done; fi
if run judge; then   # the judges on >= 300 generated images, and Table 1 at other yes-thresholds
  python scripts/miniworld2_judge_report.py --generate 40 --images "$OUT-judge-images" --results "$OUT/tables/table1_results.parquet" --write figures/miniworld2/judge
fi
if run cost; then python scripts/miniworld2_cost.py --model mini2; fi
python scripts/miniworld_criteria.py || true
