"""How strongly SPM's facilitated transport switches its membranes on for each kind of evaluation prompt of a world.

    python scripts/spm_transport.py [--model mini] [--metric clipcos_tokenuni] [--write figures/miniworld2/spm_transport]

SPM (Lyu et al., CVPR 2024) scales its membranes, per prompt, by the prompt's best match with an erased concept
(`crce.adapters.spm_scale`: by default the larger of the cosine of the flattened text-encoder outputs and the share of
the concept's tokens in the prompt; the authors' `clipcos_tokenuni`). Every one of a world's reported targets is taken
as the erased concept in turn, and each of its evaluation prompts (target, train/test corefs, train/test retains) and the
other targets' names (prompts unrelated to it) gets its strength: 1 means the membranes act fully, 0 not at all. A
strength near 1 on retains and unrelated prompts means the transport does not spare them, and SPM then acts as if its
membranes were always on. Only the text encoder runs (no erasure, no images). Writes `<write>.csv` (one row per target
and prompt) and `<write>.md` (strength per group, averaged over targets), with a run record (`<write>.run.json`).
Exit status 2, with a one-line error, on an unknown world or metric.
"""
import argparse, hashlib, json, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ('target', 'coref_train', 'coref_test', 'retain_train', 'retain_test', 'other targets')


def strengths(backbone, dataset, metric: str) -> pd.DataFrame:
    "One row per (target, group, prompt): the transport's strength for that prompt with the target erased."
    from crce.adapters import spm_scale
    cs = list(dataset)
    rows = []
    for c in cs:
        groups = {'target': [c.key]}
        for role in ('coref', 'retain'):
            for split in ('train', 'test'):
                groups[f'{role}_{split}'] = [it.text for it in getattr(c, f'{role}s')(split)]
        groups['other targets'] = [o.key for o in cs if o.key != c.key]
        for g, ps in groups.items():
            s = spm_scale(backbone, ps, [c.key], metric)
            rows += [dict(target=c.key, category=c.category, group=g, prompt=p, strength=float(v)) for p, v in zip(ps, s)]
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    "Per group: the strength averaged over each target's prompts, then over targets; and the share of prompts at 0.5 or more."
    per = df.groupby(['target', 'group'], sort=False).strength.agg(['mean', lambda s: (s >= 0.5).mean()]).reset_index()
    per.columns = ['target', 'group', 'mean', 'on']
    out = per.groupby('group').agg(mean=('mean', 'mean'), lo=('mean', 'min'), hi=('mean', 'max'), on=('on', 'mean')).reindex(list(GROUPS))
    out.index.name = 'prompts'
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--model', default='mini')
    ap.add_argument('--metric', default='clipcos_tokenuni')
    ap.add_argument('--write', default=str(ROOT/'figures'/'miniworld2'/'spm_transport'))
    a = ap.parse_args(argv)
    from crce.core import CrceError, write_run_record
    from crce.adapters import SPM_METRICS
    from crce.worlds import resolve_world
    if a.metric not in SPM_METRICS or a.metric == 'off':
        print(f"spm_transport.py: error: --metric {a.metric!r} is not one of {', '.join(m for m in SPM_METRICS if m != 'off')}", file=sys.stderr); return 2
    try: world = resolve_world(a.model)
    except CrceError as e: print(f"spm_transport.py: error: {e}", file=sys.stderr); return 2
    bb, ds = world.load(), world.load_dataset()
    df = strengths(bb, ds, a.metric)
    s = summary(df)
    out = Path(a.write); out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out.with_suffix('.csv'), index=False)
    head = (f"SPM's facilitated transport ({a.metric}) on the {world.label}: the membranes' strength per prompt (1: fully on, "
            f"0: off), each of the {df.target.nunique()} targets erased in turn; mean over a target's prompts, then over targets, "
            f"with the lowest and highest target's mean; 'at >= 0.5': share of prompts whose strength is at least 0.5.\n\n")
    rows = ['| prompts | strength | lowest target | highest target | at >= 0.5 |', '| --- | --- | --- | --- | --- |']
    rows += [f"| {g} | {r['mean']:.2f} | {r.lo:.2f} | {r.hi:.2f} | {100 * r.on:.0f}% |" for g, r in s.iterrows()]
    out.with_suffix('.md').write_text(head + '\n'.join(rows) + '\n')
    data = hashlib.sha256(df[['target', 'group', 'prompt']].to_csv(index=False).encode()).hexdigest()[:16]
    write_run_record(out.parent, dict(model=a.model, world=world.label, metric=a.metric, script='scripts/spm_transport.py'),
                     data_hash=data, name=out.name + '.run.json')
    print(out.with_suffix('.md').read_text())
    return 0


if __name__ == '__main__':
    sys.exit(main())
