"""Erasure cost per method: seconds and peak memory of one erasure of one concept, every method under its own settings.

Each (world, method) runs in its own process (so its peak memory is its own), one thread, one after the other:

  mini   the mini world (`--model`, default mini2): `crce.train.erase` on the world's generator with the settings its
         tables use (the world's erase settings under the method's own schedule, `crce.worlds.World.schedules`), the
         whole erasure timed: process CPU seconds and wall seconds of `erase` alone (loading the world excluded), and the
         process's peak resident memory.
  sd     (with --sd) Stable Diffusion 1.x's architecture with random weights (`benchmarks/generation.py`'s
         `sd_arch_backbone`) at --sd-pixels: the method under its `official` preset, a few of its steps timed and the
         seconds split into what an erasure does once (encoding, closed forms, setup) and what it does per step, then
         extrapolated: once + official steps x per step. The per-step seconds are the CPU seconds between the loop's
         steps (at least 2 steps run, --sd-iterations), each drawing x_t with the stop step in the middle of the
         method's range (a step's cost is linear in it, and the official steps draw it uniformly); MACE, whose LoRA
         steps run inside its fit phase, is erased twice (n and n + 1 steps) and the difference is one step. Closed forms: the edit itself. CA's anchor images and
         FMN's/MACE's concept images: --sd-images drawn, the rest up to the official count added at the seconds of one;
         FMN's textual inversion: --sd-iterations steps, timed as the difference to the same erasure without it,
         extrapolated to its official 500. An estimate from a step measurement at a reduced resolution on this machine,
         not a timed end-to-end erasure.

CPU seconds are the robust figure on a shared machine (wall seconds include waiting for a busy core); the machine is
named in the output. JSON and a Markdown table go to --out (default figures/benchmark/methods_cpu.{json,md}).

    python benchmarks/methods.py                                   # mini world, every method of the tables
    python benchmarks/methods.py --methods esd-x,uce --out /tmp/m  # some methods
    python benchmarks/methods.py --sd --sd-pixels 64               # and the SD-architecture estimate
    python benchmarks/methods.py --worlds sd --out figures/benchmark/methods_sd_cpu   # the SD-architecture estimate alone
"""
from __future__ import annotations
import argparse, gc, json, os, subprocess, sys, time
from pathlib import Path
from bench_step import machine, load_average   # the machine line every benchmark prints, and its load (this folder is on sys.path when a script runs)

METHODS = 'esd-x,crce,realera,crce-sphere,crce-fixed,ap,uce,ca,fmn,mace,spm,receler'
IMAGE_KEYS = {'ca': ('ca_images', 'ca_gen_steps'), 'fmn': ('fmn_images', 'fmn_gen_steps'), 'fmn-x': ('fmn_images', 'fmn_gen_steps'),
              'mace': ('mace_images', 'mace_gen_steps')}   # settings with which a method draws its own training images


def peak_mib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kilobytes on Linux


def steps_of(cfg) -> int:
    "How many optimisation steps the method's configuration runs (MACE: its LoRA steps; closed forms: 0)."
    return int(getattr(cfg, 'mace_steps', 0) or 0) if cfg.method == 'mace' else int(cfg.iterations)


def estimate(cpu_s: float, n_timed: int, n_official: int, step_s: float, extra_s: float = 0.) -> tuple[float, float]:
    """(once, estimated total) CPU seconds: what the timed erasure did once (its seconds less its timed steps) plus the
    official number of steps at `step_s` each, plus `extra_s` (images and inversion steps beyond the timed ones)."""
    once = max(cpu_s - n_timed * step_s, 0.)
    return once, once + n_official * step_s + extra_s


