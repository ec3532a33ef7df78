"""Property-based tests (hypothesis) for the CorefConcept data layer: save/load round trips and the step sampler."""
import tempfile
from pathlib import Path
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
from crce.data import (Concept, CorefConcept, Item, LEVELS, CATEGORIES, StepSampler, sample_step, split_items,
                       to_release, release_to_concepts, CrceError)

# printable texts without the characters the validator rejects (empty, stray whitespace, U+FFFD)
text = st.text(st.characters(blacklist_categories=('Cs', 'Cc', 'Zl', 'Zp', 'Zs'), blacklist_characters='\ufffd'),
               min_size=1, max_size=20)
level = st.sampled_from(LEVELS)

@st.composite
def concepts(draw, min_items=0):
    words = draw(st.lists(text, min_size=4 * min_items, max_size=24, unique_by=str.casefold))
    name = draw(text.filter(lambda t: t.casefold() not in {w.casefold() for w in words}))
    sense = draw(st.none() | text.filter(lambda s: '(' not in s and ')' not in s))
    if sense is not None: name = name.replace('(', '[').replace(')', ']')
    k = len(words) // 4
    parts = [words[i * k:(i + 1) * k] for i in range(4)]
    lv = lambda ws: [(w, draw(level)) for w in ws]
    return Concept(name, draw(st.sampled_from(CATEGORIES)), sense, *[lv(p) for p in parts])

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(concepts(), min_size=0, max_size=4, unique_by=lambda c: c.key))
def test_canonical_round_trip(cs):
    ds = CorefConcept(cs, {'note': 'hypothesis'})
    with tempfile.TemporaryDirectory() as d:
        p = ds.save(Path(d) / 'ds.json')
        back = CorefConcept.load(p, strict=False)
    assert back.concepts == ds.concepts and back.provenance == ds.provenance and back.hash == ds.hash

@settings(max_examples=60, deadline=None)
@given(st.lists(concepts(), min_size=1, max_size=4, unique_by=lambda c: c.key))
def test_release_round_trip(cs):
    back = release_to_concepts(to_release(CorefConcept(cs)), strict=True)
    assert sorted(back, key=lambda c: c.key) == sorted(cs, key=lambda c: c.key)

@settings(max_examples=80, deadline=None)
@given(concepts(min_items=1), st.integers(0, 12), st.integers(0, 12), st.integers(0, 2**31 - 1), st.integers(0, 10_000))
def test_sampler(c, M, N, seed, step):
    nc, nr = len(c.corefs()), len(c.retains())
    s = StepSampler(c, M, N, seed)
    if M > nc or N > nr:
        try: s(step)
        except CrceError as e: assert ('M=' in str(e)) if M > nc else ('N=' in str(e))
        else: raise AssertionError('expected CrceError')
        return
    a = s(step)
    assert a == s(step)                                       # reproducible per (seed, step)
    assert len(a.corefs) == M and len(set(a.corefs)) == M     # without replacement
    assert len(a.retains) == N and len(set(a.retains)) == N
    w = {i.text: i.weight for i in c.corefs()} | {i.text: i.weight for i in c.retains()}
    assert a.coref_weights == [w[t] for t in a.corefs] and a.retain_weights == [w[t] for t in a.retains]

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text, level), min_size=0, max_size=30), st.integers(0, 30), st.integers(0, 1000))
def test_split_keeps_alignment_and_order(items, n_train, seed):
    if n_train > len(items):
        try: split_items(items, n_train, seed)
        except CrceError: return
        raise AssertionError('expected CrceError')
    tr, te = split_items(items, n_train, seed)
    assert len(tr) == n_train and len(tr) + len(te) == len(items)
    allit = [Item(*x) for x in items]
    pos = lambda part: [allit.index(i) for i in part]
    assert sorted(list(tr) + list(te), key=allit.index) == allit or len(set(allit)) < len(allit)
    assert pos(tr) == sorted(pos(tr)) or len(set(allit)) < len(allit)

def test_sampler_uniform_coverage():
    "Over many steps every training coref is drawn, at roughly M/len frequency."
    from crce.data import load_corefconcept
    c = load_corefconcept()['dog']
    s = StepSampler(c, 5, 3, seed=0)
    counts = {}
    for k in range(2000):
        for t in s(k).corefs: counts[t] = counts.get(t, 0) + 1
    assert set(counts) == {i.text for i in c.corefs()}
    freq = np.array(list(counts.values())) / 2000
    assert np.all(np.abs(freq - 0.5) < 0.06), freq
