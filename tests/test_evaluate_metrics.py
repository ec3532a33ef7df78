"""Property tests of `crce.evaluate.metrics` on random tidy frames (no model, no judge: hand-made verdicts).

- per concept, each accuracy is 100 * (yes / judged) over that concept's images of the metric's group (parse failures excluded);
- a category average is the mean of its concepts' accuracies;
- every bootstrap interval contains its point estimate, and is reproducible from the seed;
- the balanced score is mean(100 - AccU, 100 - AccC_test, AccR_test);
- paired differences (`paired_differences`) equal the concept-averaged per-image differences on matched images, are 0 for a method against itself (with the exact agreeing bound as interval) and change sign when the roles swap;
- every image has its own noise seed (`plan_jobs`), the same for every method and however the jobs are sharded.
"""
import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st, HealthCheck
from crce.evaluate import metrics, balanced_score, METRICS, GROUPS

@st.composite
def frames(draw):
    rows = []
    n_concepts = draw(st.integers(1, 4))
    for c in range(n_concepts):
        cat = draw(st.sampled_from(['object', 'ip']))
        for g in GROUPS:
            for v in draw(st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=8)):
                rows.append(dict(method='m', judge='j', concept=f'c{c}', category=cat, group=g, verdict=v))
    df = pd.DataFrame(rows)
    df['verdict'] = df.verdict.astype('boolean')
    return df

def _manual(df):
    out = {}
    for (c, cat), u in df.groupby(['concept', 'category']):
        vals = {}
        for m, g in METRICS.items():
            v = u[u.group == g].verdict.dropna()
            vals[m] = 100 * v.astype(bool).mean() if len(v) else np.nan
        out[c] = (cat, vals)
    return out

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.integers(0, 3))
def test_metrics_match_hand_computation(df, seed):
    mc = metrics(df, n_boot=50, seed=seed)
    man = _manual(df)
    for _, r in mc.iterrows():
        cat, vals = man[r.concept]
        assert r.category == cat
        for m in METRICS:
            if np.isnan(vals[m]): assert np.isnan(r[m])
            else:
                assert abs(r[m] - vals[m]) < 1e-9
                assert r[f'{m}_lo'] - 1e-9 <= r[m] <= r[f'{m}_hi'] + 1e-9
        want = balanced_score(r.AccU, r.AccC_test, r.AccR_test)
        assert (np.isnan(want) and np.isnan(r.balanced)) or abs(r.balanced - want) < 1e-9
        assert r.n_fail == int(df[df.concept == r.concept].verdict.isna().sum())
        assert r.n_images == int((df.concept == r.concept).sum())
    mcat = metrics(df, level='category', n_boot=50, seed=seed)
    for _, r in mcat.iterrows():
        sub = mc[mc.category == r.category]
        for m in METRICS:
            want = sub[m].mean()   # pandas skips NaN, like nanmean
            assert (np.isnan(want) and np.isnan(r[m])) or abs(r[m] - want) < 1e-9
    pd.testing.assert_frame_equal(metrics(df, n_boot=50, seed=seed), mc)


# --- paired differences and per-image noise seeds ---
from crce.evaluate import paired_differences, plan_jobs, image_seed, PAIRED_WORDS, shard, agreeing_bound
from crce.data import Concept
from crce.evaluate import eval_prompts

