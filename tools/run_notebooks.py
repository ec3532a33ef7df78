#!/usr/bin/env python
"""Execute notebooks in place and save their outputs, so the docs site (rendered without execution) shows them.

Cells carrying a test flag from settings.ini (gpu, weights, apikey, slow, server) are skipped unless named with
--flags, exactly as nbdev_test skips them; their previous outputs (e.g. from a GPU run) are kept. `#| eval: false`
cells and the final `nbdev_export()` cell are skipped too. Each notebook runs with its own folder as the working
directory, then is cleaned with nbdev_clean. Progress bars are switched off (TQDM_DISABLE=1) and any that still reach
stderr are removed from the saved outputs, so the docs show results, not bars.

    python tools/run_notebooks.py                      # every notebook in nbs/
    python tools/run_notebooks.py nbs/01_data.ipynb    # some
    python tools/run_notebooks.py --flags weights gpu nbs/03_geometry.ipynb
    python tools/run_notebooks.py --strip-progress nbs/12_train.ipynb   # only remove progress bars from saved outputs
"""
import argparse, os, re, sys, time
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def directives(src: str) -> dict:
    out = {}
    for line in src.splitlines():
        if not line.strip(): continue
        m = re.match(r'^\s*#\s*\|\s*(.*)$', line)
        if not m: break
        parts = m.group(1).strip().split()
        if parts: out[parts[0].rstrip(':')] = parts[1:]
    return out

# a tqdm line as it reaches a stream ends in its timing: "desc:  40%|####  | 2/5 [00:01<00:02, 1.5it/s, loss=...]",
# "desc: 0it [00:00, ?it/s]"; nested bars add ANSI cursor moves
PROGRESS = re.compile(r'\[[\d:]+(<[\d:?]+)?, [^\]]*(it/s|s/it|B/s)[^\]]*\]\s*$')
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
WIDGET = 'application/vnd.jupyter.widget-view+json'

def is_progress(line: str) -> bool: return bool(PROGRESS.search(ANSI.sub('', line)))

def strip_progress(nb) -> int:
    "Remove progress bars (tqdm lines on stderr, tqdm widgets) from the outputs of `nb` in place; the number of outputs changed."
    n = 0
    for cell in nb['cells']:
        outs = []
        for o in cell.get('outputs', []):
            if o.get('output_type') == 'stream' and o.get('name') == 'stderr':
                text = o['text'] if isinstance(o['text'], str) else ''.join(o['text'])
                parts = re.split(r'[\r\n]', text)
                if any(is_progress(l) for l in parts):
                    n += 1
                    lines = [l for l in parts if l.strip() and not is_progress(l)]
                    if not lines: continue
                    o['text'] = '\n'.join(lines) + '\n'
            elif o.get('output_type') == 'display_data' and WIDGET in o.get('data', {}):
                n += 1; continue
            outs.append(o)
        if 'outputs' in cell: cell['outputs'] = outs
    return n

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*')
    ap.add_argument('--flags', nargs='*', default=[], help='test flags whose cells should run too')
    ap.add_argument('--strip-progress', action='store_true', help='run nothing: remove progress bars from the saved outputs')
    a = ap.parse_args()
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    flags = set(cfg['DEFAULT']['tst_flags'].split()) - set(a.flags)
    nbs = [Path(p) for p in a.notebooks] or sorted((ROOT / 'nbs').glob('[!_]*.ipynb'))
    from execnb.nbio import read_nb, write_nb
    if a.strip_progress:
        for nb_path in nbs:
            nb = read_nb(nb_path); n = strip_progress(nb); write_nb(nb, nb_path)
            print(f"{nb_path.name}: removed progress bars from {n} output(s)")
        return
    os.environ.setdefault('PYTHONHASHSEED', '0')
    os.environ['TQDM_DISABLE'] = '1'   # tqdm >= 4.66 reads TQDM_* defaults from the environment
    # one torch thread, as tests/run_suite.sh uses: the same floating-point path, so saved figures match the test run's
    for v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ.setdefault(v, '1')
    from execnb.shell import CaptureShell
    from nbdev.clean import clean_nb
    def skip(cell):
        if cell.cell_type != 'code': return True
        if 'nbdev_export' + '(' in cell.source: return True
        d = directives(cell.source)
        if d.get('eval', [''])[0].lower() == 'false': return True
        return bool(flags & set(d))
    failed = []
    for nb_path in nbs:
        nb_path = nb_path.resolve()
        t = time.time()
        nb = read_nb(nb_path)
        sh = CaptureShell(nb_path)
        cwd = os.getcwd(); os.chdir(nb_path.parent)
        try:
            sh.run_all(nb, exc_stop=True, preproc=skip)
        except Exception as e:
            print(f"FAILED {nb_path.name}: {type(e).__name__}: {e}", file=sys.stderr); failed.append(nb_path.name); continue
        finally: os.chdir(cwd)
        strip_progress(nb)
        clean_nb(nb)
        write_nb(nb, nb_path)
        print(f"ran {nb_path.relative_to(ROOT)} in {time.time() - t:.0f} s")
    if failed: sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")

if __name__ == '__main__': main()
