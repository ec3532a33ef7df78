"""The figures README.md quotes equal the committed files they come from.

Each check finds a phrase of the README (a regular expression whose groups are the quoted numbers) and recomputes those
numbers from the file the README names, rounded as the README rounds them. When a table is rerun and its file changes,
this test fails until the README says what the new file says. A README sentence with numbers and no check here is a gap:
add one."""
import json, re
from pathlib import Path
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / 'README.md').read_text(encoding='utf-8')
TEXT = ' '.join(README.split())   # sentences wrap across lines: compare on single spaces
F = ROOT / 'figures'

def md_table(path: Path) -> pd.DataFrame:
    "The first Markdown table of `path` as strings (header row as columns)."
    rows = [l for l in path.read_text(encoding='utf-8').splitlines() if l.startswith('|')]
    cells = [[c.strip() for c in r.strip('|').split('|')] for r in rows]
    return pd.DataFrame([r for r in cells[2:]], columns=cells[0])

def fmt(x: float, digits: int = 1) -> str:
    "A number as the README writes it: `digits` decimals."
    return f'{x:.{digits}f}'

def quoted(pattern: str, text: str = TEXT, where: str = 'README') -> tuple[str, ...]:
    "The groups of `pattern` in `text` (the README's, single-spaced); a failure naming `where` when the phrase is gone."
    m = re.search(pattern, text)
    assert m, f"{where} no longer has the phrase {pattern!r}: update {where} and this check together"
    return m.groups()

def demo_cell(method: str, metric: str) -> tuple[str, str, str]:
    "(value, lo, hi) of `metric` for `method` in the demo's table row, whose cells read 'value [lo, hi]' under headers 'AccU ↓', ..."
    t = md_table(F / 'demo' / 'table_row_dog_crce.md').set_index('method')
    col = next(c for c in t.columns if c.rsplit(' ', 1)[0] == metric)
    return re.fullmatch(r'(\S+) \[(\S+), (\S+)\]', t.loc[method, col]).groups()

def short(x: str) -> str:
    "How the README writes the demo's whole percentages: 100.0 and 50.0 as '100' and '50'."
    v = float(x)
    return str(int(v)) if v == int(v) else fmt(v)

def table1() -> pd.DataFrame:
    t = pd.read_csv(F / 'miniworld' / 'experiments' / 'table1.csv')
    return t[t.source == 'ours']

def t1(method: str, metric: str, category: str = 'all', col: str = 'value') -> float:
    t = table1()
    return float(t[(t.method == method) & (t.metric == metric) & (t.category == category)][col].iloc[0])

def m2(method: str, metric: str) -> float:
    "The mini world's Table 1 over all targets and seeds (figures/miniworld2/experiments/table1_metrics.csv)."
    m = pd.read_csv(F / 'miniworld2' / 'experiments' / 'table1_metrics.csv')
    return float(m[(m.method == method) & (m.category == 'all')][metric].iloc[0])

def p2(method: str, metric: str, reference: str = 'esd-x') -> tuple:
    "(difference, lo, hi) of `method` - `reference` on the same images, all targets (table1_paired.csv)."
    p = pd.read_csv(F / 'miniworld2' / 'experiments' / 'table1_paired.csv')
    r = p[(p.method == method) & (p.reference == reference) & (p.category == 'all') & (p.metric == metric)].iloc[0]
    return (float(r['diff']), float(r.lo), float(r.hi))

def top_balanced(k: int) -> list[tuple[str, float]]:
    "The mini world's Table 1 rows with the `k` highest balanced scores (all targets), named as the paper and the results page name them."
    from crce.evaluate import PAPER_NAMES
    m = pd.read_csv(F / 'miniworld2' / 'experiments' / 'table1_metrics.csv').query("category == 'all' and method != 'original'")
    names = {**PAPER_NAMES, 'ap': 'AP', 'ca': 'CA'}
    return [(names[r.method], r.balanced) for r in m.nlargest(k, 'balanced').itertuples()]

