/** The JWS algorithms the data plane verifies end-user JWTs with: asymmetric only (no HS*, no `none`). */
export const JWT_ALGORITHMS: readonly string[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
