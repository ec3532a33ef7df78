"""A mini-world erasure killed with SIGKILL after a checkpoint, at a random moment, and run again, ends bit for bit where an
uninterrupted run ends: every trained tensor equal, the same loss history. The killed run leaves its lock file behind; the
rerun finds its owner dead and takes the folder over."""
import json, os, random, signal, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARGS = ['erase', '--model', 'mini', '--concepts', 'dog', '--iterations', '10', '--checkpoint-every', '2']


def crce(*args, wait=True):
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]), 'TQDM_DISABLE': '1'}
    cmd = [sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())', '--threads', '1', *map(str, args)]
    if not wait: return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)


def test_sigkill_after_checkpoint_then_resume_is_bit_identical(tmp_path):
    from safetensors.torch import load_file
    import torch
    ref = crce(*ARGS, '--out', tmp_path / 'ref')
    assert ref.returncode == 0, ref.stderr
    run = tmp_path / 'cut'
    p = crce(*ARGS, '--out', run, wait=False)
    try:
        t0 = time.time()
        while not (run / 'checkpoint.safetensors').exists():
            assert p.poll() is None, f'the run ended before its first checkpoint: {p.stderr.read()}'
            assert time.time() - t0 < 3000, 'no checkpoint'
            time.sleep(0.02)
        time.sleep(random.Random().uniform(0, 0.5))   # a random moment after a checkpoint
        p.send_signal(signal.SIGKILL)
    finally:
        p.kill(); p.wait()
    assert p.returncode == -signal.SIGKILL
    if (run / 'erasure.safetensors').exists(): pytest.skip('the run finished before it was killed (a very fast machine)')
    assert (run / '.crce.lock').exists()                             # the killed run's lock is left behind
    res = crce(*ARGS, '--out', run)
    assert res.returncode == 0, res.stderr
    a, b = load_file(str(tmp_path / 'ref' / 'erasure.safetensors')), load_file(str(run / 'erasure.safetensors'))
    assert sorted(a) == sorted(b) and a
    for n in a: assert torch.equal(a[n], b[n]), n
    ha, hb = (json.loads((d / 'manifest.json').read_text())['history'] for d in (tmp_path / 'ref', run))
    assert [h['loss'] for h in ha] == [h['loss'] for h in hb]
    assert not (run / '.crce.lock').exists() and not (run / 'checkpoint.safetensors').exists()
    assert not [f for f in run.iterdir() if f.name.endswith('.tmp')]
