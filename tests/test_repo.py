"""Repository invariants: README's commands, CI calling the README test command, the live Quarto configuration."""
import re
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]

def readme_commands():
    return re.findall(r'```bash\n(.*?)\n```', (ROOT / 'README.md').read_text(), flags=re.S)

def test_readme_gives_run_and_test_commands():
    cmds = readme_commands()
    assert cmds[0].startswith('pip install -e .') and '&& crce ' in cmds[0]
    assert cmds[1] == 'pip install -e ".[dev,nudity]" && bash tests/run_suite.sh'

def test_ci_calls_the_readme_test_command():
    ci = (ROOT / '.ci' / 'run').read_text().splitlines()
    assert readme_commands()[1] in ci

def test_quarto_yml_is_the_one_live_site_config():
    found = [p.relative_to(ROOT) for p in ROOT.rglob('_quarto.yml') if '.git' not in p.parts and '_proc' not in p.parts]
    assert found == [Path('_quarto.yml')], found
    cfg = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    assert cfg['project']['type'] == 'website'
    assert 'nbs/*.ipynb' in cfg['project']['render']
    assert any(r.startswith('figures') for r in cfg['project']['resources'])
    for page in cfg['project']['render']:
        assert list(ROOT.glob(page)), f'{page} matches no file'

def test_settings_pins_nbdev_toolchain():
    from configparser import ConfigParser
    c = ConfigParser(delimiters=['=']); c.read(ROOT / 'settings.ini')
    dev = c['DEFAULT']['dev_requirements'].split()
    assert {'nbdev==2.4.14', 'execnb==0.1.18', 'fastcore==1.14.5'} <= set(dev)
    assert set(c['DEFAULT']['tst_flags'].split()) >= {'gpu', 'weights', 'apikey', 'slow'}
    assert not re.search(r'^\s*(import|from) pkg_resources', (ROOT / 'setup.py').read_text(), flags=re.M)

def test_miniworld1_criteria_script_reads_the_committed_figures(tmp_path):
    "scripts/miniworld1_criteria.py prints the first mini world's four acceptance lines from figures/; a missing file is a one-line error."
    import subprocess, sys
    script = ROOT / 'scripts' / 'miniworld1_criteria.py'
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = [l.strip() for l in r.stdout.splitlines()[1:]]
    assert len(lines) == 4 and all(l.startswith(('PASS', 'FAIL')) for l in lines), r.stdout
    assert 'not Stable Diffusion' in r.stdout.splitlines()[0]
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'original_accuracy.csv not found' in r.stderr

def test_miniworld_criteria_script_prints_every_item(tmp_path):
    "scripts/miniworld_criteria.py prints a PASS/FAIL/MISSING line for each of the six items from the committed files (plus advisory ok/BELOW lines that never set the exit status); with no files, each item it cannot read is MISSING and the exit status is 1."
    import subprocess, sys
    script = ROOT / 'scripts' / 'miniworld_criteria.py'
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1) and not r.stderr.strip(), r.stderr
    head, *lines = r.stdout.splitlines()
    assert 'not Stable Diffusion' in head and lines and all(l.strip().startswith(('PASS', 'FAIL', 'MISSING', 'ok ', 'BELOW')) for l in lines), r.stdout
    assert {int(l.split('[')[1][0]) for l in lines} == {1, 2, 3, 4, 5, 6}, r.stdout
    accept = [l for l in lines if l.strip().startswith(('PASS', 'FAIL', 'MISSING'))]
    assert (r.returncode == 0) == all(l.strip().startswith('PASS') for l in accept)
    assert all('advisory bar' in l for l in lines if l.strip().startswith(('ok ', 'BELOW')))
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and sum(l.strip().startswith('MISSING') for l in r.stdout.splitlines()) == 5, r.stdout

