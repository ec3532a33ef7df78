"""Give the first mini world's paired tables the exact bounds that the library now puts where a bootstrap has nothing to resample.

figures/miniworld/experiments/table1_paired.csv and table6_paired.csv were written before `crce.evaluate.paired_differences`
replaced a zero-width bootstrap interval (every matched pair agrees, or every pair differs the same way) by an exact one. Their
runs are gone, but those bounds need only each comparison's pair counts, which the tables keep (n_pairs, wins, losses). For the
rows whose interval has no width this applies the library's own rules, `agreeing_bound` (± the Clopper-Pearson bound on the
share of disagreeing pairs; for the balanced score, the mean over its three parts), `constant_pairs_interval` (every pair +1 or
-1) and the same better / worse / tie rule, and lays the table out again with `paired_table` and the caption it had. Every
other cell is left as it was: the Markdown made again from the unchanged rows is checked to equal the committed file first.

    python scripts/miniworld1_paired_bounds.py            # print what would change
    python scripts/miniworld1_paired_bounds.py --write    # write the CSV and Markdown files again

First mini world numbers, not Stable Diffusion ones. Exit 1 when the check fails, 2 when a file is missing."""
import argparse, sys, tempfile
from pathlib import Path
import pandas as pd
from crce.evaluate import (METRICS, LOWER_IS_BETTER, agreeing_bound, constant_pairs_interval, paired_table, _paired_word)

D = Path(__file__).resolve().parents[1] / 'figures' / 'miniworld' / 'experiments'
KEY = ['method', 'reference', 'judge', 'category']
PARTS = ('AccU', 'AccC_test', 'AccR_test')   # the balanced score's parts

def exact_rows(p: pd.DataFrame, ci: float = 0.95) -> tuple[pd.DataFrame, list[str]]:
    "`p` with exact bounds (and their conclusions) on the rows whose interval has no width; and a line per changed row."
    p, notes = p.copy(), []
    for i, r in p[p.lo == p.hi].iterrows():
        if r.wins + r.losses == 0:   # every pair agrees
            if r.metric in METRICS: u = agreeing_bound(int(r.n_pairs), ci)
            else:
                sib = p[(p[KEY] == r[KEY]).all(axis=1) & p.metric.isin(PARTS)].set_index('metric').n_pairs
                u = sum(agreeing_bound(int(sib[k]), ci) for k in PARTS) / len(PARTS)
            lo, hi = -u, u
        elif r.metric in METRICS and abs(r['diff']) == 100:   # every pair differs the same way
            lo, hi = constant_pairs_interval(int(round(r['diff'] / 100)), int(r.n_pairs), ci)
        else:
            notes.append(f"left as it was (no exact rule applies): {r.method} - {r.reference} {r.category} {r.metric}"); continue
        word = _paired_word(r['diff'], lo, hi, r.p_sign, ci, -1 if r.metric in LOWER_IS_BETTER else 1)
        notes.append(f"{r.method} - {r.reference} {r.category} {r.metric}: {r['diff']:.2f} [{r.lo:.1f}, {r.hi:.1f}] {r.conclusion} -> "
                     f"[{lo:.1f}, {hi:.1f}] {word}")
        p.loc[i, ['lo', 'hi', 'conclusion']] = [float(lo), float(hi), word]
    return p, notes

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--write', action='store_true', help='write the CSV and Markdown files again')
    a = ap.parse_args(argv)
    ok = True
    for name in ('table1_paired', 'table6_paired'):
        csv, md = D / f'{name}.csv', D / f'{name}.md'
        if not csv.exists() or not md.exists(): print(f"error: {csv} or {md} missing", file=sys.stderr); return 2
        old = pd.read_csv(csv)
        caption = md.read_text(encoding='utf-8').split('\n\n', 1)[0]
        with tempfile.TemporaryDirectory() as t:   # the layout of the unchanged rows must give the committed file back
            paired_table(old, out_dir=t, name=name, caption=caption)
            same = (Path(t) / f'{name}.md').read_text(encoding='utf-8') == md.read_text(encoding='utf-8')
        print(f"{name}: Markdown made again from the committed rows equals the committed file: {'yes' if same else 'NO'}")
        ok &= same
        new, notes = exact_rows(old)
        print('\n'.join(f"  {n}" for n in notes) or '  nothing to change')
        if a.write and same and notes: paired_table(new, out_dir=D, name=name, caption=caption); print(f"  wrote {csv} and {md}")
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
