"""The figures the results and reproduce pages (results.qmd, reproduce.qmd) write by hand equal the committed files they come from.

Most tables on these pages are included from files under figures/ and cannot drift; the prose around them quotes
numbers that can. Each check finds a phrase of a page (a regular expression whose groups are the quoted numbers, and
sometimes the word the page uses for a paired comparison: 'resolved' or 'a tie') and recomputes them from the file they
come from, rounded as the page rounds them. The helpers are tests/test_readme_numbers.py's, which does the same for the
README. A sentence of the page with numbers and no check here or in an included file is a gap: add one."""
import json, re, sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_readme_numbers as rn   # noqa: E402
from test_readme_numbers import ROOT, fmt, m2, p2, top_balanced   # noqa: E402

PAGES = {name: ' '.join((ROOT / name).read_text(encoding='utf-8').split()) for name in ('results.qmd', 'reproduce.qmd')}   # sentences wrap
TEXT = PAGES['results.qmd']

def quoted(pattern: str, page: str = 'results.qmd') -> tuple[str, ...]:
    return rn.quoted(pattern, PAGES[page], page)

def signed(x: float) -> str:
    "A paired difference as the page writes it: '-7.6', '+2.6'."
    return f'{x:+.1f}'

def verdict(method: str, metric: str, reference: str = 'esd-x') -> str:
    "'a tie' when the paired 95% interval of `method` - `reference` holds 0, else 'resolved'."
    _, lo, hi = p2(method, metric, reference)
    return 'a tie' if lo <= 0 <= hi else 'resolved'

CHECKS = {
    'Receler: AccC test and AccR test against ESD-x, the original model\'s AccR test':
        (r'Receler over-erases\.\*\* It erases more corefs than ESD-x \(AccC test (\S+) against (\S+)\) and the retains '
         r'with them \(AccR test (\S+) against (\S+); the original model (\S+)\)',
         lambda: tuple(fmt(m2(m, k)) for m, k in (('receler', 'AccC_test'), ('esd-x', 'AccC_test'), ('receler', 'AccR_test'),
                                                   ('esd-x', 'AccR_test'), ('original', 'AccR_test')))),
    'SPM: AccU against ESD-x, AccR test':
        (r'leaves more of the targets than ESD-x \(AccU (\S+) against (\S+)\) and keeps (\S+)% of held-out retains',
         lambda: (fmt(m2('spm', 'AccU')), fmt(m2('esd-x', 'AccU')), fmt(m2('spm', 'AccR_test')))),
    'FMN: paired AccR test difference and its verdict, AccU against ESD-x':
        (r'FMN keeps fewer retains than ESD-x \((\S+) points on the same images, (resolved|a tie)\).*? it leaves (\S+)% of the '
         r'targets recognisable \(ESD-x (\S+)\)',
         lambda: (signed(p2('fmn', 'AccR_test')[0]), verdict('fmn', 'AccR_test'), fmt(m2('fmn', 'AccU')), fmt(m2('esd-x', 'AccU')))),
    'UCE and MACE: paired AccC test and AccR test differences, UCE\'s retain tie':
        (r'Both erase more held-out corefs than ESD-x \((\S+) and (\S+) points\) and cost retains a few points \((\S+), (a tie|resolved), and (\S+)\)',
         lambda: (signed(p2('uce', 'AccC_test')[0]), signed(p2('mace', 'AccC_test')[0]), signed(p2('uce', 'AccR_test')[0]),
                  verdict('uce', 'AccR_test'), signed(p2('mace', 'AccR_test')[0]))),
    'CA: AccU':
        (r'\*\*CA\*\* \(from the AP paper\'s comparisons; not a row of the CRCE paper\'s Table 1\) leaves (\S+)% of the targets',
         lambda: (fmt(m2('ca', 'AccU')),)),
    'balanced ranking: the two highest, and CRCE':
        (r'(\w+) \((\S+)\) and (\w+) \((\S+)\) have the highest balanced scores here, above CRCE \((\S+)\), because this '
         r'conservative judge keeps the retains\' score low to begin with \((\S+) for the original model\)',
         lambda: (*(x for name, b in top_balanced(2) for x in (name, fmt(b))), fmt(m2('crce', 'balanced')), fmt(m2('original', 'AccR_test')))),
    'AP: paired balanced difference to ESD-x and its verdict':
        (r'\*\*AP\*\* \(from the second seed paper; not a row of the CRCE paper\'s Table 1\) has a higher balanced score than ESD-x '
         r'\((\S+), (resolved|a tie)\)',
         lambda: (signed(p2('ap', 'balanced')[0]), verdict('ap', 'balanced'))),
}

def bench(name: str) -> dict:
    return json.loads((ROOT / 'figures' / 'benchmark' / name).read_text())

def it(design: str, field: str = 'cpu_per_it_amortised') -> float:
    "A figure of one design in the whole-iteration benchmark (figures/benchmark/iteration_cpu.json)."
    return bench('iteration_cpu.json')['designs'][design][field]

def gen(world: str, form: str) -> str:
    "A form's images per second over one-at-a-time, as the page writes it (figures/benchmark/generation_cpu.json)."
    return f"{bench('generation_cpu.json')['worlds'][world]['forms'][form]['speedup']:.2f}"

