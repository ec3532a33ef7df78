#!/usr/bin/env python
"""Execute notebooks in place and save their outputs, so the docs site (rendered without execution) shows them.

Cells carrying a test flag from settings.ini (gpu, weights, apikey, slow, server) are skipped unless named with
--flags, exactly as nbdev_test skips them; their previous outputs (e.g. from a GPU run) are kept. `#| eval: false`
cells and the final `nbdev_export()` cell are skipped too. Each notebook runs with its own folder as the working
directory, then is cleaned with nbdev_clean.

    python tools/run_notebooks.py                      # every notebook in nbs/
    python tools/run_notebooks.py nbs/01_data.ipynb    # some
    python tools/run_notebooks.py --flags weights gpu nbs/03_geometry.ipynb
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

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*')
    ap.add_argument('--flags', nargs='*', default=[], help='test flags whose cells should run too')
    a = ap.parse_args()
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    flags = set(cfg['DEFAULT']['tst_flags'].split()) - set(a.flags)
    nbs = [Path(p) for p in a.notebooks] or sorted((ROOT / 'nbs').glob('[!_]*.ipynb'))
    os.environ.setdefault('PYTHONHASHSEED', '0')
    # one torch thread, as tests/run_suite.sh uses: the same floating-point path, so saved figures match the test run's
    for v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ.setdefault(v, '1')
    from execnb.shell import CaptureShell
    from execnb.nbio import read_nb, write_nb
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
        clean_nb(nb)
        write_nb(nb, nb_path)
        print(f"ran {nb_path.relative_to(ROOT)} in {time.time() - t:.0f} s")
    if failed: sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")

if __name__ == '__main__': main()
