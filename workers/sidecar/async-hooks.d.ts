// The part of node:async_hooks workerd provides under the `nodejs_als` compatibility flag.
// Declared here because the Worker code type-checks against workers-types, not Node's.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