CHECKS = {
    'benchmarks: whole iterations (same math, fast settings) and batched generation':
        (r'a CRCE iteration with the same math is (\S+)x faster than the released code\'s design, and (\S+)x with the fast settings '
         r'\(a frozen trajectory pool and bf16\); batched generation makes (\S+)x the images per second',
         lambda: (lambda i, g: (f"{i['ratios_vs_released']['crce']['cpu']:.2f}", f"{i['ratios_vs_released']['crce-fast']['cpu']:.2f}",
                                f"{g['worlds']['sd-arch']['forms']['batched']['speedup']:.2f}"))(
             json.loads((F / 'benchmark' / 'iteration_cpu.json').read_text()), json.loads((F / 'benchmark' / 'generation_cpu.json').read_text()))),
    'demo AccU, AccC test, AccR test before -> after':
        (r'AccU (\S+) → (\S+), AccC test (\S+) → (\S+), AccR test (\S+) → (\S+) ',
         lambda: tuple((short if k == 'AccU' else str)(demo_cell(m, k)[0]) for k in ('AccU', 'AccC test', 'AccR test') for m in ('original', 'crce'))),
    'demo AccU interval after erasure':
        (r'AccU after erasure \[(\S+), (\S+)\]', lambda: (short(demo_cell('crce', 'AccU')[1]), demo_cell('crce', 'AccU')[2])),
    'demo: images per prompt':
        (r'on "dog" \(`figures/demo/table_row_dog_crce.md`, (\d+) images per prompt',
         lambda: (re.search(r'(\d+) images per prompt', (F / 'demo' / 'table_row_dog_crce.md').read_text()).group(1),)),
    'demo: original images of dog judged to show a dog':
        (r'in the demo, (\d+) of the original model\'s (\d+) images of "dog"',
         lambda: (lambda r: (str(round(float(demo_cell('original', 'AccU')[0]) / 100 * int(r))), r))(
             re.search(r'(\d+) images per prompt', (F / 'demo' / 'table_row_dog_crce.md').read_text()).group(1))),
    'mini world judge: held-out artwork and agreement with the second judge':
        (r'names the right emoji in (\S+)% of the drawings of a fourth set it never saw \((\w+)\) and answers the yes/no question correctly in (\S+)% of them; on (\d+) generated images it agrees with a training-free nearest-neighbour judge in (\S+)% \(kappa (\S+)\)',
         lambda: (lambda j: (fmt(j['heldout_top1']), j['heldout'].capitalize(), fmt(j['heldout_accuracy']), str(j['agreement_generated']['n']),
                             fmt(100 * j['agreement_generated']['agreement']), f"{j['agreement_generated']['kappa']:.2f}"))(
             json.loads((F / 'miniworld2' / 'judge' / 'judge_report.json').read_text()))),
    'Table 1 balanced scores':
        (r'CRCE (\S+) \[(\S+), (\S+)\], CRCE-Fixed (\S+), ESD-x (\S+) \[(\S+), (\S+)\], CRCE-Sphere (\S+), RealEra (\S+), AP (\S+);',
         lambda: (fmt(t1('crce', 'balanced')), fmt(t1('crce', 'balanced', col='lo')), fmt(t1('crce', 'balanced', col='hi')),
                  fmt(t1('crce-fixed', 'balanced')), fmt(t1('esd-x', 'balanced')), fmt(t1('esd-x', 'balanced', col='lo')),
                  fmt(t1('esd-x', 'balanced', col='hi')), fmt(t1('crce-sphere', 'balanced')), fmt(t1('realera', 'balanced')),
                  fmt(t1('ap', 'balanced')))),
    'Table 1 CRCE vs ESD-x on train corefs, test retains and test corefs':
        (r'AccC train (\S+) vs (\S+) for ESD-x\) and keeps more retains \(AccR test (\S+) vs (\S+)\); held-out corefs are erased by both \((\S+) vs (\S+)\)',
         lambda: tuple(fmt(t1(m, k)) for k in ('AccC_train', 'AccR_test', 'AccC_test') for m in ('crce', 'esd-x'))),
    'mini world Table 1: ESD-x against the original model':
        (r'ESD-x removes the targets \(AccU (\S+) → (\S+)\) but leaves (\S+)% of held-out coref images recognisable \(original model: (\S+)%\)',
         lambda: (fmt(m2('original', 'AccU')), fmt(m2('esd-x', 'AccU')), fmt(m2('esd-x', 'AccC_test')), fmt(m2('original', 'AccC_test')))),
    'mini world Table 1: CRCE - ESD-x on the same images':
        (r'CRCE erases more held-out corefs than ESD-x \((\S+) points \[(\S+), (\S+)\]\) and keeps retains no better \(AccR test (\S+) \[(\S+), (\S+)\], a tie',
         lambda: tuple(f'{v:+.1f}' if i in (3,) else fmt(v) for i, v in enumerate(p2('crce', 'AccC_test') + p2('crce', 'AccR_test')))),
    'mini world Table 1: the highest balanced scores, in order':
        (r'the highest balanced scores \((\w+) (\S+), (\w+) (\S+), (\w+) (\S+), CRCE (\S+)\)',
         lambda: tuple(x for k, v in top_balanced(3) for x in (k, fmt(v))) + (fmt(m2('crce', 'balanced')),)),
    'mini world Table 1: Receler over-erases, SPM leaves targets and loses retains':
        (r'Receler over-erases \(AccR test (\S+), ESD-x (\S+)\) and SPM leaves targets \(AccU (\S+)\) and loses retains \((\S+)\)',
         lambda: (fmt(m2('receler', 'AccR_test')), fmt(m2('esd-x', 'AccR_test')), fmt(m2('spm', 'AccU')), fmt(m2('spm', 'AccR_test')))),
    'geometry: retain closer than a coref, nearest item a retain':
        (r'a coref in (\d+)% of \(retain, coref\) pairs \(pooled vector\), and for (\d+) of (\d+) targets',
         lambda: (lambda a: (str(round(100 * float(a.frac_retain_closer_pairs))), str(a.targets_nearest_is_retain), str(a.targets)))(
             md_table(F / 'geometry' / 'corefconcept_separation_categories_minilm-pooled.md').set_index('category').loc['all'])),
    'LLM example: requests per concept':
        (r'dog and bat both end as valid CorefConcept entries after (\d+) and (\d+) requests',
         lambda: tuple(str(json.loads((F / 'llm' / 'smollm2_example.json').read_text())['provenance']['generations'][k]['rounds'])
                       for k in ('dog', 'bat'))),
    'step benchmark: CPU time ratio':
        (r'16x16 latents: (\S+)x less CPU time per step',
         lambda: (lambda t: (f"{float(t.iloc[1]['s / step (CPU)']) / float(t.iloc[0]['s / step (CPU)']):.2f}",))(
             md_table(F / 'benchmark' / 'step_cpu.md'))),
}

