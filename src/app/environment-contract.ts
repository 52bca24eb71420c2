/**
 * The environment variables the handlers read at cold start: the handlers own this contract
 * (`environment.ts` validates it); the stack and the local runtime set them from
 * `config/derive.ts`, importing the names from here.
 */
export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  QUEUE_URL: 'QUEUE_URL',
  DEAD_LETTER_QUEUE_URL: 'DEAD_LETTER_QUEUE_URL',
  RECORD_CONCURRENCY: 'RECORD_CONCURRENCY',
  HANDLE_DELETES: 'HANDLE_DELETES',
  IGNORED_PREFIXES: 'IGNORED_PREFIXES',
  IGNORED_SUFFIXES: 'IGNORED_SUFFIXES',
  ALLOWED_CONTENT_TYPES: 'ALLOWED_CONTENT_TYPES',
  MAX_SIZE_BYTES: 'MAX_SIZE_BYTES',
  /** Reconcile function: the uploads bucket it compares. */
  BUCKET_NAME: 'BUCKET_NAME',
  /** Reconcile function: which objects the environment ingests (`ScopeRules` as JSON). */
  INGEST_SCOPE: 'INGEST_SCOPE',
} as const;
