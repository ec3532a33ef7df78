"""`crce reproduce --shard` under `accelerate launch` with 2 CPU processes: the concepts are split between the processes,
every run is made once, and the main process writes the table.

A tiny random backbone and the test judge `HashJudge` (a hash of the image, not a real judge); 2 erasure iterations and
2 DDIM steps, so the numbers mean nothing; the structure is what is tested. About two minutes on 2 busy cores (slow flag):

    CRCE_TEST_FLAGS=slow python -m pytest -q tests/test_reproduce_shard.py
"""
import os, shutil, socket, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.skipif('slow' not in os.environ.get('CRCE_TEST_FLAGS', '').split(),
                                reason='slow (about two minutes): set CRCE_TEST_FLAGS=slow')

def _port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _launch(out: Path):
    crce = shutil.which('crce')
    assert crce, 'the crce command is not installed (pip install -e .)'
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', str(_port()), crce,
           'reproduce', 'table1', '--model', 'tiny', '--judge', 'test-hash', '--methods', 'original,esd-x', '--concepts', 'dog,cat',
           '--iterations', '2', '--steps', '2', '-K', '1', '--shard', '--quiet', '--out', str(out)]
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'TOKENIZERS_PARALLELISM': 'false', 'HF_HUB_OFFLINE': '1'}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r

def test_two_processes_split_the_concepts(tmp_path):
    import pandas as pd
    out = tmp_path/'sd'
    r = _launch(out)
    runs = sorted(str(p.relative_to(out/'runs')) for p in (out/'runs').glob('*/*/seed0'))
    assert runs == ['esd-x/cat/seed0', 'esd-x/dog/seed0', 'original/cat/seed0', 'original/dog/seed0']
    for c in ('cat', 'dog'):
        assert (out/'runs'/'esd-x'/c/'seed0'/'erasure'/'erasure.safetensors').exists()
    t = pd.read_csv(out/'tables'/'table1.csv')
    assert set(t.method) == {'original', 'esd-x'} and set(t.category) == {'object', 'all'}
    assert r.stdout.count('tables and figures in') == 1      # only the main process reports
    marks = {p: p.stat().st_mtime_ns for p in out.rglob('*.safetensors')}
    _launch(out)                                                       # resuming: nothing is retrained
    assert {p: p.stat().st_mtime_ns for p in out.rglob('*.safetensors')} == marks
