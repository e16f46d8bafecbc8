/** An error the emulator answers with, in WeData's `{"Response":{"Error":{Code,Message}}}` envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const missing = (path: string) =>
  new ApiError("MissingParameter", `The request is missing a required parameter \`${path}\`.`);
export const badType = (path: string, expected: string) =>
  new ApiError("InvalidParameter", `The parameter \`${path}\` must be ${expected}.`);
export const badValue = (path: string, why: string) =>
  new ApiError("InvalidParameterValue", `The value of the parameter \`${path}\` is invalid: ${why}.`);
export const notFound = (what: string) => new ApiError("ResourceNotFound", `The resource is not found: ${what}.`);