def test_miniworld_criteria_counts_zero_width_intervals():
    "Item 5's zero-width count reads both layouts: a metrics file's <metric>_lo/_hi columns and a paired file's lo/hi; missing values are not counted."
    import importlib.util, pandas as pd
    spec = importlib.util.spec_from_file_location('criteria', ROOT / 'scripts' / 'miniworld_criteria.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    metrics = pd.DataFrame({'AccU': [0.0, 5.0, None], 'AccU_lo': [0.0, 1.0, None], 'AccU_hi': [0.0, 9.0, None], 'AccR_test_lo': [2.0, 3.0, 1.0], 'AccR_test_hi': [2.5, 3.0, 4.0]})
    assert mod._zero_width(metrics) == 2
    assert mod._zero_width(pd.DataFrame({'diff': [0.0, 1.0], 'lo': [0.0, -1.0], 'hi': [0.0, 2.0]})) == 1
    assert mod._zero_width(pd.DataFrame({'lo': [-4.9], 'hi': [4.9]})) == 0

def test_miniworld2_reading_states_the_files_numbers(tmp_path):
    "scripts/miniworld2_reading.py writes sentences whose numbers are the metrics and paired files' own; a difference is better/worse only when its interval excludes 0; a missing file is exit 2 with one line."
    import subprocess, sys
    import pandas as pd
    script = ROOT / 'scripts' / 'miniworld2_reading.py'
    ks = ('AccU', 'AccC_train', 'AccC_test', 'AccR_train', 'AccR_test', 'balanced')
    def mrow(m, v): return dict(method=m, category='all', n_concepts=24, **{k: v for k in ks}, **{k + '_lo': v - 1 for k in ks}, **{k + '_hi': v + 1 for k in ks})
    pd.DataFrame([mrow('original', 50.0), mrow('esd-x', 30.0), mrow('crce', 40.0), mrow('realera', 29.0)]).to_csv(tmp_path/'table1_metrics.csv', index=False)
    pr = [dict(method='crce', reference='esd-x', category='all', metric=k, diff=-3.25, lo=-6.0, hi=-0.5, conclusion='method better') for k in ('AccC_test',)]
    pr += [dict(method='crce', reference='esd-x', category='all', metric='AccR_test', diff=1.0, lo=-1.0, hi=3.0, conclusion='ties (cannot be resolved)')]
    pr += [dict(method='crce', reference='esd-x', category='all', metric='AccU', diff=4.0, lo=1.0, hi=7.0, conclusion='reference better')]
    pr += [dict(method='realera', reference='esd-x', category='all', metric=k, diff=0.5, lo=-1.0, hi=2.0, conclusion='ties (cannot be resolved)') for k in ks]
    pd.DataFrame(pr).to_csv(tmp_path/'table1_paired.csv', index=False)
    pd.DataFrame([dict(threshold=t, method=m, balanced=b) for t in (0.3, 0.7) for m, b in (('crce', 70.0 - 10 * t), ('esd-x', 65.0), ('original', 40.0))]).to_csv(tmp_path/'sweep.csv', index=False)
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path), '--sweep', str(tmp_path/'sweep.csv')], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    text = (tmp_path/'table1_reading.md').read_text()
    assert 'AccU 50.0 → 30.0 [29.0, 31.0]' in text and 'CRCE 40.0 [39.0, 41.0]; ESD-x 30.0' in text, text
    assert 'better on AccC test -3.2 [-6.0, -0.5]' in text and 'worse on AccU +4.0 [+1.0, +7.0]' in text and 'ties on AccR test' in text, text
    assert 'at 0.3: CRCE 67.0 > ESD-x 65.0; at 0.7: ESD-x 65.0 > CRCE 63.0' in text, text   # the order at each yes-threshold
    assert '  - RealEra: ties with ESD-x on every column.' in text and 'RealEra: better' not in text, text   # a method that ties everywhere: one short line
    assert not any(l.startswith('#') for l in text.splitlines())   # included by the results page: no headings
    (tmp_path/'table1_paired.csv').unlink()
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'table1_paired.csv not found' in r.stderr


