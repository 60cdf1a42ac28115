import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { rolloutController } from "../rollout/controller-stub.ts";
import type { Role } from "../roles.ts";
import { analyze, CONTROL_PLANE_KINDS, type AnalysisMemo, type Finding, type Resource, type Rollout } from "../../resources/index.ts";
import { rolloutConflicts, virtualServiceConflicts } from "../../resources/rollout-routes.ts";
import type { VirtualService } from "../../resources/virtual-service.ts";
import { compileSnapshot } from "../../contracts/snapshot/compile.ts";
import type { Snapshot } from "../../contracts/snapshot/schema.ts";
import { isNewer, parseSince } from "../../contracts/snapshot/since.ts";
import type { SnapshotStamp } from "../../contracts/snapshot/stamp.ts";
import { diffStates, latestRevision, listRevisions, readRevision, recordRevision, stateAt, type ChangeAction, type DiffEntry, type RevisionDetail, type RevisionSummary } from "./history.ts";
import { LastKnownGoodWriter } from "./last-known-good.ts";
import { matchesLabels, type LabelRequirement } from "./label-selector.ts";
import { refused, success, type Result } from "../../contracts/refusal.ts";
import * as registry from "./registry.ts";
import { ownerRefusal, registrationRefusal, serviceAccountsOf, type RegistryWriter, type WorkloadIdentity } from "./registry-access.ts";
import { deleteResource, keyOf, keyString, pendingWrite, writeResources, type PendingWrite, type ResourceKey, type StoredRow } from "./resource-store.ts";
import { ResourceIndex } from "./resource-index.ts";
import { migrate } from "./storage-schema.ts";
import * as tokens from "./tokens.ts";
import { bindingPlans, GATEWAY_IDENTITY, unreachableDestinations, type BindingPlan } from "./reachability.ts";
import { freshBindings, recordBindings } from "./workload-bindings.ts";
import type { BindingReport } from "../../contracts/snapshot/binding-report.ts";

export type { EndpointRecord, EndpointRegistration } from "./registry.ts";
export type { TokenRecord } from "./tokens.ts";
export type { RegistryWriter, WorkloadIdentity } from "./registry-access.ts";
export type { DiffEntry, RevisionDetail, RevisionSummary } from "./history.ts";
export type { ResourceKey } from "./resource-store.ts";

/** What apply did (or, in a dry run, would do) to one resource. */
export interface AppliedResource extends ResourceKey {
  action: "created" | "configured" | "unchanged";
  /** The stored resourceVersion after the apply; null for a dry-run create. */
  resourceVersion: string | null;
}

export interface ApplyResult {
  dryRun: boolean;
  /** The revision the apply made; null when nothing changed or in a dry run. */
  revision: number | null;
  resources: AppliedResource[];
  /** Cross-resource findings over the configuration as it stands after the apply. */
  findings: Finding[];
}

export interface RollbackResult {
  target: number;
  revision: number | null;
  changes: Array<ResourceKey & { action: ChangeAction }>;
}

/** One resource change inside a revision, before it is written: `after` with its content worked out, or null to delete. */
interface PlannedChange {
  key: ResourceKey;
  before: StoredRow | null;
  after: PendingWrite | null;
}

/**
 * The mesh's configuration store (one instance, named "mesh"): resources with revisions,
 * the registry of endpoints, API tokens, and the compiled snapshot the data plane pulls.
 * Every write is one SQLite transaction; the snapshot version moves with every change
 * that alters what the data plane sees.
 */
