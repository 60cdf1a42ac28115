import { z } from "zod";
import { parseEndpointAddress } from "./endpoint-address.ts";
import { ExportTo, NonEmptyString, PortNumber, unsupported } from "./fields.ts";
import { Labels } from "./metadata.ts";
import { publicAddressesOnly } from "./private-address.ts";
import { resourceOf } from "./resource.ts";

const HTTP_PROTOCOLS = ["HTTP", "HTTPS", "HTTP2", "GRPC"];

/** A port protocol the mesh can carry; Istio's names, case-insensitive as in Istio. */
export const HttpProtocol = z.string().refine((p) => HTTP_PROTOCOLS.includes(p.toUpperCase()), {
  error: `must be one of ${HTTP_PROTOCOLS.join(", ")}: Isthmus carries HTTP only`,
});

export const ServicePort = z.strictObject({
  number: PortNumber,
  protocol: HttpProtocol.optional(),
  name: z.string().optional(),
  targetPort: unsupported("targetPort", "an endpoint's address names its port"),
});

export const EndpointAddress = z.string().superRefine((address, ctx) => {
  const target = parseEndpointAddress(address);
  if (typeof target === "string") ctx.addIssue({ code: "custom", message: target });
});

export const WorkloadEntry = z.strictObject({
  address: EndpointAddress,
  ports: unsupported("ports", "an endpoint's address names its port"),
  labels: Labels.optional(),
  network: unsupported("network", "Workers reach every endpoint on one network"),
  locality: unsupported("locality", "Workers have no localities to balance between"),
  weight: z.number().int().min(0).max(4294967295).optional(),
  serviceAccount: z.string().optional(),
});
export type WorkloadEntry = z.infer<typeof WorkloadEntry>;

export const ServiceEntrySpec = z.strictObject({
  hosts: z.array(NonEmptyString).min(1, "must name at least one host"),
  ports: z.array(ServicePort).optional(),
  location: z.enum(["MESH_EXTERNAL", "MESH_INTERNAL"]).optional(),
  resolution: z.enum(["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"]).optional(),
  endpoints: z.array(WorkloadEntry).optional(),
  exportTo: ExportTo.optional(),
  subjectAltNames: unsupported("subjectAltNames", "a mesh endpoint proves the identity of its serviceAccount; origins are verified against their URL's host name"),
  addresses: unsupported("addresses", "virtual IPs do not exist on Workers; services are reached by host name"),
  workloadSelector: unsupported("workloadSelector", "list the endpoints, or register them through the registry API"),
});

export const ServiceEntryResource = resourceOf("ServiceEntry", ServiceEntrySpec).superRefine(
  // http(s) endpoints are fetched by the data plane: never the metadata service or a loopback.
  publicAddressesOnly((resource) =>
    (resource.spec.endpoints ?? []).flatMap((endpoint, i) =>
      /^https?:\/\//i.test(endpoint.address) ? [[["spec", "endpoints", i, "address"], endpoint.address] as [(string | number)[], string]] : [],
    ),
  ),
);
/** An Istio ServiceEntry: a registry entry naming a service's hosts and endpoints. */
export type ServiceEntry = z.infer<typeof ServiceEntryResource>;
