"""Write the reading of a mini-world table: its numbers in sentences, taken from the table's committed files only.

    python scripts/miniworld2_reading.py [--figures figures/miniworld2/experiments] [--name table1] [--reference esd-x]
    python scripts/miniworld2_reading.py --name table1 --reference crce   # from table1_paired_crce.csv, to *_crce.md

Reads `<name>_metrics.csv` (every method over all targets and seeds, with 95% intervals) and `<name>_paired.csv` (each
method minus the reference on the same images, with 95% cluster-bootstrap intervals over concepts) and writes
`<name>_reading.md`, which the results page includes: so every number the page states is the file's number. A
difference is called better or worse only where its interval excludes zero; otherwise it is a tie. Mini-world numbers,
not Stable Diffusion ones. Exit status 2, with a one-line error, when a file is missing.

For Table 1 it also writes `<name>_vs_paper.md`: for every method the paper's Table 1 has, per category, the paper's
difference to the reference (its Stable Diffusion numbers, `crce/assets/evaluation/paper_tables.csv`) beside the mini
world's paired difference on the same images, and whether the mini world moves the same way ('same'), the other way
('opposite') or cannot tell ('tie'): the paper's over- and under-erasure pattern, checked method by method.
"""
import argparse, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
def name(m: str, table: str = 'table1') -> str:
    "How the text names a row: the paper's spelling (crce.evaluate.PAPER_NAMES; Table 6's row names), AP and CA, 'the original model', Table 7's cells as 'M=.., N=..'."
    import re
    from crce.evaluate import PAPER_NAMES
    from crce.reproduce import TABLE6_PAPER_NAMES, DEFAULT_MN
    if table == 'table7':
        if m == 'crce': return f"M={DEFAULT_MN[0]}, N={DEFAULT_MN[1]} (CRCE's default)"
        if (g := re.fullmatch(r'crce-M(\d+)-N(\d+)', m)): return f"M={g[1]}, N={g[2]}"
    if table == 'table6' and m in TABLE6_PAPER_NAMES and m != 'original': return TABLE6_PAPER_NAMES[m]
    return {**PAPER_NAMES, 'ap': 'AP', 'ca': 'CA', 'original': 'the original model'}.get(m, m)


def show(k: str) -> str: return k.replace('_', ' ')   # 'AccC_test' -> 'AccC test' (crce.evaluate.metric_header without its arrow)


def iv(r, k: str) -> str: return f"{r[k]:.1f} [{r[k + '_lo']:.1f}, {r[k + '_hi']:.1f}]"


def signed(r) -> str: return f"{r['diff']:+.1f} [{r.lo:+.1f}, {r.hi:+.1f}]"   # a paired row: difference [interval], signed


def sweep_line(sweep: pd.DataFrame) -> str:
    "Table 1's order by balanced score at each yes-threshold of the judge (verdicts recomputed from the saved scores)."
    parts = []
    for t, g in sweep.groupby('threshold'):
        g = g[g.method != 'original'].sort_values('balanced', ascending=False)
        parts.append(f"at {t:g}: " + ' > '.join(f"{name(r.method)} {r.balanced:.1f}" for r in g.itertuples()))
    return ("- **The judge's yes-threshold** (every verdict recomputed from its saved score, `figures/miniworld2/judge/threshold_sweep.csv`; "
            "balanced score, intervals in the file): " + '; '.join(parts) + '.')


def reading(metrics: pd.DataFrame, paired: pd.DataFrame, reference: str = 'esd-x', sweep: pd.DataFrame | None = None,
            table: str = 'table1') -> str:
    from crce.evaluate import METRICS
    nm = lambda m: name(m, table)   # Tables 6 and 7 name their rows their own way
    m = metrics[metrics.category == 'all'].set_index('method')
    n, seeds = int(m.n_concepts.max()), None
    out = []
    if 'original' in m.index and reference in m.index:
        o, e = m.loc['original'], m.loc[reference]
        out.append(f"- **{nm(reference)} against the original model** (all {n} targets): AccU {o.AccU:.1f} → {iv(e, 'AccU')}, "
                   f"AccC test {o.AccC_test:.1f} → {iv(e, 'AccC_test')}, AccR test {o.AccR_test:.1f} → {iv(e, 'AccR_test')}.")
    order = m.drop(index=[x for x in ('original',) if x in m.index]).sort_values('balanced', ascending=False)
    out.append("- **Balanced score** (mean of 100 − AccU, 100 − AccC test and AccR test), highest first: "
               + '; '.join(f"{nm(k)} {iv(r, 'balanced')}" for k, r in order.iterrows())
               + (f"; the original model {m.loc['original', 'balanced']:.1f}." if 'original' in m.index else '.'))
    p = paired[(paired.category == 'all') & (paired.reference == reference) & (paired.method != 'original')]
    lines, all_tie = [], []
    for meth in [x for x in order.index if x != reference and x in set(p.method)]:
        q = p[p.method == meth].set_index('metric')
        part = {c: [] for c in ('better', 'worse', 'tie')}
        for k in (*METRICS, 'balanced'):
            if k not in q.index: continue
            r = q.loc[k]
            c = 'better' if r.conclusion == 'method better' else 'worse' if r.conclusion == 'reference better' else 'tie'
            part[c].append(f"{show(k)} {signed(r)}" if c != 'tie' else show(k))
        if not part['better'] and not part['worse']: all_tie.append(nm(meth)); continue   # said once, below
        bits = [f"better on {', '.join(part['better'])}" if part['better'] else '',
                f"worse on {', '.join(part['worse'])}" if part['worse'] else '',
                f"ties on {', '.join(part['tie'])}" if part['tie'] else '']
        lines.append(f"  - {nm(meth)}: " + '; '.join(b for b in bits if b) + '.')
    if all_tie: lines.append(f"  - {'; '.join(all_tie)}: {'tie' if len(all_tie) > 1 else 'ties'} with {nm(reference)} on every column.")
    if lines:
        out.append(f"- **Each {'cell' if table == 'table7' else 'method'} against {nm(reference)} on the same images** (same target, prompt, noise seed and training seed; "
                   f"differences in points, 95% cluster-bootstrap intervals over targets, exact where no pair disagrees; better or worse only where the interval "
                   f"excludes zero):")
        out += lines
    if sweep is not None: out.append(sweep_line(sweep))
    return '\n'.join(out) + '\n'


