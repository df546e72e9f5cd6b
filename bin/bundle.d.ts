// Types of bin/bundle.js, which is plain JavaScript: it runs before any TypeScript loader.
/** A hash of the CLI's sources (src/, scheduler/) and of esbuild's version. */
export declare function sourceKey(root: string): string;
/** The bundled CLI entry (exporting main) for the sources under root, made when missing; rejects when it cannot be made. */
export declare function bundledCli(root: string): Promise<URL>;
/** Removes the cached CLI bundles and ingest worker scripts last used (or made) before `before` (ms since the epoch). */
export declare function pruneUnused(cache: string, before: number): void;
/** Marks a cached bundle or worker script as used now (its modification time), when the tree allows. */
export declare function markUsed(file: string): void;