export class MeshControl extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private version: number;
  /** Generated once when this storage is first initialised; see `Snapshot.epoch`. */
  private readonly epoch: string;
  private cached: Snapshot | null = null;
  /** RE2's verdicts on stored regexes, kept between applies (each apply analyzes everything). */
  private readonly analysisMemo: AnalysisMemo = { regexErrors: new Map() };
  private compiling: { version: number; promise: Promise<Snapshot> } | null = null;
  /** When the next healthy endpoint's TTL lapses, and the alarm set for it. */
  private lapseAt: number | null;
  private alarmAt: number | null = null;
  private readonly lastKnownGood: LastKnownGoodWriter;
  private readonly stored: ResourceIndex;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql);
    this.stored = new ResourceIndex(this.sql);
    this.version = Number(this.readMeta("snapshot_version") ?? "1");
    this.epoch = this.readMeta("snapshot_epoch") ?? this.newEpoch();
    this.lapseAt = registry.nextLapse(this.sql);
    this.lastKnownGood = new LastKnownGoodWriter(env.ISTHMUS_SNAPSHOTS, () => this.currentSnapshot());
    // A fresh deploy or a wiped KV gets its copy without waiting for the next change.
    this.lastKnownGood.changed();
  }

  /**
   * Creates or updates resources, all or nothing; refuses with `conflict` on a stale
   * resourceVersion and `rollout_conflict` when two Rollouts would drive one route.
   * `message` replaces the revision's generated one (a rollout controller states its reason).
   */
  apply(resources: Resource[], options: { dryRun?: boolean; actor: string; message?: string }): Result<ApplyResult> {
    const seen = new Map<string, number>();
    // Every row: the analysis needs them all anyway.
    const stored = new Map(this.stored.list().map((row) => [keyString(keyOf(row.resource)), row]));
    const plan = resources.map((resource, index) => {
      const key = keyOf(resource);
      const existing = stored.get(keyString(key)) ?? null;
      const write = pendingWrite(resource, existing);
      const action: AppliedResource["action"] = !existing ? "created" : existing.content === write.content ? "unchanged" : "configured";
      return { index, key, resource, existing, write, action };
    });
    for (const { index, key } of plan) {
      const first = seen.get(keyString(key));
      if (first !== undefined) {
        return refused(422, "invalid_resource", `documents ${first} and ${index} are the same resource`, [
          { path: `documents[${index}].metadata.name`, message: `${keyString(key)} already given by documents[${first}]` },
        ]);
      }
      seen.set(keyString(key), index);
    }
    const conflicts = plan.flatMap(({ index, key, resource, existing }) => {
      const expected = resource.metadata.resourceVersion;
      const current = existing?.resource.metadata.resourceVersion;
      if (expected === undefined || expected === current) return [];
      const message = current === undefined
        ? `is ${expected} but ${keyString(key)} does not exist`
        : `is ${expected} but ${keyString(key)} is at ${current}`;
      return [{ path: `documents[${index}].metadata.resourceVersion`, message }];
    });
    if (conflicts.length > 0) return refused(409, "conflict", "the resource was changed since it was read", conflicts);

    const after = new Map([...stored].map(([key, row]) => [key, row.resource]));
    for (const { key, resource } of plan) after.set(keyString(key), resource);
    const findings = [...analyze([...after.values()], this.analysisMemo), ...this.unreachable([...after.values()])];
    const clashes = rolloutConflicts([...after.values()], plan.flatMap(({ resource }) => (resource.kind === "Rollout" ? [resource as Rollout] : [])));
    if (clashes.length > 0) {
      const indexOf = (name: string) => plan.find(({ key }) => key.kind === "Rollout" && key.name === name)!.index;
      return refused(409, "rollout_conflict", clashes[0]!.message, clashes.map((c) => ({ path: `documents[${indexOf(c.rollout.name)}].spec.virtualService`, message: c.message })));
    }
    const routeClashes = virtualServiceConflicts(
      [...stored.values()].map((row) => row.resource),
      [...after.values()],
      plan.flatMap(({ resource }) => (resource.kind === "VirtualService" ? [resource as VirtualService] : [])),
    );
    if (routeClashes.length > 0) {
      const indexOf = (vs: { namespace: string; name: string }) => plan.find(({ key }) => key.kind === "VirtualService" && key.namespace === vs.namespace && key.name === vs.name)!.index;
      return refused(409, "rollout_conflict", routeClashes[0]!.message, routeClashes.map((c) => ({ path: `documents[${indexOf(c.virtualService)}].spec.http`, message: c.message })));
    }

    const changed = plan.filter((entry) => entry.action !== "unchanged");
    let revision: number | null = null;
    if (!options.dryRun && changed.length > 0) {
      revision = this.commit("apply", options.actor, options.message ?? describe("apply", changed.map((entry) => entry.key)),
        changed.map(({ key, existing, write }) => ({ key, before: existing, after: write })));
    }
    return success({
      dryRun: options.dryRun === true,
      revision,
      findings,
      resources: plan.map(({ key, action, existing }) => ({
        ...key,
        action,
        resourceVersion: action !== "unchanged" && revision !== null ? String(revision) : (existing?.resource.metadata.resourceVersion ?? null),
      })),
    });
  }

  resource(key: ResourceKey): Resource | null {
    return this.stored.get(key)?.resource ?? null;
  }

  /** Resources of a kind and/or namespace (all when unset) whose labels meet `selector`. */
  resources(filter: { kind?: string; namespace?: string; selector?: LabelRequirement[] }): Resource[] {
    return this.stored
      .list(filter)
      .map((row) => row.resource)
      .filter((resource) => matchesLabels(resource.metadata.labels, filter.selector ?? []));
  }

  /** Deletes a resource, optionally only at `resourceVersion`. */
  remove(key: ResourceKey, options: { resourceVersion?: string; actor: string; dryRun?: boolean }): Result<{ revision: number | null; resource: Resource }> {
    const existing = this.stored.get(key);
    if (!existing) return refused(404, "not_found", `${keyString(key)} does not exist`);
    const current = existing.resource.metadata.resourceVersion;
    if (options.resourceVersion !== undefined && options.resourceVersion !== current) {
      return refused(409, "conflict", "the resource was changed since it was read", [
        { path: "metadata.resourceVersion", message: `is ${options.resourceVersion} but ${keyString(key)} is at ${current}` },
      ]);
    }
    const revision = options.dryRun ? null : this.commit("delete", options.actor, describe("delete", [key]), [{ key, before: existing, after: null }]);
    return success({ revision, resource: existing.resource });
  }

  /** Cross-resource findings over everything stored. */
  findings(): Finding[] {
    const resources = this.stored.list().map((row) => row.resource);
    return [...analyze(resources, this.analysisMemo), ...this.unreachable(resources)];
  }

  /** Routes to endpoints a workload that reported its bindings holds no binding for. */
  private unreachable(resources: readonly Resource[]): Finding[] {
    const reported = freshBindings(this.sql, Date.now());
    // Nothing reported, nothing to judge: an apply pays one small query.
    return reported.length === 0 ? [] : unreachableDestinations(resources, registry.listEndpoints(this.sql), reported);
  }

  /** The workloads (`namespace/serviceAccount`) whose reported bindings `destination_unreachable` judges now. */
  bindingReporters(): string[] {
    return [...new Set(freshBindings(this.sql, Date.now()).map((w) => `${w.namespace}/${w.serviceAccount}`))];
  }

  /** Records the binding names a data plane reported with a snapshot pull (its identity attested by the caller). */
  reportBindings(identity: WorkloadIdentity, report: BindingReport): void {
    recordBindings(this.sql, identity, report, Date.now());
  }

  /**
   * What each workload's routes need (see reachability.ts): the `workloads` given, else every
   * binding set reported lately and the gateway (reported or not).
   */
  bindingPlans(workloads?: (WorkloadIdentity & { bindings: BindingReport | null })[]): { workloads: BindingPlan[]; reportedAt: Record<string, string> } {
    const reported = freshBindings(this.sql, Date.now());
    const subjects = workloads ?? [
      ...reported.map(({ namespace, serviceAccount, services, dispatchNamespaces }) => ({ namespace, serviceAccount, bindings: { services, dispatchNamespaces } })),
      ...(reported.some((w) => w.namespace === GATEWAY_IDENTITY.namespace && w.serviceAccount === GATEWAY_IDENTITY.serviceAccount) ? [] : [{ ...GATEWAY_IDENTITY, bindings: null }]),
    ];
    const resources = this.stored.list().map((row) => row.resource);
    return {
      workloads: bindingPlans(resources, registry.listEndpoints(this.sql), subjects),
      reportedAt: Object.fromEntries(reported.map((w) => [`${w.namespace}/${w.serviceAccount}`, w.reportedAt])),
    };
  }

  revisions(options: { limit: number; before?: number }): RevisionSummary[] {
    return listRevisions(this.sql, options);
  }

  revision(number: number): RevisionDetail | null {
    return readRevision(this.sql, number);
  }

  /** Resource-level changes from revision `from` to `to` (default: the latest); 0 is the empty start. */
  diff(from: number, to?: number): Result<{ from: number; to: number; changes: DiffEntry[] }> {
    const latest = latestRevision(this.sql);
    const target = to ?? latest;
    for (const [name, value] of [["from", from], ["to", target]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > latest) {
        return refused(404, "not_found", `revision ${value} does not exist (latest is ${latest})`, [{ path: name, message: "no such revision" }]);
      }
    }
    return success({ from, to: target, changes: diffStates(stateAt(this.sql, from), stateAt(this.sql, target)) });
  }

  /** Restores every resource to its content after revision `target`, as a new revision. */
  rollback(target: number, actor: string): Result<RollbackResult> {
    const latest = latestRevision(this.sql);
    if (!Number.isInteger(target) || target < 1 || target > latest) {
      return refused(404, "not_found", `revision ${target} does not exist (latest is ${latest})`, [{ path: "revision", message: "no such revision" }]);
    }
    const wanted = stateAt(this.sql, target);
    const current = new Map(this.stored.list().map((row) => [keyString(keyOf(row.resource)), row]));
    const changes: PlannedChange[] = [];
    for (const [key, content] of wanted) {
      const row = current.get(key) ?? null;
      if (row?.content === content) continue;
      const resource = JSON.parse(content) as Resource;
      changes.push({ key: keyOf(resource), before: row, after: pendingWrite(resource, row) });
    }
    for (const [key, row] of current) {
      if (!wanted.has(key)) changes.push({ key: keyOf(row.resource), before: row, after: null });
    }
    const revision = changes.length === 0 ? null : this.commit("rollback", actor, `rollback to revision ${target}`, changes);
    return success({
      target,
      revision,
      changes: changes.map(({ key, before, after }) => ({ ...key, action: changeAction(before, after) })),
    });
  }

  /**
   * The snapshot when newer than `since` (a version, or `<epoch>:<version>`; any when unset),
   * else null without compiling anything. A caller holding another epoch's snapshot gets this
   * one whatever the versions. Throws `InvalidSinceError` for a malformed `since`.
   */
  async snapshot(since?: number | string | null): Promise<Snapshot | null> {
    const held = parseSince(since);
    await this.markLapsedEndpoints();
    if (!isNewer({ version: this.version, epoch: this.epoch }, held)) return null;
    return this.currentSnapshot();
  }

  /**
   * The current snapshot's epoch, version and hash: what data planes compare on every check,
   * a few bytes instead of the snapshot (which they fetch by hash when the stamp moves).
   */
  async snapshotStamp(): Promise<SnapshotStamp> {
    await this.markLapsedEndpoints();
    const { version, epoch, hash } = await this.currentSnapshot();
    return { version, hash, ...(epoch ? { epoch } : {}) };
  }

  /** The current snapshot version, cheaply. */
  snapshotVersion(): number {
    return this.version;
  }

  /**
   * Registers an endpoint as `writer`; a data plane only for its own workload identity
   * (`registry_identity_mismatch`, `registry_not_owner`), checked and written in one turn.
   */
  async registerEndpoint(input: registry.EndpointRegistration, writer: RegistryWriter): Promise<Result<registry.EndpointRecord>> {
    const entries = writer.identity ? this.stored.list({ kind: "ServiceEntry", namespace: input.namespace }).map((row) => row.resource) : [];
    const existing = registry.endpointAt(this.sql, input);
    const refusal = registrationRefusal(writer, input, serviceAccountsOf(entries, input.namespace, input.service), existing);
    if (refusal) return refusal;
    const registration = writer.identity ? { ...input, serviceAccount: writer.identity.serviceAccount } : input;
    const { record } = this.registryWrite(() => registry.registerEndpoint(this.sql, registration, writer.actor, Date.now()));
    await this.scheduleLapse();
    return success(record);
  }

  async heartbeat(id: string, writer: RegistryWriter): Promise<Result<registry.EndpointRecord>> {
    const existing = registry.readEndpoint(this.sql, id);
    if (!existing) return refused(404, "not_found", `endpoint ${id} is not registered`);
    const refusal = ownerRefusal(writer, existing);
    if (refusal) return refusal;
    const result = this.registryWrite(() => registry.heartbeat(this.sql, id, Date.now())!);
    await this.scheduleLapse();
    return success(result.record);
  }

  async deregister(id: string, writer: RegistryWriter): Promise<Result<registry.EndpointRecord>> {
    const existing = registry.readEndpoint(this.sql, id);
    if (!existing) return refused(404, "not_found", `endpoint ${id} is not registered`);
    const refusal = ownerRefusal(writer, existing);
    if (refusal) return refusal;
    this.registryWrite(() => ({ changed: registry.deregister(this.sql, id) !== null }));
    await this.scheduleLapse();
    return success(existing);
  }

  async endpoints(filter: { namespace?: string; service?: string } = {}): Promise<registry.EndpointRecord[]> {
    await this.markLapsedEndpoints();
    return registry.listEndpoints(this.sql, filter);
  }

  /** Replaces the SPIFFE IDs the data plane must refuse (set by the CA); answers the snapshot version. */
  setRevokedIdentities(ids: string[]): number {
    const value = JSON.stringify([...new Set(ids)].sort());
    if (value !== (this.readMeta("revoked_identities") ?? "[]")) {
      this.ctx.storage.transactionSync(() => {
        this.writeMeta("revoked_identities", value);
        this.bumpVersion();
      });
    }
    return this.version;
  }

  storeToken(record: tokens.TokenRecord, hash: string): void {
    tokens.storeToken(this.sql, record, hash);
  }

  /** The token whose secret hashes to `hash`, or null; a dataplane token with its workload identity. */
  authenticate(hash: string): { id: string; name: string; role: Role; identity?: WorkloadIdentity } | null {
    const token = tokens.tokenByHash(this.sql, hash);
    if (!token) return null;
    const identity = tokens.identityOf(token);
    return { id: token.id, name: token.name, role: token.role, ...(identity ? { identity } : {}) };
  }

  tokens(): tokens.TokenRecord[] {
    return tokens.listTokens(this.sql);
  }

  revokeToken(id: string): boolean {
    return tokens.revokeToken(this.sql, id);
  }

  /** Liveness facts for /readyz. */
  status(): { revision: number; snapshotVersion: number } {
    return { revision: latestRevision(this.sql), snapshotVersion: this.version };
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.markLapsedEndpoints(true);
    // Compile now so the next pull after a lapse is answered at once.
    await this.currentSnapshot();
  }

  private commit(operation: RevisionSummary["operation"], actor: string, message: string, changes: PlannedChange[]): number {
    let written: StoredRow[] = [];
    const revision = this.ctx.storage.transactionSync(() => {
      const number = latestRevision(this.sql) + 1;
      const now = new Date().toISOString();
      recordRevision(
        this.sql,
        { number, createdAt: now, actor, operation, message },
        changes.map(({ key, before, after }) => ({
          ...key,
          action: changeAction(before, after),
          before: before?.content ?? null,
          after: after?.content ?? null,
        })),
      );
      written = writeResources(this.sql, changes.flatMap(({ after }) => (after ? [after] : [])), number, now);
      for (const { key, after } of changes) if (!after) deleteResource(this.sql, key);
      // A Rollout alone changes nothing the data plane sees.
      if (changes.some(({ key }) => !CONTROL_PLANE_KINDS.has(key.kind))) this.bumpVersion();
      return number;
    });
    // Only now: a transaction that threw wrote nothing, so the index keeps what was there.
    this.stored.committed(written, changes.flatMap(({ key, after }) => (after ? [] : [key])));
    this.wakeRollouts(changes.map(({ key }) => key));
    return revision;
  }

  /** Tells the controller of each changed Rollout to re-read it (start, restart on a new spec, stop when deleted). */
  private wakeRollouts(keys: ResourceKey[]): void {
    for (const key of keys.filter((k) => k.kind === "Rollout")) {
      const controller = rolloutController(this.env, key.namespace, key.name);
      if (!controller) return;
      const wake = controller.wake(key.namespace, key.name);
      this.ctx.waitUntil(Promise.resolve(wake).catch((error: unknown) => console.error(JSON.stringify({ msg: "rollout controller wake failed", rollout: keyString(key), error: String(error) }))));
    }
  }

  private registryWrite<T extends { changed: boolean }>(write: () => T): T {
    return this.ctx.storage.transactionSync(() => {
      const result = write();
      if (result.changed) this.bumpVersion();
      return result;
    });
  }

  /** Inside a transaction: the data plane must see a new snapshot. */
  private bumpVersion(): void {
    this.writeMeta("snapshot_version", String(this.version + 1));
    this.version += 1;
    this.lastKnownGood.changed();
  }

  private currentSnapshot(): Promise<Snapshot> {
    const version = this.version;
    if (this.cached?.version === version) return Promise.resolve(this.cached);
    if (this.compiling?.version === version) return this.compiling.promise;
    const stored = this.sql.exec<{ body: string }>(`SELECT body FROM snapshots WHERE version = ?`, version).toArray()[0];
    if (stored) {
      // Snapshots stored before epochs existed get this storage's epoch.
      this.cached = { ...(JSON.parse(stored.body) as Snapshot), epoch: this.epoch };
      return Promise.resolve(this.cached);
    }
    // Read everything now, in this synchronous turn, so the snapshot is exactly `version`.
    const promise = compileSnapshot({
      version,
      epoch: this.epoch,
      generatedAt: new Date().toISOString(),
      trustDomain: this.env.ISTHMUS_TRUST_DOMAIN || "cluster.local",
      resources: this.stored.list().filter((row) => !CONTROL_PLANE_KINDS.has(row.resource.kind)).map((row) => row.resource as never),
      endpoints: registry.listEndpoints(this.sql),
      revokedIdentities: JSON.parse(this.readMeta("revoked_identities") ?? "[]") as string[],
    }).then((snapshot) => {
      if (this.version === version) {
        this.ctx.storage.transactionSync(() => {
          this.sql.exec(`DELETE FROM snapshots`);
          this.sql.exec(`INSERT INTO snapshots (version, body) VALUES (?, ?)`, version, JSON.stringify(snapshot));
        });
        this.cached = snapshot;
      }
      return snapshot;
    });
    this.compiling = { version, promise };
    void promise.finally(() => {
      if (this.compiling?.promise === promise) this.compiling = null;
    });
    return promise;
  }

  /** Marks endpoints silent past their TTL unhealthy (a new snapshot version) and re-arms the alarm. */
  private async markLapsedEndpoints(force = false): Promise<void> {
    const now = Date.now();
    if (!force && (this.lapseAt === null || now < this.lapseAt)) return;
    this.ctx.storage.transactionSync(() => {
      if (registry.markLapsed(this.sql, now) > 0) this.bumpVersion();
    });
    await this.scheduleLapse();
  }

  private async scheduleLapse(): Promise<void> {
    this.lapseAt = registry.nextLapse(this.sql);
    if (this.lapseAt === this.alarmAt) return;
    if (this.lapseAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(this.lapseAt);
    this.alarmAt = this.lapseAt;
  }

  private newEpoch(): string {
    const epoch = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    this.writeMeta("snapshot_epoch", epoch);
    return epoch;
  }

  private readMeta(key: string): string | null {
    return this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
  }

  private writeMeta(key: string, value: string): void {
    this.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }
}

function changeAction(before: StoredRow | null, after: PendingWrite | null): ChangeAction {
  return !before ? "created" : after ? "configured" : "deleted";
}

function describe(operation: string, keys: ResourceKey[]): string {
  const names = keys.slice(0, 3).map(keyString).join(", ");
  return keys.length > 3 ? `${operation} ${names} and ${keys.length - 3} more` : `${operation} ${names}`;
}
