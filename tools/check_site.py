#!/usr/bin/env python
"""Check the docs site where Quarto is not available: every page that _quarto.yml renders exists, every local figure or
table a page references exists, and each page converted to HTML (nbconvert) opens in headless Chromium with all of its
images loaded. Writes one screenshot per page under OUT/shots/ (the test artefacts).

    python tools/check_site.py                    # full check, artefacts in _site_check/
    python tools/check_site.py --no-browser       # references only (what CI without Chromium can do)
Chromium: Debian's package `chromium` (apt-get install chromium).
"""
import argparse, base64, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG_RE = [re.compile(r'!\[[^\]]*\]\(([^)\s]+)'), re.compile(r'<img[^>]+src=["\']([^"\']+)'),
          re.compile(r'\{\{<\s*include\s+([^\s>]+)\s*>\}\}'), re.compile(r'\]\(((?:\.\./)*figures/[^)\s]+)\)')]
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--hide-scrollbars',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--allow-file-access-from-files', '--virtual-time-budget=5000', '--run-all-compositor-stages-before-draw']
PROBE = """<script>window.addEventListener('load', () => { const imgs = [...document.images];
const local = imgs.filter(i => /^(file|data):/.test(i.src));  // remote badges cannot load offline
const bad = local.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 120));
document.body.setAttribute('data-images', JSON.stringify({total: local.length, broken: bad})); });</script>"""

def pages():
    import yaml
    cfg = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    out = []
    for pat in cfg['project']['render']:
        found = sorted(ROOT.glob(pat))
        if not found: raise SystemExit(f"_quarto.yml renders {pat!r}, which matches no file")
        out += found
    return out

def page_text(p: Path) -> str:
    if p.suffix == '.ipynb':
        nb = json.loads(p.read_text())
        return '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    return p.read_text()

def raw_base() -> str:
    "The repository's files by absolute URL (notebooks link figures so, for Colab): tools/colab_cells.py's raw_base."
    sys.path.insert(0, str(ROOT / 'tools'))
    from colab_cells import raw_base
    return raw_base()

def references(p: Path):
    "Local files a page references (images, includes, figure links), resolved against the page's folder; links to the repository's own files by absolute URL count as the files they name."
    refs, base = set(), raw_base()
    for rx in IMG_RE:
        for m in rx.findall(page_text(p)):
            if m.startswith(base): m = os.path.relpath(ROOT / m[len(base):], p.parent)
            if re.match(r'^(https?:|data:|#|mailto:)', m): continue
            refs.add(m.split('#')[0])
    return sorted(refs)

def to_html(p: Path, out: Path) -> Path:
    "Convert a page to HTML under `out`, mirroring its path; markdown pages go through a one-cell notebook."
    import nbformat
    from nbconvert import HTMLExporter
    rel = p.relative_to(ROOT)
    if p.suffix == '.ipynb': nb = nbformat.read(p, as_version=4)
    else:
        text = re.sub(r'^---\n.*?\n---\n', '', p.read_text(), flags=re.S)
        text = re.sub(r'\{\{<\s*include\s+([^\s>]+)\s*>\}\}', lambda m: (p.parent / m.group(1)).read_text(), text)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    html, _ = HTMLExporter(template_name='lab').from_notebook_node(nb)
    dest = out / rel.with_suffix('.html')
    html = html.replace(raw_base(), os.path.relpath(out, dest.parent) + '/')   # the repository's files, copied under `out`
    html = html.replace('</body>', PROBE + '</body>')
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(html, encoding='utf-8')
    return dest

def chromium():
    for c in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(c): return shutil.which(c)
    return None

def browse(exe, html: Path, shot: Path):
    "Open `html` in headless Chromium: (total images, broken images) and a screenshot at `shot`."
    with tempfile.TemporaryDirectory() as prof:
        flags = CHROME_FLAGS + [f'--user-data-dir={prof}']
        dom = subprocess.run([exe, *flags, '--dump-dom', html.as_uri()], capture_output=True, text=True, timeout=120).stdout
        shot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([exe, *flags, f'--screenshot={shot}', '--window-size=1280,1600', html.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'data-images="([^"]*)"', dom)
    if not m: return None, ['page did not finish loading (no image probe result)']
    info = json.loads(m.group(1).replace('&quot;', '"'))
    return info['total'], info['broken']

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT / '_site_check'))
    ap.add_argument('--no-browser', action='store_true')
    a = ap.parse_args()
    out = Path(a.out); problems = []
    ps = pages()
    for p in ps:
        for r in references(p):
            if not (p.parent / r).exists(): problems.append(f"{p.relative_to(ROOT)}: references missing file {r}")
    print(f"{len(ps)} page(s), {sum(len(references(p)) for p in ps)} local reference(s) checked")
    if not a.no_browser:
        exe = chromium()
        if not exe: raise SystemExit("Chromium not found: apt-get install chromium (or run with --no-browser)")
        if out.exists(): shutil.rmtree(out)
        if (ROOT / 'figures').exists(): shutil.copytree(ROOT / 'figures', out / 'figures')
        for p in ps:
            html = to_html(p, out)
            total, broken = browse(exe, html, out / 'shots' / (str(p.relative_to(ROOT)).replace('/', '__') + '.png'))
            print(f"  {p.relative_to(ROOT)}: {total} image(s), {len(broken)} broken")
            problems += [f"{p.relative_to(ROOT)}: image not loaded: {b}" for b in broken]
        print(f"screenshots in {out / 'shots'}")
    for pr in problems: print('PROBLEM', pr, file=sys.stderr)
    if problems: raise SystemExit(f"{len(problems)} problem(s) in the site")
    print('site check passed')

if __name__ == '__main__': main()
