/**
 * Where an Allow or Deny statement's resources live, as aws.production-reach
 * places them (see its module comment): `*` and NotResource are the
 * identity's own account; an ARN or name goes where `ctx.resourceEnvironment`
 * puts it, unless that is unknown and it names no account, when it too is
 * taken to be in the identity's own account.
 *
 * Most of that does not depend on the identity: an ARN in a named account
 * (or matching a resource pattern) is placed once per statement document for
 * the whole audit, and which environments a statement reaches depends only on
 * the identity's own environment. Only the wording (`how`, naming the
 * account) of own-account resources is per account. Placed per account
 * instead, a statement held in 50 accounts was placed 50 times, and the
 * caches (a weak map per account and statement) were a large part of the
 * collector's work.
 */
import { wordSpan, type ExpandedPolicy, type ExpandedStatement, type SpannedSet } from '../../analyse/aws/policy-expansion.js';
import type { Environment } from '../../analyse/environment.js';
import { printable } from '../../config/patterns.js';
import { firstFew, listText } from '../evidence.js';
import type { RuleContext } from '../rule.js';
import { isProductionRisk } from '../severity.js';

export interface ResourceReach {
  resource: string;
  environment: Environment;
  how: string;
}

/** The order reports list environments in: the brief's order, unknown last (it counts as production). */
export const ENVIRONMENT_ORDER: readonly Environment[] = ['production', 'staging', 'development', 'sandbox', 'unknown'];

/** An environment's bit in a placement mask (bit i: ENVIRONMENT_ORDER[i]). */
export const environmentBit = (env: Environment): number => 1 << ENVIRONMENT_ORDER.indexOf(env);

/** Production and unknown: the environments that count as production for risk. */
export const PRODUCTION_RISK_BITS = ENVIRONMENT_ORDER.reduce((bits, env) => (isProductionRisk(env) ? bits | environmentBit(env) : bits), 0);

/** A statement's resources by environment (only those it places some in), in statement order, and whether `*` is one. */
export type ResourcesByEnvironment = Map<Environment, { resources: string[]; everyResource: boolean }>;

const LITERAL_ACCOUNT = /^arn:[^:]*:[^:]*:[^:]*:\d{12}:/;

/** A statement's placed lists, kept per account when some resource is worded with the identity's account. */
interface ForAccount {
  placed?: ResourceReach[];
  reaching?: ResourceReach[];
  denied?: ResourceReach[];
}

/** What a statement's placing looks like for identities of one own environment: the same in every account of it. */
interface ForEnvironment extends ForAccount {
  /** Environments the statement places resources in (environmentBit). */
  mask: number;
  byEnvironment?: ResourcesByEnvironment;
  on?: string;
}

/** One statement document's placing, shared by every identity holding it in an audit. */
class StatementPlacing {
  /** Per resource: its placing when it is the same for every identity; undefined when it is the identity's own account. */
  private readonly fixed: (ResourceReach | undefined)[];
  /** Per resource placed in the identity's own account for want of a better rule: why the config did not place it. */
  private readonly unplaced: (string | undefined)[] = [];
  /** Whether some resource is worded with the identity's account (then lists are kept per account). */
  private readonly perAccount: boolean;
  private readonly byOwn = new Map<Environment, ForEnvironment>();
  private byAccount: Map<string, ForAccount> | undefined;

  constructor(
    private readonly statement: ExpandedStatement,
    ctx: RuleContext,
    private readonly everyResource: EveryResource,
  ) {
    this.fixed = statement.notResources
      ? [undefined]
      : (statement.resources ?? []).map((resource, i) => {
          if (resource === '*') return undefined;
          const resolved = ctx.resourceEnvironment(resource);
          // Named, not spread: a spread gives each placing (kept for the audit) a property store of its own.
          if (resolved.environment !== 'unknown' || LITERAL_ACCOUNT.test(resource)) return { resource, environment: resolved.environment, how: resolved.how };
          this.unplaced[i] = resolved.how;
          return undefined;
        });
    this.perAccount = this.fixed.includes(undefined);
  }

  /** Environments the statement's resources are in (environmentBit), for an identity whose own account is `own`. */
  mask(own: Environment): number {
    return this.forOwn(own).mask;
  }

  byEnvironment(own: Environment): ResourcesByEnvironment {
    const e = this.forOwn(own);
    if (!e.byEnvironment) {
      const found: ResourcesByEnvironment = new Map();
      const resources = this.statement.notResources ? ['*'] : (this.statement.resources ?? []);
      this.fixed.forEach((f, i) => {
        const environment = f?.environment ?? own;
        const resource = resources[i]!;
        let entry = found.get(environment);
        if (!entry) found.set(environment, (entry = { resources: [], everyResource: false }));
        entry.resources.push(resource);
        if (resource === '*') entry.everyResource = true;
      });
      e.byEnvironment = found;
    }
    return e.byEnvironment;
  }

