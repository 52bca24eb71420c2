// Lambda entry point: one Step Functions Distributed Map batch → missing, stale or orphaned objects (and their backfill).
import { createReconcileHandler } from '../app/reconcile-app';

export const handler = createReconcileHandler();
