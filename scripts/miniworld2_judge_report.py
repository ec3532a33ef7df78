"""Print the mini world 2 judges' figures: accuracy on the held-out artwork set, their agreement, and verdicts at other thresholds.

    OMP_NUM_THREADS=1 python scripts/miniworld2_judge_report.py [--images FOLDER] [--results FILE.parquet] [--judge PATH] [--write DIR]

(a) MiniJudge2 and NearestJudge2 on Fluent renderings (never used to build either): top-1 over the world's emoji, yes/no on
    own-group and other-group asks, and 'other' recall (outside emoji, plain backgrounds, noise).
(b) Their agreement (counts, rate, Cohen's kappa) on Fluent renderings with one own-group and one other-group ask each, and,
    with --images, on generated images: FOLDER/index.csv with columns path,concept (paths relative to FOLDER), or else one
    sub-folder per concept text holding PNGs (the folder name is the concept, e.g. dog/, wolf/).
(c) With --results (an evaluation results table with raw, verdict, judge columns): verdicts recomputed at thresholds 0.3, 0.5, 0.7.
With --write DIR, the figures also go to DIR/judge_report.json (and the sweep to DIR/threshold_sweep_raw.csv), which
scripts/miniworld_criteria.py reads. The exit status is 0, or 2 when an input cannot be read (one-line error).
"""
import argparse, sys
from pathlib import Path


def load_items(folder) -> list:
    "(image (3,H,W) float in [0,1], concept text) pairs from FOLDER/index.csv or concept sub-folders."
    import csv
    import numpy as np, torch
    from PIL import Image
    from crce.core import CrceError
    d = Path(folder)
    if not d.is_dir(): raise CrceError(f"no image folder at {d}")
    if (d/'index.csv').exists():
        with open(d/'index.csv', newline='') as f: pairs = [(d/r['path'], r['concept']) for r in csv.DictReader(f)]
    else:
        pairs = [(p, sub.name) for sub in sorted(d.iterdir()) if sub.is_dir() for p in sorted(sub.glob('*.png'))]
    if not pairs: raise CrceError(f"no images in {d} (expected index.csv with path,concept or concept sub-folders of PNGs)")
    out = []
    for p, c in pairs:
        if not p.exists(): raise CrceError(f"image {p} listed in {d/'index.csv'} does not exist")
        out.append((torch.from_numpy(np.asarray(Image.open(p).convert('RGB'))).permute(2, 0, 1).float()/255, c))
    return out


def generate_items(folder, n_prompts: int, per_prompt: int = 8, seed: int = 0) -> Path:
    "Generate `per_prompt` images for each of `n_prompts` prompts of the reported targets with the original mini2 model; write PNGs and index.csv."
    import csv
    import numpy as np
    from PIL import Image
    from crce.worlds import resolve_world
    from crce.backbone import generate
    from crce.evaluate import image_seed
    from crce.miniworld.data2 import load_manifest, manifest_rows
    w = resolve_world('mini2')
    rows = [r for r in manifest_rows(load_manifest()) if not r.get('dev')]
    rng = np.random.default_rng(seed)
    pick = [rows[i] for i in sorted(rng.choice(len(rows), size=min(n_prompts, len(rows)), replace=False))]
    ask = lambda r: r['concept'] if r['role'] in ('target', 'coref') else r['text']
    bb = w.load('cpu')
    d = Path(folder); d.mkdir(parents=True, exist_ok=True)
    index = []
    for i, r in enumerate(pick):
        seeds = [image_seed(seed, r['concept'], r['text'], k) for k in range(per_prompt)]
        ims = generate(bb, [r['text']]*per_prompt, seeds=seeds, **w.sampling)
        for k, im in enumerate(ims):
            name = f"{i:03d}-{k}.png"
            Image.fromarray((im.clamp(0, 1).permute(1, 2, 0).numpy()*255).round().astype('uint8')).save(d/name)
            index.append(dict(path=name, concept=ask(r), prompt=r['text'], role=r['role']))
    with open(d/'index.csv', 'w', newline='') as f:
        wr = csv.DictWriter(f, fieldnames=['path', 'concept', 'prompt', 'role']); wr.writeheader(); wr.writerows(index)
    return d


def table1_at_thresholds(results, thresholds=(0.3, 0.5, 0.7)):
    "Table 1's averages (over all concepts) per method with the verdicts recomputed from raw at each threshold, ranked by balanced score."
    import pandas as pd
    from crce.evaluate import metrics
    from crce.miniworld.judge2 import rejudge
    rows = []
    for t in thresholds:
        m = metrics(rejudge(results, t), level='all')
        m = m.sort_values('balanced', ascending=False).reset_index(drop=True)
        for rank, r in m.iterrows():
            rows.append(dict(threshold=t, rank=rank + 1, method=r['method'], balanced=r['balanced'], balanced_lo=r['balanced_lo'], balanced_hi=r['balanced_hi'],
                             AccU=r['AccU'], AccC_test=r['AccC_test'], AccR_test=r['AccR_test'], n_concepts=int(r['n_concepts'])))
    return pd.DataFrame(rows)


