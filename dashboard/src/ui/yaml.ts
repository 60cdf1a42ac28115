// Resources as YAML for reading and diffing, without the fields the server manages.
import { stringify } from "yaml";
import type { Resource } from "../types.ts";

const SERVER_FIELDS = ["resourceVersion", "generation", "creationTimestamp", "uid"];

export function resourceYaml(resource: Resource | null | undefined): string {
  if (!resource) return "";
  const metadata = Object.fromEntries(Object.entries(resource.metadata).filter(([key]) => !SERVER_FIELDS.includes(key)));
  return stringify({ ...resource, metadata }, { lineWidth: 0 });
}
