"""Train the mini world 2 UNet in the background (resumes from the checkpoint in OUTDIR).

    nice nohup python scripts/train_miniworld2.py runs/miniworld2 > runs/miniworld2.out 2>&1 &

then `crce.miniworld.model2.export_miniworld2("runs/miniworld2")` writes the EMA weights into crce/assets/miniworld2/.
"""
import argparse
from dataclasses import fields
from crce.miniworld.model2 import TrainConfig2, train_miniworld2

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('outdir')
    ap.add_argument('--init', help='warm-start a new run from exported weights (e.g. crce/assets/miniworld2/model) with a fresh optimizer')
    for f in fields(TrainConfig2):
        typ = {'int': int, 'float': float}.get(f.type, f.type)
        if typ in (int, float): ap.add_argument(f'--{f.name}', type=typ, default=f.default)
    args = vars(ap.parse_args())
    out, init = args.pop('outdir'), args.pop('init')
    train_miniworld2(out, TrainConfig2(**args), device='cpu', progress=True, init=init)
