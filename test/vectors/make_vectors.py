"""Generate test/vectors/gmat-sweep-random.json with numpy/scipy themselves.

Run from the repo root (numpy, scipy installed; Linux/glibc x86-64):
    python test/vectors/make_vectors.py

Monte Carlo draws are computed with gmat-sweep's exact formulas (numpy's SeedSequence spawn, per-parameter name hashes, PCG64):
per-run seed from SeedSequence(seed).spawn(n), per-parameter seed from
SeedSequence([run_seed, name_hash]), a fresh default_rng per (run, parameter) and one
scipy frozen-distribution rvs(size=1, random_state=rng). The lognormal scale is
math.exp(mu). Those draws are computed twice in child processes: with numpy's AVX-512
dispatch disabled (NPY_DISABLE_CPU_FEATURES, so np.exp is glibc's exp: the committed
vectors) and with default dispatch (numpy's own AVX-512 exp, only counted).
Doubles are stored as 16-hex-digit IEEE-754 bit patterns (big-endian order of the hex).
"""
import ctypes, hashlib, json, math, os, platform, struct, subprocess, sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NO_AVX512 = 'X86_V4 AVX512_ICL'

def hx(v):
    return struct.pack('>d', float(v)).hex()

def name_hash(name):
    return int.from_bytes(hashlib.sha256(name.encode('utf-8')).digest()[:4], 'big')

PERTURBS = {
    'sma_only': {'Sat.SMA': ('normal', 7100.0, 50.0)},
    'three': {
        'Sat.SMA': ('normal', 7100.0, 50.0),
        'Sat.INC': ('uniform', 50.0, 52.0),
        'Kick.Element1': ('lognormal', -1.0, 0.2),
    },
    'inventory_s13': {
        'Sat.SMA': ('normal', 7100.0, 50.0),
        'Sat.INC': ('uniform', 0.0, 90.0),
        'Sat.DryMass': ('lognormal', math.log(100.0), 0.05),
    },
    'long_names': {
        'AVeryLongSpacecraftResourceNameForTestingPurposes_0123456789.Element1': ('normal', -0.001, 1e-4),
        'AnotherExtremelyLongBurnName_With_Underscores_And_Digits_42.Element3': ('lognormal', 2.5, 1.5),
        'LaunchVehicle.CoastTime': ('uniform', -1e3, 3.5e3),
        'Z.Value': ('lognormal', 0.0, 3.0),
    },
}
# (perturb key, seed, n)
MC_CASES = [
    ('sma_only', 42, 1000),
    ('three', 42, 1000),
    ('three', 0, 200),
    ('three', 20260505, 200),
    ('three', 2**40 + 3, 200),
    ('inventory_s13', 42, 200),
    ('long_names', 7, 500),
    ('long_names', 2**70 + 11, 100),
]

def frozen(spec):
    import scipy.stats as st
    tag, a, b = spec
    if tag == 'normal':
        return st.norm(loc=a, scale=b)
    if tag == 'uniform':
        return st.uniform(loc=a, scale=b - a)
    if tag == 'lognormal':
        return st.lognorm(s=b, scale=math.exp(a))
    raise ValueError(tag)

def mc_draws():
    out = []
    for key, seed, n in MC_CASES:
        perturb = PERTURBS[key]
        children = np.random.SeedSequence(seed).spawn(n)
        run_seeds = [int(c.generate_state(1)[0]) for c in children]
        names = sorted(perturb)
        dists = {nm: frozen(perturb[nm]) for nm in names}
        rows = []
        for rs in run_seeds:
            row = []
            for nm in names:
                ps = int(np.random.SeedSequence([rs, name_hash(nm)]).generate_state(1)[0])
                rng = np.random.default_rng(ps)
                row.append(hx(float(dists[nm].rvs(size=1, random_state=rng)[0])))
            rows.append(row)
        out.append({'perturb': key, 'seed': str(seed), 'n': n, 'names': names,
                    'run_seeds': run_seeds, 'draws': rows})
    return out

def child_main():
    json.dump({'simd': np.__config__.CONFIG.get('SIMD Extensions'), 'mc': mc_draws()}, sys.stdout)

def run_child(disable):
    env = dict(os.environ)
    env.pop('NPY_DISABLE_CPU_FEATURES', None)
    if disable:
        env['NPY_DISABLE_CPU_FEATURES'] = disable
    res = subprocess.run([sys.executable, os.path.abspath(__file__), '--child'], env=env,
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout)

def u64hex(v):
    return '%016x' % int(v)

