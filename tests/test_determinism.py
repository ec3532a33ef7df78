"""Reproducible runs with more than one thread, and runs that complete when run again after being killed.

These run the `crce` command in subprocesses with two threads (the notebook tests run with one), on the mini world.
"""
import os, signal, subprocess, sys, time
from pathlib import Path

import pytest

ENV = {**os.environ, 'OMP_NUM_THREADS': '2', 'MKL_NUM_THREADS': '2', 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1',
       'TOKENIZERS_PARALLELISM': 'false', 'PYTHONHASHSEED': '0'}
CRCE = [sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())']


def erase(out: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([*CRCE, 'erase', '--model', 'mini', '--concepts', 'dog', '--method', 'crce', '--iterations', '6',
                           '--out', str(out), *extra],
                          capture_output=True, text=True, env=ENV, timeout=600)


def test_mini_erasure_is_bit_identical_with_two_threads(tmp_path):
    from safetensors.torch import load_file
    runs = [erase(tmp_path / name) for name in ('a', 'b')]
    for r in runs: assert r.returncode == 0, r.stderr
    a, b = (load_file(str(tmp_path / n / 'erasure.safetensors')) for n in ('a', 'b'))
    assert sorted(a) == sorted(b) and len(a) > 0
    for k in a: assert a[k].dtype == b[k].dtype and bool((a[k] == b[k]).all()), k   # every tensor, exactly
    assert (tmp_path / 'a' / 'erasure.safetensors').read_bytes() == (tmp_path / 'b' / 'erasure.safetensors').read_bytes()


def test_erase_again_into_its_folder_loads_the_finished_run(tmp_path):
    assert erase(tmp_path / 'a').returncode == 0
    f = tmp_path / 'a' / 'erasure.safetensors'
    mt = f.stat().st_mtime_ns
    r = erase(tmp_path / 'a')
    assert r.returncode == 0, r.stderr
    assert f.stat().st_mtime_ns == mt                                   # loaded, not retrained
    r = erase(tmp_path / 'a', '--M', '3')                                 # another run into the same folder: refused
    assert r.returncode == 2 and 'other settings' in r.stderr and 'Traceback' not in r.stderr


def test_killed_demo_completes_when_run_again(tmp_path):
    out = tmp_path / 'demo'
    cmd = [*CRCE, 'demo', '--images', '1', '--out', str(out), '--quiet']
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, start_new_session=True)
    erased = out / 'eval' / 'images' / 'crce'
    deadline = time.time() + 1200
    try:   # kill it while it evaluates the erased model: its erasure is written, some of its images are not
        while time.time() < deadline and p.poll() is None and len(list(erased.rglob('*.png'))) < 3: time.sleep(0.2)
        assert p.poll() is None, "the demo finished before it could be interrupted"
        assert len(list(erased.rglob("*.png"))) >= 3, "the demo made no erased-model image in 20 minutes"
    finally:
        if p.poll() is None: os.killpg(p.pid, signal.SIGKILL)
        p.wait(60)
    made = len(list(erased.rglob('*.png')))
    assert (out / 'erasure' / 'erasure.safetensors').exists() and not (out / 'results.parquet').exists() and made >= 3
    mt = (out / 'erasure' / 'erasure.safetensors').stat().st_mtime_ns
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'AccU' in r.stdout and (out / 'results.parquet').exists() and (out / 'grid.png').exists()
    assert (out / 'erasure' / 'erasure.safetensors').stat().st_mtime_ns == mt   # the finished erasure was loaded, not retrained
    assert len(list(erased.rglob('*.png'))) > made