def x(ratio: float) -> str: return f'{ratio:.2f}'

REPRODUCE = {
    'iteration: released and same-math CPU seconds, ratio, first-loss agreement, peak memory':
        (r"one iteration took (\S+) s of CPU time in the released code's design .*? and (\S+) s in crce's design with the same math "
         r"\((\S+)x, the same first loss to (\S+); (\d+) instead of (\d+) MiB peak memory",
         lambda: (fmt(it('released')), fmt(it('crce')), x(bench('iteration_cpu.json')['ratios_vs_released']['crce']['cpu']),
                  re.sub(r'e-0(\d)', r'e-\1', f"{bench('iteration_cpu.json')['same_loss']['rel_diff']:.1e}"),
                  f"{it('crce', 'peak_rss_mib'):.0f}", f"{it('released', 'peak_rss_mib'):.0f}")),
    'iteration: fast settings':
        (r'With the fast settings it took (\S+) s \((\S+)x\)',
         lambda: (x(it('crce-fast')), x(bench('iteration_cpu.json')['ratios_vs_released']['crce-fast']['cpu']))),
    'iteration: the pool\'s cost':
        (r'each trajectory costs about (\d+) s of CPU once, and the figure is for a pool of (\d+) spread over a (\d+)-iteration run',
         lambda: (lambda m: (f"{it('crce-fast', 'pool_cpu') / m['pool']:.0f}", str(m['pool']), str(m['run_iterations'])))(bench('iteration_cpu.json')['meta'])),
    'iteration: where the same math\'s gain comes from':
        (r"\*\*The same math, (\S+)x\.\*\* .*? took (\S+) s of the released design's (\S+) s and (\S+) s of crce's (\S+) s, (\d+)% of crce's "
         r"iteration\. crce's step \(loss, backward, Adam\) is (\S+)x faster .*? more than (\S+)x faster here",
         lambda: (lambda sp: (x(bench('iteration_cpu.json')['ratios_vs_released']['crce']['cpu']), fmt(it('released', 'xt_cpu_per_it')),
                              fmt(it('released')), fmt(it('crce', 'xt_cpu_per_it')), fmt(it('crce')), f"{100 * sp['xt_share']:.0f}",
                              x(sp['step_ratio']), x(sp['cap'])))(bench('iteration_cpu.json')['same_math_split'])),
    'generation: batch size and ratios':
        (r"batches of (\d+) prompts, `crce evaluate`'s default\) measured batching at (\S+)x \(the mini world\) and (\S+)x \(SD's "
         r"architecture, (\d+) px\) the images per second of one prompt at a time, bf16 at (\S+)x and (\S+)x, and DPM-Solver\+\+ with half "
         r"the steps at (\S+)x and (\S+)x",
         lambda: (str(bench('generation_cpu.json')['worlds']['sd-arch']['batch']), gen('mini2', 'batched'), gen('sd-arch', 'batched'),
                  str(bench('generation_cpu.json')['worlds']['sd-arch']['pixels']), gen('mini2', 'batched-bf16'), gen('sd-arch', 'batched-bf16'),
                  gen('mini2', 'batched-dpm++'), gen('sd-arch', 'batched-dpm++'))),
    'generation: the shortfall heading':
        (r'\*\*Batching, (\S+)x and (\S+)x\.\*\*', lambda: (gen('mini2', 'batched'), gen('sd-arch', 'batched'))),
    'generation: 16 prompts a call':
        (r'16 prompts a call give (\S+)x on SD\'s architecture \(`figures/benchmark/generation_cpu_batch16.json`, `--sd-images (\d+) --batch (\d+)`\)',
         lambda: (lambda w: (f"{w['forms']['batched']['speedup']:.2f}", str(w['images']), str(w['batch'])))(
             bench('generation_cpu_batch16.json')['worlds']['sd-arch'])),
    'UCE seconds per concept':
        (r"UCE's closed-form edit takes (\S+) s per concept on SD's architecture \((\S+) s with the concept's retains preserved",
         lambda: tuple(fmt(bench('uce_cpu.json')['median_seconds_per_concept'][k]) for k in ('none', 'retains'))),
}

@pytest.mark.parametrize('name', list(CHECKS))
def test_results_page_quotes_the_files(name):
    pattern, compute = CHECKS[name]
    assert quoted(pattern) == tuple(compute()), name

@pytest.mark.parametrize('name', list(REPRODUCE))
def test_reproduce_page_quotes_the_benchmarks(name):
    pattern, compute = REPRODUCE[name]
    assert quoted(pattern, 'reproduce.qmd') == tuple(compute()), name

def test_benchmarks_named_machine():
    "The reproduce page names the machine the benchmark files record."
    assert bench('iteration_cpu.json')['meta']['machine'].startswith('AMD EPYC') and '2-core AMD EPYC' in PAGES['reproduce.qmd']

def test_a_changed_number_is_caught():
    "The checks compare what the page says: a page quoting another number fails."
    pattern, compute = CHECKS['Receler: AccC test and AccR test against ESD-x, the original model\'s AccR test']
    wrong = TEXT.replace(f"AccC test {fmt(m2('receler', 'AccC_test'))} against", 'AccC test 99.9 against')
    assert wrong != TEXT and re.search(pattern, wrong).groups() != tuple(compute())
