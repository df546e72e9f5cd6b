#!/usr/bin/env node
// Runs the TypeScript CLI with no build step: from a bundle of the sources made at the first
// start (bin/bundle.js), or through tsx where no bundle can be made.
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { bundledCli } from './bundle.js';

// Loading the CLI's modules alone grows this thread's nursery to 16 MB semi-spaces, kept for the whole
// run: held small until a command starts, and on through a collection (src/util/nursery.ts).
v8.setFlagsFromString('--semi-space-growth-factor=1');

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

let cli;
if (!process.env.KEYWARDEN_NO_BUNDLE) {
  try {
    cli = await import((await bundledCli(root)).href);
  } catch (error) {
    if (process.argv.includes('--debug')) process.stderr.write(`keywarden: running through tsx, the sources could not be bundled: ${error}\n`);
  }
}
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
process.exitCode = await cli.main(process.argv, undefined, { nurseryHeld: true });
