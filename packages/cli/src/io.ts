import { WedataKitError } from "@wedata-kit/dsl/errors";

/** Where a command writes: standard output and standard error (tests capture both). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** A command line that cannot work as given (a flag's value, a combination of flags). */
export class UsageError extends WedataKitError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}
