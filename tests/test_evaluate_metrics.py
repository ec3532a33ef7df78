"""Property tests of `crce.evaluate.metrics` on random tidy frames (no model, no judge: hand-made verdicts).

- per concept, each accuracy is 100 * (yes / judged) over that concept's images of the metric's group (parse failures excluded);
- a category average is the mean of its concepts' accuracies;
- every bootstrap interval contains its point estimate, and is reproducible from the seed;
- the balanced score is mean(100 - AccU, 100 - AccC_test, AccR_test).
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
