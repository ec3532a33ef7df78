"""Write the first mini world's reports (figures/miniworld/experiments) again, in the current table layout, from the runs
they were collected from, and check that every number comes out identical to the committed tables.

    python scripts/miniworld1_reports.py RUNS_DIR [--write]     # RUNS_DIR: the folder of `bash scripts/miniworld_experiments.sh`

Without --write the new reports go to a scratch folder and only the comparison is printed. Mini-world numbers, not
Stable Diffusion ones."""
import argparse, json, shutil, sys, tempfile
from pathlib import Path
import pandas as pd
from crce.reproduce import table_runs, plan_runs, collect, report
from crce.worlds import resolve_world, MINI1_LABEL
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('runs_dir'); ap.add_argument('--write', action='store_true')
a = ap.parse_args()
R = Path(__file__).resolve().parents[1]/'figures'/'miniworld'/'experiments'; runs_dir = Path(a.runs_dir)
if not (runs_dir/'runs').is_dir(): sys.exit(f"error: {runs_dir} holds no runs folder")
out = Path(tempfile.mkdtemp())
w = resolve_world('mini1'); ds = w.load_dataset()
ok = True
KEYS = {'table7': ['metric', 'M', 'N']}
for t in ('table1', 'table6', 'table7'):
    rec = json.loads((R/f'{t}.run.json').read_text())
    runs = table_runs(t, None if t == 'table7' else [r for r in rec['config']['runs']], (1, 3, 5) if t == 'table7' else None)
    runs = [r for r in runs if r.label in rec['config']['runs']]
    cs = [ds[k] for k in rec['config']['concepts']]
    plan = plan_runs(runs, cs, rec['seed'], runs_dir, rec['config']['images_per_prompt'])
    res = collect(plan, runs)
    rep = report(res, t, runs, out, MINI1_LABEL, name=t, images_root=runs_dir, grid_concept='dog')
    old = pd.read_csv(R/f'{t}.csv'); new = pd.read_csv(out/f'{t}.csv')
    m = old.merge(new, on=KEYS.get(t, ['row', 'category', 'metric']), suffixes=('_old', '_new'))
    same = len(m) == len(old) == len(new) and all(((m[f'{c}_old'] - m[f'{c}_new']).abs().fillna(0) == 0).all() for c in ('value', 'lo', 'hi'))
    print(f"{t}: {len(new)} cells, identical to the committed table: {'yes' if same else 'NO'}")
    ok &= same
if a.write and ok:
    for f in out.iterdir():
        if f.suffix in ('.md', '.csv', '.png', '.svg'): shutil.copyfile(f, R/f.name)
    print(f"wrote {R}")
sys.exit(0 if ok else 1)
