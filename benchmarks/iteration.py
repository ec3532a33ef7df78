"""Whole erasure iterations on Stable Diffusion 1.x's UNet architecture with random weights: the released code's design vs crce.

Three designs of one CRCE iteration (draw x_t, the loss, backward, Adam), each run in its own process, one after the other
in one invocation (so the ratios come from one run on one machine):

  (a) released   the released code's design: fp32, x_t by partial DDIM with the model being trained, one UNet call per
                 prompt, and a second full UNet copy for the frozen predictions;
  (b) crce       crce with the same math: the same x_t, the frozen predictions by swapping the trained tensors' original
                 values in (no copy), one batched UNet call for the frozen predictions and one for the trained ones;
  (c) crce-fast  crce's fast settings: x_t from a frozen trajectory pool (`xt_pool`, drawn once in batches; its cost is
                 reported and spread over the run's iterations), low precision (`dtype`, bf16 by default), batched step.

Each process times `--iters` iterations after `--warmup`, with the DDIM stop step fixed at `--s` (25, near the mean 24.5
of s ~ U{1..48}) so that (a) and (b) do the same work; it reports wall-clock and process CPU seconds per iteration and its
peak memory (resident set; on CUDA also the peak allocated). (a) and (b) start from the same weights, noise and
embeddings, and must give the same first loss. Prints a table and writes JSON (default figures/benchmark/iteration_cpu.json).

    python benchmarks/iteration.py                          # CPU, 8x8 latents (64 px), M=5, N=3: about 40 minutes on a busy 2-core machine
    python benchmarks/iteration.py --quick --out /tmp/i.json   # a small UNet, seconds (what the test runs)
    python benchmarks/iteration.py --device cuda --latent 64 --iters 10 --pool 16 --out figures/benchmark/iteration_gpu.json   # 512 px on a GPU
"""
from __future__ import annotations
import argparse, json, os, resource, statistics, subprocess, sys, time
from pathlib import Path
from bench_step import machine, load_average   # the machine line every benchmark prints, and its load (this folder is on sys.path when a script runs)

DESIGNS = ('released', 'crce', 'crce-fast')

def unet_for(a):
    "SD 1.x's UNet (diffusers' default config, 768-wide text context), or a small one with `--quick`; random weights."
    import torch
    from diffusers import UNet2DConditionModel
    torch.manual_seed(0)
    if a.quick:
        return UNet2DConditionModel(sample_size=a.latent, block_out_channels=(32, 64), layers_per_block=1, cross_attention_dim=a.dim,
                                    down_block_types=('CrossAttnDownBlock2D', 'DownBlock2D'), up_block_types=('UpBlock2D', 'CrossAttnUpBlock2D'),
                                    attention_head_dim=8, norm_num_groups=32)
    return UNet2DConditionModel(cross_attention_dim=a.dim)

def rss_mib():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != 'darwin' else r / 2**20

def released_step(unet, frozen, x_t, t, d, weights, anchor):
    "The released design's loss: every prediction its own UNet call, the frozen ones from the second model copy."
    import torch
    from crce.losses import esd_anchor, crce_loss
    one = lambda m, e: m(x_t, t, encoder_hidden_states=e[None]).sample
    with torch.no_grad():
        e0, ec = one(frozen, d['uncond'][0]), one(frozen, d['target'][0])
        a = esd_anchor(e0, ec, 1.0)
        ca = torch.cat([esd_anchor(e0, one(frozen, c), 1.0) for c in d['corefs']]) if anchor == 'per-coref' else a
        rf = torch.cat([one(frozen, r) for r in d['retains']])
    tr = torch.cat([one(unet, e) for e in torch.cat([d['target'], d['corefs'], d['retains']])])
    M = len(d['corefs'])
    return crce_loss(tr[:1], a, tr[1:1+M], ca, weights[0], tr[1+M:], rf, weights[1])

