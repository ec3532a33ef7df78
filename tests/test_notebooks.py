"""What a reader of the notebooks sees, in Jupyter, Colab, on GitHub and on the docs site (rendered from saved outputs):
headings that nest under the title, no Quarto-only shortcodes, an output for every cell that displays something,
and no progress bars in those outputs."""
import ast, json, re, sys
from configparser import ConfigParser
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from run_notebooks import directives, is_progress

NBS = sorted((ROOT / 'nbs').glob('[!_]*.ipynb'))
cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
FLAGS = set(cfg['DEFAULT']['tst_flags'].split())

def cells(p): return [dict(c, source=''.join(c['source'])) for c in json.loads(p.read_text())['cells']]

def prose_lines(md: str):
    "Lines of markdown outside fenced code blocks."
    fence = False
    for line in md.splitlines():
        if line.lstrip().startswith(('```', '~~~')): fence = not fence; continue
        if not fence: yield line

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_headings_nest_under_the_title(nb):
    "One H1, the title, in the first cell; every later heading is ## or deeper (a stray `# ` line renders as a giant heading)."
    cs = cells(nb)
    assert cs[0]['cell_type'] == 'markdown' and cs[0]['source'].startswith('# '), 'the first cell is the title'
    bad = [(i, l[:80]) for i, c in enumerate(cs) if c['cell_type'] == 'markdown'
           for k, l in enumerate(prose_lines(c['source'])) if re.match(r'^#\s', l) and (i, k) != (0, 0)]
    assert not bad, f"H1 headings after the title (cell, line): {bad}"

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_no_quarto_shortcodes_in_notebooks(nb):
    "Jupyter, Colab and GitHub show `{{< include >}}` as raw text; the .qmd pages may use it, notebooks display files instead."
    bad = [i for i, c in enumerate(cells(nb)) if c['cell_type'] == 'markdown' and '{{<' in c['source']]
    assert not bad, f"shortcodes in markdown cells {bad}"

SILENT_CALL = re.compile(r'^(test\w*|assert\w*|print_\w+_never|\w+\.(set_\w+|seed|manual_seed|mkdir|unlink|touch|write_text|write_bytes|'
                         r'savefig|to_csv|close|update|append|extend|add_argument|set_defaults)|save_figure|plt\.close|'
                         r'torch\.(set_num_threads|manual_seed)|warnings\.\w+|os\.\w+|shutil\.\w+|random\.seed|np\.random\.seed)$')

def _name(f):
    if isinstance(f, ast.Name): return f.id
    if isinstance(f, ast.Attribute): return f"{_name(f.value) or '?'}.{f.attr}"
    return None

def displays(src: str) -> bool:
    "Whether a code cell shows something when run: a top-level print/display/plot call, or a last line that is a value."
    try: body = ast.parse(src).body
    except SyntaxError: return False   # shell escapes, magics
    def walk(nodes):
        for n in nodes:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)): continue
            yield n; yield from walk(ast.iter_child_nodes(n))
    if any(isinstance(n, ast.Call) and _name(n.func) in ('print', 'display', 'plt.show', 'show_doc') for n in walk(body)): return True
    if not body or not isinstance(body[-1], ast.Expr): return False
    v = body[-1].value
    if isinstance(v, ast.Constant) and (v.value is None or isinstance(v.value, str)): return False   # docstring-like, None
    if isinstance(v, ast.Call) and SILENT_CALL.match(_name(v.func) or ''): return False
    if isinstance(v, ast.Await): return True
    return True

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_cells_that_display_have_outputs(nb):
    "The site is rendered from saved outputs: an unflagged, shown cell that displays something was run and its output saved."
    missing = []
    for i, c in enumerate(cells(nb)):
        if c['cell_type'] != 'code': continue
        d = directives(c['source'])
        if FLAGS & set(d) or d.get('eval', [''])[0].lower() == 'false' or 'nbdev_export(' in c['source']: continue
        if {'export', 'exporti', 'hide'} & set(d): continue   # not shown on the site
        if displays(c['source']) and not c.get('outputs'): missing.append((i, c['source'].strip().splitlines()[-1][:70]))
    assert not missing, f"cells without saved outputs (run python tools/run_notebooks.py {nb.relative_to(ROOT)}): {missing}"

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.name)
def test_no_progress_bars_in_outputs(nb):
    bad = []
    for i, c in enumerate(cells(nb)):
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) if o.get('output_type') == 'stream' else ''
            if any(is_progress(l) for l in re.split(r'[\r\n]', text)) or 'application/vnd.jupyter.widget-view+json' in o.get('data', {}):
                bad.append(i)
    assert not bad, f"progress bars in the outputs of cells {sorted(set(bad))} (python tools/run_notebooks.py --strip-progress {nb.relative_to(ROOT)})"

def test_displays():
    assert displays("x = 1\nx") and displays("print(1)") and displays("for i in range(2): print(i)") and displays("df.head()")
    assert not displays("x = 1") and not displays("test_eq(1, 1)") and not displays("def f():\n    print(1)")
    assert not displays("torch.set_num_threads(1)") and not displays("!pip install x")
