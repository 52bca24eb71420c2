import type { ValidateFunction } from 'ajv';

/** The config schema compiled by ajv (`npm run docs` writes pipeline.schema.validate.js beside this file). */
declare const validateConfigFile: ValidateFunction;
export default validateConfigFile;
