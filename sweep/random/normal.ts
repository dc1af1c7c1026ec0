/**
 * numpy's `random_standard_normal` (256-level ziggurat, numpy >= 1.17 Generator path),
 * bit-exact given the same PCG64 stream. The tail uses glibc's log1p and the wedge test
 * glibc's exp (see libm.ts), exactly as numpy's C code calls them.
 */
import type { PCG64 } from './pcg64';
import { glibcExp, glibcLog1p, type LibmFlavour } from './libm';
import { FI_DOUBLE, KI_DOUBLE, WI_DOUBLE, ZIGGURAT_NOR_INV_R, ZIGGURAT_NOR_R } from './ziggurat-tables';

export function standardNormal(rng: PCG64, flavour: LibmFlavour = 'fma'): number {
  for (;;) {
    rng.next64();
    const hi = rng.hi;
    const lo = rng.lo;
    const idx = lo & 0xff;
    const sign = (lo >>> 8) & 1;
    // rabs = (r >> 9) & 0x000fffffffffffff  (52 bits)
    const rabs = (hi & 0x1fffffff) * 8388608 + (lo >>> 9);
    let x = rabs * WI_DOUBLE[idx];
    if (sign) x = -x;
    if (rabs < KI_DOUBLE[idx]) return x; // ~99.3% of draws
    if (idx === 0) {
      for (;;) {
        const xx = -ZIGGURAT_NOR_INV_R * glibcLog1p(-rng.nextDouble(), flavour);
        const yy = -glibcLog1p(-rng.nextDouble(), flavour);
        if (yy + yy > xx * xx) {
          // (rabs >> 8) & 1
          return (lo >>> 17) & 1 ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
        }
      }
    } else {
      if ((FI_DOUBLE[idx - 1] - FI_DOUBLE[idx]) * rng.nextDouble() + FI_DOUBLE[idx] < glibcExp(-0.5 * x * x, flavour)) {
        return x;
      }
    }
  }
}
