/**
 * The real GmatConsole for the parity tests: the same install the real-GMAT tests use
 * (`gsweep setup-gmat`'s, see test/helpers/real-gmat.ts). Never the stand-in; without real GMAT
 * these tests fail with the reason.
 */
export { realGmat } from '../../helpers/real-gmat';
