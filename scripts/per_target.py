"""Write a table's per-target view: each target's AccU, AccC test and AccR test under each method, from its committed
`<name>_concepts.csv` (written by `crce reproduce ... --report`), as `<name>_per_target.md`.

    python scripts/per_target.py --name mace10 [--figures figures/miniworld2/experiments] [--methods original,mace]

A multi-concept erasure (`crce reproduce --together`) is one run for several targets; this is where the evaluation
reports each of them. Cells read 'value [lo, hi]' (95% intervals over the target's images and seeds; exact binomial
bounds at 0% and 100%). Mini-world numbers, not Stable Diffusion ones, when the table is the mini world's. Exit status 2,
with a one-line error, when the file or a method is missing.
"""
import argparse, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COLS = ('AccU', 'AccC_test', 'AccR_test')


def per_target(c: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    "Rows: targets (in the file's order of first appearance); columns: (metric, method) cells 'value [lo, hi]'."
    out = {}
    for k in COLS:
        for m in methods:
            s = c[c.method == m].set_index('concept')
            out[(k.replace('_', ' '), m)] = {t: f"{r[k]:.1f} [{r[k + '_lo']:.1f}, {r[k + '_hi']:.1f}]" for t, r in s.iterrows()}
    t = pd.DataFrame(out)
    t = t.loc[list(dict.fromkeys(c.concept))]
    t.index.name = 'target'
    return t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--figures', default=str(ROOT/'figures'/'miniworld2'/'experiments'))
    ap.add_argument('--name', required=True)
    ap.add_argument('--methods', default=None, help='comma-separated (default: every method in the file)')
    a = ap.parse_args(argv)
    f = Path(a.figures)/f'{a.name}_concepts.csv'
    if not f.exists(): print(f"per_target.py: error: {f} not found (run the table's report first)", file=sys.stderr); return 2
    c = pd.read_csv(f)
    methods = [m.strip() for m in a.methods.split(',')] if a.methods else list(dict.fromkeys(c.method))
    missing = [m for m in methods if m not in set(c.method)]
    if missing: print(f"per_target.py: error: no method(s) {missing} in {f.name}", file=sys.stderr); return 2
    t = per_target(c, methods)
    from crce.evaluate import markdown_table
    from crce.core import atomic_write
    atomic_write(Path(a.figures)/f'{a.name}_per_target.md',
                 markdown_table(t, f"{a.name}, each target: AccU, AccC test and AccR test in % under each method, 95% intervals "
                                   f"(from {f.name})."))
    print(f"wrote {Path(a.figures)/f'{a.name}_per_target.md'}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
