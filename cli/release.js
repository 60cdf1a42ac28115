// The CLI's release: its own package's version (bundled into the published CLI), and the
// package `isthmus inject` makes a Worker import withMesh from, released with it.
import cliPackage from "../packages/cli/package.json" with { type: "json" };
import meshPackage from "../packages/mesh/package.json" with { type: "json" };

export const CLI_VERSION = cliPackage.version;
export const MESH_PACKAGE = meshPackage.name;
/** The dependency `isthmus inject` adds: the data plane of the same release. */
export const MESH_VERSION = meshPackage.version;
