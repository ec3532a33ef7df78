"""What the frozen trajectory pool costs in erasure quality: ESD-x and CRCE with and without it, on the mini world's Table 1.

    OMP_NUM_THREADS=1 python scripts/miniworld2_pool.py [--table1 runs/mini2] [--out runs/mini2-pool] [--pool 8]
                                                        [--concepts KEYS] [--no-report] [--report DIR]

Table 1 draws each iteration's x_t afresh with the model being trained (the paper's sampler). The fast setting draws a
pool of P trajectories once with the frozen model (`xt_model='frozen'`, `xt_pool=P`) and picks a (trajectory, step)
per iteration. This script erases ESD-x and CRCE with the pool, for the same targets and seeds as Table 1 (resumable,
`crce reproduce` under --out; processes with disjoint --concepts may share it), then compares each with its Table 1 row
on the same images (same target, prompt, noise seed and training seed): `pool.md` / `pool.csv` (paired differences,
95% cluster-bootstrap intervals over targets) and `pool_metrics.csv`. What the pool saves in time is measured by
benchmarks/iteration.py (same machine, same run). Mini-world numbers, not Stable Diffusion ones. Shards: run with --concepts A --no-report and --concepts B --no-report side by
side, then once without either to write the report.
"""
import argparse, sys, time
from pathlib import Path
import pandas as pd

METHODS = ('esd-x', 'crce')


def pool_reading(paired: pd.DataFrame, m: pd.DataFrame, P: int) -> str:
    "The comparison in sentences, its numbers taken from the paired differences and metrics written beside it."
    from crce.evaluate import PAPER_NAMES
    words = {'method better': 'the pool better', 'reference better': 'the pool worse'}
    mm = m.set_index('method')
    out = []
    for meth in METHODS:
        nice = PAPER_NAMES[meth]
        q = paired[(paired.category == 'all') & (paired.reference == meth)].set_index('metric')
        if q.empty: continue
        bits = []
        for k in ('AccU', 'AccC_test', 'AccR_test', 'balanced'):
            r = q.loc[k]
            bits.append(f"{k.replace('_', ' ')} {mm.loc[meth, k]:.1f} → {mm.loc[meth + '-pool', k]:.1f} ({r['diff']:+.1f} [{r.lo:+.1f}, {r.hi:+.1f}], "
                        f"{words.get(r.conclusion, 'a tie')})")
        out.append(f"- **{nice} with a pool of {P} against {nice} as in Table 1**, on the same images: " + '; '.join(bits) + '.')
    return '\n'.join(out) + '\n'


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    ap.add_argument('--table1', default='runs/mini2', help="Table 1's reproduce folder (its tables/table1_results.parquet is read)")
    ap.add_argument('--out', default='runs/mini2-pool')
    ap.add_argument('--pool', type=int, default=8, help='trajectories in the pool (P)')
    ap.add_argument('--seeds', default='0,1,2')
    ap.add_argument('--concepts', help='only these targets (default: all of Table 1)')
    ap.add_argument('--no-report', action='store_true', help='only run (a shard)')
    ap.add_argument('--report', default=str(root/'figures'/'miniworld2'/'experiments'))
    a = ap.parse_args(argv)
    t1 = Path(a.table1)/'tables'/'table1_results.parquet'
    if not t1.exists(): print(f"miniworld2_pool.py: error: {t1} not found (run Table 1's report first)", file=sys.stderr); return 2
    if a.pool < 1: print(f"miniworld2_pool.py: error: --pool must be >= 1, got {a.pool}", file=sys.stderr); return 2
    from crce.reproduce import reproduce
    from crce.evaluate import paired_differences, paired_table, metrics
    from crce.core import atomic_path, write_run_record
    seeds = [int(s) for s in a.seeds.split(',')]
    over = dict(xt_model='frozen', xt_pool=a.pool)
    t0 = time.time()
    r = reproduce('table1', model='mini2', seeds=seeds, methods=list(METHODS), out_dir=a.out, erase_overrides=over,
                  concepts=a.concepts, progress=True)
    if a.no_report: return 0
    pool = r['results'].copy(); pool['method'] = pool.method + '-pool'
    base = pd.read_parquet(t1)
    base = base[base.method.isin(METHODS) & base.concept.isin(set(pool.concept)) & base.run.isin(seeds)]
    both = pd.concat([base, pool], ignore_index=True)
    pd_ = pd.concat([paired_differences(both[both.method.isin([m, m + '-pool'])], m, level=lv) for m in METHODS for lv in ('category', 'all')],
                    ignore_index=True)
    rep = Path(a.report); rep.mkdir(parents=True, exist_ok=True)
    from crce.worlds import resolve_world
    label = resolve_world('mini2').label
    paired_table(pd_, out_dir=rep, name='pool',
                 caption=f"Frozen trajectory pool (xt_model='frozen', xt_pool={a.pool}) against Table 1's sampler (x_t drawn afresh by the model being trained), "
                         f"each method against itself, in percentage points on the same images: {label}; {base.concept.nunique()} targets x seeds {a.seeds}; "
                         f"[95% cluster-bootstrap interval over targets]; better / worse / tie for the pool.")
    m = metrics(both, level='all')
    with atomic_path(rep/'pool_metrics.csv') as tmp: m.to_csv(tmp, index=False)
    write_run_record(rep, name='pool.run.json', config=dict(pool=a.pool, seeds=seeds, table1=str(t1), out=a.out, **over), seed=seeds,
                     seconds=round(time.time() - t0, 1), n_images=len(pool))
    from crce.core import atomic_write
    atomic_write(rep/'pool_reading.md', pool_reading(pd_, m, a.pool))
    print((rep/'pool.md').read_text())
    print((rep/'pool_reading.md').read_text())
    print(m[['method', 'AccU', 'AccC_test', 'AccR_test', 'balanced']].round(2).to_string(index=False))
    return 0


if __name__ == '__main__':
    sys.exit(main())