@pytest.mark.parametrize('name', list(CHECKS))
def test_readme_number_equals_its_file(name):
    pattern, expected = CHECKS[name]
    assert quoted(pattern) == expected(), f"README's {name} disagrees with the committed file"

def test_the_checks_can_fail():
    "A changed figure in the README text is caught (the check compares values, not just the phrase)."
    pattern, expected = CHECKS['Table 1 balanced scores']
    wrong = re.sub(r'CRCE \d+\.\d \[', 'CRCE 12.3 [', TEXT, count=1)   # the first mini world's 'CRCE 98.3 [94.9, 100.0]'
    assert re.search(pattern, wrong).groups() != expected()
    pattern, expected = CHECKS['mini world Table 1: CRCE - ESD-x on the same images']
    wrong = TEXT.replace('held-out corefs than ESD-x (-4.0 points', 'held-out corefs than ESD-x (-9.9 points')
    assert wrong != TEXT and re.search(pattern, wrong).groups() != expected()


def test_mini_world_table6_ties():
    "README: 'all N certainty variants tie with full CRCE on every column' is what table6_paired.csv says."
    n, = quoted(r"Table 6 \(24 targets, seed 0\): all (\d+) certainty variants tie with full CRCE on every column")
    p = pd.read_csv(F / 'miniworld2' / 'experiments' / 'table6_paired.csv')
    v = p[(p.reference == 'crce') & (p.method.str.startswith('crce-'))]
    assert int(n) == v.method.nunique() and (v.conclusion == 'ties (cannot be resolved)').all()
    assert pd.read_csv(F / 'miniworld2' / 'experiments' / 'table6_metrics.csv').query("category == 'all'").n_concepts.max() == 24


