#!/usr/bin/env python
"""Apply nbdev's documentation processors to the notebooks IN PLACE, for a throwaway docs-build checkout only
(.github/workflows/docs.yml runs it before `quarto render`): nbdev directives (#| export, #| hide, flags) become what
Quarto understands, hidden cells are dropped and API docs (show_doc) are added. Never run it in a working tree.
"""
import os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def main():
    if os.environ.get('CI') != 'true' and '--force' not in sys.argv:
        raise SystemExit("refusing to rewrite notebooks outside CI; pass --force in a scratch checkout")
    from execnb.nbio import read_nb, write_nb
    from nbdev.serve import FilterDefaults
    os.environ['IN_TEST'] = '1'
    for p in sorted((ROOT / 'nbs').glob('[!_]*.ipynb')):
        nb = read_nb(p); FilterDefaults()(nb); write_nb(nb, p)
        print('processed', p.relative_to(ROOT))

if __name__ == '__main__': main()