def worker(a) -> dict:
    import copy
    import numpy as np, torch
    from crce.backbone import Backbone, SD_SCHEDULER
    from crce.train import select_params, method_config, Run, sample_xt, pool_xt, erasure_step, speed_settings, DTYPES
    from diffusers import DDIMScheduler
    if a.threads: torch.set_num_threads(a.threads)
    dev, design = a.device, a.worker
    cuda = dev.startswith('cuda')
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    unet = unet_for(a).to(dev).eval().requires_grad_(False)
    bb = Backbone(unet, None, None, DDIMScheduler(**SD_SCHEDULER), None, name='sd1-arch-random', image_size=a.latent)
    g = torch.Generator().manual_seed(0)
    e = lambda n: torch.randn(n, 77, a.dim, generator=g).to(dev)
    d = dict(uncond=e(1), target=e(1), corefs=e(a.M), retains=e(a.N))
    weights = ([1.0] * a.M, [1.0] * a.N)
    fast = design == 'crce-fast'
    cfg = method_config('crce', 'paper', M=a.M, N=a.N, coref_anchor=a.anchor, ddim_steps=a.ddim_steps, step_range=(1, a.hi),
                        xt_model='frozen' if fast else 'trained', xt_pool=a.pool if fast else 0, xt_pool_batch=a.pool_batch,
                        dtype=a.fast_dtype if fast else 'fp32')
    trained = select_params(unet, cfg.params)
    original = {n: p.detach().clone() for n, p in trained.items()}
    if cuda: torch.cuda.reset_peak_memory_stats()
    out = dict(design=design, n_params=sum(p.numel() for p in unet.parameters()), n_trained=sum(p.numel() for p in trained.values()),
               wall=[], cpu=[], xt_wall=[], xt_cpu=[], losses=[], rss_model_mib=rss_mib())
    with speed_settings(bb, trained, cfg):
        frozen = copy.deepcopy(unet) if design == 'released' else None   # the released design's second full model
        for p in trained.values(): p.requires_grad_(True)
        opt = torch.optim.Adam(list(trained.values()), lr=1e-5)
        run = Run(bb, cfg, 0, trained, original, None, d['uncond'], [None], [d['target']], [None])
        low = DTYPES[cfg.dtype]
        ac = (lambda: torch.autocast(torch.device(dev).type, dtype=low)) if low != torch.float32 else None
        if fast:   # the pool, drawn once (its cost is spread over a run's iterations below)
            sync(); w0, c0 = time.perf_counter(), time.process_time()
            with ac() if ac else _null():
                run.it = 0; pool_xt(run, a.s)
            sync(); out['pool_wall'], out['pool_cpu'] = time.perf_counter() - w0, time.process_time() - c0
        for i in range(a.warmup + a.iters):
            run.it = i
            gi = torch.Generator().manual_seed(int(np.random.default_rng([0, i, 0]).integers(2**62)))
            sync(); w0, c0 = time.perf_counter(), time.process_time()
            with ac() if ac else _null():
                x_t, t = sample_xt(run, a.s, gi)
                sync(); xw, xc = time.perf_counter() - w0, time.process_time() - c0   # drawing x_t, the rest is the step
                if design == 'released': terms = released_step(unet, frozen, x_t, t, d, weights, a.anchor)
                else: terms = erasure_step(unet, trained, original, x_t, t, d['uncond'], d['target'], d['corefs'], d['retains'],
                                           *weights, coref_anchor=a.anchor, batched=True)
            opt.zero_grad(set_to_none=True); terms['loss'].backward(); opt.step()
            sync(); w, c = time.perf_counter() - w0, time.process_time() - c0
            out['losses'].append(float(terms['loss'].detach()))
            if i >= a.warmup: out['wall'].append(w); out['cpu'].append(c); out['xt_wall'].append(xw); out['xt_cpu'].append(xc)
            print(f"{design:>10} iteration {i}: {w:.2f} s wall, {c:.2f} s CPU, loss {out['losses'][-1]:.6g}", file=sys.stderr, flush=True)
    out['peak_rss_mib'] = rss_mib()
    if cuda: out['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2**20
    return out

class _null:
    def __enter__(self): return self
    def __exit__(self, *e): return False

def run_worker(design, argv):
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get('PYTHONPATH', '')])}
    r = subprocess.run([sys.executable, __file__, '--worker', design, *argv], stdout=subprocess.PIPE, text=True, env=env)
    if r.returncode: raise SystemExit(f"{design} worker failed ({r.returncode})")
    return json.loads(next(l for l in r.stdout.splitlines() if l.startswith('RESULT '))[7:])

