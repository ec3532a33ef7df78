"""Choose mini world 2's erase settings on its development targets, by a rule fixed before any table is run.

    python scripts/miniworld2_regime.py [--out runs/mini2-regime] [--report figures/miniworld2/regime] [-K 8]

First the sampling: the original model draws the development targets, their corefs and retains at each guidance scale
in GUIDANCE with 20 DDIM steps, and the scale with the highest score (the mean of AccU, AccC test and AccR test) is the
world's (a model that draws its concepts badly cannot show what an erasure removes). At that scale, 10 DDIM steps
replace 20 when their score is at most FEWER_STEPS_LOSS points lower (evaluation then costs half). Then the erasure.
The rule (written down before running it): the candidates below are tried in order of strength (iterations x lr);
the chosen setting is the first under which ESD-x erases the development targets, i.e. its AccU averaged over the
development targets is at most 10%. Erasing "just enough" is what the paper's settings do on Stable Diffusion: the
target is gone, while how far the erasure carries over to corefs and retains is left to the method. If no candidate
erases, the strongest is reported as chosen and flagged. The development targets (`corefconcept-dev.json`) are never
reported in a table, so the tables cannot have steered the choice.

Writes `<report>/sampling.csv` (the original model at each guidance scale), `<report>/regime.csv` (one row per candidate tried: AccU, AccC train/test, AccR train/test of ESD-x and of the
original model over the development targets), `<report>/chosen.json` and the run record; each candidate's runs live
under `<out>/<candidate>/` and are resumable. Mini-world numbers, not Stable Diffusion ones.

    python scripts/miniworld2_regime.py --method NAME [--out runs/mini2-regime] [--report figures/miniworld2/regime]

A baseline's own schedule in this world, by the same rule (`--method uce|ca|fmn|fmn-x|mace|spm|receler`): the sampling
stays the world's; the candidates are ESD-x's ladder with each method's learning rate scaled by the ratio of its
authors' rate to ESD's (FMN 2e-6 -> x0.2, CA 1.6e-5 -> x1.6, SPM 1e-4 -> x10, Receler 3e-4 -> x30; MACE's LoRA steps
take the place of iterations), with two weaker rungs first, since a method stronger per step than ESD-x must be able to
stop earlier. Images a method draws from the frozen model (CA's anchor images, FMN's and MACE's concept images) are
drawn the way the world draws (its guidance and DDIM steps). UCE is a closed form without a schedule: its authors'
settings are evaluated and recorded. The chosen settings go to `<report>/<method>/chosen.json`; they must then be the
world's `schedules[method]` in crce.worlds (scripts/miniworld_criteria.py checks it).
"""
import argparse, json, sys
from pathlib import Path
import pandas as pd

CANDIDATES = [dict(iterations=20, lr=5e-4), dict(iterations=40, lr=5e-4), dict(iterations=40, lr=1e-3),
              dict(iterations=80, lr=1e-3), dict(iterations=80, lr=2e-3), dict(iterations=160, lr=2e-3)]
MAX_ACCU = 10.0
GUIDANCE = (3.0, 5.0, 7.5)
FEWER_STEPS_LOSS = 3.0
FIXED = dict(ddim_steps=20, step_range=(1, 19))


def name_of(c: dict) -> str:
    its = f"it{c['iterations']}" if 'iterations' in c else f"steps{c['mace_steps']}" if 'mace_steps' in c else 'closed-form'
    return its + (f"_lr{c['lr']:g}" if 'lr' in c else '')


ESD_LR = 1e-5
WEAKER = [dict(iterations=20, lr=1.25e-4), dict(iterations=20, lr=2.5e-4)]
AUTHORS_LR = {'ca': 1.6e-5, 'fmn': 2e-6, 'fmn-x': 2e-6, 'spm': 1e-4, 'receler': 3e-4, 'mace': 1e-5}


def method_ladder(method: str) -> list:
    "The candidate schedules of `method`, weakest first (UCE: its authors' closed form only)."
    if method == 'uce': return [{}]
    f = AUTHORS_LR[method]/ESD_LR
    lad = [dict(iterations=c['iterations'], lr=float(f'{c["lr"]*f:.4g}')) for c in WEAKER + CANDIDATES]
    if method == 'mace': lad = [dict(mace_steps=c['iterations'], lr=c['lr']) for c in lad]
    return lad