VS_PAPER_METRICS = ('AccU', 'AccC_test', 'AccR_test')

def vs_paper(paired: pd.DataFrame, paper: pd.DataFrame, reference: str = 'esd-x') -> str:
    """Markdown: each method's difference to `reference` in the paper's Table 1 (per category) beside the mini world's paired
    difference with its interval, and the direction verdict: 'same' or 'opposite' where the interval excludes zero, else 'tie'."""
    from crce.evaluate import PAPER_NAMES
    pn = lambda m: PAPER_NAMES.get(m)
    pap = paper.set_index(['category', 'method'])
    p = paired[(paired.reference == reference) & (paired.category != 'all')]
    methods = [m for m in dict.fromkeys(p.method) if m != 'original' and pn(m) and pn(reference)]
    head = (f"| method | category | " + ' | '.join(f"{show(k)}: paper / here" for k in VS_PAPER_METRICS) + " | same / opposite / tie |")
    lines = [head, '|' + ' --- |' * (head.count('|') - 1)]
    for m in methods:
        for cat in dict.fromkeys(p[p.method == m].category):
            if (cat, pn(m)) not in pap.index or (cat, pn(reference)) not in pap.index: continue
            q = p[(p.method == m) & (p.category == cat)].set_index('metric')
            cells, n = [], dict(same=0, opposite=0, tie=0)
            for k in VS_PAPER_METRICS:
                if k not in q.index: cells.append('-'); continue
                d_p = float(pap.loc[(cat, pn(m)), k]) - float(pap.loc[(cat, pn(reference)), k])
                r = q.loc[k]
                if round(d_p, 2) == 0: v = 'paper even'   # the paper's two numbers are equal: no direction to check
                elif not str(r.conclusion).endswith('better'): v = 'tie'   # the paired file's own verdict: interval includes zero
                else: v = 'same' if (r['diff'] > 0) == (d_p > 0) else 'opposite'
                if v in n: n[v] += 1
                cells.append(f"{d_p:+.1f} / {signed(r)} {v}")
            lines.append(f"| {name(m)} | {cat} | " + ' | '.join(cells) + f" | {n['same']} / {n['opposite']} / {n['tie']} |")
    return (f"Each method minus {name(reference)}, in points: the paper's Table 1 (Stable Diffusion) / the mini world's paired difference on the "
            f"same images [95% interval]; 'same' or 'opposite' where the mini world's interval excludes zero, 'tie' where it does not "
            f"('paper even' where the paper's two numbers are equal; not counted).\n\n"
            + '\n'.join(lines) + '\n')


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--figures', default=str(ROOT/'figures'/'miniworld2'/'experiments'))
    ap.add_argument('--name', default='table1')
    ap.add_argument('--reference', default='esd-x')
    ap.add_argument('--sweep', default=str(ROOT/'figures'/'miniworld2'/'judge'/'threshold_sweep.csv'),
                    help="Table 1 at other yes-thresholds (scripts/miniworld2_judge_report.py --write); read for table1 when it exists")
    a = ap.parse_args(argv)
    d = Path(a.figures)
    files = [d/f'{a.name}_metrics.csv', d/f'{a.name}_paired.csv']
    for f in files:
        if not f.exists(): print(f"miniworld2_reading.py: error: {f} not found (run the table's report first)", file=sys.stderr); return 2
    paired, sfx = pd.read_csv(files[1]), ''
    if a.reference not in set(paired.reference):   # Table 1's second reference (CRCE) has its own file: <name>_paired_<ref>.csv
        alt = d/f'{a.name}_paired_{a.reference}.csv'
        if not alt.exists():
            print(f"miniworld2_reading.py: error: no paired rows against {a.reference} in {files[1]} (nor {alt.name})", file=sys.stderr); return 2
        paired, sfx = pd.read_csv(alt), f'_{a.reference}'
    sw = pd.read_csv(a.sweep) if a.name == 'table1' and not sfx and Path(a.sweep).exists() else None
    text = reading(pd.read_csv(files[0]), paired, a.reference, sw, table=a.name)
    from crce.core import atomic_write
    atomic_write(d/f'{a.name}_reading{sfx}.md', text)
    print(text, end='')
    if a.name.startswith('table1'):   # the paper's Table 1 pattern, method by method
        from crce.evaluate import paper_tables
        vp = vs_paper(paired, paper_tables(1), a.reference)
        atomic_write(d/f'{a.name}_vs_paper{sfx}.md', vp)
        print(vp, end='')
    return 0


if __name__ == '__main__':
    sys.exit(main())
