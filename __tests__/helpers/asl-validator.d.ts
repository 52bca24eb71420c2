// Just enough typing for the Amazon States Language validator the definition tests use.
declare module 'asl-validator' {
  interface AslValidationResult {
    isValid: boolean;
    errors: Array<Record<string, unknown>>;
  }
  function validateAsl(definition: unknown): AslValidationResult;
  export default validateAsl;
}
