/** The sweep's query and update: what `gsweep status` and `gsweep set` talk to. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import type { SweepProgress } from '../sweep/types';

export const progressQuery = defineQuery<SweepProgress>('progress');
export const setMaxInFlightUpdate = defineUpdate<number, [number]>('setMaxInFlight');

export function validateMaxInFlight(value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_IN_FLIGHT_LIMIT) {
    throw new Error(`maxInFlight must be an integer from 1 to ${MAX_IN_FLIGHT_LIMIT}, got ${value}`);
  }
}
