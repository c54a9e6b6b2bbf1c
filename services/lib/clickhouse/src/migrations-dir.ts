import { fileURLToPath } from 'node:url';

/**
 * tracebar's own migrations. The .sql files are not compiled: they stay in `migrations/` at the
 * package root, which is one level above both `src/` (tests) and `dist/` (builds).
 */
export const defaultMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));
