"""The whole-iteration and generation benchmarks run end to end in their quick modes (small models, seconds of compute):
the released design and crce's same-math design give the same loss, and the JSON carries the fields the docs read.
Timings are not asserted (a shared machine's load decides them)."""
import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]), 'OMP_NUM_THREADS': '1'}


def bench(script, *args):
    return subprocess.run([sys.executable, str(ROOT / 'benchmarks' / script), *map(str, args)], env=ENV, capture_output=True,
                          text=True, timeout=1800)


def test_iteration_benchmark_quick(tmp_path):
    out = tmp_path / 'iteration.json'
    r = bench('iteration.py', '--quick', '--iters', 1, '--warmup', 0, '--out', out)
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.read_text())
    assert set(d['designs']) == {'released', 'crce', 'crce-fast'}
    assert d['same_loss']['equal'] and d['same_loss']['rel_diff'] < 1e-4
    assert d['designs']['released']['losses'][0] == d['same_loss']['released']
    for k, v in d['designs'].items():
        for f in ('wall_per_it', 'cpu_per_it', 'wall_per_it_amortised', 'peak_rss_mib', 'n_params', 'n_trained'):
            assert isinstance(v[f], (int, float)) and v[f] > 0, (k, f)
    assert d['designs']['crce-fast']['pool_wall'] > 0
    assert set(d['ratios_vs_released']['crce']) == {'wall', 'cpu', 'memory'}
    for f in ('machine', 'torch', 'latent', 'M', 'N', 'pool', 'fast_dtype', 'run_iterations', 'command'):
        assert f in d['meta'], f
    assert 'released vs crce first loss' in r.stdout
    # where (b)'s gain comes from: x_t is drawn the same way in (a) and (b), so their x_t times are close and the cap exceeds the ratio
    sp, a, b = d['same_math_split'], d['designs']['released'], d['designs']['crce']
    assert 0 < sp['xt_share'] < 1 and sp['cap'] >= d['ratios_vs_released']['crce']['cpu'] * 0.95 and sp['basis'] == 'cpu'
    assert abs(sp['xt_agreement'] - a['xt_cpu_per_it'] / b['xt_cpu_per_it']) < 1e-12
    assert 0 < b['xt_cpu_per_it'] < b['cpu_per_it'] and 0.5 < a['xt_cpu_per_it'] / b['xt_cpu_per_it'] < 2
    assert 'load_before' in d['meta'] and 'drawing x_t' in r.stdout


def test_generation_benchmark_quick(tmp_path):
    out = tmp_path / 'generation.json'
    r = bench('generation.py', '--quick', '--out', out)
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.read_text())
    w = d['worlds']['tiny']
    assert set(w['forms']) == {'one-at-a-time', 'batched', 'batched-bf16', 'batched-dpm++'}
    assert w['forms']['one-at-a-time']['batch'] == 1 and w['forms']['batched']['batch'] == 8
    assert w['forms']['batched-dpm++']['sampler'] == 'dpm++' and w['forms']['batched-dpm++']['steps'] < w['forms']['batched']['steps']
    for f in w['forms'].values(): assert f['images_per_s'] > 0 and f['speedup'] > 0
    assert w['max_pixel_diff_batched_vs_one'] < 1e-3        # batching changes only the last bits of an image
    assert {'machine', 'torch', 'command', 'load_before'} <= set(d['meta'])


def test_methods_benchmark_mini_world(tmp_path):
    "One erasure per method in its own process on the mini world: CPU seconds, peak memory and the steps its tables use."
    out = tmp_path / 'methods'
    r = bench('methods.py', '--methods', 'esd-x,uce', '--out', out)
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.with_suffix('.json').read_text())
    rows = {x['method']: x for x in d['rows']}
    assert set(rows) == {'esd-x', 'uce'} and {x['world'] for x in d['rows']} == {'mini'}
    assert rows['uce']['steps'] == 0 and rows['esd-x']['steps'] > 0          # the closed form has no steps
    for x in rows.values(): assert x['cpu_s'] > 0 and x['peak_rss_mib'] >= x['model_rss_mib'] > 0 and x['n_trained'] > 0
    assert '| esd-x | mini |' in out.with_suffix('.md').read_text()
    bad = bench('methods.py', '--methods', 'esd-x,nosuch', '--out', tmp_path / 'bad')
    assert bad.returncode == 2 and "unknown method 'nosuch'" in bad.stderr and not (tmp_path / 'bad.json').exists()
    bad = bench('methods.py', '--worlds', 'mini,moon', '--out', tmp_path / 'bad')
    assert bad.returncode == 2 and "--worlds takes mini and/or sd" in bad.stderr and not (tmp_path / 'bad.json').exists()


def test_methods_benchmark_sd_estimate_splits_once_from_per_step():
    "The SD estimate: what an erasure did once (its CPU seconds less its timed steps) plus the official steps at the per-step seconds, plus extra images."
    import importlib.util, sys
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    spec = importlib.util.spec_from_file_location('methods_bench', ROOT / 'benchmarks' / 'methods.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    assert m.estimate(100.0, 2, 500, 10.0) == (80.0, 80.0 + 5000.0)          # 2 timed steps of 10 s in 100 s: 80 s once
    assert m.estimate(100.0, 2, 500, 10.0, extra_s=30.0)[1] == 5110.0          # images beyond the timed ones added
    assert m.estimate(2.5, 0, 0, 0.0) == (2.5, 2.5)                            # a closed form: all of it once
    assert m.estimate(5.0, 2, 10, 4.0) == (0.0, 40.0)                          # noise never makes 'once' negative

