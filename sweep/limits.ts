/** Hard ceiling on a sweep's window: Temporal fails a workflow task that exceeds 2 000 pending activities. */
export const MAX_IN_FLIGHT_LIMIT = 500;