def fmt(d: dict) -> str:
    return ', '.join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--images', help='folder of generated images (index.csv or concept sub-folders)')
    ap.add_argument('--results', help='evaluation results table (parquet or csv) with raw, verdict and judge columns')
    ap.add_argument('--judge', help='folder with judge2.safetensors/judge2.json (default: the shipped one)')
    ap.add_argument('--generate', type=int, metavar='N', help='generate N prompts x 8 seeds with the original mini2 model into --images FOLDER first '
                    '(target, coref and retain prompts of the reported targets, each asked what the evaluation asks)')
    ap.add_argument('--write', help='folder to write judge_report.json into (e.g. figures/miniworld2/judge)')
    a = ap.parse_args(argv)
    import numpy as np, torch
    import pandas as pd
    torch.set_num_threads(1)
    from crce.core import CrceError
    from crce.miniworld import judge2 as J
    from crce.miniworld.data2 import load_manifest, manifest_rows, prompt_table
    if a.generate:
        if not a.images: print("error: --generate needs --images FOLDER to write into", file=sys.stderr); return 2
        generate_items(a.images, a.generate)
    try:
        cnn, nn_ = J.load_judge2(a.judge, device='cpu'), J.NearestJudge2()
        gen = load_items(a.images) if a.images else None
        res = (pd.read_parquet(a.results) if a.results.endswith('.parquet') else pd.read_csv(a.results)) if a.results else None
    except (CrceError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    man = load_manifest()
    report = dict(judge=cnn.name, second=nn_.name, heldout=man['heldout'], train_sets=list(man['train_sets']),
                  renderings_only=True, has_other=J.OTHER in getattr(cnn, 'classes', ()), accuracy={})
    print("(a) accuracy on the held-out artwork set (fluent; never used to build either judge)")
    for j in (cnn, nn_):
        acc = J.heldout_accuracy(j)
        report['accuracy'][j.name] = acc
        print(f"  {acc['judge']}: top-1 {acc['top1']:.3f} ({acc['n_images']} renderings; plain only {acc['top1_plain']:.3f}; answered 'other' {acc['said_other']:.3f}) | "
              f"yes/no: own group yes {acc['yes_own']:.3f}, other group no {acc['no_other_group']:.3f}, mean {acc['yes_no_acc']:.3f} ({acc['n_asks']} asks) | "
              f"'other' recall: outside emoji {acc['other_recall_emoji']:.3f} (n={acc['n_other_emoji']}), "
              f"backgrounds {acc['other_recall_background']:.3f} (n={acc['n_background']}), noise/blobs {acc['other_recall_noise']:.3f} (n={acc['n_noise']})")
    print("(b) agreement of the two judges")
    x, codes = J.heldout_renderings(n_styles=0)
    texts = list(prompt_table(manifest_rows(man)).items())
    own = {c: t for t, g in texts for c in g.split('+')}
    rng = np.random.default_rng(0)
    items = [(xi, own[c]) for xi, c in zip(x, codes)]
    for xi, c in zip(x, codes):
        while c in (tg := texts[int(rng.integers(len(texts)))])[1].split('+'): pass
        items.append((xi, tg[0]))
    report['agreement_heldout'] = J.judge_agreement(cnn, nn_, items)
    print(f"  fluent renderings (one own-group and one other-group ask each): {fmt(report['agreement_heldout'])}")
    if gen is not None:
        try: report['agreement_generated'] = dict(J.judge_agreement(cnn, nn_, gen), second=nn_.name, images=str(a.images))
        except CrceError as e:
            print(f"error: {e}", file=sys.stderr); return 2
        print(f"  generated images ({a.images}): {fmt(report['agreement_generated'])}")
    else: print("  generated images: none given (--images FOLDER)")
    print("(c) verdicts recomputed from raw at other thresholds")
    if res is None:
        rows = []
        for j in (cnn, nn_):
            for c in ('dog', 'wolf'):
                vs = j.verdicts(x[:60], c)
                rows += [dict(judge=j.name, concept=c, verdict=v.verdict, raw=v.raw) for v in vs]
        res = pd.DataFrame(rows)
        print("  no --results given: the judges' verdicts on 60 fluent renderings asked 'dog' and 'wolf'")
    missing = {'raw', 'verdict', 'judge'} - set(res.columns)
    if missing:
        print(f"error: results table lacks column(s) {', '.join(sorted(missing))}", file=sys.stderr); return 2
    sweep = J.threshold_sweep(res, (0.3, 0.5, 0.7))
    print(sweep.to_string(index=False))
    if a.write:
        import json
        from crce.core import dump_json, atomic_path, versions
        acc = report['accuracy'][cnn.name]
        report.update(heldout_accuracy=100*float(acc['yes_no_acc']), heldout_top1=100*float(acc['top1']), versions=versions(),
                      artwork_sources=J.artwork_sources())   # what the 'other' emoji were drawn from (their figures depend on it)
        d = Path(a.write); d.mkdir(parents=True, exist_ok=True)
        dump_json(json.loads(json.dumps(report, default=float)), d/'judge_report.json')
        with atomic_path(d/'threshold_sweep_raw.csv') as tmp: sweep.to_csv(tmp, index=False)
        if a.results:   # Table 1's ordering at each threshold (scripts/miniworld_criteria.py item 4c)
            t1 = table1_at_thresholds(res)
            with atomic_path(d/'threshold_sweep.csv') as tmp: t1.round(4).to_csv(tmp, index=False)   # 4 decimals: read again and rounded for text, 2 would round twice
            print(t1.round(1).to_string(index=False))
        print(f"wrote {d/'judge_report.json'}")
    return 0


if __name__ == '__main__': sys.exit(main())
