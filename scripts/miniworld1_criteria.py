"""Print the first mini world's acceptance figures (`--model mini1`) from the files under figures/miniworld/.

    python scripts/miniworld1_criteria.py [--figures figures/miniworld] [--name table1]

Reads what the repository's own code wrote:
- original_accuracy.csv and judge_accuracy.csv (nbs/21_miniworld_model.ipynb, nbs/22_miniworld_judge.ipynb);
- experiments/<name>_concepts.csv and experiments/<name>_metrics.csv (`crce reproduce table1 --model mini1 ... --report`).
Each line gives the figure, the threshold and PASS or FAIL. The exit status is 0 when every file was found (whatever
the verdicts), 1 when a file is missing. All numbers are mini-world numbers, not Stable Diffusion ones.
"""
import argparse, sys
from pathlib import Path
import pandas as pd


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        sys.exit(f"error: {path} not found (run the command that writes it; see figures/miniworld/experiments/README.md)")
    return pd.read_csv(path)


def criteria(fig: Path, name: str = 'table1') -> list[tuple[str, bool]]:
    "The acceptance lines: (text, passed)."
    out = []
    orig = _read(fig / 'original_accuracy.csv')
    t = float(orig.loc[orig.concept != 'average', 'target'].mean())
    out.append((f"original model shows its own target: {t:.1f}% of target prompts averaged over "
                f"{int((orig.concept != 'average').sum())} targets (needs >= 80)", t >= 80))
    judge = _read(fig / 'judge_accuracy.csv')
    h = judge[judge.heldout.astype(str) == 'True']
    acc = float(h.acc.mean())
    out.append((f"judge accuracy on the held-out style ({', '.join(h['style'])}): {acc:.1f}% (needs >= 90)", acc >= 90))
    con = _read(fig / 'experiments' / f'{name}_concepts.csv')
    dog = con[con.concept == 'dog'].set_index('method')
    if {'crce', 'original'} <= set(dog.index):
        c, o = dog.loc['crce'], dog.loc['original']
        n = int(c.n_images)
        ok = c.AccU <= 10 and c.AccC_test <= 25 and c.AccR_test >= 0.9 * o.AccR_test
        out.append((f"CRCE on 'dog' ({n} images over all seeds): AccU {c.AccU:.1f} (<= 10), AccC test {c.AccC_test:.1f} (<= 25), "
                    f"AccR test {c.AccR_test:.1f} vs original {o.AccR_test:.1f} ({100 * c.AccR_test / o.AccR_test:.0f}%, >= 90%)", bool(ok)))
    else: out.append(("CRCE on 'dog': no crce/original rows for dog in " + f'{name}_concepts.csv', False))
    m = _read(fig / 'experiments' / f'{name}_metrics.csv')
    m = m[m.category == 'all'].set_index('method')
    if {'crce', 'esd-x'} <= set(m.index):
        c, e = m.loc['crce'], m.loc['esd-x']
        out.append((f"Table 1 average over {int(c.n_concepts)} targets, balanced score: CRCE {c.balanced:.1f} "
                    f"[{c.balanced_lo:.1f}, {c.balanced_hi:.1f}] vs ESD-x {e.balanced:.1f} [{e.balanced_lo:.1f}, {e.balanced_hi:.1f}] "
                    f"(needs CRCE >= ESD-x; intervals {'overlap' if c.balanced_lo <= e.balanced_hi and e.balanced_lo <= c.balanced_hi else 'are disjoint'})",
                    bool(c.balanced >= e.balanced)))
    else: out.append((f"Table 1 average: no crce/esd-x rows in {name}_metrics.csv", False))
    return out


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--figures', default=str(Path(__file__).resolve().parents[1] / 'figures' / 'miniworld'))
    ap.add_argument('--name', default='table1', help="the report name given to `crce reproduce --name` (default table1)")
    a = ap.parse_args()
    print("Mini world (MiniLM + 16x16 UNet, mini-world judge), not Stable Diffusion:")
    for text, ok in criteria(Path(a.figures), a.name):
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
