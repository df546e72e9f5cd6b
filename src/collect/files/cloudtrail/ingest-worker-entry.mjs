// Worker thread entry for CloudTrail ingest. Plain JavaScript because a
// worker starts without the parent's TypeScript loader: it registers tsx
// for its own module graph, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./ingest-worker.ts');
