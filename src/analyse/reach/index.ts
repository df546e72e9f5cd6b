/** The reach graph: who can become whom, and what each identity can reach through chains. */
export { ReachGraph, hopOf, type ChainHit, type ChainTrail, type ReachEdge, type ReachNode, type ReachNodeKind, type Reached } from './graph.js';
export { buildAwsReach, anyPermissionNode, type AwsReach, type ReachPrincipal } from './build-aws.js';
export { findEscalations, grantText, type FoundEscalation, type MethodGrant } from './escalation.js';
