/**
 * Provider-neutral commands of a plan: an argv, never a string, so quoting
 * happens in exactly one place (shell-quote.ts) whatever the names contain.
 * An argument is literal text, a variable the person running the script
 * supplies (a key id an offline export does not carry), or a document the
 * script writes itself (a policy or trust document, passed as file://…).
 */
import { isEnvArgument, shellQuote, type EnvArgument } from './shell-quote.js';

/** A JSON document the script writes to its private directory before running the commands. */
export interface DocumentArgument {
  /** File name inside the plan, `[a-z0-9-]+.json`. */
  document: string;
}

export type PlanArgument = string | EnvArgument | DocumentArgument;

export interface PlannedCommand {
  argv: PlanArgument[];
}

export function isDocumentArgument(arg: PlanArgument): arg is DocumentArgument {
  return typeof arg !== 'string' && 'document' in arg;
}

const DOCUMENT_NAME = /^[a-z0-9][a-z0-9-]*\.json$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** The shell variable holding the directory a script writes its documents to. */
export const DOCUMENTS_VARIABLE = 'KEYWARDEN_DOCS';

export function checkedDocumentName(name: string): string {
  if (!DOCUMENT_NAME.test(name)) throw new Error(`not a safe document file name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * One word per argument. In a script, documents are read from the script's
 * private directory; for people (the report, plan.md) they are named as the
 * plan's saved files under `documents/`.
 */
export function renderCommand(command: PlannedCommand, target: 'script' | 'display'): string {
  return command.argv
    .map((arg) => {
      if (typeof arg === 'string') return shellQuote(arg);
      if (isEnvArgument(arg)) {
        if (!ENV_NAME.test(arg.env)) throw new Error(`not a safe environment variable name: ${JSON.stringify(arg.env)}`);
        return `"$${arg.env}"`;
      }
      const name = checkedDocumentName(arg.document);
      return target === 'script' ? `"file://$${DOCUMENTS_VARIABLE}/${name}"` : `file://documents/${name}`;
    })
    .join(' ');
}
