"""Train the mini world 2 judge (MiniJudge2) from renderings of the training artwork sets and write the shipped files.

    OMP_NUM_THREADS=1 python scripts/train_miniworld2_judge.py [--out crce/assets/miniworld2] [--steps 4000] [--seed 0]

Writes judge2.safetensors (weights) and judge2.json (configuration, seed, manifest hash, classes, library versions) into
--out (default: the shipped folder, crce/assets/miniworld2/, which this overwrites). One CPU thread, about 20 minutes with the
defaults (nbs/25_miniworld2_judge.ipynb). Prints the judge's accuracy on the held-out artwork set at the end.
The exit status is 0 on success, 2 when the world's files cannot be read.
"""
import argparse, json, sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', help='output folder (default: the shipped crce/assets/miniworld2/)')
    ap.add_argument('--steps', type=int, help='training steps (default: Judge2Config().steps)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--no-progress', action='store_true')
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    from crce.core import CrceError
    from crce.miniworld import judge2 as J
    cfg = J.Judge2Config(seed=a.seed, **({'steps': a.steps} if a.steps else {}))
    try:
        judge, record = J.train_judge2(cfg, device='cpu', progress=not a.no_progress)
    except CrceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    path = J.save_judge2(judge, a.out, record)
    print(f"wrote {path} and {path.with_name('judge2.json')} ({record['seconds']} s wall, {record['cpu_seconds']} s CPU, final loss {record['final_loss']:.3f})")
    acc = J.heldout_accuracy(J.load_judge2(path.parent))
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in acc.items()}, indent=1))
    return 0


if __name__ == '__main__': sys.exit(main())