def worker(world: str, method: str, a) -> dict:
    import torch
    torch.set_num_threads(1)
    from crce.train import erase, method_config, with_defaults
    if world == 'mini':
        from crce.worlds import resolve_world
        w = resolve_world(a.model)
        c = w.load_dataset()[a.concept]
        settings = with_defaults(method, w.erase, None, w.schedules.get(method))
        bb, preset = w.load(), w.preset
        cfg = method_config(method, preset, **settings)
        timed_settings = settings
    else:
        import importlib.util
        spec = importlib.util.spec_from_file_location('gen_bench', Path(__file__).with_name('generation.py'))
        gb = importlib.util.module_from_spec(spec); spec.loader.exec_module(gb)
        bb, preset, c = gb.sd_arch_backbone(a.sd_pixels, 'cpu'), 'official', a.concept
        cfg = method_config(method, preset)
        timed_settings = {}
        if steps_of(cfg):   # the loop's steps are timed between its steps: at least two; MACE's (inside fit) by a second erasure
            timed_settings = dict(mace_steps=a.sd_iterations) if method == 'mace' else dict(iterations=max(2, a.sd_iterations))
            lo, hi = cfg.step_range   # the stop step of the partial DDIM that draws x_t, uniform over the range: its cost is
            timed_settings['step_range'] = ((lo + hi + 1) // 2,) * 2   # linear in the step, so the timed steps stop mid-range
        if method in IMAGE_KEYS:
            k_img = IMAGE_KEYS[method][0]
            timed_settings[k_img] = min(a.sd_images, getattr(cfg, k_img))
        if getattr(cfg, 'fmn_ti', False):   # FMN's textual inversion (500 steps officially): its steps timed apart, like the images
            timed_settings['fmn_ti_steps'] = min(a.sd_iterations, cfg.fmn_ti_steps)
    rss0 = peak_mib()
    ticks = []   # process CPU seconds at the end of each loop step
    w0, c0 = time.perf_counter(), time.process_time()
    r = erase(bb, c, method, preset=preset, progress=False, seed=0, callback=lambda it, rec: ticks.append(time.process_time()), **timed_settings)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    out = dict(world=world, method=method, steps=steps_of(cfg), params=cfg.params, lr=cfg.lr,
               n_trained=int(sum(v.numel() for v in r.params.values())), wall_s=wall, cpu_s=cpu,
               peak_rss_mib=peak_mib(), model_rss_mib=rss0)
    if world == 'sd':
        def again(**settings) -> float:
            "CPU seconds of a second erasure with `settings`; the first one's parameters and optimizer state are freed first (full-UNet FMN: ~10 GB each)."
            nonlocal r
            r = None; gc.collect()
            c1 = time.process_time(); erase(bb, c, method, preset=preset, progress=False, seed=0, **settings)
            return time.process_time() - c1
        timed_cfg = method_config(method, preset, **timed_settings)
        n_t, n_f = steps_of(timed_cfg), steps_of(cfg)
        img_s, n_ti, n_fi = 0., 0, 0
        if method in IMAGE_KEYS:   # the images a method draws for itself: timed apart (one image), counted at the official number
            from crce.backbone import generate
            k_img, k_steps = IMAGE_KEYS[method]
            n_ti, n_fi = getattr(timed_cfg, k_img), getattr(cfg, k_img)
            g = getattr(cfg, k_steps.replace('gen_steps', 'guidance'))
            c1 = time.process_time(); generate(bb, [f'a photo of a {a.concept}'], [0], num_inference_steps=getattr(cfg, k_steps), guidance_scale=g)
            img_s = time.process_time() - c1
        ti_s, n_tti, n_fti = 0., 0, 0
        if getattr(cfg, 'fmn_ti', False):   # the same erasure without textual inversion: the difference is the inversion's steps
            n_tti, n_fti = timed_cfg.fmn_ti_steps, cfg.fmn_ti_steps
            ti_s = max(cpu - again(**timed_settings, fmn_ti=False), 0.) / max(n_tti, 1)
        step_s, how = 0., 'closed form' if not n_t else ''
        if len(ticks) >= 2: step_s, how = (ticks[-1] - ticks[0]) / (len(ticks) - 1), f'between loop steps 1..{len(ticks)}'
        elif n_t:   # no loop steps to time between (MACE trains inside fit): one more step costs the difference
            more = dict(timed_settings, **({'mace_steps': n_t + 1} if method == 'mace' else {'iterations': n_t + 1}))
            step_s, how = max(again(**more) - cpu, 0.), f'difference of {n_t + 1} and {n_t} steps'
        # what the timed erasure did once (closed forms: all of it), the official steps at the per-step seconds, and the
        # official images and inversion steps beyond the timed ones at the seconds of one
        once, est = estimate(cpu, n_t, n_f, step_s, (n_fi - n_ti) * img_s + (n_fti - n_tti) * ti_s)
        out.update(timed_steps=n_t, official_steps=n_f, pixels=a.sd_pixels, image_cpu_s=img_s, timed_images=n_ti, official_images=n_fi,
                   ti_step_cpu_s=ti_s, timed_ti_steps=n_tti, official_ti_steps=n_fti, step_cpu_s=step_s, once_cpu_s=once,
                   step_timing=how, est_cpu_s=est)
    return out


def table(rows: list[dict], sd: bool) -> str:
    head = "| method | world | steps | trained parameters | CPU s | wall s | peak memory MiB |" + (
        " CPU s per step | CPU s once | est. CPU h (official schedule) |" if sd else "")
    lines = [head, '|' + ' --- |' * (head.count('|') - 1)]
    for r in rows:
        est = (f" {r['step_cpu_s']:.1f} | {r['once_cpu_s']:.1f} | {r['est_cpu_s']/3600:.2f} |" if sd and r['world'] == 'sd'
               else (" | | |" if sd else ""))
        lines.append(f"| {r['method']} | {r['world']} | {r['steps']} | {r['n_trained']:,} | {r['cpu_s']:.1f} | {r['wall_s']:.1f} | {r['peak_rss_mib']:.0f} |{est}")
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--methods', default=METHODS)
    p.add_argument('--model', default='mini2', help='the mini world (default mini2)')
    p.add_argument('--concept', default='dog')
    p.add_argument('--sd', action='store_true', help="also estimate each method on SD 1.x's architecture (random weights)")
    p.add_argument('--worlds', default=None, help="comma-separated: mini, sd (default: mini, and sd with --sd)")
    p.add_argument('--sd-pixels', type=int, default=64)
    p.add_argument('--sd-iterations', type=int, default=1)
    p.add_argument('--sd-images', type=int, default=1)
    p.add_argument('--out', default=str(Path(__file__).resolve().parents[1]/'figures'/'benchmark'/'methods_cpu'))
    p.add_argument('--worker', nargs=2, metavar=('WORLD', 'METHOD'), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        print('RESULT ' + json.dumps(worker(*a.worker, a)), flush=True); return 0
    methods = [m.strip() for m in a.methods.split(',') if m.strip()]
    worlds = [w.strip() for w in a.worlds.split(',') if w.strip()] if a.worlds else ['mini'] + ['sd'] * a.sd
    if not worlds or set(worlds) - {'mini', 'sd'}:
        print(f"methods.py: error: --worlds takes mini and/or sd, got {a.worlds!r}", file=sys.stderr); return 2
    a.sd = 'sd' in worlds
    from crce.train import get_method
    from crce.core import CrceError
    try:
        for m in methods: get_method(m)   # an unknown method stops here, before any work
    except CrceError as e:
        print(f"methods.py: error: {e}", file=sys.stderr); return 2
    load0 = round(load_average(), 2)   # a busy machine stretches wall seconds (not CPU seconds)
    env = dict(os.environ, OMP_NUM_THREADS='1', CRCE_THREADS='1')
    rows = []
    base = [sys.executable, __file__, '--model', a.model, '--concept', a.concept, '--sd-pixels', str(a.sd_pixels),
            '--sd-iterations', str(a.sd_iterations), '--sd-images', str(a.sd_images)]
    for world in worlds:
        for m in methods:
            r = subprocess.run(base + ['--worker', world, m], env=env, capture_output=True, text=True)
            line = next((l for l in r.stdout.splitlines() if l.startswith('RESULT ')), None)
            if r.returncode or line is None:
                why = 'killed (out of memory?)' if r.returncode in (-9, 137) else '\n'.join(
                    l for l in r.stderr.splitlines() if 'should be kept in float32' not in l)[-1500:]
                print(f"methods.py: error: {world} {m} failed (exit {r.returncode}): {why}", file=sys.stderr); return 1
            rows.append(json.loads(line[7:]))
            x = rows[-1]
            print(f"{world:4} {m:12} {x['steps']:5d} steps  CPU {x['cpu_s']:8.1f} s  wall {x['wall_s']:8.1f} s  peak {x['peak_rss_mib']:6.0f} MiB"
                  + (f"  est. {x['est_cpu_s']/3600:.2f} CPU h at {a.sd_pixels} px" if world == 'sd' else ''), flush=True)
    import torch
    from crce.core import dump_json, atomic_write
    meta = dict(machine=machine('cpu'), torch=torch.__version__, threads=1, model=a.model, concept=a.concept, load_average_1min=load0,
                measured=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), command='python benchmarks/methods.py ' + ' '.join(argv or sys.argv[1:]),
                sd=dict(pixels=a.sd_pixels, iterations=a.sd_iterations, images=a.sd_images) if a.sd else None)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    dump_json(dict(meta=meta, rows=rows), out.with_suffix('.json'))
    atomic_write(out.with_suffix('.md'), f"Erasure cost of one concept ('{a.concept}') per method, one CPU thread on {meta['machine']} "
                 f"({meta['measured']}, 1-minute load average {load0} at the start: wall seconds include waiting for a busy core, CPU seconds do not); "
                 + '; '.join(([f"mini world: {a.model}, the settings of its tables"] if 'mini' in worlds else [])
                             + ([f"sd: Stable Diffusion 1.x's architecture with random weights at {a.sd_pixels} px, the official schedule "
                                 f"estimated as the seconds done once plus the official steps at the seconds of one timed step"] if a.sd else []))
                 + ".\n\n" + table(rows, a.sd))
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
