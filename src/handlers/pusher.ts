// Lambda entry point: S3 event → enriched, filtered messages on the processing queue.
import { createPusherHandler } from '../app/pusher-app';

export const handler = createPusherHandler();
