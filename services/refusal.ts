// A use case's "no": a stable code, a message for people, and details a client can act on.
// No HTTP status here — api/plugins/errors.ts is the one place that maps a code to a status.

export interface RefusalDetails {
  /** The input field at fault, as the caller named it (e.g. 'periodStart'). */
  field?: string;
  /** The commands the caller may issue now. */
  allowed?: string[];
  /** The failing fields, when there are several. */
  errors?: { path: string; message: string }[];
  /** A short title for people (the code's default otherwise). */
  title?: string;
}

export class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: RefusalDetails = {},
  ) {
    super(message);
  }
}

/** Something the caller may not see, or that does not exist: the two are answered alike. */
export const notFoundRefusal = (what: string) =>
  new Refused('not_found', `${what} does not exist or is outside your scope`, { title: 'Not found' });
