"""End-to-end `crce erase` on a tiny random model saved to a local diffusers folder (subprocess, CPU, seconds)."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', TOKENIZERS_PARALLELISM='false')
FAST = ['--iterations', '2', '--set', 'ddim_steps=5', '--set', 'step_range=1,4', '--M', '2', '--N', '1']

def crce(*args, cwd=None):
    "Run the `crce` entry point's code path in a subprocess."
    return subprocess.run([sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())', *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600, env=ENV)

@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('tiny') / 'model'
    code = f"from crce.backbone import tiny_backbone, save_backbone; save_backbone(tiny_backbone(seed=0), {str(d)!r})"
    subprocess.run([sys.executable, '-c', code], check=True, env=ENV, timeout=300)
    return d

def test_erase_from_local_model(model_dir, tmp_path):
    out = tmp_path / 'run'
    r = crce('erase', '--concept', 'dog', '--method', 'crce', '--model', model_dir, '--out', out, *FAST)
    assert r.returncode == 0, r.stderr
    assert 'erased' in r.stdout
    assert 'esd=' in r.stderr and 'coref=' in r.stderr and 'retain=' in r.stderr   # the progress bar shows the loss terms
    man = json.loads((out / 'manifest.json').read_text())
    assert (man['method'], man['preset'], man['concept'], len(man['history'])) == ('crce', 'paper', 'dog', 2)
    assert man['config']['M'] == 2 and man['lists']['coref']
    # the weights load into the saved model in one call, and change it
    code = (f"import torch; from crce.backbone import load_backbone; from crce.train import load_erasure; "
            f"from safetensors.torch import load_file; b = load_backbone({str(model_dir)!r}); "
            f"before = {{n: p.detach().clone() for n, p in b.unet.named_parameters()}}; "
            f"names = load_erasure({str(out)!r}, b); now = dict(b.unet.named_parameters()); "
            f"assert all('attn2.to_k' in n or 'attn2.to_v' in n for n in names); "
            f"assert any(not torch.equal(before[n], now[n].detach()) for n in names); print(len(names))")
    r2 = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=ENV, timeout=300)
    assert r2.returncode == 0, r2.stderr

def test_erase_concepts_file_and_official_preset(model_dir, tmp_path):
    from crce.data import Concept, CorefConcept
    c = Concept.from_lists('kettle', 'object', corefs=[('teapot', 'High'), ('tea kettle', 'Very High'), ('boiler', 'Low')],
                           retains=[('mug', 'Normal'), ('cup', 'Low')], n_train=2)
    f = CorefConcept([c]).save(tmp_path / 'mine.json')
    out = tmp_path / 'run'
    r = crce('erase', '--concepts', 'kettle', '--dataset', f, '--method', 'crce', '--preset', 'official', '--model', model_dir,
             '--out', out, '--iterations', '1', '--set', 'ddim_steps=5', '--set', 'step_range=1,4', '--M', '2', '--N', '1')
    assert r.returncode == 0, r.stderr
    man = json.loads((out / 'manifest.json').read_text())
    assert man['config']['params'] == 'xattn-qk' and man['config']['coref_anchor'] == 'per-coref'
    assert all('to_q' in n or 'to_k' in n for n in man['trained_params'])

def test_erase_release_folder(tmp_path, capsys):
    "The authors' release layout (a folder of per-category JSON files) is taken by --dataset, as by every command; given as --concepts it is a one-line hint."
    from crce.cli import main
    from crce.data import Concept, CorefConcept, to_release
    c = Concept.from_lists('kettle', 'object', corefs=[('teapot', 'High'), ('tea kettle', 'Very High'), ('boiler', 'Low')],
                           retains=[('mug', 'Normal'), ('cup', 'Low')], n_train=2)
    rel = tmp_path / 'release'; rel.mkdir()
    for cat, entries in to_release(CorefConcept([c])).items(): (rel / f'{cat}.json').write_text(json.dumps({cat: entries}))
    out = tmp_path / 'run'
    code = main(['erase', '--dataset', str(rel), '--concepts', 'kettle', '--model', 'tiny', '--out', str(out), *FAST])
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / 'manifest.json').read_text())['concept'] == 'kettle'
    capsys.readouterr()
    code = main(['erase', '--concepts', str(rel), '--model', 'tiny', '--out', str(tmp_path / 'run2'), *FAST])
    err = capsys.readouterr().err
    assert code == 2 and f'give --dataset {rel}' in err and not (tmp_path / 'run2').exists()
    assert len([l for l in err.strip().splitlines() if not l.startswith('crce: warning')]) == 1   # one error line (beside the deprecation warning)

@pytest.mark.parametrize('args,msg', [
    (['--method', 'esd-q'], 'unknown method'),
    (['--M', '99'], 'M=99'),
    (['--set', 'learning_rate=1'], 'unknown setting'),
    (['--model', 'NOPE_DIR'], 'not a directory'),
])
def test_erase_bad_input(tmp_path, capsys, args, msg):
    "Bad input fails with a one-line error and writes nothing (in process: no model is loaded before the error)."
    from crce.cli import main
    args = [str(tmp_path / 'nope') if a == 'NOPE_DIR' else a for a in args]
    code = main(['erase', '--concepts', 'dog', '--model', 'tiny', '--out', str(tmp_path / 'run'), '--iterations', '1', *args])
    err = capsys.readouterr().err
    assert code != 0 and msg in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'run' / 'erasure.safetensors').exists()

def test_erase_bad_preset_subprocess(model_dir, tmp_path):
    r = crce('erase', '--concepts', 'dog', '--model', model_dir, '--out', tmp_path / 'run', '--preset', 'fast')
    assert r.returncode != 0 and 'invalid choice' in r.stderr

def test_erase_ca_tiny(tmp_path, capsys):
    "CA (a baseline plug-in) from `crce erase` on the tiny world: its defaults, its anchor and the anchor images it made."
    from crce.cli import main
    out = tmp_path / 'run'
    code = main(['erase', '--concepts', 'dog', '--method', 'ca', '--model', 'tiny', '--out', str(out), '--iterations', '2',
                 '--set', 'ca_gen_steps=3', '--set', 'ca_batch=2'])
    err = capsys.readouterr().err
    assert code == 0, err
    man = json.loads((out / 'manifest.json').read_text())
    assert (man['method'], man['config']['lr'], len(man['history'])) == ('ca', 1.6e-5, 2)
    assert man['ca']['dog']['anchor'] == 'animal' and 1 <= man['ca']['dog']['images_made'] <= 4
    assert all('attn2.to_k' in n or 'attn2.to_v' in n for n in man['trained_params'])
    code = main(['erase', '--concepts', 'dog', '--method', 'ca', '--model', 'tiny', '--out', str(tmp_path / 'bad'), '--set', 'ca_anchor=dog'])
    err = capsys.readouterr().err
    assert code != 0 and 'the target itself' in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'bad' / 'erasure.safetensors').exists()
