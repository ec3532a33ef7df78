"""Sharded generation: `crce.evaluate.evaluate` in 2 CPU processes under `accelerate launch` makes every image exactly once.

A tiny random backbone (16 px, 2 DDIM steps) and the test judge `HashJudge` (a hash of the image, not a real judge).
Each process records the (prompt, seed) pairs it generated; together they must cover the job list with no overlap,
the main process returns all results, and a second launch generates nothing.

On this CPU-only machine `accelerate launch --multi_gpu --num_processes 2` starts the processes through torchrun and
`shard_state()` makes them CPU (gloo) processes; accelerate's own `--cpu --num_processes 2` needs MPI for more than one
process. Takes about a minute on 2 busy cores, so it runs with the `slow` flag:

    CRCE_TEST_FLAGS=slow python -m pytest -q tests/test_evaluate_shard.py
"""
import json, os, socket, subprocess, sys, textwrap
from pathlib import Path
import pytest

pytestmark = pytest.mark.skipif('slow' not in os.environ.get('CRCE_TEST_FLAGS', '').split(),
                                reason='slow (about a minute): set CRCE_TEST_FLAGS=slow')

SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    import torch
    torch.set_num_threads(1)
    from crce.backbone import tiny_backbone, generate
    from crce.data import Concept
    from crce.judges import HashJudge
    from crce.evaluate import evaluate, shard_state
    out = Path(sys.argv[1]); state = shard_state()
    made = []
    def gen(bb, prompts, seeds, **kw):
        made.extend([p, int(s)] for p, s in zip(prompts, seeds)); return generate(bb, prompts, seeds, **kw)
    dog = Concept.from_lists('dog', 'object', corefs=[('puppy', 'Very High'), ('hound', 'High'), ('doggy', 'Normal')],
                             retains=[('cat', 'High'), ('wolf', 'Normal'), ('fox', 'Low')], n_train=2)
    res = evaluate(tiny_backbone(0, image_size=16), HashJudge(), [dog], images_per_prompt=3, out_dir=out, num_inference_steps=2,
                   guidance_scale=1.0, batch_size=4, generate_fn=gen, state=state, progress=False)
    (out/f'made-{sys.argv[2]}-{state.process_index}.json').write_text(json.dumps(dict(made=made, n=state.num_processes)))
    if res is not None: res.to_parquet(out/f'res-{sys.argv[2]}.parquet')
''')

def _port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _launch(script: Path, out: Path, tag: str):
    cmd = [sys.executable, '-m', 'accelerate.commands.launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', str(_port()), str(script), str(out), tag]
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'TOKENIZERS_PARALLELISM': 'false', 'HF_HUB_OFFLINE': '1'}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=540, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]

def test_two_processes_make_each_image_once(tmp_path):
    import pandas as pd
    script, out = tmp_path/'job.py', tmp_path/'eval'
    script.write_text(SCRIPT)
    _launch(script, out, 'first')
    logs = [json.loads((out/f'made-first-{i}.json').read_text()) for i in range(2)]
    assert [l['n'] for l in logs] == [2, 2]                       # really two processes
    a, b = ({tuple(x) for x in l['made']} for l in logs)
    assert a and b and not (a & b)                                  # both worked, nothing made twice
    assert sum(len(l['made']) for l in logs) == len(a | b)
    res = pd.read_parquet(out/'res-first.parquet')
    assert len(res) == 7 * 3 and res.path.is_unique
    assert a | b == set(zip(res.prompt, res.seed.astype(int)))      # nothing missing
    assert all((out/p).exists() for p in res.path)
    assert len(list((out/'images').rglob('*.png'))) == 21
    _launch(script, out, 'second')                                  # resuming: nobody generates anything
    assert all(json.loads((out/f'made-second-{i}.json').read_text())['made'] == [] for i in range(2))
    pd.testing.assert_frame_equal(pd.read_parquet(out/'res-second.parquet'), res)
