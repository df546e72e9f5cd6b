// Types of bin/bundle.js, which is plain JavaScript: it runs before any TypeScript loader.
/** A hash of the CLI's sources (src/, scheduler/) and of esbuild's version. */
export declare function sourceKey(root: string): string;
/** The bundled CLI entry (exporting main) for the sources under root, made when missing; rejects when it cannot be made. */
export declare function bundledCli(root: string): Promise<URL>;