def world_drawing(method: str, sampling: dict) -> dict:
    "Settings that make a method draw its own training images the way the world draws."
    g, n = sampling['guidance_scale'], sampling['num_inference_steps']
    return {'ca': dict(ca_guidance=g, ca_gen_steps=n, ca_images=64), 'fmn': dict(fmn_guidance=g, fmn_gen_steps=n),
            'fmn-x': dict(fmn_guidance=g, fmn_gen_steps=n), 'mace': dict(mace_guidance=g, mace_gen_steps=n)}.get(method, {})


KEYS = ('AccU', 'AccC_train', 'AccC_test', 'AccR_train', 'AccR_test')


def climb(candidates, run, method: str, try_all: bool = False):
    "Try `candidates` weakest first (`run(c)` -> ({who: metrics}, n_concepts)); one row each; the first under which `method` erases is chosen (the rest are tried only with `try_all`)."
    rows, chosen = [], None
    for c in candidates:
        got, n = run(c)
        row = dict(candidate=name_of(c), **c, n_concepts=n)
        for who, mm in got.items():
            for k in KEYS: row[f"{who}_{k}"] = round(float(mm[k]), 2)
        row['erases'] = row[f'{method}_AccU'] <= MAX_ACCU
        rows.append(row)
        print(f"{method} {name_of(c)}: AccU {row[f'{method}_AccU']:.1f}, AccC test {row[f'{method}_AccC_test']:.1f}, "
              f"AccR test {row[f'{method}_AccR_test']:.1f}", flush=True)
        if row['erases'] and chosen is None:
            chosen = dict(c)
            if not try_all: break
    return rows, chosen


