import type { HTTPMatchRequest } from "../../resources/virtual-service.ts";
import type { RouteMatch } from "../traffic/route-table.ts";
import { compileStringMatch } from "../traffic/string-match.ts";

/**
 * The match block that selected a route, for rewrites that replace "the matched part":
 * the named block when the match had a name, else the first block whose uri condition
 * covers the path.
 */
export function matchedBlock(match: RouteMatch, path: string): HTTPMatchRequest | undefined {
  const blocks = match.route.match;
  if (!blocks) return undefined;
  if (match.matchName !== undefined) return blocks.find((block) => block.name === match.matchName);
  return blocks.find((block) => !block.uri || compileStringMatch(block.uri, { ignoreCase: block.ignoreUriCase === true })(path));
}
