/**
 * The GCP resource hierarchy of a scan: organisation > folders > projects.
 * A binding or deny policy set on a node applies to everything below it.
 */
import type { GcpResource } from '../../model/gcp.js';

export class GcpHierarchy {
  private readonly byName: Map<string, GcpResource>;
  private readonly projectsBelow = new Map<string, string[]>();

  constructor(resources: readonly GcpResource[]) {
    this.byName = new Map(resources.map((r) => [r.name, r]));
    for (const project of resources.filter((r) => r.kind === 'project')) {
      for (const node of this.ancestors(project.name)) {
        let list = this.projectsBelow.get(node);
        if (!list) this.projectsBelow.set(node, (list = []));
        list.push(projectIdOf(project.name));
      }
    }
  }

  get(name: string): GcpResource | undefined {
    return this.byName.get(name);
  }

  /** The node itself, then its parent, up to the organisation (stops at a parent not in the scan, or a cycle). */
  ancestors(name: string): string[] {
    const chain: string[] = [];
    let current: string | undefined = name;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = this.byName.get(current)?.parent;
    }
    return chain;
  }

  /** Project ids in the scan at or below a node. */
  projectsUnder(name: string): readonly string[] {
    return this.projectsBelow.get(name) ?? [];
  }

  /** Display names (and names) of the folders above a project, nearest first. */
  foldersAbove(projectName: string): GcpResource[] {
    return this.ancestors(projectName)
      .map((n) => this.byName.get(n))
      .filter((r): r is GcpResource => r?.kind === 'folder');
  }
}

export const projectIdOf = (name: string): string => name.replace(/^projects\//, '');
export const projectName = (projectId: string): string => `projects/${projectId}`;
