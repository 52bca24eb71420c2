// Lambda entry point: SQS batch → DynamoDB. The logic lives in src/core; wiring in src/runtime.
import { createProcessorHandler } from '../runtime/processor-app';

export const handler = createProcessorHandler();
