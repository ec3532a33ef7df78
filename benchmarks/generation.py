"""Generation throughput: images per second batched vs one prompt at a time, on the mini world 2 and on Stable Diffusion 1.x's architecture.

Evaluation generates thousands of images per table (`crce.evaluate` hands `crce.backbone.generate` a batch of prompts, each with
its own seed). This script times `generate` on the same prompts and seeds in several forms, in one process, one after the other:

  one-at-a-time   batch_size=1, fp32, DDIM (what a loop over prompts does)
  batched         batch_size=B, fp32, DDIM
  batched-<dtype> batch_size=B in bf16 (or fp16 with --dtype fp16), DDIM
  batched-dpm++   batch_size=B, fp32, DPM-Solver++ with --dpm-steps steps (fewer than DDIM's)

Worlds: `mini2` (the mini world 2's shipped generator, its own sampling: 10 DDIM steps, guidance 3) and `sd-arch` (Stable
Diffusion 1.x's UNet, VAE and CLIP ViT-L/14 text encoder architectures with random weights, at a reduced resolution on a CPU).
Each form generates the same --images images (prompts of the world's concepts, one seed each) after one warm-up batch; the
images per second, the ratios to one-at-a-time, and, between batched and one-at-a-time, the largest pixel difference (batching
changes only the last bits) are printed and written as JSON (default figures/benchmark/generation_{cpu,gpu}.json).

    python benchmarks/generation.py --sd-pixels 64              # CPU: mini2 (64 images) and sd-arch at 64 px (8 images, 10 steps), batches of 8
    python benchmarks/generation.py --quick --out /tmp/g.json   # a tiny random model only: seconds (what the test runs)
    python benchmarks/generation.py --device cuda --worlds mini2,sd-arch --sd-pixels 512 --sd-images 32 --sd-steps 50 --batch 16
"""
from __future__ import annotations
import argparse, json, os, sys, time
from pathlib import Path
from bench_step import machine, load_average   # the machine line every benchmark prints, and its load (this folder is on sys.path when a script runs)

def sd_arch_backbone(pixels: int, device: str):
    "Stable Diffusion 1.x's UNet, VAE and text encoder architectures with random weights (no weights can be downloaded here)."
    import torch
    from diffusers import UNet2DConditionModel, AutoencoderKL, DDIMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel
    from crce.backbone import Backbone, SD_SCHEDULER, clip_tokenizer
    torch.manual_seed(0)
    unet = UNet2DConditionModel(cross_attention_dim=768)
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=512,
                        down_block_types=('DownEncoderBlock2D',) * 4, up_block_types=('UpDecoderBlock2D',) * 4)
    te = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
                                      projection_dim=768, hidden_act='quick_gelu', vocab_size=49408, max_position_embeddings=77))
    for m in (unet, vae, te): m.eval().requires_grad_(False)
    return Backbone(unet, te, clip_tokenizer(), DDIMScheduler(**SD_SCHEDULER), vae, name='sd1-arch-random', image_size=pixels).to(device)

def world_backbone(name, a):
    if name == 'mini2':
        from crce.worlds import resolve_world
        w = resolve_world('mini2')
        return w.load(a.device), w.sampling['num_inference_steps'], w.sampling['guidance_scale'], a.mini_images, [c.key for c in w.load_dataset()]
    if name == 'sd-arch': return sd_arch_backbone(a.sd_pixels, a.device), a.sd_steps, 7.5, a.sd_images, None
    if name == 'tiny':
        from crce.backbone import tiny_backbone
        return tiny_backbone(device=a.device), 4, 3.0, a.mini_images, None
    raise SystemExit(f"unknown world {name!r}: mini2, sd-arch or tiny")

def timed(fn, cuda):
    import torch
    if cuda: torch.cuda.synchronize()
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    if cuda: torch.cuda.synchronize()
    return out, time.perf_counter() - w0, time.process_time() - c0

