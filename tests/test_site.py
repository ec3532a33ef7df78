"""The docs site, checked where Quarto is not available (tools/check_site.py): pages and their referenced figures exist;
with Chromium installed, every page converted to HTML opens with all its images loaded (screenshots in _site_check/)."""
import shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def run(*args):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'check_site.py'), *args], capture_output=True, text=True, timeout=1800)

def test_site_references_exist():
    r = run('--no-browser')
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'local reference(s) checked' in r.stdout

@pytest.mark.skipif(not (shutil.which('chromium') or shutil.which('chromium-browser')),
                    reason='Chromium not installed: apt-get install chromium, then python tools/check_site.py')
def test_site_pages_open_in_chromium_with_images(tmp_path):
    r = run('--out', str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    shots = list((tmp_path / 'shots').glob('*.png'))
    assert len(shots) >= 2 and all(s.stat().st_size > 1000 for s in shots)

# The docs workflow's nbdev processing (.github/workflows/docs.yml: `python tools/proc_docs.py`, then `quarto render`),
# run here on every notebook into a scratch folder, so a notebook that would break the site fails this suite.
import json, os, re

NBS = sorted(p for p in (ROOT / 'nbs').glob('[!_]*.ipynb'))

def proc_docs(*args, cwd=ROOT):
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'OMP_NUM_THREADS': '1', 'CI': ''}
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'proc_docs.py'), *args], capture_output=True, text=True,
                          timeout=1200, cwd=cwd, env=env)

def test_docs_processing_of_every_notebook(tmp_path):
    r = proc_docs('--out', str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    done = sorted(p.name for p in tmp_path.glob('*.ipynb'))
    assert done == [p.name for p in NBS]
    for p in tmp_path.glob('*.ipynb'):
        nb = json.loads(p.read_text())
        front = ''.join(nb['cells'][0]['source'])
        assert nb['cells'][0]['cell_type'] == 'raw' and re.search(r'^title: \S', front, re.M), f"{p.name}: no Quarto front matter"
        for c in nb['cells']:
            s = ''.join(c['source'])
            if c['cell_type'] == 'code' and re.search(r'^show_doc\(', s, re.M):
                assert c.get('outputs'), f"{p.name}: API docs missing for {s.splitlines()[-1]}"
            assert not re.match(r'#\|\s*(export|exporti|hide)\b', s), f"{p.name}: a hidden or exported cell survived processing"
    # the notebooks themselves are untouched (--out)
    assert all(json.loads(p.read_text())['cells'][0]['cell_type'] != 'raw' for p in NBS)

def test_docs_processing_never_runs_flagged_cells(tmp_path):
    "Only what show_doc needs runs: exported cells, import-only cells, show_doc; never a flagged or `eval: false` cell."
    import nbformat as nbf
    nb = nbf.v4.new_notebook(cells=[
        nbf.v4.new_markdown_cell("# Probe\n\n> docs processing"),
        nbf.v4.new_code_cell("#| export\ndef double(x):\n    'Twice `x`'\n    return 2*x"),
        *[nbf.v4.new_code_cell(f"#| {flag}\nimport crce_no_such_module") for flag in ('gpu', 'weights', 'apikey', 'slow', 'server')],
        nbf.v4.new_code_cell("#| eval: false\nimport crce_no_such_module"),
        nbf.v4.new_code_cell("import json\nopen('ran.txt', 'w').write('a test cell ran')"),
        nbf.v4.new_code_cell("double(2)")])
    (tmp_path / 'nbs').mkdir(); src = tmp_path / 'nbs' / 'probe.ipynb'; nbf.write(nb, src)
    r = proc_docs(str(src), '--out', str(tmp_path / 'out'))
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (tmp_path / 'nbs' / 'ran.txt').exists() and not (ROOT / 'nbs' / 'ran.txt').exists()
    out = json.loads((tmp_path / 'out' / 'probe.ipynb').read_text())
    docs = [c for c in out['cells'] if c['cell_type'] == 'code' and 'show_doc(double)' in ''.join(c['source'])]
    assert docs and docs[0]['outputs'], 'show_doc was not built'

def test_docs_processing_refuses_to_rewrite_a_working_tree():
    r = proc_docs()
    assert r.returncode != 0 and 'refusing' in r.stderr

def test_sidebar_lists_every_page_once():
    import yaml
    cfg = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    def items(xs):
        for x in xs:
            if isinstance(x, dict) and 'contents' in x: yield from items(x['contents'])
            elif isinstance(x, dict): yield x.get('href') or x.get('auto')
            else: yield x
    listed = list(items(cfg['website']['sidebar']['contents']))
    rendered = sorted(str(p.relative_to(ROOT)) for pat in cfg['project']['render'] for p in ROOT.glob(pat))
    assert sorted(listed) == rendered, set(listed) ^ set(rendered)
    assert listed.index('results.qmd') < listed.index('nbs/90_cli.ipynb')          # results before the CLI reference
    assert listed.index('nbs/03_geometry.ipynb') < listed.index('nbs/12_train.ipynb')  # the motivation first

def test_colab_cells_up_to_date():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'colab_cells.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_included_files_have_no_headings():
    "A figure or table a page includes ({{< include figures/... >}}) carries no Markdown heading: it would break the page's outline (an H1 inside a results table). Whole documents (index.qmd includes README.md) are not figures."
    bad = []
    for page in ROOT.glob('*.qmd'):
        for inc in re.findall(r'\{\{<\s*include\s+(\S+)\s*>\}\}', page.read_text(encoding='utf-8')):
            f = ROOT / inc
            assert f.exists(), f"{page.name} includes {inc}, which does not exist"
            if not inc.startswith('figures/'): continue
            bad += [f"{inc}: {l}" for l in f.read_text(encoding='utf-8').splitlines() if re.match(r'#{1,6} ', l)]
    assert not bad, bad
