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