def main():
    import scipy
    import scipy.stats as st
    libm = ctypes.CDLL('libm.so.6')
    for fn in ('exp', 'log1p'):
        getattr(libm, fn).restype = ctypes.c_double
        getattr(libm, fn).argtypes = [ctypes.c_double]
    gnu = ctypes.CDLL('libc.so.6').gnu_get_libc_version
    gnu.restype = ctypes.c_char_p

    V = {'meta': {
        'numpy': np.__version__, 'scipy': scipy.__version__, 'python': platform.python_version(),
        'glibc': gnu().decode(), 'machine': platform.machine(),
        'numpy_simd': np.__config__.CONFIG.get('SIMD Extensions'),
        'command': 'python test/vectors/make_vectors.py',
        'doubles': '16 hex digits = IEEE-754 binary64 bits',
    }}

    # --- SeedSequence ---------------------------------------------------------------
    ents = [0, 1, 42, 2**32 - 1, 2**32, 2**64 + 5, 2**128 - 1, 12345678901234567890123456789,
            [1, 2, 3], [2**40, 7], [0], [3, 2**33, 0, 9, 11], []]
    ss_out = []
    for e in ents:
        for key in [(), (5,), (0, 3)]:
            ss = np.random.SeedSequence(e, spawn_key=key)
            kids = ss.spawn(3)
            more = ss.spawn(2)  # continues counting from 3
            ss_out.append({
                'entropy': [str(x) for x in e] if isinstance(e, list) else str(e),
                'entropy_is_list': isinstance(e, list), 'spawn_key': list(key),
                'pool': [int(x) for x in ss.pool],
                'state_u32': [int(x) for x in ss.generate_state(9)],
                'state_u64': [u64hex(x) for x in ss.generate_state(3, np.uint64)],
                'children_u32': [[int(x) for x in k.generate_state(2)] for k in kids + more],
                'children_keys': [list(k.spawn_key) for k in kids + more],
            })
    V['seed_sequence'] = ss_out

    # --- PCG64 -------------------------------------------------------------------------
    pcg = []
    for seed in [0, 1, 42, 2**32 + 17, 2**63, 12345678901234567890, [7, 8, 9]]:
        bg = np.random.PCG64(seed)
        st0 = bg.state['state']
        rng = np.random.Generator(np.random.PCG64(seed))
        pcg.append({
            'seed': [str(x) for x in seed] if isinstance(seed, list) else str(seed),
            'seed_is_list': isinstance(seed, list),
            'state': '%032x' % st0['state'], 'inc': '%032x' % st0['inc'],
            'u64': [u64hex(x) for x in np.random.PCG64(seed).random_raw(40)],
            'doubles': [hx(x) for x in rng.random(40)],
        })
    V['pcg64'] = pcg

    # --- standard normal ---------------------------------------------------------------
    R = 3.6541528853610087963519472518
    z = np.random.default_rng(2024).standard_normal(1_000_000)
    V['standard_normal'] = {
        'seed': 2024, 'count': 1_000_000,
        'sha256_f64le': hashlib.sha256(z.astype('<f8').tobytes()).hexdigest(),
        'tail_count': int((np.abs(z) > R).sum()),
        'first': [hx(v) for v in z[:20000]],
    }
    # seeds whose first default_rng(seed).standard_normal() comes from the ziggurat tail
    tails = []
    s = 0
    while len(tails) < 40:
        v = np.random.default_rng(s).standard_normal()
        if abs(v) > R:
            tails.append([s, hx(v)])
        s += 1
    V['tail_first_draws'] = tails

    # --- glibc exp / log1p -------------------------------------------------------------
    r = np.random.default_rng(99)
    xs = np.concatenate([r.standard_normal(10000) * 3, r.uniform(-20, 20, 5000), -0.5 * r.standard_normal(5000) ** 2])
    us = np.concatenate([r.random(15000), r.random(5000) * 1e-6])
    V['libm'] = {
        'exp': [[hx(x), hx(libm.exp(float(x)))] for x in xs],
        'log1p': [[hx(-u), hx(libm.log1p(float(-u)))] for u in us],
    }

    # --- normal ppf (tolerance check only) ---------------------------------------------
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9,
          0.97575, 0.999, 1 - 1e-5, 1 - 1e-10, 1 - 2**-53] + list(r.random(200))
    V['norm_ppf'] = [[hx(p), hx(st.norm.ppf(p))] for p in ps]

    # --- gmat-sweep Monte Carlo draws ----------------------------------------------------
    V['perturbs'] = {k: {nm: list(spec) for nm, spec in v.items()} for k, v in PERTURBS.items()}
    portable = run_child(NO_AVX512)
    native = run_child(None)
    diff = 0
    total = 0
    for a, b in zip(portable['mc'], native['mc']):
        for ra, rb in zip(a['draws'], b['draws']):
            for x, y in zip(ra, rb):
                total += 1
                diff += x != y
    V['monte_carlo'] = portable['mc']
    V['meta']['mc_numpy_simd'] = portable['simd']
    V['meta']['mc_native_simd'] = native['simd']
    V['meta']['mc_draws_differing_with_native_dispatch'] = f'{diff} of {total}'
    with open(os.path.join(HERE, 'gmat-sweep-random.json'), 'w') as fh:
        json.dump(V, fh, separators=(',', ':'))
    print('wrote', os.path.join(HERE, 'gmat-sweep-random.json'), V['meta'])

if __name__ == '__main__':
    if '--child' in sys.argv:
        child_main()
    else:
        main()
