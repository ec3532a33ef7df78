"""Measure what mini world 2 costs: one (method, concept, seed) erase + evaluation on one core, the full Table 1 that
implies on two, and `crce demo` alone and beside a busy process. Writes figures/miniworld2/cost.json.

    python scripts/miniworld2_cost.py [--method crce] [--concept dog] [--model mini2] [--out /tmp/crce-cost]

Each figure is a wall-clock time on this machine (its CPU model is recorded beside it). The busy process is a
one-thread PyTorch matrix-multiply loop, the load another job puts on a 2-core machine.
"""
import argparse, json, os, platform, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY = "import torch; torch.set_num_threads(1); a = torch.randn(512, 512)\nwhile True: a = (a @ a).tanh()"


def timed(cmd, env=None) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0: sys.exit(f"error: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t0


def cpu_model() -> str:
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor()


def demo_world() -> str:
    "The label of the world `crce demo` runs on (the criteria check that the demo was timed on the mini world)."
    from crce.demo import WORLD
    from crce.worlds import resolve_world
    return resolve_world(WORLD).label

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--method', default='crce'); ap.add_argument('--concept', default='dog'); ap.add_argument('--model', default='mini2')
    ap.add_argument('--out', default='/tmp/crce-cost'); ap.add_argument('--report', default=str(ROOT/'figures'/'miniworld2'/'cost.json'))
    ap.add_argument('--table1-methods', type=int, default=6, help='methods in Table 1 besides the original model')
    a = ap.parse_args(argv)
    out = Path(a.out); shutil.rmtree(out, ignore_errors=True)
    env1 = dict(os.environ, CRCE_THREADS='1', OMP_NUM_THREADS='1')
    crce = ['crce']
    erase_s = timed(crce + ['erase', '--model', a.model, '--concepts', a.concept, '--method', a.method, '--out', str(out/'erase')], env1)
    eval_s = timed(crce + ['evaluate', '--model', a.model, '--concepts', a.concept, '--erasure', str(out/'erase'), '--method', a.method, '--out', str(out/'eval')], env1)
    orig_s = timed(crce + ['evaluate', '--model', a.model, '--concepts', a.concept, '--out', str(out/'orig')], env1)
    per = erase_s + eval_s
    table1_h = (24*3*(a.table1_methods*per + orig_s))/2/3600        # two processes (--concepts shards); the original model is evaluated per concept and seed (each seed its own noise)
    env2 = {k: v for k, v in os.environ.items() if k not in ('CRCE_THREADS', 'OMP_NUM_THREADS')}
    demo_s = timed(crce + ['demo', '--out', str(out/'demo'), '--quiet'], env2)
    busy = subprocess.Popen([sys.executable, '-c', BUSY], env=env2)
    try:
        time.sleep(65)                                                   # let the 1-minute load average see the busy process
        demo_busy_s = timed(crce + ['demo', '--out', str(out/'demo-busy'), '--quiet'], env2)
    finally: busy.kill()
    rec = dict(model=a.model, method=a.method, concept=a.concept, erase_s=round(erase_s, 1), evaluate_s=round(eval_s, 1),
               original_evaluate_s=round(orig_s, 1), erase_eval_s=round(per, 1), table1_methods=a.table1_methods, table1_h=round(table1_h, 2),
               demo_s=round(demo_s, 1), demo_busy_s=round(demo_busy_s, 1), demo_world=demo_world(), cpu=cpu_model(), cores=os.cpu_count())
    Path(a.report).parent.mkdir(parents=True, exist_ok=True)
    Path(a.report).write_text(json.dumps(rec, indent=1) + '\n')
    print(json.dumps(rec, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