@st.composite
def paired_frames(draw):
    "Two methods with verdicts on the same (concept, group, prompt, seed) images, some of them missing on one side."
    rows = []
    for c in range(draw(st.integers(1, 4))):
        for g in GROUPS:
            for s in range(draw(st.integers(1, 3))):
                for m in ('a', 'b'):
                    if draw(st.integers(0, 5)) == 0: continue   # an image one method lacks
                    rows.append(dict(method=m, judge='j', concept=f'c{c}', category='object', group=g, prompt=f'c{c}-{g}', seed=s,
                                     verdict=draw(st.sampled_from([True, False, None]))))
    df = pd.DataFrame(rows, columns=['method', 'judge', 'concept', 'category', 'group', 'prompt', 'seed', 'verdict'])
    df['verdict'] = df.verdict.astype('boolean')
    return df

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paired_frames(), st.integers(0, 3))
def test_paired_differences_match_hand_computation(df, seed):
    if not {'a', 'b'} <= set(df.method): return
    pdf = paired_differences(df, 'b', n_boot=50, seed=seed).set_index('metric')
    key = ['concept', 'group', 'prompt', 'seed']
    p = df[df.method == 'a'].merge(df[df.method == 'b'], on=key, suffixes=('_a', '_b')).dropna(subset=['verdict_a', 'verdict_b'])
    p['x'] = p.verdict_a.astype(int) - p.verdict_b.astype(int)
    for m, g in METRICS.items():
        pg = p[p.group == g]
        assert pdf.loc[m, 'n_pairs'] == len(pg)
        want = 100 * pg.groupby('concept').x.mean().mean() if len(pg) else np.nan
        got = pdf.loc[m, 'diff']
        assert (np.isnan(want) and np.isnan(got)) or abs(got - want) < 1e-9
        if not np.isnan(got):
            assert pdf.loc[m, 'lo'] - 1e-9 <= got <= pdf.loc[m, 'hi'] + 1e-9 or pdf.loc[m, 'conclusion'] == PAIRED_WORDS[2]
    # against itself: exactly zero, every pair agrees, so the exact agreeing bound around 0 (never a zero-width interval), a tie
    same = paired_differences(df, 'b', methods=['b'], n_boot=20, seed=seed).set_index('metric')
    assert set(same.conclusion) == {PAIRED_WORDS[2]}
    judged = df[(df.method == 'b') & df.verdict.notna()]   # its pairs: every image of b with a verdict
    for m, r in same[same['diff'].notna()].iterrows():
        assert r['diff'] == 0 and r.wins == 0 and r.losses == 0
        want = agreeing_bound(int(r.n_pairs)) if m in METRICS else \
            np.mean([agreeing_bound(int((judged.group == METRICS[k]).sum())) for k in ('AccU', 'AccC_test', 'AccR_test')])
        assert 0 < r.hi <= 100 and abs(r.hi - want) < 1e-9 and abs(r.lo + r.hi) < 1e-9
    # swapping the roles flips the sign; the conclusion swaps with it
    rev = paired_differences(df, 'a', methods=['b'], n_boot=50, seed=seed).set_index('metric')
    np.testing.assert_allclose(rev['diff'].to_numpy(float), -pdf['diff'].to_numpy(float), atol=1e-9)
    swap = {PAIRED_WORDS[0]: PAIRED_WORDS[1], PAIRED_WORDS[1]: PAIRED_WORDS[0], PAIRED_WORDS[2]: PAIRED_WORDS[2]}
    assert rev.conclusion.tolist() == [swap[w] for w in pdf.conclusion]
    pd.testing.assert_frame_equal(paired_differences(df, 'b', n_boot=50, seed=seed).set_index('metric'), pdf)

def _prompts():
    dog = Concept.from_lists('dog', 'object', corefs=[('puppy', 'Very High'), ('hound', 'High'), ('doggy', 'Normal')],
                             retains=[('cat', 'High'), ('wolf', 'Normal'), ('fox', 'Low')], n_train=2)
    horse = Concept.from_lists('horse', 'object', corefs=[('pony', 'High'), ('stallion', 'Normal')], retains=[('zebra', 'High'), ('cat', 'Low')], n_train=1)
    return eval_prompts([dog, horse])

@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5), st.integers(1, 4))
def test_noise_seeds_per_image(seed, k, n_shards):
    p = _prompts()
    jobs = plan_jobs(p, k, seed, 'a')
    assert jobs.seed.between(0, 2**31 - 1).all() and jobs.path.is_unique
    assert jobs.groupby(['concept', 'group', 'index']).seed.nunique().eq(k).all()        # different across k
    assert jobs.groupby('concept').seed.nunique().min() > k                                 # different across prompts
    assert plan_jobs(p, k, seed, 'b').seed.tolist() == jobs.seed.tolist()                   # the same for every method
    # planned in shards (each process its share of the prompts): the same seeds
    parts = [plan_jobs(p.iloc[list(shard(range(len(p)), _State(i, n_shards)))], k, seed, 'a') for i in range(n_shards)]
    assert pd.concat(parts, ignore_index=True).seed.tolist() == jobs.seed.tolist()
    assert jobs.seed.iloc[0] == image_seed(seed, jobs.concept.iloc[0], jobs.prompt.iloc[0], 0)

class _State:
    def __init__(self, i, n): self.process_index, self.num_processes = i, n
    def split_between_processes(self, items):
        import contextlib
        k, r = divmod(len(items), self.num_processes)
        start = self.process_index * k + min(self.process_index, r)
        return contextlib.nullcontext(items[start:start + k + (self.process_index < r)])
