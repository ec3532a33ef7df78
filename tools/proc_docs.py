#!/usr/bin/env python
"""Apply nbdev's documentation processors to the notebooks, as .github/workflows/docs.yml does before `quarto render`:
nbdev directives (#| export, #| hide, flags) become what Quarto understands, hidden cells are dropped and API docs
(show_doc) are added.

    python tools/proc_docs.py --out DIR          # processed copies under DIR (what tests/test_site.py runs)
    python tools/proc_docs.py nbs/01_data.ipynb --out DIR
    python tools/proc_docs.py                    # IN PLACE: only in CI's throwaway checkout (or with --force)

To build the API docs, nbdev executes code in each notebook. Here that is only what `show_doc` needs: exported cells,
cells made of import statements alone, `#| exec_doc` cells and `show_doc(...)` cells, each notebook in its own folder.
Cells carrying a test flag from settings.ini (gpu, weights, apikey, slow, server) and `#| eval: false` cells never run,
so processing needs no GPU, weights, keys or network, and no test code runs. (nbdev's default also runs every cell that
contains an import, i.e. most test cells.)
"""
import argparse, ast, os, sys, time
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_flags() -> set:
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    return set(cfg['DEFAULT']['tst_flags'].split())

def runs_for_docs(cell, flags: set) -> bool:
    "Whether docs processing executes `cell` (its directives already parsed into `cell.directives_` by nbdev)."
    if cell.cell_type != 'code' or not cell.source.strip(): return False
    d = cell.directives_ or {}
    if flags & set(d): return False
    if d.get('eval:', [''])[0].lower() == 'false': return False
    if 'nbdev_export' + '(' in cell.source: return False
    if set(d) & {'export', 'exports', 'exporti', 'exec_doc'}: return True
    try: body = ast.parse(cell.source).body
    except SyntaxError: return False   # IPython magics and shell escapes: never needed for show_doc
    if body and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body): return True
    return any(isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and getattr(n.value.func, 'id', None) == 'show_doc'
               for n in body)

def doc_filter():
    "nbdev's FilterDefaults with its `exec_show_docs` step limited to `runs_for_docs` cells."
    from nbdev.processors import FilterDefaults, exec_show_docs
    flags = test_flags()
    class exec_doc_cells(exec_show_docs):
        "Execute the cells `show_doc` needs (never a flagged cell)"
        def __call__(self, cell):
            if not self.nb.has_docs_ or not hasattr(self, 'k'): return
            if not runs_for_docs(cell, flags): return
            self.k.cell(cell)
            if self.k.exc:
                title = getattr(self.nb, 'frontmatter_', {}).get('title', '')
                raise Exception(f"Error in notebook {title!r}, cell {cell.idx_}:\n{cell.source}") from self.k.exc
    class DocFilter(FilterDefaults):
        def base_procs(self): return [exec_doc_cells if p is exec_show_docs else p for p in super().base_procs()]
    return DocFilter()

def process(src: Path, dest: Path):
    "Process notebook `src` (run in its own folder, as nbdev_test runs it) and write the result to `dest`."
    from execnb.nbio import read_nb, write_nb
    src = src.resolve(); dest = Path(dest).resolve()
    nb = read_nb(src)
    cwd = os.getcwd(); os.chdir(src.parent)
    try: doc_filter()(nb)
    finally: os.chdir(cwd)
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dest)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='default: every notebook in nbs/ (not those starting with _)')
    ap.add_argument('--out', help='write processed copies under this folder instead of rewriting the notebooks')
    ap.add_argument('--force', action='store_true', help='rewrite in place outside CI (a scratch checkout only)')
    a = ap.parse_args()
    if not a.out and os.environ.get('CI') != 'true' and not a.force:
        raise SystemExit("refusing to rewrite notebooks outside CI; pass --out DIR, or --force in a scratch checkout")
    os.environ['IN_TEST'] = '1'
    for v in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE'): os.environ.setdefault(v, '1')   # nothing here needs a download
    nbs = [Path(p).resolve() for p in a.notebooks] or sorted((ROOT / 'nbs').glob('[!_]*.ipynb'))
    failed = []
    for p in nbs:
        t = time.time()
        dest = Path(a.out) / p.name if a.out else p
        try: process(p, dest)
        except Exception as e:
            cause = f" ({type(e.__cause__).__name__}: {e.__cause__})" if e.__cause__ else ''
            print(f"FAILED {p.name}: {e}{cause}", file=sys.stderr); failed.append(p.name); continue
        print(f"processed {p.name} ({time.time() - t:.1f} s)")
    if failed: sys.exit(f"{len(failed)} notebook(s) failed docs processing: {', '.join(failed)}")

if __name__ == '__main__': main()
