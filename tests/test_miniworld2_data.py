"The mini world 2 data report passes on the shipped files (scripts/miniworld2_data_report.py, exit code 0)."
import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_miniworld2_data_report():
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'miniworld2_data_report.py')], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'FAIL' not in r.stdout and r.stdout.count('PASS') >= 12, r.stdout


def test_miniworld2_data_report_missing_folder(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'miniworld2_data_report.py'), '--path', str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and 'no mini world 2 files' in r.stderr
