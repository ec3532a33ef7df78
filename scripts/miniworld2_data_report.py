"""Print the properties of mini world 2's data from its shipped files, one line per property with its threshold.

    python scripts/miniworld2_data_report.py [--path crce/assets/miniworld2] [--closeness] [--per-target]

Reads what `crce.miniworld.data2.write_assets` wrote (nbs/23_miniworld2_data.ipynb): manifest.json (artwork sets,
images, image groups, prompt rows of reported and dev targets), corefconcept.json (reported targets), corefconcept-dev.json
(dev targets), the PNG atlases, the license texts and closeness.csv. Counts are over the reported targets; the `dev` lines check
the development targets, on which erase settings are chosen.
Each line reads `PASS|FAIL  property: value (threshold ...)`. The exit status is 0 when every property passes,
1 when one fails, 2 when the files cannot be read.
"""
import argparse, csv, sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--path', help='folder of the world files (default: the one shipped in crce/assets/miniworld2)')
    ap.add_argument('--closeness', action='store_true', help='also print the MiniLM closeness of corefs and retains per target')
    ap.add_argument('--per-target', action='store_true', help='also print the per-target counts')
    a = ap.parse_args(argv)
    from crce.core import CrceError
    from crce.miniworld import data2
    try:
        d = data2.assets_dir(a.path)
        crit = data2.criteria(d)
        m = data2.load_manifest(d)
    except CrceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = data2.manifest_rows(m)
    n_emoji = len({i['code'] for i in m['images']})
    print(f"mini world 2 data: {d}")
    devs = data2.dev_keys(m)
    print(f"  {sum(r['role'] == 'target' and not r['dev'] for r in rows)} reported targets + {len(devs)} dev targets ({', '.join(devs)}; "
          f"erase settings are chosen on these, never reported), {len(rows)} prompts, {len(m['groups'])} image groups, "
          f"{n_emoji} emoji x {len(m['artwork'])} artwork sets = {len(m['images'])} base images "
          f"(training sets: {', '.join(m['train_sets'])}; held out: {m['heldout']})")
    for name, value, th, ok in crit:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value} (threshold {th})")
    if a.per_target:
        print(data2.data_properties(rows, len(m['train_sets'])).to_string(index=False))
    cl = d/'closeness.csv'
    if cl.exists():
        rs = list(csv.DictReader(cl.open(encoding='utf-8')))
        n_re, n_closer = sum(int(r['retains']) for r in rs), sum(int(r['retains_closer']) for r in rs)
        mean = lambda k: sum(float(r[k]) for r in rs)/len(rs)
        print(f"INFO  MiniLM cosine to the target (mean over targets): corefs {mean('coref_cos'):.3f}, retains {mean('retain_cos'):.3f}; "
              f"retains closer than the target's median coref: {n_closer} of {n_re}, in {sum(int(r['retains_closer']) > 0 for r in rs)} of {len(rs)} targets")
        if a.closeness:
            for r in rs:
                print(f"      {r['concept']:<12} coref {float(r['coref_cos']):.3f}  retain {float(r['retain_cos']):.3f}  "
                      f"retains closer than median coref {r['retains_closer']}/{r['retains']}")
    return 0 if all(ok for *_, ok in crit) else 1


if __name__ == '__main__':
    sys.exit(main())