  /** Every resource of an Allow statement, placed, as read by an identity in `accountId`. */
  placed(accountId: string, own: Environment): ResourceReach[] {
    const lists = this.lists(accountId, own);
    return (lists.placed ??= this.place(accountId, own));
  }

  /** The production resources of an Allow statement (empty: it reaches none); the placed list itself when all are. */
  reaching(accountId: string, own: Environment): ResourceReach[] {
    const lists = this.lists(accountId, own);
    if (!lists.reaching) {
      const placed = this.placed(accountId, own);
      lists.reaching = placed.every((r) => isProductionRisk(r.environment)) ? placed : placed.filter((r) => isProductionRisk(r.environment));
    }
    return lists.reaching;
  }

  /** A Deny's own resources, each placed (none for NotResource). */
  denied(accountId: string, own: Environment): ResourceReach[] {
    const lists = this.lists(accountId, own);
    return (lists.denied ??= this.statement.notResources ? [] : this.place(accountId, own));
  }

  /** How evidence reads the statement's indexed resources (`resources`); the same in every account of an environment. */
  on(own: Environment, resources: ResourceReach[]): string {
    const e = this.forOwn(own);
    return (e.on ??= onText(this.statement, resources));
  }

  private forOwn(own: Environment): ForEnvironment {
    let e = this.byOwn.get(own);
    if (!e) {
      let mask = 0;
      for (const f of this.fixed) mask |= environmentBit(f?.environment ?? own);
      this.byOwn.set(own, (e = { mask }));
    }
    return e;
  }

  /** Where the lists for an identity in `accountId` are kept: with the environment's when none names the account. */
  private lists(accountId: string, own: Environment): ForAccount {
    if (!this.perAccount) return this.forOwn(own);
    this.byAccount ??= new Map();
    const key = `${accountId}\u0000${own}`;
    let lists = this.byAccount.get(key);
    if (!lists) this.byAccount.set(key, (lists = {}));
    return lists;
  }

  private place(accountId: string, own: Environment): ResourceReach[] {
    const s = this.statement;
    // Most statements name `*` alone: one list per account for all of them.
    if (s.resources?.length === 1 && s.resources[0] === '*' && !s.notResources) return this.everyResource(accountId, own);
    if (s.notResources) {
      const except = firstFew(s.notResources, printable);
      return [{ resource: '*', environment: own, how: `NotResource: every resource in the identity's own account ${accountId} (${own}) except ${except}` }];
    }
    return (s.resources ?? []).map((resource, i) => {
      const fixed = this.fixed[i];
      if (fixed) return fixed;
      if (resource === '*') return this.everyResource(accountId, own)[0]!;
      return { resource, environment: own, how: `${this.unplaced[i]}, and it names no account: taken to be in the identity's own account ${accountId} (${own})` };
    });
  }
}

/** `*` placed in an account, as a one-resource list (shared: read-only, like every list here). */
type EveryResource = (accountId: string, own: Environment) => ResourceReach[];

interface Placings {
  byStatement: WeakMap<ExpandedStatement, StatementPlacing>;
  byPolicy: WeakMap<ExpandedPolicy, Map<Environment, PolicyPlacing>>;
  everyResource: EveryResource;
}

const placings = new WeakMap<RuleContext['resourceEnvironment'], Placings>();

/** The statement's placing under the context's environment rules, made on first use. */
function placingOf(statement: ExpandedStatement, ctx: RuleContext): StatementPlacing {
  const shared = placingsOf(ctx);
  let placing = shared.byStatement.get(statement);
  if (!placing) shared.byStatement.set(statement, (placing = new StatementPlacing(statement, ctx, shared.everyResource)));
  return placing;
}

function placingsOf(ctx: RuleContext): Placings {
  let shared = placings.get(ctx.resourceEnvironment);
  if (!shared) placings.set(ctx.resourceEnvironment, (shared = { byStatement: new WeakMap(), byPolicy: new WeakMap(), everyResource: everyResourceLists() }));
  return shared;
}

/** What one policy's Allow statements place in one environment. */
export interface PolicyInEnvironment {
  /** Sets whose union is the actions of the statements placing resources here: the policy's own Allow union when all do. */
  sets: SpannedSet[];
  /** The statements placing `*` (or NotResource) here, and whether they are all of `sets`' statements. */
  everyResource: ExpandedStatement[];
  allEveryResource: boolean;
  /** The statement resources placed here, distinct, in statement order. */
  resources: string[];
}

/**
 * A policy's Allow statements placed for identities whose own account is in
 * one environment: which environments they reach (`mask`), which every one
 * of them reaches (`everyStatement`), and what they place in each.
 */