def bench_world(name, a) -> dict:
    import torch
    from crce.backbone import generate
    from crce.data import load_corefconcept
    cuda = a.device.startswith('cuda')
    bb, steps, guidance, n, keys = world_backbone(name, a)
    keys = keys or [c.key for c in load_corefconcept()]
    prompts = [keys[i % len(keys)] for i in range(n)]
    seeds = list(range(1000, 1000 + n))
    B = min(a.batch, n)
    forms = [('one-at-a-time', 1, 'fp32', 'ddim', steps), ('batched', B, 'fp32', 'ddim', steps)]
    if a.dtype != 'fp32': forms.append((f'batched-{a.dtype}', B, a.dtype, 'ddim', steps))
    if a.dpm_steps: forms.append(('batched-dpm++', B, 'fp32', 'dpm++', min(a.dpm_steps, steps)))
    dt = dict(fp32=torch.float32, bf16=torch.bfloat16, fp16=torch.float16)
    out, images = dict(steps=steps, guidance=guidance, images=n, batch=B, pixels=bb.image_size,
                       n_unet_params=sum(p.numel() for p in bb.unet.parameters()), forms={}), {}
    for label, bs, dtype, sampler, st in forms:
        bb.to(dtype=dt[dtype])
        gen = lambda ps, ss: generate(bb, ps, ss, num_inference_steps=st, guidance_scale=guidance, batch_size=bs, sampler=sampler)
        gen(prompts[:bs], seeds[:bs])   # warm-up
        ims, w, c = timed(lambda: gen(prompts, seeds), cuda)
        images[label] = ims.float()
        out['forms'][label] = dict(batch=bs, dtype=dtype, sampler=sampler, steps=st, seconds=w, cpu_seconds=c, images_per_s=n / w)
        print(f"{name:>8} {label:>16}: {n} images in {w:.1f} s ({n / w:.3f} images/s, {c:.1f} s CPU)", file=sys.stderr, flush=True)
    bb.to(dtype=torch.float32)
    ref = out['forms']['one-at-a-time']['images_per_s']
    for f in out['forms'].values(): f['speedup'] = f['images_per_s'] / ref
    out['max_pixel_diff_batched_vs_one'] = float((images['batched'] - images['one-at-a-time']).abs().max())
    return out

def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--worlds', default=None, help='comma-separated: mini2, sd-arch, tiny (default mini2,sd-arch; tiny with --quick)')
    p.add_argument('--quick', action='store_true', help='the tiny random model only, 8 images: seconds')
    p.add_argument('--batch', type=int, default=8, help="batch size of the batched forms (default 8, `crce evaluate --batch-size`'s default, which the tables use)")
    p.add_argument('--mini-images', dest='mini_images', type=int, default=64)
    p.add_argument('--sd-images', dest='sd_images', type=int, default=8)
    p.add_argument('--sd-pixels', dest='sd_pixels', type=int, default=128)
    p.add_argument('--sd-steps', dest='sd_steps', type=int, default=10, help="sd-arch DDIM steps (default 10 on a CPU; SD's evaluation uses 50)")
    p.add_argument('--dpm-steps', dest='dpm_steps', type=int, default=None, help='DPM-Solver++ steps (default: half the DDIM steps; 0 leaves the form out)')
    p.add_argument('--dtype', default='bf16', choices=['fp32', 'bf16', 'fp16'], help='precision of the low-precision form (fp32 leaves it out)')
    p.add_argument('--threads', type=int, default=1, help='torch threads (0: torch default); 1 keeps a shared CPU fair')
    p.add_argument('--out', default=None)
    a = p.parse_args(argv)
    import torch, diffusers
    if a.threads: torch.set_num_threads(a.threads)
    cuda = a.device.startswith('cuda')
    worlds = (a.worlds or ('tiny' if a.quick else 'mini2,sd-arch')).split(',')
    if a.quick: a.mini_images = min(a.mini_images, 8)
    load = load_average()
    res = {}
    for w in worlds:
        wa = argparse.Namespace(**vars(a))
        steps = a.sd_steps if w == 'sd-arch' else 4 if w == 'tiny' else 10
        wa.dpm_steps = max(1, steps // 2) if a.dpm_steps is None else a.dpm_steps
        res[w] = bench_world(w, wa)
    out = dict(meta=dict(machine=machine(a.device), device=a.device, torch=torch.__version__, diffusers=diffusers.__version__,
                         threads=a.threads or torch.get_num_threads(), measured=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                         command='python benchmarks/generation.py ' + ' '.join(argv), quick=a.quick, load_before=load), worlds=res)
    path = Path(a.out or f"figures/benchmark/generation_{'gpu' if cuda else 'cpu'}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    from crce.core import dump_json
    dump_json(out, path)
    print(f"Machine: {out['meta']['machine']}; torch {torch.__version__} ({out['meta']['threads']} thread(s))")
    print('| world | form | batch | dtype | sampler, steps | images | images / s | vs one at a time |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for w, r in res.items():
        for k, f in r['forms'].items():
            print(f"| {w} ({r['pixels']} px) | {k} | {f['batch']} | {f['dtype']} | {f['sampler']}, {f['steps']} | {r['images']} | {f['images_per_s']:.3f} | {f['speedup']:.2f}x |")
    print(f"wrote {path}")
    return 0

if __name__ == '__main__': sys.exit(main())
