"""Packaging: a wheel built from the repository carries the dataset and its license, installs into a fresh virtual
environment and `crce.data.load_corefconcept()` works there; the declared dependencies never pull a CUDA torch here."""
import json, os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def sh(*args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)
    assert r.returncode == 0, f"{args}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    d = tmp_path_factory.mktemp('wheel')
    sh(sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-w', str(d), str(ROOT))
    (w,) = d.glob('crce-*.whl')
    return w

def test_wheel_carries_data_and_license(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert 'crce/assets/corefconcept/corefconcept.json' in names
    assert 'crce/assets/corefconcept/LICENSE' in names
    assert 'crce/data.py' in names and 'crce/cli.py' in names
    meta = [n for n in names if n.endswith('entry_points.txt')]
    assert meta and 'crce = crce.cli:main' in zipfile.ZipFile(wheel).read(meta[0]).decode()

def test_wheel_installs_into_fresh_venv(wheel, tmp_path):
    venv = tmp_path / 'venv'
    sh(sys.executable, '-m', 'venv', str(venv))
    py = venv / 'bin' / 'python'
    sh(str(py), '-m', 'pip', 'install', '-q', 'numpy')
    sh(str(py), '-m', 'pip', 'install', '-q', '--no-deps', str(wheel))
    code = ("import crce, crce.data as d; ds = d.load_corefconcept(); "
            "print(crce.__file__); print(len(ds), ds['dog'].corefs()[0].text, d.asset_path('corefconcept','LICENSE').read_text().count('VIOS'))")
    r = sh(str(py), '-c', code, cwd=tmp_path)
    f, res = r.stdout.strip().splitlines()
    assert str(venv) in f, f                      # the wheel's copy, not the checkout
    assert res.split()[0] == '50' and res.split()[-1] == '1'

def test_dependencies_resolve_to_cpu_torch(tmp_path):
    "Resolving the declared requirements in a fresh venv on this machine picks the CPU torch and no CUDA packages."
    venv = tmp_path / 'venv'
    sh(sys.executable, '-m', 'venv', str(venv))
    report = tmp_path / 'report.json'
    sh(str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--report', str(report), str(ROOT))
    got = {i['metadata']['name'].lower(): i['metadata']['version'] for i in json.loads(report.read_text())['install']}
    assert got['torch'].endswith('+cpu'), got['torch']
    assert not [n for n in got if n.startswith('nvidia') or n in ('triton',)], sorted(got)
