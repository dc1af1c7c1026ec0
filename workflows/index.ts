// Entry point the worker bundles: every workflow type gsweep registers.
export { sweepWorkflow, progressQuery, setMaxInFlightUpdate } from './sweep-workflow';
