"""Cost of one training step of candidate 32x32 UNets for mini world 2, as a ratio to the first mini world's 16x16 UNet
measured in the same run (batch 32, AdamW, CPU threads as given).

    python scripts/bench_miniworld2_unet.py --threads 2
"""
import argparse, time
import torch
from diffusers import UNet2DConditionModel
from crce.miniworld.model import UNET_CONFIG
from crce.miniworld.model2 import UNET2_CONFIG

def step_time(cfg, batch=32, reps=3):
    torch.manual_seed(0)
    u = UNet2DConditionModel(**cfg); opt = torch.optim.AdamW(u.parameters(), 1e-3)
    s = cfg['sample_size']
    x, ctx, t = torch.randn(batch, cfg['in_channels'], s, s), torch.randn(batch, 16, 384), torch.randint(0, 1000, (batch,))
    for i in range(reps + 1):
        if i == 1: t0 = time.perf_counter()
        loss = (u(x, t, ctx).sample - x).pow(2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    return (time.perf_counter() - t0)/reps, sum(p.numel() for p in u.parameters())

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument('--threads', type=int, default=2)
    torch.set_num_threads(ap.parse_args().threads)
    D3, U3 = ('DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'), ('CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D')
    cands = {'mini world 1 (16x16, baseline)': UNET_CONFIG,
             '32x32, 3 levels, attention at 16 and 8': dict(UNET_CONFIG, sample_size=32),
             '32x32 pixels, 4 levels, attention at 8, 4': dict(UNET_CONFIG, sample_size=32, block_out_channels=(32, 64, 128, 128),
                                                               down_block_types=('DownBlock2D',)*2 + ('CrossAttnDownBlock2D',)*2,
                                                               up_block_types=('CrossAttnUpBlock2D',)*2 + ('UpBlock2D',)*2),
             '32x32 as 16x16x12 (space-to-depth), chosen': UNET2_CONFIG}
    base = None
    for name, cfg in cands.items():
        dt, n = step_time(cfg)
        base = base or dt
        print(f"{name:45s} {n/1e6:5.2f}M params  {dt:.3f} s/step  {dt/base:.2f}x", flush=True)
