import { z } from "zod";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes DNS-1123 label: namespaces (at most 63 lower-case letters, digits and `-`). */
export const Dns1123Label = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit");

/** A Kubernetes DNS-1123 subdomain: resource names (at most 253 characters, labels joined by `.`). */
export const Dns1123Subdomain = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(DNS1123_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");

/** Kubernetes labels (`app: reviews`, `version: v2`): keys are qualified names, values strings of at most 63 characters. */
export const Labels = z.record(
  z.string().max(316).regex(LABEL_KEY, "label keys must be qualified names such as app or app.kubernetes.io/name"),
  z.string().max(63, "label values must be at most 63 characters").regex(LABEL_VALUE, "label values must be alphanumeric, '-', '_' or '.'"),
);

/** Kubernetes ObjectMeta, the fields a mesh resource may carry. */
export const ObjectMeta = z.strictObject({
  name: Dns1123Subdomain,
  namespace: Dns1123Label.default("default"),
  labels: Labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().nonnegative().optional(),
  creationTimestamp: z.string().optional(),
  uid: z.string().optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;
