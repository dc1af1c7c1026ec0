export * from './seed-sequence';
export * from './pcg64';
export * from './normal';
export * from './libm';
export * from './distributions';
export * from './monte-carlo';
export * from './latin-hypercube';
export { KI_DOUBLE, WI_DOUBLE, FI_DOUBLE, ZIGGURAT_NOR_R, ZIGGURAT_NOR_INV_R } from './ziggurat-tables';
