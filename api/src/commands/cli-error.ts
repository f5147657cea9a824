/** Exit codes of the commands that talk to a running OC, so scripts can tell outcomes apart. */
export const EXIT = {
  /** The request was done; for a followed operation: it SUCCEEDED. */
  OK: 0,
  /** The followed operation FAILED or TIMED_OUT. */
  FAILED: 1,
  /** The followed operation was CANCELLED. */
  CANCELLED: 2,
  /** The command line is wrong: an unknown, missing or conflicting flag. */
  USAGE: 3,
  /** The OC refused the request: missing or invalid token, invalid input, not found, conflict. */
  REFUSED: 4,
  /** The OC could not be reached, or the connection to it was lost. */
  UNREACHABLE: 5,
  /** Ctrl-C while following; the operation keeps running. */
  INTERRUPTED: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0    done (a followed operation SUCCEEDED)
  1    the operation FAILED or TIMED_OUT
  2    the operation was CANCELLED
  3    usage error (unknown, missing or conflicting flags)
  4    the OC refused the request (token, invalid input, not found, conflict)
  5    the OC could not be reached or the connection was lost
  130  interrupted while following (the operation keeps running)`;

/** An expected failure of a CLI command: printed as one line, then the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
