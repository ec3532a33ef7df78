"""The engine's results pinned: a few iterations of every method x preset on the tiny random model must end with exactly
the parameters recorded in `engine_pins.json` (written before the method plug-ins replaced the single loop).

On the machine kind the pins were made on (same CPU capability and torch version), the SHA-256 of every trained tensor
must match bit for bit. Elsewhere floating-point kernels may differ in the last bits, so the sums are compared with a
relative tolerance instead. `CRCE_WRITE_PINS=1 python -m pytest tests/test_engine_pins.py` rewrites the file.
"""
import hashlib, json, os, platform
from pathlib import Path

import pytest
import torch

PINS = Path(__file__).with_name('engine_pins.json')
TINY = dict(iterations=2, ddim_steps=6, step_range=(1, 4), lr=1e-3)
CASES = {   # name: (method, preset, extra settings)
    **{f'{m}/{p}': (m, p, {}) for m in ('esd-x', 'esd-x-full', 'esd-u', 'esd-selfattn', 'esd-all', 'crce', 'crce-fixed',
                                        'crce-nocert', 'crce-coref-0.2', 'crce-retain-0', 'crce-both-0.4') for p in ('paper', 'official')},
    **{f'{m}/{p}': (m, p, dict(sphere_r_max=100.0)) for m in ('crce-sphere', 'realera') for p in ('paper', 'official')},
    **{f'ap/{p}': ('ap', p, dict(ap_K=8, ap_lr=0.5, ap_vocab_size=30)) for p in ('paper', 'official')},
    'crce/frozen-xt+per-coref+unbatched': ('crce', 'paper', dict(xt_model='frozen', coref_anchor='per-coref', batched=False)),
    'crce/M2-N1-crce-release': ('crce', 'paper', dict(M=2, N=1, timestep_map='crce-release')),
}


def machine() -> str:
    return f"{platform.machine()}|{torch.backends.cpu.get_cpu_capability()}|torch {torch.__version__}"


def run_case(method, preset, extra) -> dict:
    from crce.backbone import tiny_backbone
    from crce.train import erase, ap_vocabulary
    if method == 'ap': extra = {**extra, 'ap_vocab': ap_vocabulary(size=extra['ap_vocab_size'], exclude=['dog'])}
    r = erase(tiny_backbone(), 'dog', method, preset, progress=False, **{**TINY, **extra})
    out = {}
    for n in sorted(r.params):
        v = r.params[n].detach().contiguous()
        out[n] = dict(sha256=hashlib.sha256(v.numpy().tobytes()).hexdigest(), sum=float(v.double().sum()), abs=float(v.double().abs().sum()))
    return out


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_pins_file_covers_every_case():
    if os.environ.get('CRCE_WRITE_PINS'):
        data = dict(machine=machine(), cases={k: run_case(*v) for k, v in CASES.items()})
        PINS.write_text(json.dumps(data, indent=1, sort_keys=True) + '\n')
    data = json.loads(PINS.read_text())
    assert set(data['cases']) == set(CASES)


@pytest.mark.parametrize('case', sorted(CASES))
def test_engine_reproduces_its_pins(case):
    data = json.loads(PINS.read_text())
    want, got = data['cases'][case], run_case(*CASES[case])
    assert sorted(got) == sorted(want), 'trained parameter names changed'
    exact = data['machine'] == machine()
    for n, w in want.items():
        if exact: assert got[n]['sha256'] == w['sha256'], f'{case}: {n} differs'
        else:
            for k in ('sum', 'abs'): assert got[n][k] == pytest.approx(w[k], rel=1e-4, abs=1e-6), f'{case}: {n} {k}'
