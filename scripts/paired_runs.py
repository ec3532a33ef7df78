"""Compare two sets of finished runs image by image: e.g. MACE erasing ten targets in one run against MACE erasing each alone.

    python scripts/paired_runs.py --a 'mace x10=runs/mini2-mace10/runs/mace/*/seed0' \\
                                  --b 'mace=runs/mini2/runs/mace/{dog,cat,...}/seed0' --name mace10_vs_single \\
                                  [--figures figures/miniworld2/experiments] [--concepts dog,cat,...]

Each side is LABEL=PATTERN: run folders (shell-style globs, `{a,b}` alternatives allowed) whose `eval/results/*.parquet`
hold a `crce evaluate` / `crce reproduce` run's verdicts. Their rows are relabelled LABEL and compared on the images both
have (same target, group, prompt, question and noise seed; `crce.evaluate.paired_differences`, side b the reference):
differences in points per category and over all, 95% cluster-bootstrap intervals over targets (exact where every pair
differs alike), McNemar's sign test, better / worse / tie. Writes `<name>_paired.csv` / `.md`, `<name>_metrics.csv`
(each side's accuracies on the matched images only) and `<name>.run.json` (the two sides, versions, a hash of the verdicts). Images present on one side only (e.g. a retain that the other run
erased as a target) are left out and counted. Exit status 2, with a one-line error, when a side matches no results or
the two share no image.
"""
import argparse, glob, re, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def expand(pattern: str) -> list[str]:
    "Shell-style `{a,b}` alternatives, then globbing; sorted, unique."
    m = re.search(r'\{([^{}]*)\}', pattern)
    if m: return sorted({p for alt in m[1].split(',') for p in expand(pattern[:m.start()] + alt + pattern[m.end():])})
    return sorted(glob.glob(pattern))


def side(spec: str, concepts: list[str] | None) -> tuple[str, pd.DataFrame]:
    "LABEL=PATTERN -> (label, the runs' results relabelled, restricted to `concepts` if given)."
    if '=' not in spec: raise ValueError(f"expected LABEL=PATTERN, got {spec!r}")
    label, pattern = spec.split('=', 1)
    files = [f for d in expand(pattern) for f in sorted(Path(d).glob('eval/results/*.parquet'))]
    if not files: raise ValueError(f"{label!r}: no results under {pattern!r} (eval/results/*.parquet)")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if concepts: df = df[df.concept.isin(concepts)]
    if df.empty: raise ValueError(f"{label!r}: none of the concepts {concepts} in its results")
    return label.strip(), df.assign(method=label.strip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--a', required=True, help='LABEL=PATTERN of the runs compared')
    ap.add_argument('--b', required=True, help='LABEL=PATTERN of the reference runs')
    ap.add_argument('--name', required=True)
    ap.add_argument('--figures', default=str(ROOT/'figures'/'miniworld2'/'experiments'))
    ap.add_argument('--concepts', default=None, help='comma-separated targets (default: every target either side has)')
    a = ap.parse_args(argv)
    concepts = [c.strip() for c in a.concepts.split(',')] if a.concepts else None
    try: (la, da), (lb, db) = side(a.a, concepts), side(a.b, concepts)
    except ValueError as e: print(f"paired_runs.py: error: {e}", file=sys.stderr); return 2
    if la == lb: print(f"paired_runs.py: error: both sides are labelled {la!r}", file=sys.stderr); return 2
    from crce.evaluate import paired_differences, paired_table, metrics
    key = ['concept', 'group', 'prompt', 'ask', 'seed']
    both = pd.concat([da, db], ignore_index=True)
    matched = da[key].merge(db[key], on=key)
    if matched.empty: print(f"paired_runs.py: error: {la!r} and {lb!r} share no image (same target, group, prompt, question, noise seed)", file=sys.stderr); return 2
    pdiff = pd.concat([paired_differences(both, lb, [la], level=lv) for lv in ('category', 'all')], ignore_index=True)   # counts the unmatched
    both = both.merge(matched.drop_duplicates(), on=key)
    out = Path(a.figures); out.mkdir(parents=True, exist_ok=True)
    n_t = both.concept.nunique()
    paired_table(pdiff, 2, out, f'{a.name}_paired', caption=(
        f"{la} − {lb} on the images both have ({n_t} targets; same target, prompt, question and noise seed), in points; "
        f"[95% cluster-bootstrap interval over targets; exact where every pair differs alike]; better / worse / tie for {la} (↓: lower is better)."))
    metrics(both, level='all').to_csv(out/f'{a.name}_metrics.csv', index=False)
    import hashlib
    from crce.core import write_run_record
    data = hashlib.sha256(both.sort_values(key + ['method'])[key + ['method', 'verdict']].to_csv(index=False).encode()).hexdigest()[:16]
    write_run_record(out, dict(a=a.a, b=a.b, concepts=concepts, script='scripts/paired_runs.py'), data_hash=data,
                     name=f'{a.name}.run.json', n_images=int(len(both)), targets=sorted(both.concept.unique().tolist()))
    print((out/f'{a.name}_paired.md').read_text())
    return 0


if __name__ == '__main__':
    sys.exit(main())
