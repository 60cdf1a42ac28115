import type { Gateway } from "../../resources/gateway.ts";
import { selectedNamespaces } from "../../resources/gateway-api.ts";
import type { GatewayApiGateway } from "../../resources/gateway-api-gateway.ts";

type Listener = GatewayApiGateway["spec"]["listeners"][number];
type Server = Gateway["spec"]["servers"][number];

/**
 * A Gateway API Gateway as the Istio Gateway it means, so that one server selection and one
 * route binding serve both: each listener a server on its port, whose hosts are the
 * listener's hostname (any when unset) in the namespaces its `allowedRoutes` admits (`./`
 * Same, the default; `*` All; the namespaces a Selector names). No selector: the class
 * `istio` is served by the gateway Worker.
 */
export function gatewaySpecOfGatewayApi(gateway: GatewayApiGateway): Gateway["spec"] {
  return { servers: gateway.spec.listeners.map(serverOf) };
}

function serverOf(listener: Listener): Server {
  const host = listener.hostname ?? "*";
  return {
    name: listener.name,
    port: { number: listener.port, protocol: listener.protocol, name: listener.name },
    hosts: admittedNamespaces(listener).map((namespace) => `${namespace}/${host}`),
    ...(listener.tls ? { tls: tlsOf(listener.tls) } : {}),
  };
}

// Terminate with the first certificateRef (validation allows one) is Istio's SIMPLE with that credential.
function tlsOf(tls: NonNullable<Listener["tls"]>): NonNullable<Server["tls"]> {
  const credential = tls.certificateRefs?.[0]?.name;
  return credential ? { mode: "SIMPLE", credentialName: credential } : { mode: "SIMPLE" };
}

function admittedNamespaces(listener: Listener): string[] {
  const namespaces = listener.allowedRoutes?.namespaces;
  if (namespaces?.from === "All") return ["*"];
  if (namespaces?.from !== "Selector" || !namespaces.selector) return ["."];
  // Validation refused a selector that names no namespace; one without terms names them all.
  return selectedNamespaces(namespaces.selector) ?? ["*"];
}
