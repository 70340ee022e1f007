/**
 * @peculiar/x509 loads tsyringe, which refuses to start without the Reflect metadata API (normally the
 * `reflect-metadata` package, not a dependency here). x509 only registers plain classes, so a minimal
 * in-memory version of the four functions tsyringe calls is enough. Import this before @peculiar/x509.
 */
type Meta = Map<unknown, unknown>;
const store = new WeakMap<object, Meta>();
const R = Reflect as unknown as Record<string, unknown>;

if (typeof R.getMetadata !== 'function') {
  const own = (target: object, key: unknown) => store.get(target)?.get(key);
  R.defineMetadata = (key: unknown, value: unknown, target: object) => {
    const m = store.get(target) ?? new Map();
    m.set(key, value);
    store.set(target, m);
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: object) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const v = own(t, key);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export {};
