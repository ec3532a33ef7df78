"""Print the mini world 2 judges' figures: accuracy on the held-out artwork set, their agreement, and verdicts at other thresholds.

    OMP_NUM_THREADS=1 python scripts/miniworld2_judge_report.py [--images FOLDER] [--results FILE.parquet] [--judge PATH]

(a) MiniJudge2 and NearestJudge2 on Fluent renderings (never used to build either): top-1 over the world's emoji, yes/no on
    own-group and other-group asks, and 'other' recall (outside emoji, plain backgrounds, noise).
(b) Their agreement (counts, rate, Cohen's kappa) on Fluent renderings with one own-group and one other-group ask each, and,
    with --images, on generated images: FOLDER/index.csv with columns path,concept (paths relative to FOLDER), or else one
    sub-folder per concept text holding PNGs (the folder name is the concept, e.g. dog/, wolf/).
(c) With --results (an evaluation results table with raw, verdict, judge columns): verdicts recomputed at thresholds 0.3, 0.5, 0.7.
The exit status is 0, or 2 when an input cannot be read (one-line error).
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


def fmt(d: dict) -> str:
    return ', '.join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--images', help='folder of generated images (index.csv or concept sub-folders)')
    ap.add_argument('--results', help='evaluation results table (parquet or csv) with raw, verdict and judge columns')
    ap.add_argument('--judge', help='folder with judge2.safetensors/judge2.json (default: the shipped one)')
    a = ap.parse_args(argv)
    import numpy as np, torch
    import pandas as pd
    torch.set_num_threads(1)
    from crce.core import CrceError
    from crce.miniworld import judge2 as J
    from crce.miniworld.data2 import load_manifest, manifest_rows, prompt_table
    try:
        cnn, nn_ = J.load_judge2(a.judge, device='cpu'), J.NearestJudge2()
        gen = load_items(a.images) if a.images else None
        res = (pd.read_parquet(a.results) if a.results.endswith('.parquet') else pd.read_csv(a.results)) if a.results else None
    except (CrceError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("(a) accuracy on the held-out artwork set (fluent; never used to build either judge)")
    for j in (cnn, nn_):
        acc = J.heldout_accuracy(j)
        print(f"  {acc['judge']}: top-1 {acc['top1']:.3f} ({acc['n_images']} renderings; plain only {acc['top1_plain']:.3f}; answered 'other' {acc['said_other']:.3f}) | "
              f"yes/no: own group yes {acc['yes_own']:.3f}, other group no {acc['no_other_group']:.3f}, mean {acc['yes_no_acc']:.3f} ({acc['n_asks']} asks) | "
              f"'other' recall: outside emoji {acc['other_recall_emoji']:.3f} (n={acc['n_other_emoji']}), "
              f"backgrounds {acc['other_recall_background']:.3f} (n={acc['n_background']}), noise/blobs {acc['other_recall_noise']:.3f} (n={acc['n_noise']})")
    print("(b) agreement of the two judges")
    x, codes = J.heldout_renderings(n_styles=0)
    texts = list(prompt_table(manifest_rows(load_manifest())).items())
    own = {c: t for t, g in texts for c in g.split('+')}
    rng = np.random.default_rng(0)
    items = [(xi, own[c]) for xi, c in zip(x, codes)]
    for xi, c in zip(x, codes):
        while c in (tg := texts[int(rng.integers(len(texts)))])[1].split('+'): pass
        items.append((xi, tg[0]))
    print(f"  fluent renderings (one own-group and one other-group ask each): {fmt(J.judge_agreement(cnn, nn_, items))}")
    if gen is not None:
        try: print(f"  generated images ({a.images}): {fmt(J.judge_agreement(cnn, nn_, gen))}")
        except CrceError as e:
            print(f"error: {e}", file=sys.stderr); return 2
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
    print(J.threshold_sweep(res, (0.3, 0.5, 0.7)).to_string(index=False))
    return 0


if __name__ == '__main__': sys.exit(main())
