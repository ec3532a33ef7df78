"The mini world 2 data report passes on the shipped files (scripts/miniworld2_data_report.py, exit code 0)."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_miniworld2_data_report():
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'miniworld2_data_report.py')], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'FAIL' not in r.stdout and r.stdout.count('PASS') >= 20, r.stdout
    assert 'PASS  targets: 24 ' in r.stdout and 'PASS  dev targets sharing a picture with a reported target: 0' in r.stdout, r.stdout


def test_miniworld2_data_report_missing_folder(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'miniworld2_data_report.py'), '--path', str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and 'no mini world 2 files' in r.stderr


def test_miniworld2_dev_targets_kept_out_of_reported_dataset():
    from crce.miniworld import data2
    m = data2.load_manifest()
    devs = data2.dev_keys(m)
    rep, dev = data2.load_corefconcept2(), data2.load_corefconcept2(dev=True)
    assert len(devs) >= 3 and [c.name for c in dev] == list(devs)
    assert not {c.name for c in rep} & set(devs) and len(rep) == 24
    rows = data2.manifest_rows(m)
    assert {r['concept'] for r in rows if r['dev']} == set(devs)
    tgt = lambda d: {c for r in rows if r['role'] == 'target' and r['dev'] == d for c in r['group'].split('+')}
    assert not tgt(True) & tgt(False)
