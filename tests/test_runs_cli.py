"""`crce runs pack|unpack` from the command line: a reproduce folder carried to another, and bad input (subprocess, seconds)."""
import json, os, subprocess, sys
import pytest

ENV = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', TOKENIZERS_PARALLELISM='false')

def crce(*args):
    return subprocess.run([sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())', *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=ENV)

def one_line_error(r, msg):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr

TINY = ['reproduce', 'table1', '--model', 'tiny', '--judge', 'test-hash', '--methods', 'original', '--concepts', 'dog', '--steps', '2', '--quiet']

@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp('runs') / 'a'
    r = crce(*TINY, '--out', out)
    assert r.returncode == 0, r.stderr
    return out

def test_pack_unpack_resume(folder, tmp_path):
    arc = tmp_path / 'a.tar.xz'
    r = crce('runs', 'pack', folder, arc)
    assert r.returncode == 0, r.stderr
    assert 'packed 1 runs' in r.stdout and arc.exists()
    r = crce('runs', 'unpack', arc, tmp_path / 'b')
    assert r.returncode == 0 and 'unpacked 1 runs' in r.stdout, r.stderr
    assert json.loads((tmp_path / 'b' / 'reproduce.json').read_text()) == json.loads((folder / 'reproduce.json').read_text())
    r = crce(*TINY, '--out', tmp_path / 'b')   # the run is done: its verdicts are read, no image is made
    assert r.returncode == 0, r.stderr
    pngs = list((tmp_path / 'b' / 'runs').rglob('*.png'))
    assert 0 < len(pngs) < len(list((folder / 'runs').rglob('*.png')))
    assert (tmp_path / 'b' / 'tables' / 'table1.csv').read_text() == (folder / 'tables' / 'table1.csv').read_text()

def test_bad_input(folder, tmp_path):
    (tmp_path / 'junk.tar.xz').write_text('no archive')
    one_line_error(crce('runs', 'unpack', tmp_path / 'junk.tar.xz', tmp_path / 'c'), 'is not a runs archive')
    assert not (tmp_path / 'c').exists()
    one_line_error(crce('runs', 'unpack', tmp_path / 'missing.tar.xz', tmp_path / 'c'), 'no such archive')
    one_line_error(crce('runs', 'pack', tmp_path, tmp_path / 'x.tar.xz'), 'not a crce reproduce folder')
    assert not (tmp_path / 'x.tar.xz').exists()
    arc = tmp_path / 'a.tar.xz'
    assert crce('runs', 'pack', folder, arc).returncode == 0
    other = tmp_path / 'other'
    assert crce(*TINY[:-1], '--steps', '3', '--quiet', '--out', other).returncode == 0
    before = sorted(map(str, other.rglob('*')))
    one_line_error(crce('runs', 'unpack', arc, other), 'other settings')
    assert sorted(map(str, other.rglob('*'))) == before   # nothing written
    r = crce('runs')
    assert r.returncode == 2 and 'pack' in r.stderr
