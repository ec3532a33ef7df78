"""`crce reproduce ap-table1|ap-table2|ap-table4` from the command line: dry runs and bad input (subprocess, seconds)."""
import os, subprocess, sys
import pytest

ENV = dict(os.environ, OMP_NUM_THREADS='1', HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', TOKENIZERS_PARALLELISM='false')

def crce(*args):
    return subprocess.run([sys.executable, '-c', 'import sys; from crce.cli import main; sys.exit(main())', *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=ENV)

@pytest.mark.parametrize('table,model,want', [('ap-table1', 'mini2', '17 runs'), ('ap-table1', 'sd-1.4', 'GPU hours'),
                                              ('ap-table2', 'sd-1.4', '34703'), ('ap-table4', 'sd-1.4', '17 runs')])
def test_dry_run(tmp_path, table, model, want):
    r = crce('reproduce', table, '--model', model, '--dry-run', '--out', tmp_path / 'out')
    assert r.returncode == 0, r.stderr
    assert want in r.stdout and 'planning figures' in r.stdout
    assert not (tmp_path / 'out').exists()                     # a dry run writes nothing

@pytest.mark.parametrize('args,msg', [
    (['ap-table1', '--model', 'mini2', '--sets', 'v7'], 'unknown class set'),
    (['ap-table1', '--model', 'mini2', '--methods', 'ESD,FMN'], "no method(s) ['fmn']"),
    (['ap-table1', '--model', 'mini1'], 'use --model mini (the first'),
    (['ap-table1', '--model', 'mini2', '--set', 'learning_rate=1'], 'unknown setting'),
    (['ap-table4', '--model', 'sd-1.4', '--artists', 'Nobody'], "no prompts for artist(s) ['Nobody']"),
    (['ap-table2', '--model', 'sd-1.4'], '--dry-run'),
    (['ap-table1', '--model', 'mini2', '--grid', '1,3'], '--grid is not an option'),
])
def test_bad_input(tmp_path, args, msg):
    r = crce('reproduce', *args, '--out', tmp_path / 'out')
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr
