"""Train the mini-world UNet in the background (resumes from checkpoints in OUTDIR).

    nice nohup python scripts/train_miniworld.py runs/miniworld --steps 4000 --batch 16 > runs/miniworld.out 2>&1 &

then `crce.miniworld.model.export_miniworld("runs/miniworld")` copies the EMA weights into crce/assets/miniworld/.
"""
import argparse
from dataclasses import fields
from crce.miniworld.model import TrainConfig, train_miniworld

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('outdir')
    for f in fields(TrainConfig):
        if f.type in ('int', 'float', int, float): ap.add_argument(f'--{f.name}', type=eval(f.type) if isinstance(f.type, str) else f.type, default=f.default)
    args = vars(ap.parse_args())
    out = args.pop('outdir')
    train_miniworld(out, TrainConfig(**args), device='cpu', progress=True)
