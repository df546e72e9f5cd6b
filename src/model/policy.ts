/**
 * IAM policy language (identity, boundary and trust policies). Real exports
 * write `Action`, `Resource` and friends as a string or an array, and
 * `Statement` as one object or an array: both are accepted everywhere.
 */
export type OneOrMany<T> = T | T[];

export type ConditionValue = OneOrMany<string | number | boolean | null>;
/** operator (e.g. `StringEquals`) -> condition key -> value(s) */
export type ConditionBlock = Record<string, Record<string, ConditionValue>>;

export type Principal = '*' | Record<string, OneOrMany<string>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  Condition?: ConditionBlock;
  Principal?: Principal;
  NotPrincipal?: Principal;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: OneOrMany<PolicyStatement>;
}

export function asArray<T>(value: OneOrMany<T> | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