def parser():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--latent', type=int, default=None, help='latent side (64 = 512 px); default 8 on CPU (64 px), 64 on CUDA, 8 with --quick')
    p.add_argument('--quick', action='store_true', help='a small UNet (32/64 channels), 8x8 latents, 6 DDIM steps: seconds, for tests')
    p.add_argument('--M', type=int, default=5); p.add_argument('--N', type=int, default=3)
    p.add_argument('--anchor', default='shared', choices=['shared', 'per-coref'])
    p.add_argument('--s', type=int, default=None, help='DDIM stop step of every timed iteration (default 25 of 50; 3 of 6 with --quick)')
    p.add_argument('--iters', type=int, default=2); p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--pool', type=int, default=None, help='trajectories in (c)\'s pool (default 2 on CPU, 16 on CUDA)')
    p.add_argument('--pool-batch', dest='pool_batch', type=int, default=8)
    p.add_argument('--fast-dtype', dest='fast_dtype', default='bf16', choices=['fp32', 'bf16', 'fp16'])
    p.add_argument('--run-iterations', dest='run_iterations', type=int, default=500, help="a run's iterations, over which (c)'s pool is spread")
    p.add_argument('--threads', type=int, default=1, help='torch threads (0: torch default); 1 keeps a shared CPU fair')
    p.add_argument('--designs', default=','.join(DESIGNS))
    p.add_argument('--out', default=None, help='JSON file (default figures/benchmark/iteration_{cpu,gpu}.json)')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    return p

def settle(a):
    cuda = a.device.startswith('cuda')
    a.latent = a.latent or (64 if cuda and not a.quick else 8)
    a.dim = 32 if a.quick else 768
    a.ddim_steps, a.hi = (6, 4) if a.quick else (50, 48)
    a.s = a.s or (3 if a.quick else 25)
    a.pool = a.pool or (16 if cuda else 2)
    a.out = a.out or f"figures/benchmark/iteration_{'gpu' if cuda else 'cpu'}.json"
    return a

