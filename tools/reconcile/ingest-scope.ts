import { scopeRules } from '../../config/derive';
import type { PipelineConfig } from '../../config/types';
import { scopeOf, type IngestScope } from '../../src/core/ingest-scope';

export type { IngestScope };

/** The environment's ingest scope (`src/core/ingest-scope.ts`), narrowed to `--prefix`. */
export const ingestScope = (cfg: PipelineConfig, prefix = ''): IngestScope => scopeOf(scopeRules(cfg), prefix);
