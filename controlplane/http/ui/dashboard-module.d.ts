// The dashboard bundle, built from dashboard/ at Worker build time (see dashboard/build.mjs).
declare module "isthmus:dashboard" {
  const bundle: { js: string; css: string; version: string };
  export default bundle;
}
