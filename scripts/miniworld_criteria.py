"""Print the mini world's acceptance figures, each with its threshold, from committed files only.

    python scripts/miniworld_criteria.py [--figures figures/miniworld2] [--name table1]

Items (what the world must have before its tables mean anything):
1. coreference with visual and semantic spread: the data layer's own checks (`crce.miniworld.data2.criteria`);
2. images a person recognises: 32x32 or larger, shipped weights <= 20 MB, trained by a script from a fixed seed, and the
   original model shows its targets (Table 1's `original` row, AccU >= 80%);
3. a paper-like erasure regime chosen on the development targets (`regime/chosen.json`), under which ESD-x erases the
   reported targets (AccU <= 10%) but under-erases their test corefs (AccC test >= 30%, averaged over targets);
4. a judge independent of the generator: accuracy on the held-out artwork set, agreement with a second judge on >= 300
   generated images, and Table 1's ordering at yes-thresholds 0.3 / 0.5 / 0.7 (`judge/`);
5. enough, independent images: >= 8 per prompt, each with its own noise seed, paired comparisons written;
6. cost (`cost.json`, written by scripts/miniworld2_cost.py).
A line is PASS, FAIL, or MISSING (the file is not there yet; the line names the command that writes it). Lines marked
`ok`/`BELOW` are advisory bars: figures the world's acceptance does not rest on (how often the judge recognises the
original model's own targets, the judge's accuracy on unseen artwork, its agreement with the second judge), printed
against a stricter bar so that their weakness stays visible; they do not change the exit status. Exit status 0 when
every acceptance line is PASS, 1 otherwise. All numbers are mini-world numbers, not Stable Diffusion ones.
"""
import argparse, json, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


class Missing(Exception): pass


ADVISORY, BELOW = 'ok', 'BELOW'   # advisory lines: printed, never counted in the exit status


def _csv(p: Path, cmd: str) -> pd.DataFrame:
    if not p.exists(): raise Missing(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p} not found ({cmd})")
    return pd.read_csv(p)


def _json(p: Path, cmd: str) -> dict:
    if not p.exists(): raise Missing(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p} not found ({cmd})")
    return json.loads(p.read_text())


REPRO = "bash scripts/miniworld2_tables.sh"


def item1():
    from crce.miniworld.data2 import criteria
    return [(f"[1] {p}: {v} (threshold {t})", ok) for p, v, t, ok in criteria()]


def item2(fig: Path, name: str):
    from crce.core import asset_path
    d = asset_path('miniworld2', 'model')
    meta = _json(d/'model.json', 'export_miniworld2 after scripts/train_miniworld2.py')
    run = _json(d/'model_run.json', 'export_miniworld2')
    uc = meta['unet_config']
    factor = int(round((uc['in_channels']/3) ** 0.5))   # the UNet works on factor x factor pixel blocks (crce.miniworld.model2.SpaceToDepth)
    size = uc['sample_size'] * factor
    mb = (d/'unet.safetensors').stat().st_size/1e6
    out = [(f"[2] image size: {size}x{size} px (the UNet's {uc['sample_size']}x{uc['sample_size']}x{uc['in_channels']} latents are its {factor}x{factor} pixel blocks; threshold >= 32)", size >= 32),
           (f"[2] shipped generator weights: {mb:.1f} MB (threshold <= 20)", mb <= 20),
           (f"[2] generator trained by scripts/train_miniworld2.py from seed {run['config']['seed']}, {run.get('steps_trained')} steps, "
            f"data {str(run.get('data_hash'))[:12]} (threshold: a recorded seed and data hash)", run['config'].get('seed') is not None and bool(run.get('data_hash')))]
    m = _csv(fig/'experiments'/f'{name}_metrics.csv', REPRO)
    o = m[(m.category == 'all') & (m.method == 'original')]
    if o.empty: raise Missing(f"no original row in {name}_metrics.csv")
    o = o.iloc[0]
    out.append((f"[2] original model's targets recognised by the judge: AccU {o.AccU:.1f}% [{o.AccU_lo:.1f}, {o.AccU_hi:.1f}] over {int(o.n_concepts)} targets (advisory bar >= 80)", ADVISORY if o.AccU >= 80 else BELOW))
    out.append((f"[2] original model's test corefs recognised as the target: AccC test {o.AccC_test:.1f}% (advisory bar >= 60)", ADVISORY if o.AccC_test >= 60 else BELOW))
    out.append((f"[2] original model's test retains recognised: AccR test {o.AccR_test:.1f}% (advisory bar >= 60)", ADVISORY if o.AccR_test >= 60 else BELOW))
    return out


