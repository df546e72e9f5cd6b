/**
 * `{ ...base, ...extra }` (and `{ ...base, ...a, ...b }`): the same keys in
 * the same order, for objects an audit makes by the thousand and keeps (a
 * suggestion, a service line). On Node 20 an object
 * literal that spreads one object and then adds keys gets a hidden class of
 * its own, ~400 B per object and several times slower to make; copies made
 * by Object.assign onto a fresh object share theirs.
 *
 * For objects of up to ~16 keys: past that, a copy made this way turns into
 * a dictionary (slower and no smaller than a hidden class of its own).
 *
 * For objects whose keys the code chose: Object.assign sets keys on `{}`, so
 * an own `__proto__` key (possible in parsed, hostile input) would set the
 * prototype where a spread makes a property.
 */
export function copyWith<A extends object, B extends object>(base: A, extra: B): Omit<A, keyof B> & B;
export function copyWith<A extends object, B extends object, C extends object>(base: A, extra: B, more: C): Omit<A, keyof B | keyof C> & Omit<B, keyof C> & C;
export function copyWith(base: object, ...extras: object[]): object {
  return Object.assign({}, base, ...extras);
}
