"""Generate the Sobol sensitivity test vectors with SALib, scipy and numpy themselves.

Run from the repo root (see test/vectors/README.md for the exact versions):
    python -m venv /tmp/salib-venv && /tmp/salib-venv/bin/pip install SALib==1.6.0
    /tmp/salib-venv/bin/python test/vectors/make_sobol_vectors.py

Writes
  sensitivity/sobol-directions.ts   scipy's Joe-Kuo direction numbers (poly, vinit) for the
                                    first MAXDIM dimensions, copied from scipy's own npz
  test/vectors/sobol-salib.json     scipy Sobol engine points, numpy Generator.integers draws,
                                    SALib sobol.sample designs (+ gmat-sweep's ppf lift),
                                    SALib sobol.analyze results (S1, ST, S2 and their CIs)
Doubles are 16-hex-digit IEEE-754 bit patterns.
"""
import importlib.metadata, importlib.resources, json, math, os, platform, struct, sys, warnings

import numpy as np
import scipy
import scipy.stats as st
from scipy.stats import qmc
import SALib
from SALib.sample import sobol as salib_sample
from SALib.analyze import sobol as salib_analyze

warnings.simplefilter('ignore')
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAXDIM = 64  # 2 * D columns: up to 32 perturbed parameters


def hx(v):
    return struct.pack('>d', float(v)).hex()


def hxa(a):
    return [hx(v) for v in np.asarray(a, dtype=float).ravel()]


def directions():
    with importlib.resources.as_file(importlib.resources.files('scipy.stats').joinpath('_sobol_direction_numbers.npz')) as f:
        dns = np.load(f)
    poly = [int(p) for p in dns['poly'][:MAXDIM]]
    vinit = []
    for d in range(MAXDIM):
        m = max(int(poly[d]).bit_length() - 1, 0)
        vinit.append([int(v) for v in dns['vinit'][d][:m]])
    lines = [
        '/**',
        ' * Direction numbers of scipy.stats.qmc.Sobol (Joe & Kuo, new-joe-kuo-6.21201, search',
        f' * criterion D(6)) for the first {MAXDIM} dimensions, copied from scipy {scipy.__version__}\'s',
        ' * _sobol_direction_numbers.npz by test/vectors/make_sobol_vectors.py. Do not edit.',
        ' */',
        f'export const SOBOL_MAXDIM = {MAXDIM};',
        f'export const SOBOL_POLY: readonly number[] = {json.dumps(poly)};',
        f'export const SOBOL_VINIT: readonly (readonly number[])[] = {json.dumps(vinit)};',
        '',
    ]
    with open(os.path.join(ROOT, 'sensitivity', 'sobol-directions.ts'), 'w') as f:
        f.write('\n'.join(lines))


def ishigami_like(x):
    # A non-additive model with interactions, on the lifted (physical) inputs.
    return np.sin(x[:, 0] / 50.0) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * (x[:, 2] if x.shape[1] > 2 else 0) ** 4 * np.sin(x[:, 0] / 50.0)


def frozen(spec):
    tag, a, b = spec
    if tag == 'normal':
        return st.norm(loc=a, scale=b)
    if tag == 'uniform':
        return st.uniform(loc=a, scale=b - a)
    return st.lognorm(s=b, scale=math.exp(a))


def main():
    directions()
    out = {
        'meta': {
            'python': sys.version.split()[0],
            'numpy': np.__version__,
            'scipy': scipy.__version__,
            'SALib': importlib.metadata.version('SALib'),
            'platform': platform.platform(),
            'command': '/tmp/salib-venv/bin/python test/vectors/make_sobol_vectors.py',
        },
        'engine': [],
        'integers': [],
        'designs': [],
        'analyses': [],
    }
    # scipy Sobol engine: unscrambled and scrambled (rng = default_rng(seed), as SALib passes seed).
    for d, n, seed in [(1, 8, None), (4, 16, None), (6, 64, None), (4, 16, 42), (6, 64, 7), (10, 32, 2**33 + 5)]:
        eng = qmc.Sobol(d, scramble=seed is not None, seed=seed)
        out['engine'].append({'d': d, 'n': n, 'seed': None if seed is None else str(seed), 'points': hxa(eng.random(n))})
    # numpy Generator.integers(high, size) for the bootstrap indices, int64 and uint32.
    for seed, high, size, dtype in [(1, 16, 200, 'int64'), (12345, 1000, 500, 'int64'), (3, 3, 300, 'int64'), (5, 2, 100, 'uint32'), (2**40, 7, 100, 'int64')]:
        draws = np.random.default_rng(seed).integers(high, size=size, dtype=dtype)
        out['integers'].append({'seed': str(seed), 'high': high, 'size': size, 'dtype': dtype, 'values': [int(v) for v in draws]})
    # SALib designs (unit cube) and gmat-sweep's lift through each parameter's ppf.
    perturbs = {
        'two': {'Sat.SMA': ('normal', 7100.0, 50.0), 'Sat.INC': ('uniform', 50.0, 52.0)},
        'three': {'Sat.SMA': ('normal', 7100.0, 50.0), 'Sat.INC': ('uniform', 50.0, 52.0), 'Kick.Element1': ('lognormal', -1.0, 0.2)},
    }
    for name, n, seed, second in [('two', 8, 42, True), ('three', 16, 7, True), ('three', 16, 7, False), ('two', 64, 2026, True)]:
        perturb = perturbs[name]
        keys = sorted(perturb)
        problem = {'num_vars': len(keys), 'names': keys, 'bounds': [[0.0, 1.0]] * len(keys)}
        unit = salib_sample.sample(problem, n, calc_second_order=second, seed=seed)
        lifted = np.column_stack([frozen(perturb[k]).ppf(unit[:, i]) for i, k in enumerate(keys)])
        out['designs'].append({
            'perturb': {k: list(v) for k, v in perturb.items()}, 'keys': keys, 'n': n, 'seed': seed,
            'calc_second_order': second, 'rows': unit.shape[0], 'unit': hxa(unit), 'lifted': hxa(lifted),
        })
    # SALib analyses of model outputs on those designs; CIs from SALib's bootstrap with seed.
    for name, n, seed, second, aseed, resamples in [('three', 16, 7, True, 1, 100), ('three', 16, 7, False, 99, 100), ('two', 64, 2026, True, 5, 100), ('three', 256, 3, True, 11, 250)]:
        perturb = perturbs[name]
        keys = sorted(perturb)
        problem = {'num_vars': len(keys), 'names': keys, 'bounds': [[0.0, 1.0]] * len(keys)}
        unit = salib_sample.sample(problem, n, calc_second_order=second, seed=seed)
        lifted = np.column_stack([frozen(perturb[k]).ppf(unit[:, i]) for i, k in enumerate(keys)])
        y = ishigami_like(lifted)
        res = salib_analyze.analyze(problem, y, calc_second_order=second, num_resamples=resamples, seed=aseed)
        entry = {
            'keys': keys, 'n': n, 'design_seed': seed, 'calc_second_order': second, 'seed': aseed, 'num_resamples': resamples,
            'y': hxa(y), 'S1': hxa(res['S1']), 'S1_conf': hxa(res['S1_conf']), 'ST': hxa(res['ST']), 'ST_conf': hxa(res['ST_conf']),
        }
        if second:
            entry['S2'] = [[hx(v) for v in row] for row in res['S2']]
            entry['S2_conf'] = [[hx(v) for v in row] for row in res['S2_conf']]
        out['analyses'].append(entry)
    with open(os.path.join(HERE, 'sobol-salib.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