def _world():
    from crce.worlds import resolve_world
    return resolve_world('mini')


def item3(fig: Path, name: str):
    ch = _json(fig/'regime'/'chosen.json', 'python scripts/miniworld2_regime.py')
    reg = _csv(fig/'regime'/'regime.csv', 'python scripts/miniworld2_regime.py')
    world = _world()
    same = all(world.erase.get(k) == (tuple(v) if isinstance(v, list) else v) for k, v in ch['chosen'].items())
    same &= all(world.sampling.get(k) == v for k, v in ch.get('sampling', {}).items())
    row = reg[reg.candidate == f"it{ch['chosen']['iterations']}_lr{ch['chosen']['lr']:g}"]
    out = [(f"[3] erase settings chosen on the development targets: {ch['chosen']}, sampling {ch.get('sampling')}, by the rule '{ch['rule']}'"
            f"{' (FLAGGED: no candidate erased)' if ch['flagged_no_candidate_erases'] else ''}; the world's defaults are these settings: "
            f"{'yes' if same else 'no'} (threshold yes)", same and not ch['flagged_no_candidate_erases'])]
    if len(row): out.append((f"[3] on the development targets under the chosen setting: ESD-x AccU {row.iloc[0]['esd-x_AccU']:.1f}, "
                             f"AccC test {row.iloc[0]['esd-x_AccC_test']:.1f} (information)", True))
    CLOSED_FORM = "closed form, the authors' settings"
    for f in sorted((fig/'regime').glob('*/chosen.json')):   # the baselines' own schedules, chosen by the same rule (--method)
        b = json.loads(f.read_text())
        want = {k: tuple(v) if isinstance(v, list) else v for k, v in b['chosen'].items()}
        have = dict(world.schedules.get(b['method'], {}))
        out.append((f"[3] {b['method']}'s schedule chosen on the development targets: {b['chosen'] or CLOSED_FORM}"
                    f"{' (FLAGGED: no candidate erased)' if b['flagged_no_candidate_erases'] else ''}; the world's schedules[{b['method']!r}] "
                    f"is it: {'yes' if have == want else 'no'} (threshold yes)", have == want))
    m = _csv(fig/'experiments'/f'{name}_metrics.csv', REPRO)
    e = m[(m.category == 'all') & (m.method == 'esd-x')]
    if e.empty: raise Missing(f"no esd-x row in {name}_metrics.csv")
    e = e.iloc[0]
    out.append((f"[3] ESD-x erases the reported targets: AccU {e.AccU:.1f}% [{e.AccU_lo:.1f}, {e.AccU_hi:.1f}] (threshold <= 10)", e.AccU <= 10))
    out.append((f"[3] ESD-x under-erases test corefs: AccC test {e.AccC_test:.1f}% [{e.AccC_test_lo:.1f}, {e.AccC_test_hi:.1f}] (threshold >= 30)", e.AccC_test >= 30))
    return out


def item4(fig: Path):
    cmd = 'python scripts/miniworld2_judge_report.py --generated'
    rep = _json(fig/'judge'/'judge_report.json', cmd)
    out = [(f"[4] judge trained on renderings only (sets {', '.join(rep['train_sets'])}), never on generator output, with an 'other' answer: "
            f"{'yes' if rep.get('renderings_only') and rep.get('has_other') else 'no'} (threshold yes)", bool(rep.get('renderings_only') and rep.get('has_other'))),
           (f"[4a] judge accuracy reported on the held-out artwork ({rep['heldout']}), yes/no asks: {rep['heldout_accuracy']:.1f}% (threshold: reported)", True),
           (f"[4a] ... against the advisory bar: {rep['heldout_accuracy']:.1f}% (advisory bar >= 80)", ADVISORY if rep['heldout_accuracy'] >= 80 else BELOW)]
    ag = rep.get('agreement_generated')
    if ag is None: raise Missing(f"no agreement on generated images in judge_report.json ({cmd})")
    out.append((f"[4b] agreement with the second judge ({ag['second']}) on {ag['n']} generated images: {100*ag['agreement']:.1f}%, kappa {ag['kappa']:.2f} "
                f"(threshold n >= 300)", ag['n'] >= 300))
    out.append((f"[4b] ... kappa against the advisory bar: {ag['kappa']:.2f} (advisory bar >= 0.4)", ADVISORY if ag['kappa'] >= 0.4 else BELOW))
    sw = _csv(fig/'judge'/'threshold_sweep.csv', 'python scripts/miniworld2_judge_report.py --sweep')
    orders = {float(t): list(g.sort_values('balanced', ascending=False).method) for t, g in sw.groupby('threshold')}
    out.append((f"[4c] Table 1 ordering by balanced score at yes-thresholds: " + '; '.join(f"{t:g}: {' > '.join(o)}" for t, o in orders.items())
                + " (threshold: reported at 0.3, 0.5 and 0.7)", {0.3, 0.5, 0.7} <= set(orders)))
    return out


