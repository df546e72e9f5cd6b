/** Runs a benchmark's main() when its file is executed directly; a missed target or an error sets exit code 1. */
import { pathToFileURL } from 'node:url';

export function runIfMain(moduleUrl: string, main: () => Promise<{ ok: boolean }>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().then(
    (r) => {
      if (!r.ok) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
