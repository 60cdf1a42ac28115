import { describe, expect, it } from "vitest";
import { endpointBindings, workerEndpoints } from "./gateway-endpoints.mjs";
import { DEFAULT_CONFIG_FILES } from "./topology.mjs";

describe("the local gateway's endpoint bindings", () => {
  it("reads every worker:// endpoint of the default config", async () => {
    expect(await workerEndpoints(DEFAULT_CONFIG_FILES)).toEqual(["productpage-v1", "details-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1"]);
  });

  it("binds each to the Worker other configs bind it to, else the Worker named after it, leaving out what nothing serves", () => {
    const workers = [
      { name: "isthmus-gateway", options: { serviceBindings: { ISTHMUS_CONTROL: { name: "isthmus-control", entrypoint: "MeshPeer" }, PRODUCTPAGE_V1: { name: "shop-productpage" } } } },
      { name: "shop-productpage", options: { serviceBindings: { REVIEWS_V1: { name: "team-a-reviews" }, DETAILS_V1: { name: "elsewhere" } } } },
      { name: "team-a-reviews", options: {} },
      { name: "bookinfo-ratings-v1", options: {} },
    ];
    expect(endpointBindings(["productpage-v1", "reviews-v1", "ratings-v1", "details-v1", "reviews-v9"], workers)).toEqual({
      PRODUCTPAGE_V1: "shop-productpage",
      REVIEWS_V1: "team-a-reviews",
      RATINGS_V1: "bookinfo-ratings-v1",
    });
  });
});