def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    a = settle(parser().parse_args(argv))
    if a.worker: print('RESULT ' + json.dumps(worker(a))); return 0
    import torch, diffusers
    med = statistics.median
    load = load_average()
    res = {dsg: run_worker(dsg, argv) for dsg in a.designs.split(',')}
    for r in res.values():
        r['wall_per_it'], r['cpu_per_it'] = med(r['wall']), med(r['cpu'])
        for k in ('cpu', 'wall'):   # drawing x_t, and the step (loss, backward, Adam): the rest of the iteration
            r[f'xt_{k}_per_it'], r[f'step_{k}_per_it'] = med(r[f'xt_{k}']), med([c - x for c, x in zip(r[k], r[f'xt_{k}'])])
        if 'pool_wall' in r:   # the pool's cost spread over a run
            r['wall_per_it_amortised'] = r['wall_per_it'] + r['pool_wall'] / a.run_iterations
            r['cpu_per_it_amortised'] = r['cpu_per_it'] + r['pool_cpu'] / a.run_iterations
        else: r['wall_per_it_amortised'], r['cpu_per_it_amortised'] = r['wall_per_it'], r['cpu_per_it']
    ref = res.get('released')
    ratios = {k: dict(wall=ref['wall_per_it_amortised'] / r['wall_per_it_amortised'], cpu=ref['cpu_per_it_amortised'] / r['cpu_per_it_amortised'],
                      memory=r['peak_rss_mib'] / ref['peak_rss_mib']) for k, r in res.items()} if ref else {}
    same = split = None
    if ref and 'crce' in res:
        # where (b)'s gain comes from: the step, since drawing x_t is the same work in (a) and (b); CPU seconds on a CPU, wall on a GPU
        b, k = res['crce'], 'wall' if a.device.startswith('cuda') else 'cpu'
        split = dict(basis=k, step_ratio=ref[f'step_{k}_per_it'] / b[f'step_{k}_per_it'], xt_share=b[f'xt_{k}_per_it'] / b[f'{k}_per_it'],
                     cap=ref[f'{k}_per_it'] / b[f'xt_{k}_per_it'],
                     xt_agreement=ref[f'xt_{k}_per_it'] / b[f'xt_{k}_per_it'])   # the same work in (a) and (b): far from 1, the machine's speed drifted
        l0, l1 = ref['losses'][0], res['crce']['losses'][0]
        same = dict(released=l0, crce=l1, rel_diff=abs(l0 - l1) / max(abs(l0), 1e-30), equal=abs(l0 - l1) <= 1e-4 * max(abs(l0), 1e-30))
    threads = a.threads or torch.get_num_threads()
    meta = dict(machine=machine(a.device), device=a.device, torch=torch.__version__, diffusers=diffusers.__version__, threads=threads,
                measured=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), command='python benchmarks/iteration.py ' + ' '.join(argv),
                model=('small UNet (32/64 channels), random weights' if a.quick else
                       "diffusers' default UNet2DConditionModel config (Stable Diffusion 1.x's architecture), cross_attention_dim=768, random weights"),
                latent=a.latent, pixels=a.latent * 8, M=a.M, N=a.N, anchor=a.anchor, params='xattn-strict', ddim_steps=a.ddim_steps,
                stop_step=a.s, guidance=3.0, iters=a.iters, warmup=a.warmup, pool=a.pool, pool_batch=a.pool_batch, fast_dtype=a.fast_dtype,
                run_iterations=a.run_iterations, quick=a.quick, load_before=load)
    out = dict(meta=meta, designs=res, ratios_vs_released=ratios, same_loss=same)
    if split: out['same_math_split'] = split
    from crce.core import dump_json
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    dump_json(out, a.out)
    mem = lambda r: f"{r['peak_rss_mib']:.0f} MiB RSS" + (f", {r['peak_cuda_mib']:.0f} MiB CUDA" if 'peak_cuda_mib' in r else '')
    print(f"Machine: {meta['machine']}; torch {meta['torch']} ({threads} thread(s)); {meta['model']}, latents {a.latent}x{a.latent} "
          f"({a.latent * 8} px), M={a.M}, N={a.N}, {a.anchor} anchor, DDIM stop step {a.s} of {a.ddim_steps}")
    print('| design | s / iteration (wall) | s / iteration (CPU) | peak memory | speed-up (wall, CPU) | first loss |')
    print('| --- | --- | --- | --- | --- | --- |')
    for k, r in res.items():
        q = ratios.get(k, {})
        pool = f" (+ pool of {a.pool}: {r['pool_wall']:.1f} s / {a.run_iterations} iterations)" if 'pool_wall' in r else ''
        print(f"| {k} | {r['wall_per_it_amortised']:.2f}{pool} | {r['cpu_per_it_amortised']:.2f} | {mem(r)} | "
              f"{q.get('wall', float('nan')):.2f}x, {q.get('cpu', float('nan')):.2f}x | {r['losses'][0]:.6g} |")
    if split:
        k = split['basis']
        print(f"same math, {'CPU' if k == 'cpu' else 'wall-clock'} s per iteration: drawing x_t {ref[f'xt_{k}_per_it']:.2f} (released) vs "
              f"{res['crce'][f'xt_{k}_per_it']:.2f} (crce), the step {ref[f'step_{k}_per_it']:.2f} vs {res['crce'][f'step_{k}_per_it']:.2f} "
              f"({split['step_ratio']:.2f}x); x_t is {100 * split['xt_share']:.0f}% of crce's iteration, so no step could make (b) more than "
              f"{split['cap']:.2f}x (a)")
        if abs(split['xt_agreement'] - 1) > 0.05:
            print(f"warning: drawing x_t, the same work in (a) and (b), took {split['xt_agreement']:.2f}x as long in (a): the machine's speed "
                  f"drifted during the run, so the (a)/(b) ratio is not to be trusted; run again with more --iters on a quieter machine")
    if same: print(f"released vs crce first loss: {same['released']:.8g} vs {same['crce']:.8g} (relative difference {same['rel_diff']:.1e})")
    print(f"wrote {a.out}")
    return 0 if same is None or same['equal'] else 1

if __name__ == '__main__': sys.exit(main())