def test_miniworld2_reading_checks_the_papers_pattern_method_by_method(tmp_path):
    "For Table 1 the reading script also writes <name>_vs_paper.md: the paper's difference to ESD-x beside the mini world's paired one, 'same'/'opposite' only where the paired file resolved it, 'tie' otherwise; methods the paper lacks (CA) are left out."
    import subprocess, sys
    import pandas as pd
    ks = ('AccU', 'AccC_train', 'AccC_test', 'AccR_train', 'AccR_test', 'balanced')
    pd.DataFrame([dict(method=m, category='all', n_concepts=24, **{k: 1.0 for k in ks}, **{k + '_lo': 0.0 for k in ks}, **{k + '_hi': 2.0 for k in ks})
                  for m in ('esd-x', 'uce', 'ca')]).to_csv(tmp_path/'table1_metrics.csv', index=False)
    row = lambda m, k, d, lo, hi, c: dict(method=m, reference='esd-x', category='object', metric=k, diff=d, lo=lo, hi=hi, conclusion=c)
    pd.DataFrame([row('uce', 'AccR_test', -20.0, -30.0, -10.0, 'reference better'),   # paper: 14.58 - 69.89 < 0: same
                  row('uce', 'AccC_test', 5.0, 1.0, 9.0, 'reference better'),          # paper: 8.40 - 39.92 < 0: opposite
                  row('uce', 'AccU', 0.5, -1.0, 2.0, 'ties (cannot be resolved)'),
                  row('ca', 'AccU', 9.0, 5.0, 12.0, 'reference better')]).to_csv(tmp_path/'table1_paired.csv', index=False)
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'miniworld2_reading.py'), '--figures', str(tmp_path), '--sweep', str(tmp_path/'none.csv')],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    text = (tmp_path/'table1_vs_paper.md').read_text()
    assert ('| UCE | object | -2.1 / +0.5 [-1.0, +2.0] tie | -31.5 / +5.0 [+1.0, +9.0] opposite | -55.3 / -20.0 [-30.0, -10.0] same | 1 / 1 / 1 |'
            in text), text
    assert '| CA |' not in text and '| UCE | ip |' not in text, text   # no paper row for CA; no paired rows for ip
    # the second reference (CRCE) comes from its own paired file and writes its own files; the first reading is left as it was
    first = (tmp_path/'table1_reading.md').read_text()
    args = [sys.executable, str(ROOT/'scripts'/'miniworld2_reading.py'), '--figures', str(tmp_path), '--reference', 'crce']
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'no paired rows against crce' in r.stderr, r.stderr
    pd.DataFrame([dict(row('uce', 'AccR_test', -9.0, -12.0, -6.0, 'reference better'), reference='crce', category=c) for c in ('object', 'all')]).to_csv(tmp_path/'table1_paired_crce.csv', index=False)
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'UCE: worse on AccR test -9.0 [-12.0, -6.0]' in (tmp_path/'table1_reading_crce.md').read_text()
    assert '| UCE | object | - | - | -65.0 / -9.0 [-12.0, -6.0] same | 1 / 0 / 0 |' in (tmp_path/'table1_vs_paper_crce.md').read_text()
    assert (tmp_path/'table1_reading.md').read_text() == first


def test_mini_world_cpu_planning_figures_match_the_committed_cost_file():
    "The dry run's one-core CPU figures for a mini world come from figures/miniworld2/cost.json (20-step erasure, 296 evaluation images per concept)."
    import json
    from crce.protocols import CPU_SECONDS_MINI
    cost = json.loads((ROOT/'figures'/'miniworld2'/'cost.json').read_text())
    chosen = json.loads((ROOT/'figures'/'miniworld2'/'regime'/'chosen.json').read_text())['chosen']
    assert CPU_SECONDS_MINI['step'] == round(cost['erase_s'] / chosen['iterations'], 2)
    assert CPU_SECONDS_MINI['image'] == round(cost['original_evaluate_s'] / 296, 3)


def test_per_target_table_reports_each_target(tmp_path):
    "scripts/per_target.py writes one row per target of a (multi-concept) table with each method's cells from <name>_concepts.csv; a missing method is exit 2."
    import subprocess, sys
    import pandas as pd
    rows = []
    for m, v in (('original', 50.0), ('mace', 0.0)):
        for t in ('dog', 'cat'):
            r = dict(method=m, concept=t, category='object')
            for k in ('AccU', 'AccC_test', 'AccR_test'): r.update({k: v, k + '_lo': max(v - 5, 0), k + '_hi': v + 5})
            rows.append(r)
    pd.DataFrame(rows).to_csv(tmp_path/'multi_concepts.csv', index=False)
    script = ROOT / 'scripts' / 'per_target.py'
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path), '--name', 'multi'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    text = (tmp_path/'multi_per_target.md').read_text()
    assert '| dog | 50.0 [45.0, 55.0] | 0.0 [0.0, 5.0] |' in text and '| cat |' in text, text
    r = subprocess.run([sys.executable, str(script), '--figures', str(tmp_path), '--name', 'multi', '--methods', 'uce'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no method(s) ['uce']" in r.stderr and r.stderr.count('\n') == 1

def test_spm_transport_summary_and_committed_table(tmp_path):
    "scripts/spm_transport.py: the per-group summary averages each target's prompts then the targets, counts prompts at >= 0.5; the committed table states the committed csv's numbers; a bad metric is exit 2 with one line, before any model loads."
    import importlib.util, subprocess, sys
    import pandas as pd
    spec = importlib.util.spec_from_file_location('spm_transport', ROOT / 'scripts' / 'spm_transport.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    df = pd.DataFrame([dict(target=t, group=g, prompt=f'{g}{i}', strength=v) for t, g, vs in
                       [('a', 'target', [1.0]), ('a', 'retain_test', [0.2, 0.6]), ('b', 'target', [1.0]), ('b', 'retain_test', [0.9])]
                       for i, v in enumerate(vs)])
    s = mod.summary(df)
    assert abs(s.loc['retain_test', 'mean'] - (0.4 + 0.9) / 2) < 1e-12 and (s.loc['retain_test', 'lo'], s.loc['retain_test', 'hi']) == (0.4, 0.9)
    assert abs(s.loc['retain_test', 'on'] - (0.5 + 1.0) / 2) < 1e-12 and s.loc['target', 'mean'] == 1.0
    assert s.loc['coref_test'].isna().all()   # a group with no prompts stays empty, not 0
    f = ROOT / 'figures' / 'miniworld2' / 'spm_transport'
    c = mod.summary(pd.read_csv(f.with_suffix('.csv')))
    md = f.with_suffix('.md').read_text()
    for g, r in c.iterrows():
        assert f"| {g} | {r['mean']:.2f} | {r.lo:.2f} | {r.hi:.2f} | {100 * r.on:.0f}% |" in md, g
    r = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'spm_transport.py'), '--metric', 'cosine', '--write', str(tmp_path / 'x')],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and 'cosine' in r.stderr and not any(tmp_path.iterdir())

