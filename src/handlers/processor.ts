// Lambda entry point: SQS batch → DynamoDB. The logic lives in src/core; wiring in src/app.
import { createProcessorHandler } from '../app/processor-app';

export const handler = createProcessorHandler();
