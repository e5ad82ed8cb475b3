/**
 * Node 20's iterators lack the ES2025 iterator helpers (`iter.map(...)`), which @jax-js/jax calls on
 * `String.prototype.matchAll` results while parsing einsum specs. Node 22 has them natively; on Node 20 we add
 * the ones a library can reasonably call, on the shared iterator prototype, only where missing.
 */

type AnyIterator = Iterator<unknown> & Iterable<unknown>;

function* mapHelper(this: AnyIterator, fn: (value: unknown, index: number) => unknown) {
  let index = 0;
  for (const value of this) yield fn(value, index++);
}

function* filterHelper(this: AnyIterator, fn: (value: unknown, index: number) => boolean) {
  let index = 0;
  for (const value of this) if (fn(value, index++)) yield value;
}

function* flatMapHelper(this: AnyIterator, fn: (value: unknown, index: number) => Iterable<unknown>) {
  let index = 0;
  for (const value of this) yield* fn(value, index++);
}

function* takeHelper(this: AnyIterator, limit: number) {
  if (limit <= 0) return;
  let taken = 0;
  for (const value of this) {
    yield value;
    if (++taken >= limit) return;
  }
}

function* dropHelper(this: AnyIterator, count: number) {
  let index = 0;
  for (const value of this) if (index++ >= count) yield value;
}

const HELPERS: Readonly<Record<string, (this: AnyIterator, ...args: never[]) => unknown>> = {
  map: mapHelper,
  filter: filterHelper,
  flatMap: flatMapHelper,
  take: takeHelper,
  drop: dropHelper,
  toArray(this: AnyIterator) {
    return [...this];
  },
  forEach(this: AnyIterator, fn: (value: unknown, index: number) => void) {
    let index = 0;
    for (const value of this) fn(value, index++);
  },
  some(this: AnyIterator, fn: (value: unknown, index: number) => boolean) {
    let index = 0;
    for (const value of this) if (fn(value, index++)) return true;
    return false;
  },
  every(this: AnyIterator, fn: (value: unknown, index: number) => boolean) {
    let index = 0;
    for (const value of this) if (!fn(value, index++)) return false;
    return true;
  },
  find(this: AnyIterator, fn: (value: unknown, index: number) => boolean) {
    let index = 0;
    for (const value of this) if (fn(value, index++)) return value;
    return undefined;
  },
  reduce(this: AnyIterator, fn: (acc: unknown, value: unknown, index: number) => unknown, ...initial: unknown[]) {
    let index = 0;
    let acc: unknown;
    let started = initial.length > 0;
    if (started) acc = initial[0];
    for (const value of this) {
      if (!started) {
        acc = value;
        started = true;
      } else acc = fn(acc, value, index);
      index++;
    }
    if (!started) throw new TypeError("Reduce of empty iterator with no initial value");
    return acc;
  }
};

/** Adds the missing helpers; a no-op on runtimes that already have them. */
export function installIteratorHelpers(): void {
  const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
  for (const [name, fn] of Object.entries(HELPERS)) {
    if (name in iteratorPrototype) continue;
    Object.defineProperty(iteratorPrototype, name, {value: fn, writable: true, configurable: true, enumerable: false});
  }
}