def method_regime(a, dev, seeds, rep: Path) -> int:
    "Choose `a.method`'s schedule on the development targets (see the module docs)."
    from crce.reproduce import reproduce
    from crce.core import dump_json, atomic_path, versions
    from crce.worlds import resolve_world
    world = resolve_world('mini2')
    sampling, m = dict(world.sampling), a.method
    d = rep/m; d.mkdir(parents=True, exist_ok=True)
    extra = world_drawing(m, sampling)
    def run(c):
        r = reproduce('table1', model='mini2', dataset=str(dev), seeds=seeds, methods=[m], out_dir=Path(a.out)/m/name_of(c),
                      images_per_prompt=a.images_per_prompt, erase_overrides={**c, **extra}, progress=True)
        mm = r['metrics_all'].set_index('method')
        return {who: mm.loc[who] for who in ('original', m) if who in mm.index}, int(mm.loc[m, 'n_concepts'])
    lad = method_ladder(m)
    rows, chosen = climb(lad, run, m, a.all)
    with atomic_path(d/'regime.csv') as tmp: pd.DataFrame(rows).to_csv(tmp, index=False)
    flagged = chosen is None
    chosen = {**(chosen if chosen is not None else lad[-1]), **extra}
    dump_json(dict(method=m, chosen=chosen, sampling=sampling, flagged_no_candidate_erases=flagged,
                   rule=f"first candidate (by strength) with {m} AccU <= {MAX_ACCU}% averaged over the development targets" if m != 'uce'
                        else "closed form: the authors' settings, evaluated and recorded",
                   candidates=lad, drawing=extra, images_per_prompt=a.images_per_prompt, seeds=a.seeds, dataset=str(dev.name), versions=versions()), d/'chosen.json')
    print(f"{m} chosen: {chosen}" + (' (no candidate erased the development targets: flagged)' if flagged else ''))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    ap.add_argument('--out', default='runs/mini2-regime', help='folder of the (resumable) runs')
    ap.add_argument('--report', default=str(root/'figures'/'miniworld2'/'regime'))
    ap.add_argument('-K', '--images-per-prompt', type=int, default=8)
    ap.add_argument('--seeds', default='0')
    ap.add_argument('--all', action='store_true', help='try every candidate, not only up to the chosen one')
    ap.add_argument('--method', default='esd-x', help="esd-x (the world's erase settings and sampling) or a baseline: " + ', '.join(['uce', *AUTHORS_LR]))
    a = ap.parse_args(argv)
    if a.method not in ('esd-x', 'uce', *AUTHORS_LR):
        print(f"miniworld2_regime.py: error: unknown --method {a.method!r}; expected esd-x, uce, {', '.join(AUTHORS_LR)}", file=sys.stderr); return 2
    from crce.reproduce import reproduce
    from crce.core import dump_json, atomic_path, versions
    from crce.miniworld.data2 import assets_dir
    dev = assets_dir()/'corefconcept-dev.json'
    seeds = [int(s) for s in a.seeds.split(',')]
    rep = Path(a.report); rep.mkdir(parents=True, exist_ok=True)
    if a.method != 'esd-x': return method_regime(a, dev, seeds, rep)
    srows, orig_at = [], {}
    def original(gs, steps):
        r = reproduce('table1', model='mini2', dataset=str(dev), seeds=seeds, methods=['original'], out_dir=Path(a.out)/f'sampling_g{gs:g}_s{steps}',
                      images_per_prompt=a.images_per_prompt, sampling=dict(guidance_scale=gs, num_inference_steps=steps), progress=True)
        o = orig_at[gs, steps] = r['metrics_all'].set_index('method').loc['original']
        row = dict(guidance_scale=gs, num_inference_steps=steps, **{k: round(float(o[k]), 2) for k in ('AccU', 'AccC_train', 'AccC_test', 'AccR_train', 'AccR_test')})
        row['score'] = round((row['AccU'] + row['AccC_test'] + row['AccR_test'])/3, 2)
        print(f"guidance {gs:g}, {steps} steps: original AccU {o.AccU:.1f}, AccC test {o.AccC_test:.1f}, AccR test {o.AccR_test:.1f}", flush=True)
        srows.append(row); return row
    best = max((original(gs, 20) for gs in GUIDANCE), key=lambda r: r['score'])
    guidance = best['guidance_scale']
    fewer = original(guidance, 10)
    steps = 10 if fewer['score'] >= best['score'] - FEWER_STEPS_LOSS else 20
    with atomic_path(rep/'sampling.csv') as tmp: pd.DataFrame(srows).to_csv(tmp, index=False)
    sampling = dict(num_inference_steps=steps, guidance_scale=guidance)
    orig = orig_at[guidance, steps]   # the original model under the chosen sampling: already evaluated above (same images, same judge)
    def run(c):
        r = reproduce('table1', model='mini2', dataset=str(dev), seeds=seeds, methods=['esd-x'], out_dir=Path(a.out)/f'g{guidance:g}_s{steps}_{name_of(c)}',
                      images_per_prompt=a.images_per_prompt, erase_overrides={**FIXED, **c}, sampling=sampling, progress=True)
        m = r['metrics_all'].set_index('method')
        return {'original': orig, 'esd-x': m.loc['esd-x']}, int(m.loc['esd-x', 'n_concepts'])
    rows, chosen = climb(CANDIDATES, run, 'esd-x', a.all)
    with atomic_path(rep/'regime.csv') as tmp: pd.DataFrame(rows).to_csv(tmp, index=False)
    flagged = chosen is None
    chosen = {**FIXED, **(chosen or CANDIDATES[-1])}
    dump_json(dict(chosen=chosen, sampling=sampling, sampling_rule=f"guidance scale with the highest mean of the original model's AccU, AccC test and AccR test over the development targets at 20 DDIM steps; 10 steps when that mean drops by at most {FEWER_STEPS_LOSS:g} points",
                   guidance_candidates=list(GUIDANCE), flagged_no_candidate_erases=flagged, rule=f"first candidate (by strength) with ESD-x AccU <= {MAX_ACCU}% averaged over the development targets",
                   candidates=CANDIDATES, images_per_prompt=a.images_per_prompt, seeds=a.seeds, dataset=str(dev.name), versions=versions()), rep/'chosen.json')
    print(f"chosen: {sampling}, {chosen}" + (' (no candidate erased the development targets: flagged)' if flagged else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