def test_paired_runs_compares_two_sets_of_runs(tmp_path):
    "scripts/paired_runs.py: two run folders' results, relabelled and matched image by image; the difference is the matched images' own; a retain one side lacks is left out; no results, or no shared image, is exit 2 with one line and nothing written."
    import subprocess, sys
    import pandas as pd
    groups = ['target', 'coref_train', 'coref_test', 'retain_train', 'retain_test']
    def write(d, method, target_yes, extra_retain=False):
        for c in ('c1', 'c2'):
            rows = [dict(concept=c, category='object', group=g, item=f'{g}{i}', prompt=f'{c} {g} {i}', ask=c, seed=s, method=method,
                         judge='test', verdict=(target_yes if g == 'target' else s % 2 == 0))
                    for g in groups for i in range(2 if g != 'target' else 1) for s in range(4)]
            if extra_retain: rows += [dict(rows[-1], prompt=f'{c} only here', verdict=True)]
            f = tmp_path/d/c/'seed0'/'eval'/'results'/'r.parquet'; f.parent.mkdir(parents=True)
            pd.DataFrame(rows).astype({'verdict': 'boolean'}).to_parquet(f)
    write('a', 'm', False); write('b', 'm', True, extra_retain=True)
    script, out = ROOT/'scripts'/'paired_runs.py', tmp_path/'fig'
    r = subprocess.run([sys.executable, str(script), '--a', f'new={tmp_path}/a/*/seed0', '--b', f'old={tmp_path}/b/{{c1,c2}}/seed0',
                        '--name', 'cmp', '--figures', str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    p = pd.read_csv(out/'cmp_paired.csv').query("category == 'all'").set_index('metric')
    assert p.loc['AccU', 'diff'] == -100.0 and p.loc['AccU', 'n_pairs'] == 8 and p.loc['AccU', 'hi'] < 0   # every target image flips: exact interval
    assert p.loc['AccR_test', 'diff'] == 0.0 and p.loc['AccR_test', 'lo'] < 0 < p.loc['AccR_test', 'hi']     # none flips: exact, not [0, 0]
    assert (p.n_unmatched == 2).all()    # the 'only here' image of each target, on side b only
    assert '| new − old |' in (out/'cmp_paired.md').read_text() and (out/'cmp_metrics.csv').exists()
    import json
    rec = json.loads((out/'cmp.run.json').read_text()); assert rec['data_hash'] and rec['targets'] == ['c1', 'c2'] and 'versions' in rec
    for args, msg in [(['--a', f'new={tmp_path}/none/*', '--b', f'old={tmp_path}/b/*/seed0'], 'no results'),
                      (['--a', f'new={tmp_path}/a/c1/seed0', '--b', f'old={tmp_path}/b/c2/seed0'], 'share no image'),
                      (['--a', f'old={tmp_path}/a/*/seed0', '--b', f'old={tmp_path}/b/*/seed0'], 'both sides')]:
        r = subprocess.run([sys.executable, str(script), *args, '--name', 'bad', '--figures', str(tmp_path/'bad')], capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1 and not (tmp_path/'bad').exists(), r.stderr

def test_no_committed_paired_interval_has_zero_width():
    "Every committed paired file, both mini worlds', gives an interval of some width: where a bootstrap has nothing to resample, the exact bound (scripts/miniworld1_paired_bounds.py mended the first mini world's files, whose runs are gone)."
    import subprocess, sys
    import pandas as pd
    files = sorted((ROOT / 'figures').rglob('*paired*.csv'))
    assert any('miniworld/experiments' in str(f) for f in files) and any('miniworld2' in str(f) for f in files)
    for f in files:
        p = pd.read_csv(f)
        if {'lo', 'hi'} <= set(p.columns): assert not (p.lo == p.hi).any(), f
    r = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'miniworld1_paired_bounds.py')], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.count('nothing to change') == 2 and r.stdout.count('equals the committed file: yes') == 2, r.stdout
