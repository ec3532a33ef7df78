"""CLI subprocess tests for `crce data`: corrupt inputs give one-line errors, non-zero exits and no output file."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT.parent / 'shared' / 'corefconcept'

def crce(*args, cwd=None):
    "Run the installed `crce` entry point's code path in a subprocess."
    return subprocess.run([sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())', *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)

GOOD_ENTRY = {"type": "object", "concept": "dog",
              "train-coref": ["puppy"], "train-coref-certainty": ["Very High"],
              "test-coref": ["hound"], "test-coref-certainty": ["High"],
              "train-retain": ["cat"], "train-retain-certainty": ["High"],
              "test-retain": ["wolf"], "test-retain-certainty": ["Low"]}

def _write(p: Path, content):
    if isinstance(content, bytes): p.write_bytes(content)
    else: p.write_text(content if isinstance(content, str) else json.dumps(content), encoding='utf-8')
    return p

CORRUPT = {
    'truncated': (lambda d: _write(d / 'x.json', json.dumps({"object": [GOOD_ENTRY]})[:60]), 'invalid JSON'),
    'wrong-types': (lambda d: _write(d / 'x.json', {"object": [{**GOOD_ENTRY, "train-coref": "puppy"}]}), 'wrong-type'),
    'missing-keys': (lambda d: _write(d / 'x.json', {"object": [{k: v for k, v in GOOD_ENTRY.items() if k != 'test-retain'}]}), 'missing-field'),
    'unknown-certainty': (lambda d: _write(d / 'x.json', {"object": [{**GOOD_ENTRY, "test-retain-certainty": ["Medium"]}]}), "'Medium'"),
    'non-utf8': (lambda d: _write(d / 'x.json', '{"object": [{"concept": "Beyonc\xe9"}]}'.encode('latin-1')), 'not valid UTF-8'),
    'empty-file': (lambda d: _write(d / 'x.json', ''), 'file is empty'),
    'directory': (lambda d: (d / 'adir').mkdir() or (d / 'adir'), 'none of object.json'),
    'canonical-bad-level': (lambda d: _write(d / 'x.json', {"format": "crce-corefconcept", "version": 1, "concepts": [
        {"name": "dog", "category": "object", "coref": {"train": [{"text": "puppy", "certainty": "Huge"}], "test": []},
         "retain": {"train": [], "test": []}}]}), "unknown certainty level 'Huge'"),
}

@pytest.mark.parametrize('case', sorted(CORRUPT))
def test_corrupt_input_one_line_error_no_output(tmp_path, case):
    make, expect = CORRUPT[case]
    src = make(tmp_path)
    out = tmp_path / 'out' / 'export.json'
    r = crce('data', 'export', '--input', str(src), '--out', str(out))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.count('\n') == 1 and r.stderr.startswith('crce: error: '), r.stderr
    assert 'Traceback' not in r.stderr
    assert expect in r.stderr, r.stderr
    assert not out.exists()
    leftovers = [p for p in tmp_path.rglob('*') if p.name.endswith('.tmp')]
    assert leftovers == []

def test_export_to_a_directory_is_refused(tmp_path):
    (tmp_path / 'target').mkdir()
    r = crce('data', 'export', '--out', str(tmp_path / 'target'))
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'is a directory' in r.stderr

def test_validate_reports_and_exit_codes(tmp_path):
    f = _write(tmp_path / 'x.json', {"object": [{**GOOD_ENTRY, "test-retain": ["wolf", "fox"], "train-retain": ["cat", "dog"],
                                                 "train-retain-certainty": ["High", "Low"]}]})
    r = crce('data', 'validate', str(f))
    assert r.returncode == 0, r.stderr                       # all defects repairable
    assert 'dog:test-retain: length-mismatch' in r.stdout
    assert 'dog:train-retain: target-in-retains' in r.stdout
    r = crce('data', 'validate', str(f), '--strict')
    assert r.returncode == 1
    f2 = _write(tmp_path / 'y.json', {"object": [{**GOOD_ENTRY, "test-retain": ["cat"]}]})
    r = crce('data', 'validate', str(f2))
    assert r.returncode == 0 and 'coref-and-retain' not in r.stdout and 'split-overlap' in r.stdout  # cat in train and test retains: repairable
    f3 = _write(tmp_path / 'z.json', {"object": [{**GOOD_ENTRY, "test-retain": ["puppy"]}]})
    r = crce('data', 'validate', str(f3))
    assert r.returncode == 1 and 'coref-and-retain' in r.stdout and '[not repairable]' in r.stdout

@pytest.mark.skipif(not RELEASE.exists(), reason='the CorefConcept release is not beside this checkout')
def test_validate_release_lists_every_defect():
    r = crce('data', 'validate', str(RELEASE))
    assert r.returncode == 0
    lines = [l for l in r.stdout.splitlines() if ': ' in l and not l.startswith(str(RELEASE))]
    assert len(lines) == 13
    assert sum('length-mismatch' in l for l in lines) == 3 and sum('mojibake' in l for l in lines) == 9
    assert 'object.json:Apple (company):type: category-mismatch' in r.stdout
    r = crce('data', 'validate', str(RELEASE), '--strict')
    assert r.returncode == 1

def test_export_formats_round_trip(tmp_path):
    for fmt in ('canonical', 'release', 'csv'):
        out = tmp_path / f'ds.{fmt}'
        r = crce('data', 'export', '--out', str(out), '--format', fmt, '--concepts', 'dog', 'cat')
        assert r.returncode == 0, r.stderr
        assert out.exists() and out.stat().st_size > 0
    r = crce('data', 'show', 'dog', '--path', str(tmp_path / 'ds.canonical'), '--json')
    assert r.returncode == 0 and json.loads(r.stdout)['key'] == 'dog'
    r = crce('data', 'report', '--path', str(tmp_path / 'ds.release'))
    assert r.returncode == 0 and 'concepts: 2' in r.stdout and 'validation: clean' in r.stdout
    r = crce('data', 'show', 'horse', '--path', str(tmp_path / 'ds.canonical'))
    assert r.returncode == 2 and "unknown concept 'horse'" in r.stderr
