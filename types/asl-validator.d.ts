declare module 'asl-validator' {
  interface AslValidationError {
    'Error code': string;
    Message: string;
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition (asl-validator 4 ships no types). */
  function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidationResult;
  export default validator;
}
