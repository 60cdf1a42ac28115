import { z } from "zod";
import { isMeshOwnedHeader } from "./mesh-headers.ts";

// RFC 9110 §5.6.2: a field name is a token. Anything else makes `Headers` throw at request
// time (a 500 on every request the route matches), or names a pseudo-header Workers never see.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5 field-value characters: visible ASCII, obs-text, space and tab. No CR, LF,
// NUL or other controls (header injection), nothing above U+00FF (`Headers` refuses it).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** An RFC 9110 token: header names, methods, cookie names. */
export const HttpToken = z.string().regex(TOKEN, "must be an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~ (no spaces, colons or controls)");

/** A header a resource reads or matches on. */
export const HeaderName = HttpToken;

/** A header a resource writes (sets, adds, removes, fills from a claim): not one the mesh owns. */
export const WritableHeaderName = HeaderName.refine((name) => !isMeshOwnedHeader(name), {
  error: (issue) => `"${String(issue.input)}" is owned by the mesh (x-isthmus-*, x-forwarded-client-cert, x-spiffe-id): a resource may not write it`,
});

/** A header value a resource writes: RFC 9110 field-value characters only. */
export const HeaderValue = z.string().regex(FIELD_VALUE, "must hold only visible characters, spaces and tabs (no CR, LF, NUL or other controls)");