def test_mini_world_table7_m_matters_n_does_not():
    "README: against M=5, N=3, all M=1 cells leave more corefs (AccC train and test worse), all M=10 cells erase more training corefs, no cell's retains differ; as table7_paired.csv says."
    k1, k10 = quoted(r"all (\d+) M = 1 cells leave more\s+coref images recognisable and all (\d+) M = 10 cells erase more training corefs")
    p = pd.read_csv(F / 'miniworld2' / 'experiments' / 'table7_paired.csv').query("category == 'all' and reference == 'crce' and method != 'original'")
    cells = p.method.str.extract(r'crce-M(\d+)-N(\d+)').astype(float).rename(columns={0: 'M', 1: 'N'})
    p = p.join(cells)
    m1, m10 = p[p.M == 1], p[p.M == 10]
    assert int(k1) == m1.method.nunique() == 4 and int(k10) == m10.method.nunique() == 4
    assert (m1[m1.metric.isin(['AccC_train', 'AccC_test'])].conclusion == 'reference better').all()
    assert (m10[m10.metric == 'AccC_train'].conclusion == 'method better').all()
    assert (p[p.metric.isin(['AccR_train', 'AccR_test'])].conclusion == 'ties (cannot be resolved)').all()
    assert p.method.nunique() == 15 and pd.read_csv(F / 'miniworld2' / 'experiments' / 'table7_metrics.csv').query("category == 'all'").n_concepts.max() == 24


def test_mace_one_at_a_time_keeps_retains():
    "README: MACE keeps N points more of the held-out retains erasing the ten targets one at a time; mace10_vs_single_paired.csv's resolved difference."
    v, = quoted(r"keeps ([\d.]+) points more of their held-out\s+retains when it erases them one at a time")
    p = pd.read_csv(F / 'miniworld2' / 'experiments' / 'mace10_vs_single_paired.csv').query("category == 'all' and metric == 'AccR_test'").iloc[0]
    assert f"{-p['diff']:.1f}" == v and p.conclusion == 'reference better' and p.hi < 0


def test_ap_table1_on_the_mini_world():
    "README: UCE, CA and AP keep more preserved classes than ESD (PSR-1 differences, each resolved), AP ties with CA and UCE on preservation and erases least; as ap-table1_paired*.csv and ap-table1.csv say."
    u, c, a = quoted(r"\(PSR-1 \+([\d.]+), \+([\d.]+) and \+([\d.]+) points\), as in the paper")
    d = F / 'miniworld2' / 'ap_table1'
    p = pd.read_csv(d / 'ap-table1_paired.csv').query("reference == 'ESD' and metric == 'PSR-1'").set_index('method')
    assert (u, c, a) == tuple(f"{p.loc[m, 'diff']:.1f}" for m in ('UCE', 'CA', 'AP'))
    assert (p.loc[['UCE', 'CA', 'AP'], 'conclusion'] == 'method better').all() and (p.loc[['UCE', 'CA', 'AP'], 'lo'] > 0).all()
    pa = pd.read_csv(d / 'ap-table1_paired_ap.csv').query("reference == 'AP' and method in ['UCE', 'CA'] and metric in ['PSR-1', 'PSR-5']")
    assert len(pa) == 4 and (pa.conclusion == 'ties (cannot be resolved)').all()
    e_ap, e_esd = quoted(r"erases least\s+\(ESR-5 ([\d.]+), ESD ([\d.]+)\)")
    t = pd.read_csv(d / 'ap-table1.csv').set_index('method')
    assert (e_ap, e_esd) == (f"{t.loc['AP', 'ESR-5']:.1f}", f"{t.loc['ESD', 'ESR-5']:.1f}")
    assert t.loc['AP', 'ESR-5'] == t.loc[['ESD', 'UCE', 'CA', 'AP'], 'ESR-5'].min() and (t.units == 4).all() and (t.seeds == 3).all()
    worse = pd.read_csv(d / 'ap-table1_paired_ap.csv').query("metric == 'ESR-5' and method in ['ESD', 'UCE', 'CA']")
    assert (worse.conclusion == 'method better').all()   # every other erasure erases more than AP, resolved