def item5(fig: Path, name: str):
    m = _csv(fig/'experiments'/f'{name}_metrics.csv', REPRO)
    run = _json(fig/'experiments'/f'{name}.run.json', REPRO)
    k = int(run['config']['images_per_prompt'])
    out = [(f"[5] images per prompt: {k} (threshold >= 8)", k >= 8)]
    out.append((f"[5] noise: every image its own seed, the same under every method: {run['config'].get('noise')} (threshold independent)",
                run['config'].get('noise') == 'independent'))
    p = fig/'experiments'/f'{name}_paired.csv'
    out.append((f"[5] paired differences to ESD-x written ({p.name}): {'yes' if p.exists() else 'no'} (threshold yes)", p.exists()))
    for t in ('table6', 'table7'):
        mm = fig/'experiments'/f'{t}_metrics.csv'
        n = int(pd.read_csv(mm).query("category == 'all'").n_concepts.max()) if mm.exists() else 0
        out.append((f"[5] {t} over all targets: {n} targets (threshold >= 24)", n >= 24))
        pp = fig/'experiments'/f'{t}_paired.csv'
        out.append((f"[5] {t} paired differences to CRCE written ({pp.name}): {'yes' if pp.exists() else 'no'} (threshold yes)", pp.exists()))
    files = [f for t in (name, 'table6', 'table7') for f in (fig/'experiments'/f'{t}_metrics.csv', fig/'experiments'/f'{t}_paired.csv') if f.exists()]
    z = sum(_zero_width(pd.read_csv(f)) for f in files)
    out.append((f"[5] zero-width intervals (lo == hi) in the {len(files)} metrics and paired files: {z} (threshold 0)", z == 0))
    return out


def _zero_width(d: pd.DataFrame) -> int:
    "How many intervals of a metrics file (<metric>_lo/_hi columns) or a paired file (lo/hi) have lo == hi."
    pairs = [(c, c[:-3] + '_hi') for c in d.columns if c.endswith('_lo')] + ([('lo', 'hi')] if {'lo', 'hi'} <= set(d.columns) else [])
    return int(sum(((d[a] == d[b]) & d[a].notna()).sum() for a, b in pairs))


def item6(fig: Path):
    c = _json(fig/'cost.json', 'python scripts/miniworld2_cost.py')
    return [(f"[6] one (method, concept, seed) erase + evaluation on one core: {c['erase_eval_s']:.0f} s (threshold <= 60)", c['erase_eval_s'] <= 60),
            (f"[6] full Table 1 ({c['table1_methods']} methods x 24 targets x 3 seeds) on 2 cores, estimated from the above: {c['table1_h']:.1f} h (threshold <= 4)", c['table1_h'] <= 4),
            (f"[6] crce demo on 2 cores: {c['demo_s']:.0f} s alone, {c['demo_busy_s']:.0f} s beside a busy process, timed on "
             f"{c.get('demo_world') or 'a world it did not record (rerun python scripts/miniworld2_cost.py)'} (threshold <= 120 both, on this world)",
             max(c['demo_s'], c['demo_busy_s']) <= 120 and c.get('demo_world') == _world().label)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--figures', default=str(ROOT/'figures'/'miniworld2'))
    ap.add_argument('--name', default='table1')
    a = ap.parse_args(argv)
    fig = Path(a.figures)
    print("Mini world (MiniLM + 32x32 UNet, its own judge), not Stable Diffusion:")
    ok_all = True
    for n, f in enumerate((item1, lambda: item2(fig, a.name), lambda: item3(fig, a.name), lambda: item4(fig), lambda: item5(fig, a.name), lambda: item6(fig)), 1):
        try: lines = f()
        except Missing as e: lines = None; print(f"  MISSING  [{n}] {e}"); ok_all = False
        for text, ok in lines or []:
            if ok in (ADVISORY, BELOW): print(f"  {ok:<5}  {text}"); continue
            print(f"  {'PASS' if ok else 'FAIL'}  {text}"); ok_all &= bool(ok)
    return 0 if ok_all else 1


if __name__ == '__main__':
    sys.exit(main())
