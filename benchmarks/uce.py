"""Closed-form erasure time: UCE (`crce.baselines`, method 'uce') per concept on Stable Diffusion 1.x's architecture with random weights.

UCE edits the cross-attention key and value projections in closed form (one linear solve per projection), so its cost is a
few text encodings and 32 solves of 768 x 768 systems, whatever the image resolution. The script builds SD 1.x's UNet and
CLIP ViT-L/14 text encoder architectures with random weights (`benchmarks/generation.py`'s `sd_arch_backbone`), erases each
concept with `crce.train.erase(..., 'uce')` (restoring the original weights between concepts) and reports the seconds per
concept (wall-clock and process CPU time); JSON to figures/benchmark/uce_cpu.json.

    python benchmarks/uce.py                          # CPU, 3 concepts, with and without the retains preserved
    python benchmarks/uce.py --device cuda --out figures/benchmark/uce_gpu.json
"""
from __future__ import annotations
import argparse, importlib.util, statistics, sys, time
from pathlib import Path

def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--concepts', default='dog,cat,horse')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=None)
    a = p.parse_args(argv)
    import torch, diffusers
    from crce.train import erase
    from crce.core import dump_json
    if a.threads: torch.set_num_threads(a.threads)
    spec = importlib.util.spec_from_file_location('gen_bench', Path(__file__).with_name('generation.py'))
    gb = importlib.util.module_from_spec(spec); spec.loader.exec_module(gb)
    bb = gb.sd_arch_backbone(128, a.device)
    cuda = a.device.startswith('cuda')
    rows = []
    for preserve in ('none', 'retains'):
        for c in a.concepts.split(','):
            if cuda: torch.cuda.synchronize()
            w0, c0 = time.perf_counter(), time.process_time()
            r = erase(bb, c, 'uce', progress=False, uce_preserve=preserve)
            if cuda: torch.cuda.synchronize()
            rows.append(dict(concept=c, uce_preserve=preserve, seconds=time.perf_counter() - w0, cpu_seconds=time.process_time() - c0,
                             n_trained=int(sum(v.numel() for v in r.params.values()))))
            r.restore(bb)
            print(f"uce {c:>8} (preserve {preserve}): {rows[-1]['seconds']:.2f} s wall, {rows[-1]['cpu_seconds']:.2f} s CPU", file=sys.stderr, flush=True)
    med = {pr: statistics.median(r['seconds'] for r in rows if r['uce_preserve'] == pr) for pr in ('none', 'retains')}
    out = dict(meta=dict(machine=gb.machine(a.device), device=a.device, torch=torch.__version__, diffusers=diffusers.__version__,
                         threads=a.threads or torch.get_num_threads(), measured=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                         command='python benchmarks/uce.py ' + ' '.join(argv),
                         model="SD 1.x's UNet and CLIP ViT-L/14 text encoder architectures, random weights"),
               runs=rows, median_seconds_per_concept=med)
    path = Path(a.out or f"figures/benchmark/uce_{'gpu' if cuda else 'cpu'}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_json(out, path)
    print(f"UCE seconds per concept (median of {len(a.concepts.split(','))}): {med['none']:.2f} s (no preserved concepts), "
          f"{med['retains']:.2f} s (the concept's retains preserved); {out['meta']['machine']}; wrote {path}")
    return 0

if __name__ == '__main__': sys.exit(main())
