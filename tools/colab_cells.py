#!/usr/bin/env python
"""Give every notebook an "Open in Colab" badge and a first code cell that installs crce on Colab only (idempotent).

    python tools/colab_cells.py            # all notebooks in nbs/
"""
import hashlib, json, sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = '<!-- colab-badge -->'
INSTALL_MARK = '# crce: install on Colab'

def cells_for(nb_name: str, git_url: str):
    repo = git_url.rstrip('/').split('github.com/')[-1]
    badge = (f"{MARK}\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{repo}/blob/main/nbs/{nb_name})")
    install = (f"#| hide\n{INSTALL_MARK} (this cell does nothing outside Colab)\nimport sys\n"
               f"if 'google.colab' in sys.modules:\n    get_ipython().system('pip install -q git+{git_url}.git')")
    mk = lambda kind, src: {"cell_type": kind, "id": hashlib.sha1(src.encode()).hexdigest()[:8], "metadata": {}, "source": src.splitlines(True),
                            **({"execution_count": None, "outputs": []} if kind == 'code' else {})}
    return mk('markdown', badge), mk('code', install)

def main():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    git_url = cfg['DEFAULT']['git_url']
    changed = 0
    for p in sorted((ROOT / 'nbs').glob('[!_]*.ipynb')):
        nb = json.loads(p.read_text())
        srcs = [''.join(c['source']) for c in nb['cells']]
        if any(MARK in s for s in srcs): continue
        badge, install = cells_for(p.name, git_url)
        # after the title cell (the first markdown cell) and the default_exp cell if it directly follows
        i = next((k for k, c in enumerate(nb['cells']) if c['cell_type'] == 'markdown'), -1) + 1
        nb['cells'][i:i] = [badge, install]
        p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
        changed += 1
    print(f"added Colab cells to {changed} notebook(s)")

if __name__ == '__main__': main()