export interface PolicyPlacing {
  /** Each Allow statement's environments, in the policy's order (as EffectiveGrant.statements lists them). */
  statementMasks: number[];
  mask: number;
  everyStatement: number;
  /** By ENVIRONMENT_ORDER index; undefined where nothing is placed. */
  environments: (PolicyInEnvironment | undefined)[];
}

/** The policy's placing for identities of environment `own`: worked out once per policy and environment, not per identity holding it. */
export function policyPlacing(policy: ExpandedPolicy, own: Environment, ctx: RuleContext): PolicyPlacing {
  const { byPolicy } = placingsOf(ctx);
  let byOwn = byPolicy.get(policy);
  if (!byOwn) byPolicy.set(policy, (byOwn = new Map()));
  let placing = byOwn.get(own);
  if (!placing) byOwn.set(own, (placing = placePolicy(policy, own, ctx)));
  return placing;
}

function placePolicy(policy: ExpandedPolicy, own: Environment, ctx: RuleContext): PolicyPlacing {
  const allows = policy.statements.filter((s) => s.effect !== 'Deny');
  let mask = 0;
  let everyStatement = ~0;
  const environments: (PolicyInEnvironment | undefined)[] = [];
  const statementsIn: ExpandedStatement[][] = [];
  const statementMasks: number[] = [];
  for (const s of allows) {
    const m = placingOf(s, ctx).mask(own);
    statementMasks.push(m);
    mask |= m;
    everyStatement &= m;
    ENVIRONMENT_ORDER.forEach((_, e) => {
      if (m & (1 << e)) (statementsIn[e] ??= []).push(s);
    });
  }
  ENVIRONMENT_ORDER.forEach((environment, e) => {
    const statements = statementsIn[e];
    if (!statements) return;
    const everyResource: ExpandedStatement[] = [];
    const resources = new Set<string>();
    for (const s of statements) {
      const here = placingOf(s, ctx).byEnvironment(own).get(environment)!;
      if (here.everyResource) everyResource.push(s);
      for (const r of here.resources) resources.add(r);
    }
    const whole = statements.length === allows.length;
    environments[e] = {
      sets: whole ? [{ actions: policy.compact.allow, span: wordSpan(policy.allow) }] : statements,
      everyResource,
      allEveryResource: everyResource.length === statements.length,
      resources: [...resources],
    };
  });
  return { statementMasks, mask, everyStatement, environments };
}

function everyResourceLists(): EveryResource {
  const lists = new Map<string, ResourceReach[]>();
  return (accountId, own) => {
    const key = `${accountId}\u0000${own}`;
    let list = lists.get(key);
    if (!list) lists.set(key, (list = [{ resource: '*', environment: own, how: `* is every resource in the identity's own account ${accountId} (${own})` }]));
    return list;
  };
}

/** How production-reach reads a statement's resources: which of them count as production, or a Deny's own. */
function onText(s: ExpandedStatement, resources: ResourceReach[]): string {
  if (s.effect === 'Deny') return firstFew(s.resources ?? s.notResources ?? [], printable) || 'its resources';
  const which = resources.every((r) => r.environment === 'production') ? 'production resources' : 'resources that count as production';
  const shown = listText(resources, (r) => (r.resource === '*' ? `* (every resource of the identity's ${r.environment} account)` : printable(r.resource)));
  return `${which} ${shown}`;
}

/** Names `*` alone: placed in the identity's own account, with nothing to look up but that account's list. */
const everyResourceOnly = (s: ExpandedStatement): boolean => !s.notResources && s.resources?.length === 1 && s.resources[0] === '*';

const NOTHING: ResourceReach[] = [];

/**
 * The placings of an identity's statements, read for its account and that
 * account's environment. Statements naming `*` alone (most of them) are
 * answered from the account's one list, without a lookup per statement.
 */
export class AccountReaders {
  private every: ResourceReach[] | undefined;

  constructor(
    private readonly ctx: RuleContext,
    private readonly accountId: string,
    readonly own: Environment,
  ) {}

  /** The production resources of an Allow statement (empty: it reaches none). */
  reaching(s: ExpandedStatement): ResourceReach[] {
    if (everyResourceOnly(s)) return isProductionRisk(this.own) ? this.everyResource() : NOTHING;
    return placingOf(s, this.ctx).reaching(this.accountId, this.own);
  }

  /** A Deny's own resources, each placed. */
  denied(s: ExpandedStatement): ResourceReach[] {
    return everyResourceOnly(s) ? this.everyResource() : placingOf(s, this.ctx).denied(this.accountId, this.own);
  }

  /** How evidence reads a statement's indexed resources. */
  on(s: ExpandedStatement, resources: ResourceReach[]): string {
    return placingOf(s, this.ctx).on(this.own, resources);
  }

  private everyResource(): ResourceReach[] {
    return (this.every ??= placingsOf(this.ctx).everyResource(this.accountId, this.own));
  }
}
