/** A bad request: thrown before any workflow starts or any directory is created. */
export class RequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RequestError';
  }
}
