#!/usr/bin/env python
"""Make every notebook open and run on Colab (idempotent; settings.ini's git_url and branch name the repository):

- an "Open in Colab" badge after the title cell;
- a first code cell that, on Colab only, clones the repository (the notebooks read and write files beside them, e.g.
  `../figures/`), installs crce with its `dev` extra (fastcore, nbdev and the rest the notebooks import) from the clone,
  and moves into its `nbs/` folder;
- markdown images under `../figures/` linked by absolute URL (raw.githubusercontent.com), which resolves on Colab,
  GitHub and the docs site alike (tools/check_site.py maps the URL back to the file);
- a last cell that runs `nbdev_export` only inside a checkout of the repository (settings.ini beside `nbs/`).

    python tools/colab_cells.py                 # every notebook in nbs/
    python tools/colab_cells.py nbs/01_data.ipynb
    python tools/colab_cells.py --check         # change nothing; exit 1 if a notebook is not up to date
"""
import argparse, hashlib, json, re, sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = '<!-- colab-badge -->'
INSTALL_MARK = '# crce: install on Colab'
FIG_RE = re.compile(r'(\]\(|<img[^>]+src=["\'])((?:\.\./)+figures/)')

def settings():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    d = cfg['DEFAULT']
    return d['git_url'].rstrip('/'), d.get('branch', 'main')

def repo_slug(git_url: str) -> str: return git_url.split('github.com/')[-1]

def raw_base() -> str:
    "Absolute URL of the repository's files on its branch, e.g. https://raw.githubusercontent.com/OWNER/REPO/main/"
    git_url, branch = settings()
    return f"https://raw.githubusercontent.com/{repo_slug(git_url)}/{branch}/"

def badge_src(nb_name: str) -> str:
    git_url, branch = settings()
    return (f"{MARK}\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{repo_slug(git_url)}/blob/{branch}/nbs/{nb_name})")

# system packages a notebook's cells need beyond pip's (Colab runs as root and has apt-get)
APT = {'25_miniworld2_judge.ipynb': ('fonts-noto-color-emoji',)}   # the judge's 'other' emoji are drawn in the Noto font

def install_src(nb_name: str = '') -> str:
    git_url, branch = settings()
    pk = ' '.join(APT.get(nb_name, ()))   # with a package-list update only where the install fails without one
    apt = (f"    get_ipython().system('(apt-get -qq install -y {pk} || (apt-get -qq update && apt-get -qq install -y {pk})) > /dev/null')\n"
           if pk else '')
    return (f"#| hide\n{INSTALL_MARK}: the repository and crce with the notebooks' extras (this cell does nothing elsewhere)\n"
            f"import os, sys\n"
            f"if 'google.colab' in sys.modules:\n"
            f"    if not os.path.exists('/content/crce'):\n"
            f"        get_ipython().system('git clone -q --depth 1 --branch {branch} {git_url}.git /content/crce')\n"
            f"    get_ipython().system('pip install -q \"/content/crce[dev]\"')\n"
            + apt +
            f"    os.chdir('/content/crce/nbs')")

EXPORT_SRC = ("#| hide\n"
              "from pathlib import Path\n"
              "if Path('../settings.ini').exists():   # only in a checkout of the repository\n"
              "    import nbdev; nbdev.nbdev_export()")

def _src(c): return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

def _cell(kind: str, src: str) -> dict:
    return {"cell_type": kind, "id": hashlib.sha1(src.encode()).hexdigest()[:8], "metadata": {}, "source": src.splitlines(True),
            **({"execution_count": None, "outputs": []} if kind == 'code' else {})}

def _set(c: dict, src: str) -> bool:
    if _src(c) == src: return False
    c['source'] = src.splitlines(True)
    if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    return True

def update(nb: dict, nb_name: str) -> bool:
    "Bring the Colab cells, figure links and export cell of notebook `nb` up to date in place; whether anything changed."
    cells, changed = nb['cells'], False
    srcs = [_src(c) for c in cells]
    b = next((k for k, s in enumerate(srcs) if MARK in s), None)
    if b is None:  # after the title cell (the first markdown cell)
        b = next((k for k, c in enumerate(cells) if c['cell_type'] == 'markdown'), -1) + 1
        cells.insert(b, _cell('markdown', badge_src(nb_name))); changed = True
    else: changed |= _set(cells[b], badge_src(nb_name))
    i = next((k for k, c in enumerate(cells) if c['cell_type'] == 'code' and INSTALL_MARK in _src(c)), None)
    if i is None: cells.insert(b + 1, _cell('code', install_src(nb_name))); changed = True
    else: changed |= _set(cells[i], install_src(nb_name))
    base = raw_base()
    for c in cells:
        if c['cell_type'] == 'markdown' and FIG_RE.search(_src(c)):
            changed |= _set(c, FIG_RE.sub(lambda m: m.group(1) + base + 'figures/', _src(c)))
    last = next((c for c in reversed(cells) if c['cell_type'] == 'code'), None)
    if last is not None and 'nbdev_export()' in _src(last): changed |= _set(last, EXPORT_SRC)
    return changed

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='default: every notebook in nbs/')
    ap.add_argument('--check', action='store_true', help='change nothing; exit 1 if a notebook would change')
    a = ap.parse_args()
    nbs = [Path(p) for p in a.notebooks] or sorted((ROOT / 'nbs').glob('[!_]*.ipynb'))
    stale = []
    for p in nbs:
        nb = json.loads(p.read_text())
        if not update(nb, p.name): continue
        stale.append(p.name)
        if not a.check: p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    if a.check:
        if stale: sys.exit(f"Colab cells out of date in {len(stale)} notebook(s): {', '.join(stale)} (run python tools/colab_cells.py, then nbdev_clean)")
        print(f"Colab cells up to date in {len(nbs)} notebook(s)")
    else: print(f"updated {len(stale)} notebook(s){': ' + ', '.join(stale) if stale else ''}; run nbdev_clean")

if __name__ == '__main__': main()
